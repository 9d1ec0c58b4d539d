import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { LocalStack } from "../src/index.js";
import { type CliIo, runCli } from "../src/run-cli.js";
import { sdkClient } from "./support/clients.js";
import { passcodeSignUpAndSignIn, refreshWith, signUp, startCustomAuth } from "./support/flow.js";

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new Map<string, () => void>();
  let exited: (code: number) => void = () => {};
  const exit = new Promise<number>((resolve) => {
    exited = resolve;
  });
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    onSignal: (signal, handler) => signals.set(signal, handler),
    exit: (code) => exited(code),
  };
  return { io, out, err, signals, exit };
}

describe("cognito-passcode-local", () => {
  it("starts the stack, prints its endpoints and stops cleanly on SIGINT", async () => {
    // Prepare
    const { io, out, signals, exit } = fakeIo();
    // Act
    const stack = (await runCli(["--port", "0", "--no-throttle"], io)) as LocalStack;
    // Assess
    const printed = out.join("");
    for (const line of [
      stack.endpoint,
      stack.userPoolId,
      stack.clientId,
      `${stack.sesEndpoint}/`,
      stack.jwksUrl,
    ]) {
      expect(printed).toContain(line);
    }
    expect(stack.userPoolId).toBe("us-east-1_localpool");
    expect(stack.clientId).toBe("cognitopasscodelocalclient");
    // --no-throttle: two codes in a row go out.
    const client = sdkClient(stack);
    await signUp(stack, "kai@example.com", client);
    for (let i = 0; i < 2; i++) {
      await startCustomAuth(stack, client, "kai@example.com");
    }
    expect(stack.mailbox.messages("kai@example.com")).toHaveLength(2);
    signals.get("SIGINT")!();
    expect(await exit).toBe(0);
    await expect(fetch(`${stack.endpoint}/health`)).rejects.toThrow();
  });

  it("applies --code-ttl-seconds", async () => {
    const { io, signals, exit } = fakeIo();
    const stack = (await runCli(["--port", "0", "--code-ttl-seconds", "60"], io)) as LocalStack;
    const client = sdkClient(stack);
    await signUp(stack, "lee@example.com", client);
    const started = await startCustomAuth(stack, client, "lee@example.com");
    const expiresAt = Number(started.ChallengeParameters!.expiresAt);
    expect(expiresAt - stack.clock.now()).toBeLessThanOrEqual(60_000);
    expect(expiresAt - stack.clock.now()).toBeGreaterThan(55_000);
    signals.get("SIGTERM")!();
    expect(await exit).toBe(0);
  });

  it("--data: a refresh token issued before a restart still refreshes after it", async () => {
    // Prepare: sign in, then stop with SIGINT
    const dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-cli-"));
    try {
      const first = fakeIo();
      const before = (await runCli(["--port", "0", "--data", dir], first.io)) as LocalStack;
      const signedIn = await passcodeSignUpAndSignIn(before, "mae@example.com", "mae");
      const refreshToken = signedIn.AuthenticationResult!.RefreshToken!;
      first.signals.get("SIGINT")!();
      expect(await first.exit).toBe(0);
      // Act: start again on the same folder and port
      const second = fakeIo();
      const port = new URL(before.endpoint).port;
      const after = (await runCli(["--port", port, "--data", dir], second.io)) as LocalStack;
      try {
        const refreshed = await refreshWith(after, refreshToken);
        // Assess
        expect(refreshed.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
        expect(second.out.join("")).toContain(`Data folder        ${dir}`);
      } finally {
        second.signals.get("SIGTERM")!();
        expect(await second.exit).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("prints help, and exits 2 on a bad option", async () => {
    const help = fakeIo();
    expect(await runCli(["--help"], help.io)).toBeUndefined();
    expect(help.out.join("")).toContain("--data <dir>");
    const dashed = fakeIo();
    expect(await runCli(["--", "--help"], dashed.io)).toBeUndefined();
    expect(dashed.out.join("")).toContain("--data <dir>");
    const bad = fakeIo();
    expect(await runCli(["--port", "abc"], bad.io)).toBeUndefined();
    expect(await bad.exit).toBe(2);
    expect(bad.err.join("")).toContain("--port must be a whole number");
  });
});
