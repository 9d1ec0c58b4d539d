import {
  createFetchTransport,
  createPasscodeClient,
  decodeJwtPayload,
  type PasscodeClient,
  type PasscodeClientOptions,
  type Transport,
} from "@cognito-passcode/client";
import { createCognitoIdentityJsTransport } from "@cognito-passcode/client/cognito-identity-js";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { CognitoUserPool } from "amazon-cognito-identity-js";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryStorage } from "./memory-storage.js";

/** Which transport the suite drives the local stack with. */
export type TransportKind = "fetch" | "cognito-identity-js";

const realFetch = globalThis.fetch;

/**
 * Every client path against the real local stack, through one transport. The
 * requests each client sends are counted at `fetch`, the way a browser's
 * network panel would see them.
 */
export function integrationSuite(kind: TransportKind): void {
  describe(`client through the ${kind} transport against @cognito-passcode/local`, () => {
    let stack: LocalStack;
    let serial = 0;
    // Operations sent to the stack, in order, and a switch to fail the next N fetches.
    let ops: string[] = [];
    let failNext = 0;
    // Rewrites the body of the stack's next token answers (a proxy corrupting one field).
    let corrupt: ((body: string) => string) | undefined;
    const unique = (tag: string) => `${tag}${Date.now().toString(36)}${++serial}`;
    const email = (tag: string) => `${unique(tag)}@example.com`;

    const counting: typeof fetch = async (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.startsWith(stack.endpoint)) {
        const target = new Headers(init?.headers).get("x-amz-target") ?? "";
        ops.push(target.replace("AWSCognitoIdentityProviderService.", ""));
        if (failNext > 0) {
          failNext--;
          throw new TypeError("fetch failed");
        }
      }
      const response = await realFetch(input, init);
      if (!corrupt || !url.startsWith(stack.endpoint)) return response;
      const body = await response.text();
      return new Response(body.includes("AuthenticationResult") ? corrupt(body) : body, {
        status: response.status,
        headers: response.headers,
      });
    };

    beforeAll(async () => {
      stack = await startLocalStack({ port: 0 });
      // amazon-cognito-identity-js calls the global fetch at request time.
      if (kind === "cognito-identity-js") vi.stubGlobal("fetch", counting);
    });
    afterAll(async () => {
      vi.unstubAllGlobals();
      await stack?.stop();
    });
    afterEach(() => {
      ops = [];
      failNext = 0;
      corrupt = undefined;
    });

    function transport(on: LocalStack = stack): Transport {
      if (kind === "fetch") {
        return createFetchTransport({
          clientId: on.clientId,
          endpoint: on.endpoint,
          fetch: counting,
        });
      }
      const userPool = new CognitoUserPool({
        UserPoolId: on.userPoolId,
        ClientId: on.clientId,
        endpoint: on.endpoint,
      });
      return createCognitoIdentityJsTransport({ userPool });
    }

    function client(extra: Partial<PasscodeClientOptions> = {}): PasscodeClient {
      return createPasscodeClient({
        clientId: stack.clientId,
        transport: transport(),
        now: stack.clock.now,
        ...extra,
      });
    }

    async function settled(c: PasscodeClient) {
      while (c.getSnapshot().status === "restoring") await new Promise((r) => setTimeout(r, 5));
      return c.getSnapshot();
    }

    /** Signs a brand-new user in (with a username) and returns the client. */
    async function newUser(
      address: string,
      name = unique("u"),
      extra: Partial<PasscodeClientOptions> = {},
    ) {
      const c = client(extra);
      await settled(c);
      expect((await c.requestCode(address)).status).toBe("awaitingCode");
      await c.submitCode(await stack.mailbox.latestCode(address));
      expect(c.getSnapshot().status).toBe("awaitingUsername");
      expect((await c.submitUsername(name)).status).toBe("signedIn");
      return c;
    }

    /** Signs an existing user in again with a fresh code. */
    async function returning(address: string, extra: Partial<PasscodeClientOptions> = {}) {
      const c = client({ autoSignUp: false, ...extra });
      await settled(c);
      await c.requestCode(address);
      expect((await c.submitCode(await stack.mailbox.latestCode(address))).status).toBe("signedIn");
      return c;
    }

    // The throttle allows one code per address per 30 s: step past it between codes.
    const pastThrottle = () => stack.clock.advance(31_000);

    /** Signs up a user tagged `tag`, then asks a new client (autoSignUp off) for a fresh code. */
    async function codeSentToReturning(tag: string) {
      const address = email(tag);
      await newUser(address);
      pastThrottle();
      const c = client({ autoSignUp: false });
      await c.requestCode(address);
      return { address, c, code: await stack.mailbox.latestCode(address) };
    }

    it("signs a new user up and in with 4 requests: SignUp, InitiateAuth, code, username", async () => {
      // Prepare
      const address = email("new");
      const name = unique("new_");
      const c = client();
      // Act
      const afterRequest = await c.requestCode(address);
      await c.submitCode(await stack.mailbox.latestCode(address));
      const afterCode = c.getSnapshot();
      const done = await c.submitUsername(name);
      // Assess
      expect(afterRequest).toMatchObject({
        status: "awaitingCode",
        email: address,
        codeLength: 6,
        attemptsLeft: 3,
      });
      expect(afterRequest.status === "awaitingCode" && afterRequest.maskedEmail).toMatch(
        /^n\*\*\*@e\*\*\*\.com$/,
      );
      expect(afterRequest.status === "awaitingCode" && afterRequest.expiresAt).toBeGreaterThan(
        stack.clock.now(),
      );
      expect(afterCode).toMatchObject({ status: "awaitingUsername", minLength: 3, maxLength: 30 });
      expect(done).toEqual({
        status: "signedIn",
        user: { sub: expect.any(String), email: address, username: name },
        method: "code",
      });
      expect(ops).toEqual([
        "SignUp",
        "InitiateAuth",
        "RespondToAuthChallenge",
        "RespondToAuthChallenge",
      ]);
      const tokens = await c.getTokens();
      expect(decodeJwtPayload(tokens!.idToken)).toMatchObject({
        email: address,
        "custom:username": name,
      });
      expect(decodeJwtPayload(tokens!.accessToken)).toMatchObject({ token_use: "access" });
    });

    it("signs a returning user in with exactly 2 requests when autoSignUp is off", async () => {
      const address = email("ret");
      const name = unique("ret_");
      await newUser(address, name);
      pastThrottle();
      ops = [];
      const c = await returning(address);
      expect(ops).toEqual(["InitiateAuth", "RespondToAuthChallenge"]);
      expect(c.getSnapshot()).toMatchObject({
        status: "signedIn",
        user: { email: address, username: name },
      });
    });

    it("skips SignUp for a user this client has already signed in", async () => {
      const address = email("known");
      const c = await newUser(address);
      await c.signOut();
      pastThrottle();
      ops = [];
      await c.requestCode(address);
      expect(ops).toEqual(["InitiateAuth"]);
    });

    it("reports a wrong code with one attempt fewer, then accepts the right one", async () => {
      const { c, code: right } = await codeSentToReturning("wrong");
      const wrong = right === "000000" ? "111111" : "000000";
      const after = await c.submitCode(wrong);
      expect(after).toMatchObject({
        status: "awaitingCode",
        attemptsLeft: 2,
        error: { code: "CODE_MISMATCH" },
      });
      expect((await c.submitCode(right)).status).toBe("signedIn");
    });

    it("reports TOO_MANY_ATTEMPTS after the last wrong code; a resend starts over", async () => {
      const { address, c, code: right } = await codeSentToReturning("exhaust");
      const wrong = right === "000000" ? "111111" : "000000";
      await c.submitCode(wrong);
      await c.submitCode(wrong);
      const last = await c.submitCode(wrong);
      expect(last).toMatchObject({
        status: "awaitingCode",
        attemptsLeft: 0,
        error: { code: "TOO_MANY_ATTEMPTS" },
      });
      const count = ops.length;
      await c.submitCode(right);
      expect(ops.length).toBe(count);
      pastThrottle();
      expect((await c.resendCode()).status).toBe("awaitingCode");
      expect((await c.submitCode(await stack.mailbox.latestCode(address))).status).toBe("signedIn");
    });

    it("reports SESSION_EXPIRED when the sign-in session has expired", async () => {
      const { c, code } = await codeSentToReturning("expired");
      stack.clock.advance(3 * 60_000 + 1_000);
      expect(await c.submitCode(code)).toMatchObject({
        status: "awaitingCode",
        attemptsLeft: 0,
        error: { code: "SESSION_EXPIRED" },
      });
    });

    it("reports THROTTLED with retryAfterMs on a quick resend and keeps the first code usable", async () => {
      const { c, code } = await codeSentToReturning("throttle");
      const resent = await c.resendCode();
      expect(resent).toMatchObject({ status: "awaitingCode", error: { code: "THROTTLED" } });
      const retryAfterMs = resent.error?.retryAfterMs;
      expect(retryAfterMs).toBeGreaterThan(0);
      expect(retryAfterMs).toBeLessThanOrEqual(30_000);
      expect((await c.submitCode(code)).status).toBe("signedIn");
    });

    it("reports USERNAME_UNAVAILABLE for a taken name, then accepts a free one", async () => {
      const taken = unique("taken_");
      await newUser(email("first"), taken);
      const address = email("second");
      const c = client();
      await c.requestCode(address);
      const asked = await c.submitCode(await stack.mailbox.latestCode(address));
      const before = asked.status === "awaitingUsername" ? asked.attemptsLeft : -1;
      expect(before).toBeGreaterThan(1);
      const refused = await c.submitUsername(taken.toUpperCase());
      expect(refused).toMatchObject({
        status: "awaitingUsername",
        attemptsLeft: before - 1,
        error: { code: "USERNAME_UNAVAILABLE" },
      });
      const free = unique("free_");
      expect(await c.submitUsername(free)).toMatchObject({
        status: "signedIn",
        user: { username: free },
      });
    });

    it("reports a reserved name as USERNAME_UNAVAILABLE from the service (the client does not hold the list)", async () => {
      const address = email("reserved");
      const c = client();
      await c.requestCode(address);
      const asked = await c.submitCode(await stack.mailbox.latestCode(address));
      const before = asked.status === "awaitingUsername" ? asked.attemptsLeft : -1;
      expect(before).toBeGreaterThan(1);
      expect(await c.submitUsername("Admin")).toMatchObject({
        status: "awaitingUsername",
        attemptsLeft: before - 1,
        error: { code: "USERNAME_UNAVAILABLE" },
      });
      expect((await c.submitUsername(unique("free_"))).status).toBe("signedIn");
    });

    it("reports NETWORK_ERROR when the service cannot be reached, and the same call then succeeds", async () => {
      const address = email("offline");
      await newUser(address);
      pastThrottle();
      const c = client({ autoSignUp: false });
      failNext = 1;
      expect(await c.requestCode(address)).toMatchObject({
        status: "signedOut",
        error: { code: "NETWORK_ERROR" },
      });
      expect((await c.requestCode(address)).status).toBe("awaitingCode");
      const code = await stack.mailbox.latestCode(address);
      failNext = 1;
      expect(await c.submitCode(code)).toMatchObject({
        status: "awaitingCode",
        error: { code: "NETWORK_ERROR" },
      });
      expect((await c.submitCode(code)).status).toBe("signedIn");
    });

    it("names the service's exception in `cause` for a wrong client id, never its message", async () => {
      const c = createPasscodeClient({
        clientId: "wrongclient1",
        transport: transport({ ...stack, clientId: "wrongclient1" } as LocalStack),
      });
      const s = await c.requestCode(email("wrongclient"));
      expect(s).toEqual({
        status: "signedOut",
        error: {
          code: "SERVICE_ERROR",
          message: "SERVICE_ERROR",
          cause: "ResourceNotFoundException",
        },
      });
    });

    it("refreshes tokens near expiry, merging concurrent calls into one request", async () => {
      const address = email("refresh");
      const c = await newUser(address);
      const before = await c.getTokens();
      ops = [];
      expect(await c.getTokens()).toEqual(before);
      expect(ops).toEqual([]);
      stack.clock.advance(60 * 60_000 - 30_000);
      const [a, b, d] = await Promise.all([c.getTokens(), c.getTokens(), c.getTokens()]);
      expect(ops).toEqual(["GetTokensFromRefreshToken"]);
      expect(a).toEqual(b);
      expect(b).toEqual(d);
      expect(a!.accessToken).not.toBe(before!.accessToken);
      expect(a!.expiresAt).toBeGreaterThan(stack.clock.now() + 50 * 60_000);
      expect(c.getSnapshot()).toMatchObject({ status: "signedIn", user: { email: address } });
    });

    it("persists only the refresh token and restores a session on a new client", async () => {
      const storage = memoryStorage();
      const address = email("restore");
      const name = unique("restore_");
      await newUser(address, name, { storage });
      expect(storage.items.size).toBe(1);
      const [key, value] = [...storage.items.entries()][0]!;
      expect(key).toBe(`cognito-passcode.${stack.clientId}.refreshToken`);
      expect(value).not.toMatch(/@|restore_/);
      ops = [];
      const next = client({ storage });
      expect(next.getSnapshot()).toEqual({ status: "restoring" });
      expect(await settled(next)).toEqual({
        status: "signedIn",
        user: { sub: expect.any(String), email: address, username: name },
      });
      expect(ops).toEqual(["GetTokensFromRefreshToken"]);
      expect(await next.getTokens()).not.toBeNull();
      expect(await settled(client({ storage: memoryStorage() }))).toEqual({ status: "signedOut" });
    });

    it("retries a restore that could not reach the service, and signs in when it can", async () => {
      const storage = memoryStorage();
      const address = email("retry");
      await newUser(address, unique("retry_"), { storage });
      ops = [];
      failNext = 1;
      const next = client({ storage });
      expect(await settled(next)).toMatchObject({ status: "signedIn", user: { email: address } });
      // The first refresh failed at fetch; the retry, a second later, got through.
      expect(ops).toEqual(["GetTokensFromRefreshToken", "GetTokensFromRefreshToken"]);
    });

    // The stack's real answer with `ExpiresIn` (3600) turned into 1e309, which parses to Infinity.
    const infiniteLifetime = (body: string) => body.replace(/"ExpiresIn":\d+/, '"ExpiresIn":1e309');

    it("refuses a sign-in whose answer has a corrupted ExpiresIn: SERVICE_ERROR, nothing held or stored", async () => {
      // Prepare
      const storage = memoryStorage();
      const address = email("corrupt");
      await newUser(address);
      pastThrottle();
      const c = client({ autoSignUp: false, storage });
      await settled(c);
      expect((await c.requestCode(address)).status).toBe("awaitingCode");
      const code = await stack.mailbox.latestCode(address);
      corrupt = infiniteLifetime;
      // Act
      const after = await c.submitCode(code);
      // Assess
      expect(after).toMatchObject({ status: "awaitingCode", error: { code: "SERVICE_ERROR" } });
      expect(await c.getTokens()).toBeNull();
      expect(storage.items.size).toBe(0);
      // The same user signs in once the answers are whole again.
      corrupt = undefined;
      pastThrottle();
      await c.resendCode();
      expect((await c.submitCode(await stack.mailbox.latestCode(address))).status).toBe("signedIn");
    });

    it("keeps the session as for any failed refresh when a refresh answer has a corrupted ExpiresIn", async () => {
      // Prepare
      const storage = memoryStorage();
      const c = await newUser(email("corruptrefresh"), unique("corrupt_"), { storage });
      const before = await c.getTokens();
      const stored = [...storage.items.values()];
      stack.clock.advance(60 * 60_000 - 30_000);
      corrupt = infiniteLifetime;
      // Act
      const during = await c.getTokens();
      // Assess
      expect(ops.at(-1)).toBe("GetTokensFromRefreshToken");
      expect(during).toEqual(before);
      expect(c.getSnapshot()).toMatchObject({
        status: "signedIn",
        error: { code: "SERVICE_ERROR" },
      });
      expect([...storage.items.values()]).toEqual(stored);
      stack.clock.advance(60_000);
      expect(await c.getTokens()).toBeNull();
    });

    it("reports CONFIGURATION_ERROR on signOut when the app client has token revocation off", async () => {
      const plain = await startLocalStack({ port: 0, client: { enableTokenRevocation: false } });
      try {
        const c = createPasscodeClient({
          clientId: plain.clientId,
          transport: transport(plain),
          now: plain.clock.now,
        });
        const address = email("norevoke");
        await c.requestCode(address);
        await c.submitCode(await plain.mailbox.latestCode(address));
        expect((await c.submitUsername(unique("norevoke_"))).status).toBe("signedIn");
        expect(await c.signOut()).toMatchObject({
          status: "signedOut",
          error: { code: "CONFIGURATION_ERROR" },
        });
        expect(await c.getTokens()).toBeNull();
      } finally {
        await plain.stop();
      }
    });

    it("revokes the refresh token on signOut and clears storage", async () => {
      const storage = memoryStorage();
      const c = await newUser(email("revoke"), unique("revoke_"), { storage });
      const refreshToken = [...storage.items.values()][0]!;
      ops = [];
      expect(await c.signOut()).toEqual({ status: "signedOut" });
      expect(ops).toEqual(["RevokeToken"]);
      expect(storage.items.size).toBe(0);
      expect(await c.getTokens()).toBeNull();
      const direct = createFetchTransport({ clientId: stack.clientId, endpoint: stack.endpoint });
      await expect(direct.refresh({ refreshToken })).rejects.toMatchObject({
        name: "NotAuthorizedException",
      });
    });

    it("signs out with SESSION_EXPIRED when a refresh is refused", async () => {
      const storage = memoryStorage();
      const c = await newUser(email("refused"), unique("refused_"), { storage });
      const refreshToken = [...storage.items.values()][0]!;
      const direct = createFetchTransport({ clientId: stack.clientId, endpoint: stack.endpoint });
      await direct.revokeToken({ refreshToken });
      stack.clock.advance(60 * 60_000);
      expect(await c.getTokens()).toBeNull();
      expect(c.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "SESSION_EXPIRED" },
      });
      expect(storage.items.size).toBe(0);
    });

    it("signs every session out with signOut({ global: true })", async () => {
      const address = email("global");
      const first = await newUser(address);
      pastThrottle();
      const second = await returning(address);
      ops = [];
      expect(await first.signOut({ global: true })).toEqual({ status: "signedOut" });
      expect(ops[0]).toBe("GlobalSignOut");
      stack.clock.advance(60 * 60_000);
      expect(await second.getTokens()).toBeNull();
      expect(second.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "SESSION_EXPIRED" },
      });
    });
  });
}
