import { mkdtemp, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetTokensFromRefreshTokenCommand } from "@aws-sdk/client-cognito-identity-provider";
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
    const stack = (await runCli(["--no-throttle"], io)) as LocalStack;
    // Assess
    const printed = out.join("");
    for (const line of [
      stack.endpoint,
      stack.userPoolId,
      stack.clientId,
      `${stack.sesEndpoint}/`,
      stack.jwksUrl,
      `Access key id      ${stack.credentials.accessKeyId}`,
      `Secret access key  ${stack.credentials.secretAccessKey}`,
    ]) {
      expect(printed).toContain(line);
    }
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

  it("draws the port, the ids and the admin credentials at random per start", async () => {
    // Act: two stacks side by side, no options
    const first = fakeIo();
    const second = fakeIo();
    const a = (await runCli([], first.io)) as LocalStack;
    const b = (await runCli([], second.io)) as LocalStack;
    try {
      // Assess: nothing a page on the web could guess, and no fixed port
      expect(new URL(a.endpoint).port).not.toBe("8790");
      expect(a.endpoint).not.toBe(b.endpoint);
      expect(a.userPoolId).not.toBe(b.userPoolId);
      expect(a.clientId).not.toBe(b.clientId);
      expect(a.userPoolId).not.toBe("us-east-1_localpool");
      expect(a.credentials.accessKeyId).toMatch(/^LOCAL[A-Z0-9]{15}$/);
      expect(a.credentials.secretAccessKey).toHaveLength(40);
      expect(a.credentials.accessKeyId).not.toBe(b.credentials.accessKeyId);
      expect(a.credentials.secretAccessKey).not.toBe(b.credentials.secretAccessKey);
    } finally {
      first.signals.get("SIGTERM")!();
      second.signals.get("SIGTERM")!();
      expect(await first.exit).toBe(0);
      expect(await second.exit).toBe(0);
    }
  });

  it("answers the --cors-origin origins (repeatable) and no other", async () => {
    const { io, out, signals, exit } = fakeIo();
    const origins = ["http://localhost:5173", "http://127.0.0.1:3000"];
    const stack = (await runCli(
      ["--cors-origin", origins[0]!, "--cors-origin", origins[1]!],
      io,
    )) as LocalStack;
    try {
      const preflight = (origin: string) =>
        fetch(`${stack.endpoint}/`, {
          method: "OPTIONS",
          headers: { Origin: origin, "Access-Control-Request-Method": "POST" },
        });
      for (const origin of origins) {
        const response = await preflight(origin);
        expect(response.status).toBe(204);
        expect(response.headers.get("access-control-allow-origin")).toBe(origin);
      }
      const other = await preflight("http://localhost:8080");
      expect(other.status).toBe(403);
      expect(other.headers.get("access-control-allow-origin")).toBeNull();
      expect(out.join("")).toContain(`CORS origins       ${origins.join(", ")}`);
    } finally {
      signals.get("SIGTERM")!();
      expect(await exit).toBe(0);
    }
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

  it("--refresh-token-rotation [--retry-grace-period-seconds <n>] rotates the app client's refresh tokens", async () => {
    // Prepare
    const { io, out, signals, exit } = fakeIo();
    const stack = (await runCli(
      ["--port", "0", "--refresh-token-rotation", "--retry-grace-period-seconds", "5"],
      io,
    )) as LocalStack;
    try {
      const signedIn = (await passcodeSignUpAndSignIn(stack, "rae@example.com", "rae"))
        .AuthenticationResult!;
      const rotate = () =>
        sdkClient(stack).send(
          new GetTokensFromRefreshTokenCommand({
            ClientId: stack.clientId,
            RefreshToken: signedIn.RefreshToken!,
          }),
        );
      // Act + Assess: a new refresh token; the old one for 5 seconds more
      expect((await rotate()).AuthenticationResult?.RefreshToken).toEqual(expect.any(String));
      stack.clock.advance(4_000);
      expect((await rotate()).AuthenticationResult?.RefreshToken).toEqual(expect.any(String));
      stack.clock.advance(1_000);
      await expect(rotate()).rejects.toMatchObject({ name: "RefreshTokenReuseException" });
      await expect(refreshWith(stack, signedIn.RefreshToken!)).rejects.toMatchObject({
        name: "InvalidParameterException",
      });
      expect(out.join("")).toContain("Refresh tokens     rotated, 5 s grace");
    } finally {
      signals.get("SIGTERM")!();
      expect(await exit).toBe(0);
    }
  });

  it("refuses --retry-grace-period-seconds without --refresh-token-rotation, or outside 0-60", async () => {
    for (const argv of [
      ["--retry-grace-period-seconds", "5"],
      ["--refresh-token-rotation", "--retry-grace-period-seconds", "61"],
    ]) {
      const bad = fakeIo();
      expect(await runCli(argv, bad.io)).toBeUndefined();
      expect(await bad.exit).toBe(2);
      expect(bad.err.join("")).toContain("--retry-grace-period-seconds");
    }
  });

  it("--data: the same pool after a restart: port, ids, credentials, and refresh tokens", async () => {
    // Prepare: sign in, then stop with SIGINT
    const dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-cli-"));
    try {
      const first = fakeIo();
      const before = (await runCli(["--data", dir], first.io)) as LocalStack;
      const signedIn = await passcodeSignUpAndSignIn(before, "mae@example.com", "mae");
      const refreshToken = signedIn.AuthenticationResult!.RefreshToken!;
      first.signals.get("SIGINT")!();
      expect(await first.exit).toBe(0);
      // Act: start again on the same folder and port
      const second = fakeIo();
      const after = (await runCli(["--data", dir], second.io)) as LocalStack;
      try {
        const refreshed = await refreshWith(after, refreshToken);
        // Assess
        expect(refreshed.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
        expect(after.endpoint).toBe(before.endpoint);
        expect([after.userPoolId, after.clientId]).toEqual([before.userPoolId, before.clientId]);
        expect(after.credentials).toEqual(before.credentials);
        const mode = (await stat(join(dir, "stack.json"))).mode & 0o777;
        expect(mode).toBe(0o600);
        expect(second.out.join("")).toContain(`Data folder        ${dir}`);
      } finally {
        second.signals.get("SIGTERM")!();
        expect(await second.exit).toBe(0);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("--inbox-port: the web inbox and its JSON on the same port at every start; a taken port fails the start", async () => {
    // Prepare: a port that was free a moment ago
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as { port: number }).port;
    await new Promise<void>((resolve) => holder.close(() => resolve()));
    const first = fakeIo();

    // Act: start, send a code, read the inbox's JSON, stop; start again with the same port
    const stack = (await runCli(["--inbox-port", String(port)], first.io)) as LocalStack;
    let store: {
      emails: {
        messageId: string;
        destination: { to: string[] };
        subject: string;
        body: { text: string; html: string };
        at: number;
      }[];
    };
    try {
      await signUp(stack, "ina@example.com");
      await startCustomAuth(stack, sdkClient(stack), "ina@example.com");
      store = await (await fetch(`http://127.0.0.1:${port}/store`)).json();
    } finally {
      first.signals.get("SIGTERM")!();
      expect(await first.exit).toBe(0);
    }
    const second = fakeIo();
    const again = (await runCli(["--inbox-port", String(port)], second.io)) as LocalStack;
    second.signals.get("SIGTERM")!();
    expect(await second.exit).toBe(0);
    // The port is held by someone else now.
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
    const taken = runCli(["--inbox-port", String(port)], fakeIo().io);
    const failure = await taken.catch((error: unknown) => error);
    await new Promise<void>((resolve) => holder.close(() => resolve()));

    // Assess
    expect(stack.sesEndpoint).toBe(`http://127.0.0.1:${port}`);
    expect(first.out.join("")).toContain(`Web inbox (SES)    http://127.0.0.1:${port}/`);
    expect(again.sesEndpoint).toBe(stack.sesEndpoint);
    const mail = store.emails.find((email) => email.destination.to.includes("ina@example.com"));
    expect(mail).toMatchObject({
      messageId: expect.any(String),
      subject: expect.any(String),
      at: expect.any(Number),
    });
    expect(mail?.body.text).toMatch(/\b\d{6}\b/);
    expect(mail?.body.html).toContain("<");
    expect(failure).toMatchObject({ code: "CONFIGURATION_ERROR" });
    expect(String((failure as Error).message)).toContain("inboxPort");
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
