import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTokenHandler, MAX_BODY_BYTES } from "@cognito-passcode/token-handler";
import { describe, expect, it } from "vitest";
import { createCookieSealer } from "../src/cookie.js";
import {
  authenticationResult,
  CLIENT_ID,
  COOKIE,
  clientRequest,
  handlerWith,
  KEY_A,
  ORIGIN,
  recordingUpstream,
  refreshRequest,
  setCookieOf,
} from "./support/requests.js";

const DAY = 86_400_000;
const signIn = {
  ClientId: CLIENT_ID,
  ChallengeName: "CUSTOM_CHALLENGE",
  Session: "session",
  ChallengeResponses: { USERNAME: "a@example.com", ANSWER: "123456" },
};

/** Signs in through `handle` and returns the cookie it set. */
async function signedIn(handle: ReturnType<typeof handlerWith>) {
  const response = await handle(clientRequest("RespondToAuthChallenge", signIn));
  return `${COOKIE}=${setCookieOf(response)!.value}`;
}

describe("sign-in through the handler", () => {
  it("moves the refresh token into the cookie and forwards the answer without it", async () => {
    // Prepare
    const upstream = recordingUpstream(() => ({ body: authenticationResult("rt-secret-1") }));
    const handle = handlerWith(upstream);
    // Act
    const response = await handle(clientRequest("RespondToAuthChallenge", signIn));
    // Assess
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("rt-secret-1");
    expect(JSON.parse(text)).toEqual({
      AuthenticationResult: {
        IdToken: "id.token.value",
        AccessToken: "access.token.value",
        ExpiresIn: 3600,
        TokenType: "Bearer",
      },
      ChallengeParameters: {},
    });
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(
      new RegExp(
        `^${COOKIE}=[\\w-]+(\\.[\\w-]*){4}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=2592000$`,
      ),
    );
    expect(cookie).not.toContain("rt-secret-1");
    expect(upstream.calls).toEqual([
      expect.objectContaining({ operation: "RespondToAuthChallenge", body: signIn }),
    ]);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(response.headers.get("access-control-allow-credentials")).toBe("true");
    expect(response.headers.get("vary")).toBe("Origin");
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  it("forwards the caller's address as UserContextData.IpAddress, keeping the page's EncodedData", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const handle = handlerWith(upstream);
    await handle(
      clientRequest("SignUp", {
        ClientId: CLIENT_ID,
        Username: "a@example.com",
        Password: "x".repeat(64),
        UserContextData: { EncodedData: "fingerprint" },
      }),
      { ipAddress: "203.0.113.9" },
    );
    await handle(
      clientRequest("InitiateAuth", {
        ClientId: CLIENT_ID,
        AuthFlow: "CUSTOM_AUTH",
        AuthParameters: { USERNAME: "a@example.com" },
      }),
      { ipAddress: "::ffff:198.51.100.4" },
    );
    await handle(clientRequest("RespondToAuthChallenge", signIn), { ipAddress: "not an address" });
    expect(upstream.calls.map((c) => c.body.UserContextData)).toEqual([
      { EncodedData: "fingerprint", IpAddress: "203.0.113.9" },
      { IpAddress: "198.51.100.4" },
      undefined,
    ]);
  });

  it("sends only the operation's own headers upstream, never the page's cookie", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const handle = handlerWith(upstream);
    await handle(
      clientRequest(
        "InitiateAuth",
        { ClientId: CLIENT_ID, AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: "a@b.co" } },
        { cookie: "other=1" },
      ),
    );
    const names: string[] = [];
    upstream.calls[0]!.headers.forEach((_, name) => {
      names.push(name);
    });
    expect(names.sort()).toEqual(["content-type", "x-amz-target"]);
  });
});

describe("refresh through the cookie", () => {
  it("sends the cookie's token upstream and answers ID and access tokens only", async () => {
    const upstream = recordingUpstream((op) => ({
      body: authenticationResult(op === "GetTokensFromRefreshToken" ? undefined : "rt-1"),
    }));
    const handle = handlerWith(upstream);
    const cookie = await signedIn(handle);
    const response = await handle(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    expect(response.status).toBe(200);
    expect(upstream.calls[1]).toMatchObject({
      operation: "GetTokensFromRefreshToken",
      body: { ClientId: CLIENT_ID, RefreshToken: "rt-1" },
    });
    expect(await response.json()).toMatchObject({
      AuthenticationResult: { IdToken: "id.token.value", AccessToken: "access.token.value" },
    });
    // Rotation off: the cookie is left as it is.
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it("with rotation, seals the new token into a new cookie that keeps the original expiry", async () => {
    let now = 1_800_000_000_000;
    let issued = 0;
    const upstream = recordingUpstream(() => ({ body: authenticationResult(`rt-${++issued}`) }));
    const handle = handlerWith(upstream, { now: () => now, refreshTokenValidityDays: 30 });
    const first = await signedIn(handle);
    now += 10 * DAY;
    const response = await handle(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie: first }),
    );
    const text = await response.text();
    expect(text).not.toContain("rt-2");
    const rotated = setCookieOf(response)!;
    expect(rotated.maxAge).toBe(20 * 86_400);
    now += DAY;
    await handle(refreshRequest(rotated.value));
    expect(upstream.calls.at(-1)!.body.RefreshToken).toBe("rt-2");
  });

  it("refuses a refresh with no cookie, with no Set-Cookie and nothing forwarded", async () => {
    const upstream = recordingUpstream();
    const response = await handlerWith(upstream)(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException");
    expect(await response.json()).toEqual({
      __type: "NotAuthorizedException",
      message: "Invalid Refresh Token",
    });
    expect(response.headers.getSetCookie()).toEqual([]);
    expect(upstream.calls).toEqual([]);
  });

  it("refuses an expired cookie and expires it", async () => {
    let now = 1_800_000_000_000;
    const upstream = recordingUpstream(() => ({ body: authenticationResult("rt-1") }));
    const handle = handlerWith(upstream, { now: () => now, refreshTokenValidityDays: 1 });
    const cookie = await signedIn(handle);
    now += DAY + 1000;
    const response = await handle(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.getSetCookie()).toEqual([
      `${COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0`,
    ]);
    expect(upstream.calls.map((c) => c.operation)).toEqual(["RespondToAuthChallenge"]);
  });

  it.each(["NotAuthorizedException", "RefreshTokenReuseException"])(
    "leaves the cookie alone when Cognito refuses its token (%s): another tab may have rotated it meanwhile",
    async (type) => {
      // Prepare: two tabs send the same cookie; the first refresh rotates the
      // token, the second is refused for presenting the old one.
      let refreshes = 0;
      const upstream = recordingUpstream((op) =>
        op === "GetTokensFromRefreshToken" && ++refreshes > 1
          ? { status: 400, body: { __type: type, message: "Invalid Refresh Token" } }
          : { body: authenticationResult(`rt-${refreshes}`) },
      );
      const handle = handlerWith(upstream);
      const cookie = await signedIn(handle);
      const refresh = () =>
        handle(clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie }));
      // Act
      const first = await refresh();
      const second = await refresh();
      // Assess: the first tab's new cookie is what the browser keeps; the
      // second answer must not expire it.
      expect(setCookieOf(first)?.value).toBeTruthy();
      expect(second.status).toBe(400);
      expect(await second.json()).toEqual({ __type: type, message: "Invalid Refresh Token" });
      expect(second.headers.getSetCookie()).toEqual([]);
    },
  );

  it("keeps the cookie when Cognito is only busy", async () => {
    const upstream = recordingUpstream((op) =>
      op === "GetTokensFromRefreshToken"
        ? { status: 400, body: { __type: "TooManyRequestsException", message: "Rate exceeded" } }
        : { body: authenticationResult("rt-1") },
    );
    const handle = handlerWith(upstream);
    const cookie = await signedIn(handle);
    const response = await handle(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    expect(response.headers.get("x-amzn-errortype")).toBe("TooManyRequestsException");
    expect(response.headers.getSetCookie()).toEqual([]);
  });
});

describe("the call to Cognito", () => {
  it("never follows a redirect: the refresh token is posted to the configured endpoint only", async () => {
    // Prepare: an endpoint that answers 307 (a misrouted proxy, a hijacked
    // name) towards another server, which records what reaches it.
    const received: string[] = [];
    const elsewhere = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push(body);
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`;
    const redirecting = createServer((req, res) => {
      req.resume();
      req.on("end", () => res.writeHead(307, { location: target }).end());
    });
    await new Promise<void>((resolve) => redirecting.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(redirecting.address() as AddressInfo).port}/`;
      const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
      const value = await sealer.seal({ refreshToken: "rt-secret", expiresAt: Date.now() + DAY });
      const handle = createTokenHandler({
        clientId: CLIENT_ID,
        endpoint,
        allowedOrigins: [ORIGIN],
        cookieKeys: [KEY_A],
      });
      // Act
      const response = await handle(refreshRequest(value));
      // Assess
      expect(received).toEqual([]);
      expect(response.status).toBeGreaterThanOrEqual(500);
      expect(await response.text()).not.toContain("rt-secret");
    } finally {
      await new Promise((resolve) => redirecting.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });
});

describe("sign-out", () => {
  it("RevokeToken revokes the cookie's token and expires the cookie", async () => {
    const upstream = recordingUpstream((op) => ({
      body: op === "RevokeToken" ? {} : authenticationResult("rt-1"),
    }));
    const handle = handlerWith(upstream);
    const cookie = await signedIn(handle);
    const response = await handle(
      clientRequest("RevokeToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    expect(response.status).toBe(200);
    expect(upstream.calls.at(-1)).toMatchObject({
      operation: "RevokeToken",
      body: { ClientId: CLIENT_ID, Token: "rt-1" },
    });
    expect(setCookieOf(response)).toEqual({ value: "", maxAge: 0 });
  });

  it("RevokeToken expires the cookie even when Cognito fails or cannot be reached", async () => {
    const failing = recordingUpstream((op) =>
      op === "RevokeToken"
        ? { status: 500, body: { __type: "InternalErrorException", message: "boom" } }
        : { body: authenticationResult("rt-1") },
    );
    const handle = handlerWith(failing);
    const cookie = await signedIn(handle);
    const failed = await handle(clientRequest("RevokeToken", { ClientId: CLIENT_ID }, { cookie }));
    expect(failed.status).toBe(500);
    expect(setCookieOf(failed)).toEqual({ value: "", maxAge: 0 });

    const unreachable = handlerWith({
      calls: [],
      fetch: (async () => {
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    });
    const down = await unreachable(
      clientRequest("RevokeToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    expect(down.status).toBe(502);
    expect(setCookieOf(down)).toEqual({ value: "", maxAge: 0 });
  });

  it("RevokeToken without a session answers 200 and expires the cookie, forwarding nothing", async () => {
    const upstream = recordingUpstream();
    const response = await handlerWith(upstream)(
      clientRequest("RevokeToken", { ClientId: CLIENT_ID }),
    );
    expect(response.status).toBe(200);
    expect(setCookieOf(response)).toEqual({ value: "", maxAge: 0 });
    expect(upstream.calls).toEqual([]);
  });

  it("GlobalSignOut is forwarded without a ClientId and expires the cookie", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const response = await handlerWith(upstream)(
      clientRequest("GlobalSignOut", { AccessToken: "access", ClientId: CLIENT_ID }),
    );
    expect(upstream.calls).toEqual([
      expect.objectContaining({ operation: "GlobalSignOut", body: { AccessToken: "access" } }),
    ]);
    expect(setCookieOf(response)).toEqual({ value: "", maxAge: 0 });
  });
});

describe("CORS", () => {
  it("answers an allowed origin's preflight, with credentials", async () => {
    const response = await handlerWith(recordingUpstream())(
      new Request("https://app.example.com/auth", {
        method: "OPTIONS",
        headers: {
          origin: ORIGIN,
          "access-control-request-method": "POST",
          "access-control-request-headers": "content-type,x-amz-target,x-cognito-passcode",
        },
      }),
    );
    expect(response.status).toBe(204);
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    expect(headers).toMatchObject({
      "access-control-allow-origin": ORIGIN,
      "access-control-allow-credentials": "true",
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, x-amz-target, x-cognito-passcode",
      vary: "Origin",
    });
  });

  it("refuses another origin's preflight with no CORS header", async () => {
    const response = await handlerWith(recordingUpstream())(
      new Request("https://app.example.com/auth", {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      }),
    );
    expect(response.status).toBe(403);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("request bodies", () => {
  it("reads a streamed body without Content-Length only up to the limit, then refuses it", async () => {
    // Prepare: an 8 MiB body, chunked, as a runtime without the Node
    // adapter's cap (Deno, Bun, Workers) hands it over (an endless one would
    // otherwise be read until memory runs out).
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= 8 * 1_048_576) return controller.close();
        pulled += 16_384;
        controller.enqueue(new Uint8Array(16_384).fill(0x20));
      },
    });
    const upstream = recordingUpstream();
    const request = new Request("https://app.example.com/auth", {
      method: "POST",
      body: endless,
      duplex: "half",
      headers: {
        origin: ORIGIN,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
        "x-cognito-passcode": "1",
      },
    } as RequestInit);
    // Act
    const response = await handlerWith(upstream)(request);
    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      __type: "InvalidParameterException",
      message: "The request body is too large",
    });
    expect(pulled).toBeLessThan(MAX_BODY_BYTES + 4 * 16_384);
    expect(upstream.calls).toEqual([]);
  }, 10_000);
});

describe("refusals", () => {
  const initiate = {
    ClientId: CLIENT_ID,
    AuthFlow: "CUSTOM_AUTH",
    AuthParameters: { USERNAME: "a@example.com" },
  };
  it.each([
    ["no Origin", clientRequest("InitiateAuth", initiate, { headers: { origin: null } }), 403],
    [
      "another origin",
      clientRequest("InitiateAuth", initiate, {
        headers: { origin: "https://app.example.com.evil" },
      }),
      403,
    ],
    ["Origin null", clientRequest("InitiateAuth", initiate, { headers: { origin: "null" } }), 403],
    [
      "a cross-site fetch",
      clientRequest("InitiateAuth", initiate, { headers: { "sec-fetch-site": "cross-site" } }),
      403,
    ],
    [
      "no custom header",
      clientRequest("InitiateAuth", initiate, { headers: { "x-cognito-passcode": null } }),
      403,
    ],
    [
      "a custom header other than 1",
      clientRequest("InitiateAuth", initiate, { headers: { "x-cognito-passcode": "true" } }),
      403,
    ],
    ["GET", clientRequest("InitiateAuth", initiate, { method: "GET" }), 405],
    ["PUT", clientRequest("InitiateAuth", initiate, { method: "PUT" }), 405],
    [
      "a form post",
      clientRequest("InitiateAuth", initiate, {
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      400,
    ],
    ["another operation", clientRequest("AdminCreateUser", { UserPoolId: "p" }), 400],
    [
      "a password flow",
      clientRequest("InitiateAuth", { ...initiate, AuthFlow: "USER_PASSWORD_AUTH" }),
      400,
    ],
    [
      "REFRESH_TOKEN_AUTH",
      clientRequest("InitiateAuth", {
        ...initiate,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: "x" },
      }),
      400,
    ],
    ["another client id", clientRequest("InitiateAuth", { ...initiate, ClientId: "other" }), 400],
    [
      "a refresh token in the body",
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID, RefreshToken: "x" }),
      400,
    ],
    [
      "a token to revoke in the body",
      clientRequest("RevokeToken", { ClientId: CLIENT_ID, Token: "x" }),
      400,
    ],
    [
      "an IpAddress nested in EncodedData",
      clientRequest("InitiateAuth", {
        ...initiate,
        UserContextData: { EncodedData: { IpAddress: "1.2.3.4" } },
      }),
      400,
    ],
    [
      "a spoofed IpAddress",
      clientRequest("InitiateAuth", { ...initiate, UserContextData: { IpAddress: "1.2.3.4" } }),
      400,
    ],
    [
      "an SRP answer",
      clientRequest("RespondToAuthChallenge", { ...signIn, ChallengeName: "PASSWORD_VERIFIER" }),
      400,
    ],
    ["a body that is not JSON", new Request("https://app.example.com/auth"), 405],
  ])("refuses %s and forwards nothing", async (_, request, status) => {
    const upstream = recordingUpstream();
    const response = await handlerWith(upstream)(request);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { __type: string; message: string };
    expect(body.__type).toMatch(/^\w+Exception$/);
    expect(response.headers.get("x-amzn-errortype")).toBe(body.__type);
    expect(upstream.calls).toEqual([]);
  });
});
