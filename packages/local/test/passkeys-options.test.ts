import { isPasscodeError } from "@cognito-passcode/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LocalStack, LocalStackOptions } from "../src/index.js";
import { resolveOptions } from "../src/resolve-options.js";
import { type CliIo, runCli } from "../src/run-cli.js";

function fieldOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (isPasscodeError(error) && error.code === "CONFIGURATION_ERROR") {
      return (error.details as { field?: string } | undefined)?.field;
    }
    throw error;
  }
  return undefined;
}

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => {
    exited = resolve;
  });
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    onSignal: () => {},
    exit: (code) => exited(code),
  };
  return { io, out, err, exit };
}

describe("triggers.passkeys (startLocalStack)", () => {
  it("is off unless given; given, rpName defaults to the RP id and required to false", () => {
    expect(resolveOptions().passkeys).toBeUndefined();
    expect(resolveOptions({ triggers: { passkeys: false } }).passkeys).toBeUndefined();
    expect(
      resolveOptions({
        triggers: { passkeys: { rpId: "localhost", origins: ["http://localhost:5173"] } },
      }).passkeys,
    ).toEqual({
      rpId: "localhost",
      origins: ["http://localhost:5173"],
      rpName: "localhost",
      required: false,
    });
    expect(
      resolveOptions({
        triggers: {
          passkeys: {
            rpId: "example.com",
            origins: ["https://app.example.com", "https://example.com"],
            rpName: "Example",
            required: true,
            maxAttempts: 5,
          },
        },
      }).passkeys,
    ).toMatchObject({ rpName: "Example", required: true, maxAttempts: 5 });
  });

  it.each<[unknown, string]>([
    ["on", "triggers.passkeys"],
    [{ origins: ["http://localhost:5173"] }, "triggers.passkeys.rpId"],
    [{ rpId: "127.0.0.1", origins: ["http://127.0.0.1:5173"] }, "triggers.passkeys.rpId"],
    [{ rpId: "[::1]", origins: ["http://[::1]:5173"] }, "triggers.passkeys.rpId"],
    [{ rpId: "LocalHost", origins: ["http://localhost:5173"] }, "triggers.passkeys.rpId"],
    [{ rpId: "localhost" }, "triggers.passkeys.origins"],
    [{ rpId: "localhost", origins: [] }, "triggers.passkeys.origins"],
    [{ rpId: "localhost", origins: "http://localhost:5173" }, "triggers.passkeys.origins"],
    [{ rpId: "localhost", origins: ["http://localhost:5173/"] }, "triggers.passkeys.origins"],
    [{ rpId: "localhost", origins: ["http://127.0.0.1:5173"] }, "triggers.passkeys.origins"],
    [{ rpId: "example.com", origins: ["http://example.com"] }, "triggers.passkeys.origins"],
    [{ rpId: "example.com", origins: ["https://evil-example.com"] }, "triggers.passkeys.origins"],
    [
      { rpId: "example.com", origins: ["https://example.com.evil.io"] },
      "triggers.passkeys.origins",
    ],
    [
      { rpId: "localhost", origins: ["http://localhost:5173"], rpName: " " },
      "triggers.passkeys.rpName",
    ],
    [
      { rpId: "localhost", origins: ["http://localhost:5173"], required: "yes" },
      "triggers.passkeys.required",
    ],
  ])("refuses %j with a CONFIGURATION_ERROR naming %s", (passkeys, field) => {
    const options = { triggers: { passkeys } } as unknown as LocalStackOptions;
    expect(fieldOf(() => resolveOptions(options))).toBe(field);
  });

  it("property: an origin is accepted only when its host is the RP id or a subdomain of it", () => {
    const label = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
    fc.assert(
      fc.property(label, label, label, fc.boolean(), (rp, other, sub, underRp) => {
        const rpId = `${rp}.com`;
        const host = underRp ? `${sub}.${rpId}` : `${other}${sub}x.net`;
        const accepted =
          fieldOf(() =>
            resolveOptions({ triggers: { passkeys: { rpId, origins: [`https://${host}`] } } }),
          ) === undefined;
        expect(accepted).toBe(underRp);
      }),
      { numRuns: 200 },
    );
  });
});

describe("cognito-passcode-local --passkeys-*", () => {
  it.each<[string[], string]>([
    [["--passkeys-origin", "http://localhost:5173"], "--passkeys-origin needs --passkeys-rp-id"],
    [["--passkeys-required"], "--passkeys-required needs --passkeys-rp-id"],
    [["--passkeys-rp-id", "localhost"], "--passkeys-rp-id needs at least one --passkeys-origin"],
  ])("%j: usage error (exit 2)", async (argv, message) => {
    const { io, err, exit } = fakeIo();
    expect(await runCli(argv, io)).toBeUndefined();
    expect(await exit).toBe(2);
    expect(err.join("")).toContain(message);
  });

  it("refuses an IP address as RP id with the stack's CONFIGURATION_ERROR, before anything starts", async () => {
    const { io } = fakeIo();
    await expect(
      runCli(["--passkeys-rp-id", "127.0.0.1", "--passkeys-origin", "http://127.0.0.1:5173"], io),
    ).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
      details: { field: "triggers.passkeys.rpId" },
    });
  });

  it("says in --help and at start whether passkeys are on", async () => {
    const help = fakeIo();
    await runCli(["--help"], help.io);
    expect(help.out.join("")).toContain("--passkeys-rp-id <id>");
    const off = fakeIo();
    const plain = (await runCli(["--no-throttle"], off.io)) as LocalStack;
    try {
      expect(off.out.join("")).toContain("Passkeys           off");
    } finally {
      await plain.stop();
    }
  });
});
