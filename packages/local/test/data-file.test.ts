import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DataFile } from "../src/data-file.js";

describe("DataFile", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cp-data-file-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("coalesces a burst of changes into few writes, ending with the latest state, atomically", async () => {
    let state = 0;
    let bodies = 0;
    const errors: unknown[] = [];
    const file = new DataFile(
      dir,
      "state.json",
      () => {
        bodies++;
        return JSON.stringify({ state });
      },
      (e) => errors.push(e),
    );
    for (let i = 1; i <= 200; i++) {
      state = i;
      file.save();
    }
    await file.flush();
    expect(bodies).toBeLessThanOrEqual(2);
    expect(JSON.parse(await readFile(join(dir, "state.json"), "utf8"))).toEqual({ state: 200 });
    expect(await readdir(dir)).toEqual(["state.json"]);
    expect((await stat(join(dir, "state.json"))).mode & 0o777).toBe(0o600);
    expect(await file.read()).toEqual({ state: 200 });
    expect(errors).toEqual([]);
  });

  it("writes changes made while a write runs, in order", async () => {
    let state = "a";
    const file = new DataFile(
      dir,
      "order.json",
      () => JSON.stringify(state),
      () => {},
    );
    file.save();
    await Promise.resolve();
    state = "b";
    file.save();
    await file.flush();
    expect(JSON.parse(await readFile(join(dir, "order.json"), "utf8"))).toBe("b");
  });

  it("reports a failed write and writes again on the next change", async () => {
    let fail = true;
    const errors: unknown[] = [];
    const file = new DataFile(
      dir,
      "retry.json",
      () => {
        if (fail) throw new Error("disk full");
        return JSON.stringify("ok");
      },
      (e) => errors.push(e),
    );
    file.save();
    await file.flush();
    expect(errors).toHaveLength(1);
    expect(await file.read()).toBeUndefined();
    fail = false;
    file.save();
    await file.flush();
    expect(await file.read()).toBe("ok");
  });

  it("writes again at a flush (the stack's stop) after a failed write with no change since", async () => {
    // Review of 8379972: the docs say each file is written on stack.stop();
    // a stop right after a failed write (a full disk that has room again)
    // flushed nothing, and the last change was lost.
    let fail = true;
    const errors: unknown[] = [];
    const file = new DataFile(
      dir,
      "stop.json",
      () => {
        if (fail) throw new Error("disk full");
        return JSON.stringify("latest");
      },
      (e) => errors.push(e),
    );
    file.save();
    await file.flush();
    expect(errors).toHaveLength(1);
    fail = false;
    await file.flush();
    expect(await file.read()).toBe("latest");
    // Once written, a flush writes nothing more.
    fail = true;
    await file.flush();
    expect(errors).toHaveLength(1);
  });

  it("does nothing without a folder", async () => {
    let bodies = 0;
    const file = new DataFile(
      undefined,
      "none.json",
      () => String(++bodies),
      () => {},
    );
    file.save();
    await file.flush();
    expect(bodies).toBe(0);
    expect(await file.read()).toBeUndefined();
  });
});
