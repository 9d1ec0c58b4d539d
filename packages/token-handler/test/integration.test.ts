import { createFetchTransport } from "@cognito-passcode/client";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { afterEach, describe, expect, it } from "vitest";
import { createCookieSealer } from "../src/cookie.js";
import { browserFetch, type HandlerServer, startHandlerServer } from "./support/browser.js";
import { COOKIE, KEY_A, ORIGIN } from "./support/requests.js";

const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function setUp(rotation = false) {
  const stack: LocalStack = await startLocalStack({
    port: 0,
    triggers: { throttle: false },
    ...(rotation ? { client: { refreshTokenRotation: { enabled: true } } } : {}),
  });
  started.push(stack);
  const handler: HandlerServer = await startHandlerServer({
    clientId: stack.clientId,
    endpoint: stack.endpoint,
    allowedOrigins: [ORIGIN],
    cookieKeys: [KEY_A],
  });
  started.push(handler);
  const page = browserFetch(ORIGIN);
  const transport = createFetchTransport({
    clientId: stack.clientId,
    tokenHandler: handler.url,
    fetch: page.fetch,
  });
  const sealer = createCookieSealer([KEY_A], stack.clientId, Date.now);
  /** The refresh token inside the page's cookie (what only the handler can read). */
  const tokenInCookie = async () => (await sealer.open(page.jar.get(COOKIE) ?? ""))?.refreshToken;
  return { stack, handler, page, transport, tokenInCookie };
}

/** Signs `email` in through the client's fetch transport pointed at the handler. */
async function signIn(ctx: Awaited<ReturnType<typeof setUp>>, email: string) {
  const { stack, transport } = ctx;
  await transport.signUp({ username: email, password: `P${"w0".repeat(20)}!` });
  const first = await transport.initiateAuth({ username: email });
  if (first.type !== "challenge") throw new Error("expected the code challenge");
  const code = await stack.mailbox.latestCode(email);
  const named = await transport.respondToAuthChallenge({
    username: email,
    session: first.session,
    answer: code,
  });
  if (named.type !== "challenge") throw new Error("expected the username challenge");
  const done = await transport.respondToAuthChallenge({
    username: email,
    session: named.session,
    answer: email.split("@")[0]!.replace(/\W/g, "_"),
  });
  if (done.type !== "tokens") throw new Error("expected tokens");
  return done.tokens;
}

/** A refresh straight to Cognito (the local stack), as a test of what a token still does. */
async function directRefresh(stack: LocalStack, refreshToken: string) {
  const response = await fetch(stack.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
    },
    body: JSON.stringify({ ClientId: stack.clientId, RefreshToken: refreshToken }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("the token handler in front of the local stack", () => {
  it("signs in through the client's transport: tokens to the page, the refresh token only in the cookie", async () => {
    // Prepare
    const ctx = await setUp();
    // Act
    const tokens = await signIn(ctx, "hana@example.com");
    // Assess
    expect(tokens.idToken).toMatch(/^ey/);
    expect(tokens.accessToken).toMatch(/^ey/);
    expect(tokens.refreshToken).toBeUndefined();
    const refreshToken = await ctx.tokenInCookie();
    expect(refreshToken).toBeTruthy();
    for (const body of ctx.page.bodies) {
      expect(body).not.toContain(refreshToken);
      expect(body).not.toMatch(/refresh_?token/i);
    }
    // The cookie's token is the real one: Cognito takes it.
    expect((await directRefresh(ctx.stack, refreshToken!)).status).toBe(200);
  });

  it("refreshes through the cookie, and sign-out revokes it: the old cookie no longer refreshes", async () => {
    const ctx = await setUp();
    await signIn(ctx, "ivan@example.com");
    const cookie = ctx.page.jar.get(COOKIE)!;
    const refreshToken = await ctx.tokenInCookie();

    const refreshed = await ctx.transport.refresh({});
    expect(refreshed.accessToken).toMatch(/^ey/);
    expect(refreshed.refreshToken).toBeUndefined();

    await ctx.transport.revokeToken({});
    expect(ctx.page.jar.has(COOKIE)).toBe(false);
    // The page (or an attacker who kept a copy of the cookie) tries again.
    ctx.page.jar.set(COOKIE, cookie);
    await expect(ctx.transport.refresh({})).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    expect((await directRefresh(ctx.stack, refreshToken!)).body.__type).toBe(
      "NotAuthorizedException",
    );
    for (const body of ctx.page.bodies) expect(body).not.toContain(refreshToken);
  });

  it("hands Cognito the caller's address as UserContextData.IpAddress on SignUp, InitiateAuth and RespondToAuthChallenge", async () => {
    const ctx = await setUp();
    await signIn(ctx, "lio@example.com");
    for (const operation of ["SignUp", "InitiateAuth", "RespondToAuthChallenge"] as const) {
      // The node adapter's socket address: this test's own connection.
      expect(ctx.stack.lastUserContextData(operation)).toEqual({ IpAddress: "127.0.0.1" });
    }
  });

  it("GlobalSignOut through the handler ends the session and the cookie", async () => {
    const ctx = await setUp();
    const tokens = await signIn(ctx, "jana@example.com");
    const cookie = ctx.page.jar.get(COOKIE)!;
    await ctx.transport.globalSignOut({ accessToken: tokens.accessToken });
    expect(ctx.page.jar.has(COOKIE)).toBe(false);
    ctx.page.jar.set(COOKIE, cookie);
    await expect(ctx.transport.refresh({})).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
  });

  it("with refresh-token rotation on, each refresh puts the new token in the cookie and the old one dies", async () => {
    const ctx = await setUp(true);
    await signIn(ctx, "kai@example.com");
    const first = ctx.page.jar.get(COOKIE)!;
    const firstToken = await ctx.tokenInCookie();

    await ctx.transport.refresh({});
    const second = ctx.page.jar.get(COOKIE)!;
    const secondToken = await ctx.tokenInCookie();
    expect(second).not.toBe(first);
    expect(secondToken).toBeTruthy();
    expect(secondToken).not.toBe(firstToken);
    const sealer = createCookieSealer([KEY_A], ctx.stack.clientId, Date.now);
    // The rotated cookie keeps the sign-in's expiry.
    expect((await sealer.open(second))!.expiresAt).toBe((await sealer.open(first))!.expiresAt);
    // The new token refreshes again (and rotates again).
    await ctx.transport.refresh({});
    expect(await ctx.tokenInCookie()).not.toBe(secondToken);
    // The first token, used once already, is refused (grace period 0).
    ctx.page.jar.set(COOKIE, first);
    await expect(ctx.transport.refresh({})).rejects.toMatchObject({
      name: expect.stringMatching(/NotAuthorizedException|RefreshTokenReuseException/),
    });
    for (const body of ctx.page.bodies) {
      expect(body).not.toContain(firstToken);
      expect(body).not.toContain(secondToken);
    }
  });

  it("with rotation, a refresh answered after sign-out puts back a cookie that no longer refreshes", async () => {
    // Prepare: the refresh reaches Cognito before the sign-out, its answer
    // (the rotated cookie) reaches the browser after it.
    const ctx = await setUp(true);
    await signIn(ctx, "lena@example.com");
    const beforeRefresh = ctx.page.jar.get(COOKIE)!;
    await ctx.transport.refresh({});
    const lateAnswer = ctx.page.jar.get(COOKIE)!;
    ctx.page.jar.set(COOKIE, beforeRefresh);
    // Act: sign-out revokes the token the browser still holds; then the
    // late answer's Set-Cookie lands.
    await ctx.transport.revokeToken({});
    expect(ctx.page.jar.has(COOKIE)).toBe(false);
    ctx.page.jar.set(COOKIE, lateAnswer);
    // Assess: the resurrected cookie's token was revoked with its family.
    await expect(ctx.transport.refresh({})).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
  });
});
