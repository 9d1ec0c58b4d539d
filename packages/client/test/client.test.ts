import { createPasscodeClient, type PasscodeSnapshot } from "@cognito-passcode/client";
import { errorMessage, isPasscodeError } from "@cognito-passcode/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { snapshotProblem } from "./helpers/invariants.js";
import { memoryStorage } from "./helpers/memory-storage.js";
import {
  codeStep,
  cognitoError,
  fakeJwt,
  flush,
  scriptedTransport,
  tokensFor,
  usernameStep,
} from "./helpers/scripted-transport.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };

function setup(extra: Record<string, unknown> = {}) {
  const script = scriptedTransport();
  let time = Date.UTC(2030, 0, 1) - 60_000;
  const client = createPasscodeClient({
    clientId: "client123",
    transport: script.transport,
    now: () => time,
    ...extra,
  });
  const seen: PasscodeSnapshot[] = [];
  client.subscribe(() => seen.push(client.getSnapshot()));
  return { client, script, seen, advance: (ms: number) => (time += ms) };
}

/** Drives a returning user (autoSignUp off) to signedIn and returns the pieces. */
async function signedIn(extra: Record<string, unknown> = {}, expiresIn = 3600) {
  const ctx = setup({ autoSignUp: false, ...extra });
  while (ctx.client.getSnapshot().status === "restoring") await flush();
  const requested = ctx.client.requestCode("Alice@Example.com ");
  ctx.script.take("initiateAuth").resolve(codeStep());
  await requested;
  const submitted = ctx.client.submitCode("123 456");
  ctx.script
    .take("respondToAuthChallenge")
    .resolve({ type: "tokens", tokens: tokensFor(claims, expiresIn, "rt-1") });
  await submitted;
  return ctx;
}

/** Drives a new user (autoSignUp off) to the username step and returns the pieces. */
async function atUsernameStep() {
  const ctx = setup({ autoSignUp: false });
  const requested = ctx.client.requestCode("alice@example.com");
  ctx.script.take("initiateAuth").resolve(codeStep());
  await requested;
  const submitted = ctx.client.submitCode("123456");
  ctx.script.take("respondToAuthChallenge").resolve(usernameStep());
  await submitted;
  return ctx;
}

describe("createPasscodeClient options", () => {
  const base = { clientId: "client123", region: "eu-west-1" };
  it.each([
    ["clientId", { ...base, clientId: "" }],
    ["clientId", { ...base, clientId: "has space" }],
    ["region", { clientId: "client123" }],
    ["region", { clientId: "client123", region: "", endpoint: "" }],
    ["region", { clientId: "client123", region: undefined, endpoint: undefined }],
    ["region", { ...base, region: "mars" }],
    // Still checked beside an endpoint that wins.
    ["region", { ...base, region: "mars", endpoint: "http://127.0.0.1:1" }],
    ["timeoutMs", { ...base, timeoutMs: 0 }],
    ["endpoint", { clientId: "client123", endpoint: "ftp://x" }],
    ["fetch", { ...base, fetch: "no" }],
    ["storage", { ...base, storage: { getItem() {} } }],
    ["autoSignUp", { ...base, autoSignUp: "yes" }],
    ["now", { ...base, now: 5 }],
    ["refreshMarginMs", { ...base, refreshMarginMs: -1 }],
    ["usernameAttribute", { ...base, usernameAttribute: "" }],
    ["transport", { clientId: "client123", transport: { signUp() {} } }],
  ])("refuses a bad %s with CONFIGURATION_ERROR naming it", (field, options) => {
    let thrown: unknown;
    try {
      createPasscodeClient(options as never);
    } catch (e) {
      thrown = e;
    }
    expect(isPasscodeError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
    expect(String((thrown as Error).message)).toContain(field);
  });

  it("accepts region and endpoint together, as AWS SDK users write them: the endpoint wins", async () => {
    const seen: string[] = [];
    const fetch = (async (url: string) => {
      seen.push(url);
      return new Response("{}", { status: 400, headers: { "x-amzn-errortype": "X" } });
    }) as unknown as typeof globalThis.fetch;
    for (const options of [
      { region: "eu-west-1", endpoint: "http://127.0.0.1:1/" },
      { region: "", endpoint: "http://127.0.0.1:1/" },
      { region: "eu-west-1", endpoint: "" },
      { region: "eu-west-1", endpoint: undefined },
    ]) {
      const client = createPasscodeClient({ clientId: "c1", fetch, autoSignUp: false, ...options });
      await client.requestCode("alice@example.com");
    }
    expect(seen).toEqual([
      "http://127.0.0.1:1/",
      "http://127.0.0.1:1/",
      "https://cognito-idp.eu-west-1.amazonaws.com/",
      "https://cognito-idp.eu-west-1.amazonaws.com/",
    ]);
  });

  it("accepts a region or an endpoint", () => {
    expect(createPasscodeClient(base).getSnapshot()).toEqual({ status: "signedOut" });
    expect(
      createPasscodeClient({ clientId: "c1", endpoint: "http://127.0.0.1:9229/" }).getSnapshot()
        .status,
    ).toBe("signedOut");
  });
});

describe("store contract", () => {
  it("keeps the same snapshot object until something changes, with bound methods", async () => {
    const { client, script } = setup();
    const { getSnapshot, getInitialSnapshot, subscribe, requestCode } = client;
    const first = getSnapshot();
    expect(getSnapshot()).toBe(first);
    expect(getInitialSnapshot()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    let calls = 0;
    const off = subscribe(() => calls++);
    const done = requestCode("alice@example.com");
    expect(calls).toBe(1);
    expect(getSnapshot()).not.toBe(first);
    off();
    script.take("signUp").resolve(undefined);
    await flush();
    script.take("initiateAuth").resolve(codeStep());
    await done;
    expect(calls).toBe(1);
    expect(getInitialSnapshot()).toBe(first);
  });
});

describe("input checks before any request", () => {
  it("refuses a bad email, a bad code and a bad username without a request", async () => {
    const { client, script } = setup({ autoSignUp: false });
    await client.requestCode("not an email");
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "INVALID_EMAIL" },
    });
    expect(script.calls).toHaveLength(0);

    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await requested;
    for (const bad of ["12345", "1234567", "12a456", ""]) {
      await client.submitCode(bad);
      expect(client.getSnapshot()).toMatchObject({
        status: "awaitingCode",
        error: { code: "INVALID_CODE_FORMAT" },
      });
    }
    expect(script.calls).toHaveLength(0);

    const submitted = client.submitCode("12-34-56");
    const call = script.take("respondToAuthChallenge");
    expect(call.input.answer).toBe("123456");
    call.resolve(usernameStep());
    await submitted;
    for (const [bad, cause, text] of [
      ["ab", "TOO_SHORT", "Use at least 3 characters."],
      ["4lice", "MUST_START_WITH_LETTER", "Start with a letter."],
      ["álice", "INVALID_CHARACTERS", "Use only letters a-z, digits and underscores."],
      ["a".repeat(31), "TOO_LONG", "Use at most 30 characters."],
      ["  ", "EMPTY", "Choose a username."],
    ]) {
      await client.submitUsername(bad!);
      const s = client.getSnapshot();
      expect(s).toMatchObject({
        status: "awaitingUsername",
        error: { code: "USERNAME_INVALID", message: "USERNAME_INVALID", cause },
      });
      // The English table gives the rule, with the bounds the screen carries.
      expect(errorMessage(s.error!, s.status === "awaitingUsername" ? s : undefined)).toBe(text);
    }
    expect(script.calls).toHaveLength(0);
  });

  it("leaves reserved names to the service, whose reserved list it cannot know", async () => {
    const { client, script } = await atUsernameStep();
    void client.submitUsername("Admin");
    expect(script.take("respondToAuthChallenge").input.answer).toBe("admin");
  });
});

describe("sign-up", () => {
  it("signs up with a random 64-character password, ignores UsernameExistsException, then skips SignUp for a known user", async () => {
    const { client, script } = setup();
    const first = client.requestCode("alice@example.com");
    const signUp = script.take("signUp");
    expect(signUp.input.username).toBe("alice@example.com");
    expect(signUp.input.password).toHaveLength(64);
    expect(signUp.input.password).toMatch(/[A-Z]/);
    expect(signUp.input.password).toMatch(/[a-z]/);
    expect(signUp.input.password).toMatch(/\d/);
    expect(signUp.input.password).toMatch(/[^A-Za-z\d]/);
    signUp.reject(cognitoError("UsernameExistsException", "User already exists"));
    await flush();
    script.take("initiateAuth").resolve(codeStep());
    await first;
    expect(client.getSnapshot().status).toBe("awaitingCode");

    const resent = client.resendCode();
    script.take("initiateAuth").resolve(codeStep());
    await resent;
    expect(script.calls).toHaveLength(0);
  });

  it("uses a different password every time", async () => {
    const passwords = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const { client, script } = setup();
      void client.requestCode("alice@example.com");
      passwords.add(script.take("signUp").input.password!);
    }
    expect(passwords.size).toBe(5);
  });

  it("reports a refused SignUp and sends nothing else", async () => {
    const { client, script } = setup();
    const done = client.requestCode("alice@example.com");
    script.take("signUp").reject(new TypeError("fetch failed"));
    await done;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "NETWORK_ERROR" },
    });
    expect(script.calls).toHaveLength(0);
  });
});

describe("races", () => {
  it("sends one request for a double submit; both calls resolve to its outcome", async () => {
    const { client, script } = setup({ autoSignUp: false });
    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await requested;
    const a = client.submitCode("123456");
    const b = client.submitCode("123456");
    const c = client.requestCode("bob@example.com");
    expect(script.calls.map((x) => x.op)).toEqual(["respondToAuthChallenge"]);
    script.take().resolve({ type: "tokens", tokens: tokensFor(claims) });
    const [sa, sb, sc] = await Promise.all([a, b, c]);
    expect(sa).toBe(sb);
    expect(sb).toBe(sc);
    expect(sa.status).toBe("signedIn");
  });

  it("drops a late response after reset, and a stale one after a newer request", async () => {
    const { client, script, seen } = setup({ autoSignUp: false });
    const first = client.requestCode("alice@example.com");
    const stale = script.take("initiateAuth");
    client.reset();
    const second = client.requestCode("bob@example.com");
    const fresh = script.take("initiateAuth");
    fresh.resolve(codeStep(3, "bob-session"));
    await second;
    stale.resolve(codeStep(3, "alice-session"));
    await first;
    await flush();
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      email: "bob@example.com",
    });
    const submitted = client.submitCode("111111");
    const answer = script.take("respondToAuthChallenge");
    expect(answer.input).toMatchObject({ session: "bob-session", username: "bob@example.com" });
    answer.reject(
      cognitoError("NotAuthorizedException", "Invalid session for the user, session is expired."),
    );
    await submitted;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 0,
      error: { code: "SESSION_EXPIRED" },
    });
    for (const s of seen) expect(snapshotProblem(s)).toBeUndefined();
  });

  it("ignores tokens that arrive after a sign-out", async () => {
    const { client, script } = setup({ autoSignUp: false });
    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await requested;
    void client.submitCode("123456");
    const late = script.take("respondToAuthChallenge");
    await client.signOut();
    late.resolve({ type: "tokens", tokens: tokensFor(claims) });
    await flush();
    expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    expect(await client.getTokens()).toBeNull();
  });
});

describe("code step errors", () => {
  async function awaiting(attemptsLeft = 3) {
    const ctx = setup({ autoSignUp: false });
    const r = ctx.client.requestCode("alice@example.com");
    ctx.script.take("initiateAuth").resolve(codeStep(attemptsLeft));
    await r;
    return ctx;
  }

  it("maps the last failed attempt to TOO_MANY_ATTEMPTS and offers a resend", async () => {
    const { client, script } = await awaiting(1);
    const done = client.submitCode("000000");
    script.take().reject(cognitoError("NotAuthorizedException", "Incorrect username or password."));
    await done;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 0,
      error: { code: "TOO_MANY_ATTEMPTS" },
    });
    await client.submitCode("123456");
    expect(script.calls).toHaveLength(0);
    const resent = client.resendCode();
    script.take("initiateAuth").resolve(codeStep(3));
    await resent;
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingCode", attemptsLeft: 3 });
    expect(client.getSnapshot().error).toBeUndefined();
  });

  it("keeps the session through a network error so the same call can be retried", async () => {
    const { client, script } = await awaiting(3);
    const done = client.submitCode("000000");
    const first = script.take();
    first.reject(new TypeError("Failed to fetch"));
    await done;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 3,
      error: { code: "NETWORK_ERROR" },
    });
    const again = client.submitCode("000000");
    expect(script.calls[0]!.input.session).toBe(first.input.session);
    script.take().resolve({ type: "tokens", tokens: tokensFor(claims) });
    expect((await again).status).toBe("signedIn");
  });

  it("surfaces THROTTLED with retryAfterMs from a trigger error", async () => {
    const { client, script } = await awaiting();
    const done = client.resendCode();
    script
      .take("initiateAuth")
      .reject(
        cognitoError(
          "UserLambdaValidationException",
          "CreateAuthChallenge failed with error THROTTLED retryAfterMs=24000.",
        ),
      );
    await done;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 3,
      error: { code: "THROTTLED", retryAfterMs: 24000 },
    });
  });

  it("fails closed on malformed challenge parameters", async () => {
    const { client, script } = setup({ autoSignUp: false });
    const done = client.requestCode("alice@example.com");
    script.take().resolve({ type: "challenge", session: "s", parameters: { step: "CODE" } });
    await done;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SERVICE_ERROR" },
    });
  });
});

describe("username step", () => {
  it("refreshes once when the ID token after the username step lacks the claim", async () => {
    const { client, script } = await atUsernameStep();
    const u = client.submitUsername("Alice_1");
    const answer = script.take("respondToAuthChallenge");
    expect(answer.input.answer).toBe("alice_1");
    answer.resolve({
      type: "tokens",
      tokens: tokensFor({ sub: "s1", email: "alice@example.com" }, 3600, "rt-a"),
    });
    await flush();
    const refresh = script.take("refresh");
    expect(refresh.input.refreshToken).toBe("rt-a");
    refresh.resolve(
      tokensFor(
        { sub: "s1", email: "alice@example.com", "custom:username": "alice_1" },
        3600,
        undefined,
      ),
    );
    await u;
    expect(client.getSnapshot()).toEqual({
      status: "signedIn",
      user: { sub: "s1", email: "alice@example.com", username: "alice_1" },
      method: "code",
    });
    expect(script.calls).toHaveLength(0);
  });

  it("does not refresh when the claim is already there", async () => {
    const { client, script } = await atUsernameStep();
    const u = client.submitUsername("alice");
    script.take().resolve({ type: "tokens", tokens: tokensFor(claims) });
    await u;
    expect(client.getSnapshot().status).toBe("signedIn");
    expect(script.calls).toHaveLength(0);
  });
});

describe("tokens", () => {
  it("hands out tokens without a request until the refresh margin, then merges concurrent refreshes", async () => {
    const { client, script, advance } = await signedIn({ refreshMarginMs: 60_000 }, 3600);
    const fresh = await client.getTokens();
    expect(fresh).toMatchObject({ idToken: expect.any(String), accessToken: expect.any(String) });
    expect(fresh).not.toHaveProperty("refreshToken");
    expect(Object.isFrozen(fresh)).toBe(true);
    expect(await client.getTokens()).toBe(fresh);
    expect(script.calls).toHaveLength(0);
    advance(3600_000 - 30_000);
    const all = [client.getTokens(), client.getTokens(), client.getTokens()];
    expect(script.calls.map((c) => c.op)).toEqual(["refresh"]);
    const next = tokensFor(claims, 3600, undefined);
    script.take().resolve(next);
    const results = await Promise.all(all);
    expect(results[0]).toEqual(results[2]);
    expect(results[0]!.accessToken).toBe(next.accessToken);
  });

  it("refreshes before the ID token expires when it lives shorter than ExpiresIn (the access token)", async () => {
    // Prepare: a client whose ID tokens last 5 minutes and access tokens 60 (ExpiresIn = 3600)
    const ctx = setup({ autoSignUp: false });
    const issued = (iat: number) => {
      const t = tokensFor(claims, 3600, "rt-1");
      const id = fakeJwt({ token_use: "id", ...claims, iat, exp: iat + 300 });
      return { ...t, idToken: id };
    };
    const r = ctx.client.requestCode("alice@example.com");
    ctx.script.take().resolve(codeStep());
    await r;
    const c = ctx.client.submitCode("123456");
    ctx.script.take().resolve({ type: "tokens", tokens: issued(1_000) });
    await c;
    // Act: 4.5 minutes later, inside the 60 s margin of the ID token's expiry
    ctx.advance(270_000);
    const t = ctx.client.getTokens();
    // Assess: a refresh is under way, and the tokens handed out expire with the ID token
    const refresh = ctx.script.take("refresh");
    const next = issued(1_270);
    refresh.resolve({ ...next, refreshToken: undefined });
    const tokens = await t;
    expect(tokens?.idToken).toBe(next.idToken);
    expect(tokens!.expiresAt - (Date.UTC(2030, 0, 1) - 60_000 + 270_000)).toBe(300_000);
  });

  it("signs out with SESSION_EXPIRED when the refresh is refused, clearing storage", async () => {
    const storage = memoryStorage();
    const ctx = setup({ autoSignUp: false, storage });
    await flush();
    expect(ctx.client.getSnapshot()).toEqual({ status: "signedOut" });
    const r = ctx.client.requestCode("alice@example.com");
    ctx.script.take().resolve(codeStep());
    await r;
    const c = ctx.client.submitCode("123456");
    ctx.script.take().resolve({ type: "tokens", tokens: tokensFor(claims, 3600, "rt-1") });
    await c;
    expect([...storage.items.values()]).toEqual(["rt-1"]);
    ctx.advance(3600_000);
    const t = ctx.client.getTokens();
    ctx.script
      .take("refresh")
      .reject(cognitoError("NotAuthorizedException", "Refresh Token has been revoked"));
    expect(await t).toBeNull();
    expect(ctx.client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED" },
    });
    expect(storage.items.size).toBe(0);
  });

  it("keeps the session through a network error on refresh", async () => {
    const { client, script, advance } = await signedIn({}, 3600);
    advance(3600_000 - 10_000);
    const t = client.getTokens();
    script.take("refresh").reject(new TypeError("Failed to fetch"));
    expect(await t).not.toBeNull();
    expect(client.getSnapshot()).toMatchObject({
      status: "signedIn",
      error: { code: "NETWORK_ERROR" },
    });
  });
});

describe("storage", () => {
  it.each([false, true])(
    "persists only the refresh token and restores from it (async storage: %s)",
    async (async) => {
      const storage = memoryStorage(async);
      const first = await signedIn({ storage });
      await flush();
      expect([...storage.items.entries()]).toEqual([
        ["cognito-passcode.client123.refreshToken", "rt-1"],
      ]);

      const script = scriptedTransport();
      const client = createPasscodeClient({
        clientId: "client123",
        transport: script.transport,
        storage,
      });
      expect(client.getSnapshot()).toEqual({ status: "restoring" });
      expect(client.getInitialSnapshot()).toEqual({ status: "restoring" });
      const tokens = client.getTokens();
      await flush();
      const refresh = script.take("refresh");
      expect(refresh.input.refreshToken).toBe("rt-1");
      refresh.resolve(tokensFor(claims, 3600, undefined));
      expect(await tokens).not.toBeNull();
      expect(client.getSnapshot()).toEqual({
        status: "signedIn",
        user: { sub: "sub-1", email: "alice@example.com", username: "alice" },
      });
      const out = first.client.signOut();
      first.script.take("revokeToken").resolve(undefined);
      await out;
      expect(storage.items.size).toBe(0);
    },
  );

  it("goes restoring -> signedOut when nothing is stored, and drops a refused token", async () => {
    const empty = createPasscodeClient({
      clientId: "c1",
      transport: scriptedTransport().transport,
      storage: memoryStorage(),
    });
    await flush();
    expect(empty.getSnapshot()).toEqual({ status: "signedOut" });

    const storage = memoryStorage();
    storage.items.set("cognito-passcode.c1.refreshToken", "revoked");
    const script = scriptedTransport();
    const client = createPasscodeClient({ clientId: "c1", transport: script.transport, storage });
    await flush();
    script
      .take("refresh")
      .reject(cognitoError("NotAuthorizedException", "Refresh Token has been revoked"));
    await flush();
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED" },
    });
    expect(storage.items.size).toBe(0);
  });

  describe("restore retries (fake timers)", () => {
    beforeEach(() => {
      vi.useFakeTimers();
    });
    afterEach(() => {
      vi.useRealTimers();
    });
    const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);
    const offline = () => new TypeError("Failed to fetch");

    /** A client restoring "stored-rt" from `storage`, with its first refresh pending. */
    async function restoring(storage = memoryStorage()) {
      if (!storage.items.size) storage.items.set("cognito-passcode.c1.refreshToken", "stored-rt");
      const script = scriptedTransport();
      const client = createPasscodeClient({ clientId: "c1", transport: script.transport, storage });
      await tick(0);
      return { storage, script, client, refresh: script.take("refresh") };
    }

    it("retries a restore that cannot reach the service after 1 s and 3 s, then keeps the token for the next load", async () => {
      const { storage, script, client, refresh } = await restoring();
      refresh.reject(offline());
      await tick(999);
      expect(script.calls).toHaveLength(0);
      expect(client.getSnapshot()).toEqual({ status: "restoring" });
      await tick(1);
      script.take("refresh").reject(offline());
      await tick(2999);
      expect(script.calls).toHaveLength(0);
      expect(client.getSnapshot()).toEqual({ status: "restoring" });
      await tick(1);
      script.take("refresh").reject(offline());
      await tick(60_000);
      expect(script.calls).toHaveLength(0);
      expect(client.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "NETWORK_ERROR" },
      });
      expect(storage.items.get("cognito-passcode.c1.refreshToken")).toBe("stored-rt");

      // The second try succeeding signs in; a refused token is not retried.
      const second = await restoring(storage);
      second.refresh.reject(offline());
      await tick(1000);
      second.script.take("refresh").resolve(tokensFor(claims, 3600, undefined));
      await tick(0);
      expect(second.client.getSnapshot()).toMatchObject({ status: "signedIn" });

      const third = await restoring(storage);
      third.refresh.reject(
        cognitoError("NotAuthorizedException", "Refresh Token has been revoked"),
      );
      await tick(10_000);
      expect(third.script.calls).toHaveLength(0);
      expect(third.client.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "SESSION_EXPIRED" },
      });
    });

    it("keeps a restored session when a listener throws, and rethrows the listener's error out of band", async () => {
      const { script, client, refresh } = await restoring();
      const bug = new TypeError("listener bug");
      let seen = 0;
      client.subscribe(() => {
        seen++;
        if (client.getSnapshot().status === "signedIn") throw bug;
      });
      refresh.resolve(tokensFor(claims, 3600, undefined));
      await Promise.resolve();
      await Promise.resolve();
      expect(() => vi.runOnlyPendingTimers()).toThrow(bug);
      await tick(10_000);
      expect(script.calls).toHaveLength(0);
      expect(client.getSnapshot()).toMatchObject({ status: "signedIn", user: { sub: "sub-1" } });
      expect(seen).toBe(1);
    });

    it("stops a restore's retries at sign-out, and answers a getTokens() waiting on them at once", async () => {
      const { script, client, refresh } = await restoring();
      refresh.reject(offline());
      await tick(0);
      let answered: unknown = "pending";
      void client.getTokens().then((t) => (answered = t));
      const out = client.signOut();
      await tick(0);
      script.take("revokeToken").resolve(undefined);
      await out;
      await tick(0);
      expect(answered).toBeNull();
      expect(vi.getTimerCount()).toBe(0);
      await tick(10_000);
      expect(script.calls).toHaveLength(0);
      expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    });
  });

  it("survives a storage that throws", async () => {
    const broken = {
      getItem() {
        throw new Error("denied");
      },
      setItem() {
        throw new Error("quota");
      },
      removeItem() {
        throw new Error("denied");
      },
    };
    const { client, script } = await signedIn({ storage: broken });
    expect(client.getSnapshot().status).toBe("signedIn");
    const out = client.signOut();
    script.take("revokeToken").resolve(undefined);
    expect((await out).status).toBe("signedOut");
  });
});

describe("signOut", () => {
  it("revokes the refresh token", async () => {
    const { client, script } = await signedIn();
    const out = client.signOut();
    expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    const revoke = script.take("revokeToken");
    expect(revoke.input.refreshToken).toBe("rt-1");
    revoke.resolve(undefined);
    expect(await out).toEqual({ status: "signedOut" });
    expect(await client.getTokens()).toBeNull();
  });

  it("with global: true calls GlobalSignOut with the access token, then revokes", async () => {
    const { client, script } = await signedIn();
    const out = client.signOut({ global: true });
    const global = script.take("globalSignOut");
    expect(global.input.accessToken).toMatch(/\./);
    global.resolve(undefined);
    await flush();
    script.take("revokeToken").resolve(undefined);
    expect((await out).status).toBe("signedOut");
  });

  it("revokes a stored token when signing out before the restore finished", async () => {
    const storage = memoryStorage();
    storage.items.set("cognito-passcode.c1.refreshToken", "stored-rt");
    const script = scriptedTransport();
    const client = createPasscodeClient({ clientId: "c1", transport: script.transport, storage });
    await flush();
    const restoring = script.take("refresh");
    const out = client.signOut();
    expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    await flush();
    const revoke = script.take("revokeToken");
    expect(revoke.input.refreshToken).toBe("stored-rt");
    revoke.resolve(undefined);
    await out;
    restoring.resolve(tokensFor(claims));
    await flush();
    expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    expect(storage.items.size).toBe(0);
  });

  it("reports CONFIGURATION_ERROR when the app client has token revocation off", async () => {
    const { client, script } = await signedIn();
    const out = client.signOut();
    script
      .take("revokeToken")
      .reject(
        cognitoError(
          "UnsupportedOperationException",
          "Token revocation is not enabled for this app client.",
        ),
      );
    expect(await out).toMatchObject({
      status: "signedOut",
      error: { code: "CONFIGURATION_ERROR" },
    });
    expect(await client.getTokens()).toBeNull();
  });

  it("signs out locally even when revocation fails, and says so", async () => {
    const { client, script } = await signedIn();
    const out = client.signOut();
    script.take("revokeToken").reject(new TypeError("Failed to fetch"));
    expect(await out).toMatchObject({ status: "signedOut", error: { code: "NETWORK_ERROR" } });
  });
});
