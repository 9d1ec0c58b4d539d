import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createFetchTransport,
  createPasscodeClient,
  type PasscodeClient,
  type PasscodeClientOptions,
  type Transport,
} from "@cognito-passcode/client";
import { createCognitoIdentityJsTransport } from "@cognito-passcode/client/cognito-identity-js";
import { type LeaseStorage, shareAcrossTabs } from "@cognito-passcode/client/tabs";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { createNodeHandler } from "@cognito-passcode/token-handler/node";
import { CognitoUserPool } from "amazon-cognito-identity-js";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { memoryStorage } from "./helpers/memory-storage.js";

/**
 * The token lifecycle against the real local stack with refresh-token
 * rotation on (GetTokensFromRefreshToken returns a new refresh token; the one
 * presented dies once its grace period, 0 s here, is over), and cookie mode
 * against the real token handler (`@cognito-passcode/token-handler`) on a
 * node:http server in front of that stack.
 */

const ORIGIN = "https://app.example.com";
const COOKIE_KEY = "kA7pQ2xZ9mL4vN8rT1wY6cB3dF5gH0jS-client-tests";
const KEY_PREFIX = "cognito-passcode.";

let stack: LocalStack;
let serial = 0;
const unique = (tag: string) => `${tag}${Date.now().toString(36)}${++serial}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settled(c: PasscodeClient) {
  while (c.getSnapshot().status === "restoring") await sleep(5);
  return c.getSnapshot();
}

/** GetTokensFromRefreshToken straight to the stack: what a refresh token still does. */
async function directRefresh(refreshToken: string) {
  const response = await fetch(stack.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
    },
    body: JSON.stringify({ ClientId: stack.clientId, RefreshToken: refreshToken }),
  });
  return response.status;
}

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    triggers: { throttle: false },
    client: { refreshTokenRotation: { enabled: true } },
  });
});
afterAll(async () => {
  vi.unstubAllGlobals();
  await stack?.stop();
});

/** Signs `address` in (with a username on first sign-in) through `c`. */
async function signIn(c: PasscodeClient, address: string) {
  await settled(c);
  expect((await c.requestCode(address)).status).toBe("awaitingCode");
  const after = await c.submitCode(await stack.mailbox.latestCode(address));
  if (after.status === "awaitingUsername") await c.submitUsername(unique("u"));
  expect(c.getSnapshot().status).toBe("signedIn");
}

const storedToken = (storage: ReturnType<typeof memoryStorage>) =>
  [...storage.items.entries()].find(([k]) => k.startsWith(KEY_PREFIX))?.[1];

describe.each(["fetch", "cognito-identity-js"] as const)(
  "refresh-token rotation through the %s transport",
  (kind) => {
    function transport(): Transport {
      if (kind === "fetch") {
        return createFetchTransport({ clientId: stack.clientId, endpoint: stack.endpoint });
      }
      const userPool = new CognitoUserPool({
        UserPoolId: stack.userPoolId,
        ClientId: stack.clientId,
        endpoint: stack.endpoint,
      });
      return createCognitoIdentityJsTransport({ userPool });
    }
    const client = (extra: Partial<PasscodeClientOptions> = {}) =>
      createPasscodeClient({
        clientId: stack.clientId,
        transport: transport(),
        now: stack.clock.now,
        ...extra,
      });

    it("keeps the newest refresh token: stored after each refresh, the old one refused, a reload restores with it", async () => {
      // Prepare
      const storage = memoryStorage();
      const c = client({ storage });
      await signIn(c, `${unique("rot")}@example.com`);
      const first = storedToken(storage)!;
      // Act: two refreshes, each rotating.
      stack.clock.advance(60 * 60_000);
      expect(await c.getTokens()).not.toBeNull();
      const second = storedToken(storage)!;
      stack.clock.advance(60 * 60_000);
      expect(await c.getTokens()).not.toBeNull();
      const third = storedToken(storage)!;
      // Assess
      expect(new Set([first, second, third]).size).toBe(3);
      expect(await directRefresh(first)).toBe(400);
      const reloaded = client({ storage });
      expect(await settled(reloaded)).toMatchObject({ status: "signedIn" });
      expect(storedToken(storage)).not.toBe(third);
      expect(await c.getTokens()).not.toBeNull();
    });
  },
);

describe("two tabs sharing storage, rotation on", () => {
  it("both refreshing at once both stay signed in (one refresh at a time, the second with the rotated token)", async () => {
    // Prepare: two tabs on one localStorage-like storage, the lease fallback as the lock.
    const storage = memoryStorage();
    const leaseItems = new Map<string, string>();
    const lease: LeaseStorage = {
      getItem: (k) => leaseItems.get(k) ?? null,
      setItem: (k, v) => void leaseItems.set(k, v),
      removeItem: (k) => void leaseItems.delete(k),
    };
    const tabs = [
      shareAcrossTabs({ locks: null, leaseStorage: lease }),
      shareAcrossTabs({ locks: null, leaseStorage: lease }),
    ];
    const [a, b] = tabs.map((t) =>
      createPasscodeClient({
        clientId: stack.clientId,
        endpoint: stack.endpoint,
        now: stack.clock.now,
        storage,
        tabs: t,
      }),
    ) as [PasscodeClient, PasscodeClient];
    try {
      await settled(b);
      await signIn(a, `${unique("tabs")}@example.com`);
      // B restores on hearing of A's sign-in (rotating once).
      for (let i = 0; i < 200 && b.getSnapshot().status !== "signedIn"; i++) await sleep(10);
      expect(b.getSnapshot().status).toBe("signedIn");
      // Act
      stack.clock.advance(60 * 60_000);
      const [ta, tb] = await Promise.all([a.getTokens(), b.getTokens()]);
      // Assess
      expect(ta).not.toBeNull();
      expect(tb).not.toBeNull();
      expect(a.getSnapshot()).toMatchObject({ status: "signedIn" });
      expect(b.getSnapshot()).toMatchObject({ status: "signedIn" });
      expect(b.getSnapshot().error).toBeUndefined();
      expect(await directRefresh(storedToken(storage)!)).toBe(200);
    } finally {
      for (const t of tabs) t.close();
    }
  });
});

describe("two tabs sharing storage, rotation on, without tabs", () => {
  it("the tab whose token the other rotated out signs out with SESSION_EXPIRED; storage keeps the newer token", async () => {
    const storage = memoryStorage();
    const options = {
      clientId: stack.clientId,
      endpoint: stack.endpoint,
      now: stack.clock.now,
      storage,
    };
    const a = createPasscodeClient(options);
    await signIn(a, `${unique("notabs")}@example.com`);
    const first = storedToken(storage);
    // B loads: its restore rotates the stored token (A still holds the first).
    const b = createPasscodeClient(options);
    expect((await settled(b)).status).toBe("signedIn");
    const newer = storedToken(storage);
    expect(newer).not.toBe(first);
    // Act: A's tokens expire; it refreshes with the token B rotated out.
    stack.clock.advance(60 * 60_000);
    expect(await a.getTokens()).toBeNull();
    // Assess
    expect(a.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SESSION_EXPIRED", cause: "RefreshTokenReuseException" },
    });
    expect(storedToken(storage)).toBe(newer);
    expect(await b.getTokens()).not.toBeNull();
  });
});

describe("cookie mode against the real token handler", () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const handle = createNodeHandler({
      clientId: stack.clientId,
      endpoint: stack.endpoint,
      allowedOrigins: [ORIGIN],
      cookieKeys: [COOKIE_KEY],
    });
    server = createServer((req, res) => {
      if (req.url === "/auth") return void handle(req, res);
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
  });
  afterAll(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );

  /**
   * A page on ORIGIN as a browser runs its `fetch`: `Origin` and
   * `Sec-Fetch-Site` sent, the handler's cookies kept in a jar (Node's fetch
   * has none; the jar stands in for the browser's, which scripts cannot read),
   * and every response body the page could read recorded.
   */
  function page() {
    const jar = new Map<string, string>();
    const bodies: string[] = [];
    const credentials: (RequestCredentials | undefined)[] = [];
    const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
      credentials.push(init?.credentials);
      const headers = new Headers(init?.headers);
      headers.set("origin", ORIGIN);
      headers.set("sec-fetch-site", "same-origin");
      if (init?.credentials === "include" && jar.size > 0) {
        headers.set("cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
      }
      const response = await globalThis.fetch(input, { ...init, headers });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair = ""] = cookie.split(";");
        const eq = pair.indexOf("=");
        if (/Max-Age=0(;|$)/.test(cookie)) jar.delete(pair.slice(0, eq));
        else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      bodies.push(await response.clone().text());
      return response;
    }) as typeof globalThis.fetch;
    return { fetch, jar, bodies, credentials };
  }

  const cookieClient = (p: ReturnType<typeof page>, extra: Partial<PasscodeClientOptions> = {}) =>
    createPasscodeClient({
      clientId: stack.clientId,
      tokenHandler: url,
      fetch: p.fetch,
      now: stack.clock.now,
      ...extra,
    });

  it("a first visit restores to signedOut with no error; sign-in, refresh and reload go through the cookie; no body carries a refresh token", async () => {
    // Prepare
    const p = page();
    const first = cookieClient(p);
    expect(first.getSnapshot()).toEqual({ status: "restoring" });
    expect(await settled(first)).toEqual({ status: "signedOut" });
    // Act: sign in, refresh (the app client rotates), reload.
    await signIn(first, `${unique("cookie")}@example.com`);
    const cookieAfterSignIn = [...p.jar.values()].join();
    expect(cookieAfterSignIn).not.toBe("");
    stack.clock.advance(60 * 60_000);
    expect(await first.getTokens()).not.toBeNull();
    expect([...p.jar.values()].join()).not.toBe(cookieAfterSignIn);
    const reloaded = cookieClient(p);
    // Assess
    expect(await settled(reloaded)).toMatchObject({ status: "signedIn" });
    expect(await reloaded.getTokens()).not.toBeNull();
    expect(p.credentials.every((c) => c === "include")).toBe(true);
    for (const body of p.bodies) expect(body).not.toMatch(/RefreshToken/);
  });

  it("sign-out revokes through the cookie: the cookie is gone and the next load is signedOut", async () => {
    const p = page();
    const c = cookieClient(p);
    await signIn(c, `${unique("cookieout")}@example.com`);
    expect(await c.signOut()).toEqual({ status: "signedOut" });
    expect(p.jar.size).toBe(0);
    expect(await settled(cookieClient(p))).toEqual({ status: "signedOut" });
  });

  it("nothing token-like reaches any storage, whatever the app passes (storage is refused in this mode)", async () => {
    const p = page();
    expect(() => cookieClient(p, { storage: memoryStorage() })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR" }),
    );
  });
});
