import {
  createFetchTransport,
  createPasscodeClient,
  type PasscodeClientOptions,
} from "@cognito-passcode/client";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { tabReaction } from "../src/session.js";
import { memoryStorage } from "./helpers/memory-storage.js";
import {
  codeStep,
  cognitoError,
  scriptedTransport,
  tokensFor,
} from "./helpers/scripted-transport.js";

/** Lets every queued promise callback run (setImmediate is not faked). */
const flush = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const KEY = "cognito-passcode.c1.refreshToken";

function setup(extra: Partial<PasscodeClientOptions> = {}) {
  const script = scriptedTransport();
  let time = Date.UTC(2030, 0, 1);
  const client = createPasscodeClient({
    clientId: "c1",
    transport: script.transport,
    autoSignUp: false,
    now: () => time,
    ...extra,
  });
  return { client, script, advance: (ms: number) => (time += ms) };
}

/** A cookie-mode client whose first restore found no cookie: signed out, ready to sign in. */
async function cookieClient() {
  const ctx = setup({ tokenHandler: "https://app.example.com/auth" });
  await flush();
  ctx.script.take("refresh").reject(cognitoError("NotAuthorizedException"));
  await flush();
  return ctx;
}

async function signIn(ctx: ReturnType<typeof setup>, refreshToken: string | undefined = "rt-1") {
  while (ctx.client.getSnapshot().status === "restoring") await flush();
  const requested = ctx.client.requestCode("alice@example.com");
  ctx.script.take("initiateAuth").resolve(codeStep());
  await requested;
  const submitted = ctx.client.submitCode("123456");
  ctx.script
    .take("respondToAuthChallenge")
    .resolve({ type: "tokens", tokens: tokensFor(claims, 3600, refreshToken) });
  return submitted;
}

/** A fetch that records each request and answers from `answer` (by operation). */
function recordingFetch(answer: (op: string) => { status?: number; body: unknown }) {
  const seen: { url: string; init: RequestInit; op: string; body: Record<string, unknown> }[] = [];
  const fetch = (async (url: string, init: RequestInit) => {
    const op = String(new Headers(init.headers).get("x-amz-target")).split(".").pop()!;
    seen.push({ url: String(url), init, op, body: JSON.parse(String(init.body)) });
    const { status = 200, body } = answer(op);
    return new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/x-amz-json-1.1" },
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, seen };
}

const authResult = (refreshToken?: string) => {
  const t = tokensFor(claims, 3600, refreshToken);
  return {
    AuthenticationResult: {
      IdToken: t.idToken,
      AccessToken: t.accessToken,
      ExpiresIn: 3600,
      ...(refreshToken && { RefreshToken: refreshToken }),
    },
  };
};

describe("fetch transport: refresh and revocation", () => {
  it("refreshes with GetTokensFromRefreshToken and passes a rotated RefreshToken on", async () => {
    const { fetch, seen } = recordingFetch(() => ({ body: authResult("rt-2") }));
    const transport = createFetchTransport({ clientId: "c1", endpoint: "http://x.test/", fetch });
    const tokens = await transport.refresh({ refreshToken: "rt-1" });
    expect(seen.map((s) => [s.op, s.body])).toEqual([
      ["GetTokensFromRefreshToken", { ClientId: "c1", RefreshToken: "rt-1" }],
    ]);
    expect(tokens.refreshToken).toBe("rt-2");
    expect(seen[0]!.init.credentials).toBeUndefined();
    expect(new Headers(seen[0]!.init.headers).has("x-cognito-passcode")).toBe(false);
  });

  it("with tokenHandler: posts to it (relative URLs too), with credentials and X-Cognito-Passcode, and sends no refresh token", async () => {
    const { fetch, seen } = recordingFetch((op) => ({
      body: op === "GetTokensFromRefreshToken" ? authResult() : {},
    }));
    // No region, no endpoint: not needed in cookie mode.
    const transport = createFetchTransport({ clientId: "c1", tokenHandler: "/auth", fetch });
    await transport.refresh({});
    await transport.revokeToken({});
    await transport.initiateAuth({ username: "a@example.com" }).catch(() => undefined);
    for (const s of seen) {
      expect(s.url).toBe("/auth");
      expect(s.init.credentials).toBe("include");
      expect(new Headers(s.init.headers).get("x-cognito-passcode")).toBe("1");
    }
    expect(seen.map((s) => [s.op, s.body])).toEqual([
      ["GetTokensFromRefreshToken", { ClientId: "c1" }],
      ["RevokeToken", { ClientId: "c1" }],
      [
        "InitiateAuth",
        { ClientId: "c1", AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "a@example.com" } },
      ],
    ]);
  });

  it("refuses a tokenHandler that is not a string (development builds)", () => {
    expect(() =>
      createFetchTransport({ clientId: "c1", tokenHandler: 42 as unknown as string }),
    ).toThrow(
      expect.objectContaining({
        code: "CONFIGURATION_ERROR",
        message: expect.stringMatching(/^tokenHandler/),
      }),
    );
  });
});

describe("refresh-token rotation", () => {
  it("holds and stores a rotated refresh token and sends it next; an answer without one keeps the old", async () => {
    const storage = memoryStorage();
    const ctx = setup({ storage });
    await signIn(ctx);
    expect(storage.items.get(KEY)).toBe("rt-1");
    // Rotated.
    ctx.advance(3_600_000);
    const first = ctx.client.getTokens();
    await flush();
    const r1 = ctx.script.take("refresh");
    expect(r1.input.refreshToken).toBe("rt-1");
    r1.resolve(tokensFor(claims, 3600, "rt-2"));
    expect(await first).not.toBeNull();
    await flush();
    expect(storage.items.get(KEY)).toBe("rt-2");
    // Not rotated: the held one stays.
    ctx.advance(3_600_000);
    const second = ctx.client.getTokens();
    await flush();
    const r2 = ctx.script.take("refresh");
    expect(r2.input.refreshToken).toBe("rt-2");
    r2.resolve(tokensFor(claims, 3600, ""));
    expect(await second).not.toBeNull();
    await flush();
    expect(storage.items.get(KEY)).toBe("rt-2");
    // Sign-out revokes the newest.
    const out = ctx.client.signOut();
    await flush();
    expect(ctx.script.take("revokeToken").input.refreshToken).toBe("rt-2");
    expect(storage.items.has(KEY)).toBe(false);
    void out;
  });

  it("a restore that rotates stores the new token", async () => {
    const storage = memoryStorage();
    storage.items.set(KEY, "rt-old");
    const ctx = setup({ storage });
    await flush();
    const r = ctx.script.take("refresh");
    expect(r.input.refreshToken).toBe("rt-old");
    r.resolve(tokensFor(claims, 3600, "rt-new"));
    await flush();
    await flush();
    expect(ctx.client.getSnapshot().status).toBe("signedIn");
    expect(storage.items.get(KEY)).toBe("rt-new");
  });
});

describe("a listener that signs out when told of the sign-in", () => {
  // Found by the lifecycle property (seed -43971640): the listener's sign-out
  // ran inside the signedIn notification, before the new token's write was
  // queued, so the write landed after the sign-out's removal.
  for (const how of ["refresh", "code"] as const) {
    it(`leaves no refresh token in storage (${how} sign-in, rotated token)`, async () => {
      const storage = memoryStorage();
      if (how === "refresh") storage.items.set(KEY, "rt-old");
      const ctx = setup({ storage });
      let out: Promise<unknown> | undefined;
      ctx.client.subscribe(() => {
        if (!out && ctx.client.getSnapshot().status === "signedIn") out = ctx.client.signOut();
      });
      if (how === "refresh") {
        await flush();
        ctx.script.take("refresh").resolve(tokensFor(claims, 3600, "rt-new"));
      } else {
        await signIn(ctx, "rt-new");
      }
      await flush();
      // The sign-out revokes the token the sign-in brought, and nothing is left stored.
      expect(out).toBeDefined();
      const revoke = ctx.script.take("revokeToken");
      expect(revoke.input.refreshToken).toBe("rt-new");
      revoke.resolve(undefined);
      await out;
      await flush();
      expect(ctx.client.getSnapshot().status).toBe("signedOut");
      expect(storage.items.has(KEY)).toBe(false);
    });
  }
});

describe("a sign-out right after a sign-in, with tabs", () => {
  // Second look at the listener fixes: the sign-in told the other tabs
  // "signedIn" after its storage write, even when a sign-out had come in
  // between, so they heard "signedOut" and then a stale "signedIn" and went
  // to restore the session just signed out of.
  for (const mode of ["storage", "cookie"] as const) {
    it(`tells the other tabs signedOut last (${mode} mode)`, async () => {
      const posted: string[] = [];
      const tabs = {
        connect: () => ({
          post: (message: string) => void posted.push(message),
          lock: <T>(task: () => Promise<T>) => task(),
        }),
      };
      const ctx = setup(
        mode === "storage"
          ? { storage: memoryStorage(true), tabs }
          : { tokenHandler: "https://app.example.com/auth", tabs },
      );
      if (mode === "cookie") {
        await flush();
        ctx.script.take("refresh").reject(cognitoError("NotAuthorizedException"));
        await flush();
      }
      // An app that signs out a moment after it is told of the sign-in.
      ctx.client.subscribe(() => {
        if (ctx.client.getSnapshot().status === "signedIn") {
          queueMicrotask(() => void ctx.client.signOut());
        }
      });
      await signIn(ctx);
      await flush();
      for (const call of ctx.script.calls.splice(0)) call.resolve(undefined);
      await flush();
      expect(ctx.client.getSnapshot().status).toBe("signedOut");
      expect(posted.at(-1)).toBe("signedOut");
    });
  }
});

describe("cookie mode (tokenHandler)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts restoring and restores through the cookie: the refresh carries no refresh token", async () => {
    const ctx = setup({ tokenHandler: "https://app.example.com/auth" });
    expect(ctx.client.getInitialSnapshot()).toEqual({ status: "restoring" });
    await flush();
    const r = ctx.script.take("refresh");
    expect(r.input).not.toHaveProperty("refreshToken", expect.anything());
    r.resolve(tokensFor(claims, 3600, ""));
    await flush();
    expect(ctx.client.getSnapshot()).toMatchObject({ status: "signedIn", user: { sub: "sub-1" } });
    expect(await ctx.client.getTokens()).not.toBeNull();
  });

  it("a refused restore (no cookie) is signedOut with no error", async () => {
    const ctx = setup({ tokenHandler: "https://app.example.com/auth" });
    await flush();
    ctx.script
      .take("refresh")
      .reject(cognitoError("NotAuthorizedException", "Refresh Token has been revoked"));
    await flush();
    expect(ctx.client.getSnapshot()).toEqual({ status: "signedOut" });
  });

  it.each([
    ["ForbiddenException", "SERVICE_ERROR"], // the handler refused the page's origin: a setup fault
    ["InternalErrorException", "SERVICE_ERROR"],
    ["UnsupportedOperationException", "CONFIGURATION_ERROR"],
  ])(
    "a restore the handler answers with %s is not silent: signedOut with %s",
    async (type, code) => {
      const ctx = setup({ tokenHandler: "https://app.example.com/auth" });
      await flush();
      ctx.script.take("refresh").reject(cognitoError(type));
      await flush();
      expect(ctx.client.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code, cause: type },
      });
    },
  );

  it("a restore that cannot reach the handler retries after 1 s and 3 s, then NETWORK_ERROR", async () => {
    const ctx = setup({ tokenHandler: "https://app.example.com/auth" });
    for (const wait of [1000, 3000]) {
      await flush();
      ctx.script.take("refresh").reject(new TypeError("Failed to fetch"));
      await flush();
      expect(ctx.client.getSnapshot().status).toBe("restoring");
      vi.advanceTimersByTime(wait);
    }
    await flush();
    ctx.script.take("refresh").reject(new TypeError("Failed to fetch"));
    await flush();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "NETWORK_ERROR" },
    });
  });

  it("never holds a refresh token: one in an answer is ignored, refreshes and sign-out send none", async () => {
    const ctx = await cookieClient();
    // A handler that (wrongly) lets a refresh token through: still nothing held.
    await signIn(ctx, "leaked-rt");
    expect(ctx.client.getSnapshot().status).toBe("signedIn");
    ctx.advance(3_600_000);
    const t = ctx.client.getTokens();
    await flush();
    const r = ctx.script.take("refresh");
    expect(r.input.refreshToken).toBeUndefined();
    r.resolve(tokensFor(claims, 3600, ""));
    expect(await t).not.toBeNull();
    const out = ctx.client.signOut();
    await flush();
    const revoke = ctx.script.take("revokeToken");
    expect(revoke.input.refreshToken).toBeUndefined();
    revoke.resolve(undefined);
    expect(await out).toEqual({ status: "signedOut" });
  });

  it("a refused refresh while signed in signs out with SESSION_EXPIRED", async () => {
    const ctx = await cookieClient();
    await signIn(ctx, "");
    ctx.advance(3_600_000);
    const t = ctx.client.getTokens();
    await flush();
    ctx.script.take("refresh").reject(cognitoError("NotAuthorizedException"));
    expect(await t).toBeNull();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED" },
    });
  });

  it("a refresh that brings another user's tokens (another tab signed in as them) ends this session instead of switching users", async () => {
    const ctx = await cookieClient();
    await signIn(ctx, "");
    ctx.advance(3_600_000);
    const t = ctx.client.getTokens();
    await flush();
    ctx.script
      .take("refresh")
      .resolve(
        tokensFor({ sub: "sub-2", email: "bob@example.com", "custom:username": "bob" }, 3600),
      );
    expect(await t).toBeNull();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED" },
    });
    // Nothing revoked: the cookie is the other user's session now.
    await flush();
    expect(ctx.script.calls).toEqual([]);
  });

  it("storage together with tokenHandler is a CONFIGURATION_ERROR; region and endpoint are not needed", () => {
    expect(() =>
      createPasscodeClient({ clientId: "c1", tokenHandler: "/auth", storage: memoryStorage() }),
    ).toThrow(
      expect.objectContaining({
        code: "CONFIGURATION_ERROR",
        message: expect.stringMatching(/^storage/),
      }),
    );
    expect(() => createPasscodeClient({ clientId: "c1", tokenHandler: "/auth" })).not.toThrow();
  });
});

describe("tabReaction (pure)", () => {
  it.each([
    ["signedIn", "signedOut", true, "signOutLocally"],
    ["restoring", "signedOut", true, "signOutLocally"],
    ["signedIn", "signedOut", false, "signOut"],
    ["signedOut", "signedOut", true, undefined],
    ["awaitingCode", "signedOut", true, undefined],
    ["signedOut", "signedIn", true, "restore"],
    ["signedOut", "signedIn", false, undefined],
    ["signedIn", "signedIn", true, "refresh"],
    ["signedIn", "signedIn", false, undefined],
    ["awaitingCode", "signedIn", true, undefined],
    ["restoring", "signedIn", true, "restore"],
    ["restoring", "signedIn", false, undefined],
  ] as const)("%s hears %s (shared: %s): %s", (status, message, shared, expected) => {
    expect(tabReaction(status, message, shared)).toBe(expected);
  });
});

describe("a rotated refresh token reused (RefreshTokenReuseException)", () => {
  // Storage mode without `tabs`: another tab refreshed first, rotated the
  // token and stored the new one; this tab's refresh sends the replaced one.
  it("ends the session with SESSION_EXPIRED and leaves the newer token another tab stored", async () => {
    const storage = memoryStorage();
    const ctx = setup({ storage });
    await signIn(ctx);
    storage.items.set(KEY, "rt-2-other-tab");
    ctx.advance(3_600_000);
    const t = ctx.client.getTokens();
    await flush();
    const r = ctx.script.take("refresh");
    expect(r.input.refreshToken).toBe("rt-1");
    r.reject(cognitoError("RefreshTokenReuseException", "Refresh Token has been invalidated"));
    expect(await t).toBeNull();
    await flush();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED", cause: "RefreshTokenReuseException" },
    });
    expect(storage.items.get(KEY)).toBe("rt-2-other-tab");
    // Nothing is sent again with the dead token.
    expect(ctx.script.calls).toEqual([]);
  });

  it("clears storage when it still holds the refused token", async () => {
    const storage = memoryStorage();
    const ctx = setup({ storage });
    await signIn(ctx);
    ctx.advance(3_600_000);
    const t = ctx.client.getTokens();
    await flush();
    ctx.script.take("refresh").reject(cognitoError("RefreshTokenReuseException"));
    expect(await t).toBeNull();
    await flush();
    expect(ctx.client.getSnapshot()).toMatchObject({ error: { code: "SESSION_EXPIRED" } });
    expect(storage.items.has(KEY)).toBe(false);
  });

  it("a restore refused that way leaves a newer token written meanwhile", async () => {
    const storage = memoryStorage();
    storage.items.set(KEY, "rt-old");
    const ctx = setup({ storage });
    await flush();
    const r = ctx.script.take("refresh");
    storage.items.set(KEY, "rt-new-other-tab");
    r.reject(cognitoError("NotAuthorizedException"));
    await flush();
    await flush();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED" },
    });
    expect(storage.items.get(KEY)).toBe("rt-new-other-tab");
  });
});
