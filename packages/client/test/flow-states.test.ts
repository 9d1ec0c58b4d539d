import { createPasscodeClient, type PasscodeSnapshot } from "@cognito-passcode/client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStorage } from "./helpers/memory-storage.js";
import {
  codeStep,
  cognitoError,
  flush,
  scriptedTransport,
  tokensFor,
  usernameStep,
} from "./helpers/scripted-transport.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const KEY = "cognito-passcode.c1.refreshToken";

function setup(extra: Record<string, unknown> = {}) {
  const script = scriptedTransport();
  const client = createPasscodeClient({
    clientId: "c1",
    transport: script.transport,
    autoSignUp: false,
    now: () => Date.UTC(2030, 0, 1) - 60_000,
    ...extra,
  });
  return { client, script };
}

type Ctx = ReturnType<typeof setup>;

/** The screens a test can bring the client to, each with no request in flight. */
const SCREENS = {
  signedOut: async (_: Ctx) => {},
  awaitingCode: async ({ client, script }: Ctx) => {
    const p = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await p;
  },
  codeSpent: async ({ client, script }: Ctx) => {
    const p = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep(1));
    await p;
    const q = client.submitCode("111111");
    script.take("respondToAuthChallenge").reject(cognitoError("NotAuthorizedException"));
    await q;
  },
  awaitingUsername: async (ctx: Ctx) => {
    await SCREENS.awaitingCode(ctx);
    const p = ctx.client.submitCode("123456");
    ctx.script.take("respondToAuthChallenge").resolve(usernameStep());
    await p;
  },
  signedIn: async (ctx: Ctx) => {
    await SCREENS.awaitingCode(ctx);
    const p = ctx.client.submitCode("123456");
    ctx.script
      .take("respondToAuthChallenge")
      .resolve({ type: "tokens", tokens: tokensFor(claims, 3600, "rt-1") });
    await p;
  },
} as const;
type Screen = keyof typeof SCREENS;

/** Each flow call, with input that is valid for the screen that takes it. */
const CALLS = {
  requestCode: (c: Ctx["client"]) => c.requestCode("bob@example.com"),
  resendCode: (c: Ctx["client"]) => c.resendCode(),
  submitCode: (c: Ctx["client"]) => c.submitCode("654321"),
  submitUsername: (c: Ctx["client"]) => c.submitUsername("bobby"),
  reset: async (c: Ctx["client"]) => c.reset(),
} as const;
type Call = keyof typeof CALLS;

/** Where each call acts; everywhere else it must say INVALID_STATE. */
const ALLOWED: Record<Call, readonly Screen[]> = {
  requestCode: ["signedOut", "awaitingCode", "codeSpent"],
  resendCode: ["awaitingCode", "codeSpent"],
  submitCode: ["awaitingCode"],
  submitUsername: ["awaitingUsername"],
  reset: ["signedOut", "awaitingCode", "codeSpent", "awaitingUsername"],
};

describe("no silent no-ops", () => {
  it("every flow call on every screen either acts or resolves with INVALID_STATE naming the state", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...(Object.keys(SCREENS) as Screen[])),
        fc.constantFrom(...(Object.keys(CALLS) as Call[])),
        async (screen, call) => {
          const ctx = setup();
          await SCREENS[screen](ctx);
          const before = ctx.client.getSnapshot();
          const sentBefore = ctx.script.calls.length;
          const result = CALLS[call](ctx.client);
          await flush();
          const sent = ctx.script.calls.length - sentBefore;
          // Let whatever was sent fail, so the call settles.
          for (const pending of ctx.script.calls.splice(0)) {
            pending.reject(cognitoError("InternalErrorException"));
          }
          const after = await result;
          expect(after).toBe(ctx.client.getSnapshot());
          if (ALLOWED[call].includes(screen)) {
            // Acting: a request went out, or (reset) the email form, without error.
            if (call === "reset") expect(after).toEqual({ status: "signedOut" });
            else expect(sent).toBeGreaterThan(0);
            expect(after.error?.code).not.toBe("INVALID_STATE");
          } else {
            expect(sent).toBe(0);
            expect(after.status).toBe(before.status);
            expect(after.error).toEqual({
              code: "INVALID_STATE",
              message: "INVALID_STATE",
              cause: before.status,
            });
          }
        },
      ),
      // Every pair first (60 random draws of 25 pairs left ~2 of them unchecked on a run).
      {
        numRuns: 60,
        examples: (Object.keys(SCREENS) as Screen[]).flatMap((screen) =>
          (Object.keys(CALLS) as Call[]).map((call): [Screen, Call] => [screen, call]),
        ),
      },
    );
  });

  it("submitCode while signed out says INVALID_STATE and sends nothing", async () => {
    const { client, script } = setup();
    const seen: PasscodeSnapshot[] = [];
    client.subscribe(() => seen.push(client.getSnapshot()));
    const s = await client.submitCode("123456");
    expect(s).toEqual({
      status: "signedOut",
      error: { code: "INVALID_STATE", message: "INVALID_STATE", cause: "signedOut" },
    });
    // Listeners hear it like any other error.
    expect(seen).toEqual([s]);
    expect(script.calls).toHaveLength(0);
  });

  it("reset() while signed in keeps the session and says INVALID_STATE", async () => {
    const ctx = setup();
    await SCREENS.signedIn(ctx);
    const s = ctx.client.reset();
    expect(s).toMatchObject({ status: "signedIn", error: { code: "INVALID_STATE" } });
    expect(await ctx.client.getTokens()).not.toBeNull();
  });
});

describe("calls made while restoring wait for the restore, then act", () => {
  it("requestCode on page load with nothing stored sends the code once the restore ends", async () => {
    const { client, script } = setup({ storage: memoryStorage(true) });
    expect(client.getSnapshot().status).toBe("restoring");
    const requested = client.requestCode("alice@example.com");
    await flush();
    const call = script.take("initiateAuth");
    expect(call.input.username).toBe("alice@example.com");
    call.resolve(codeStep());
    expect(await requested).toMatchObject({ status: "awaitingCode", email: "alice@example.com" });
  });

  it("requestCode on a restored session returns the signed-in snapshot, with INVALID_STATE", async () => {
    const storage = memoryStorage();
    storage.items.set(KEY, "rt-1");
    const { client, script } = setup({ storage });
    const requested = client.requestCode("alice@example.com");
    await flush();
    script.take("refresh").resolve(tokensFor(claims, 3600, undefined));
    const s = await requested;
    expect(s).toMatchObject({
      status: "signedIn",
      user: { sub: "sub-1" },
      error: { code: "INVALID_STATE", cause: "signedIn" },
    });
    expect(script.calls).toHaveLength(0);
  });

  it("two calls made while restoring send one request and share its outcome", async () => {
    const { client, script } = setup({ storage: memoryStorage(true) });
    const first = client.requestCode("alice@example.com");
    const second = client.requestCode("alice@example.com");
    await flush();
    script.take("initiateAuth").resolve(codeStep());
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBe(b);
    expect(script.calls).toHaveLength(0);
  });

  it("a restore that fails leaves the waiting call to act on the email form", async () => {
    const storage = memoryStorage();
    storage.items.set(KEY, "revoked");
    const { client, script } = setup({ storage });
    const requested = client.requestCode("alice@example.com");
    await flush();
    script.take("refresh").reject(cognitoError("NotAuthorizedException"));
    await flush();
    script.take("initiateAuth").resolve(codeStep());
    expect(await requested).toMatchObject({ status: "awaitingCode" });
  });
});

describe("reset() and signOut() abort what is in flight", () => {
  it("reset() aborts the signal of the request in flight and drops its answer", async () => {
    const { client, script } = setup();
    const requested = client.requestCode("alice@example.com");
    const call = script.take("initiateAuth");
    const signal = (call.input as unknown as { signal: AbortSignal }).signal;
    expect(signal.aborted).toBe(false);
    client.reset();
    expect(signal.aborted).toBe(true);
    call.resolve(codeStep());
    expect(await requested).toEqual({ status: "signedOut" });
  });

  it("signOut() aborts a refresh in flight but not its own revocation", async () => {
    let time = Date.UTC(2030, 0, 1) - 60_000;
    const ctx = setup({ now: () => time });
    await SCREENS.signedIn(ctx);
    time += 3600_000;
    const tokens = ctx.client.getTokens();
    const refresh = ctx.script.take("refresh");
    const signal = (refresh.input as unknown as { signal: AbortSignal }).signal;
    const out = ctx.client.signOut();
    expect(signal.aborted).toBe(true);
    await flush();
    const revoke = ctx.script.take("revokeToken");
    expect((revoke.input as unknown as { signal?: AbortSignal }).signal).toBeUndefined();
    revoke.resolve(undefined);
    refresh.reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
    expect(await out).toEqual({ status: "signedOut" });
    expect(await tokens).toBeNull();
  });
});
