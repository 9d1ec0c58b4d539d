import { createTokenHandler, type TokenHandlerOptions } from "@cognito-passcode/token-handler";
import fc from "fast-check";

export const ORIGIN = "https://app.example.com";
export const CLIENT_ID = "4tq1examplec1ient1d0000000";
export const KEY_A = "kA7pQ2xZ9mL4vN8rT1wY6cB3dF5gH0jS";
export const KEY_B = "zX9cV8bN7mQ6wE5rT4yU3iO2pA1sD0fG";
export const COOKIE = "__Host-Http-cognito-passcode";

/** One call the handler made to Cognito. */
export interface ForwardedCall {
  operation: string;
  body: Record<string, unknown>;
  headers: Headers;
}

/** What the stand-in Cognito answers: status, JSON body (or raw text), headers. */
export interface UpstreamAnswer {
  status?: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}

/**
 * A `fetch` standing in for Cognito that records every call and answers with
 * `answer(operation, body)`: the handler's only collaborator, injected through
 * its `fetch` option.
 */
export function recordingUpstream(
  answer: (operation: string, body: Record<string, unknown>) => UpstreamAnswer = () => ({
    body: {},
  }),
) {
  const calls: ForwardedCall[] = [];
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    const operation = (headers.get("x-amz-target") ?? "").replace(
      "AWSCognitoIdentityProviderService.",
      "",
    );
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    calls.push({ operation, body, headers });
    const a = answer(operation, body);
    return new Response(a.text ?? JSON.stringify(a.body ?? {}), {
      status: a.status ?? 200,
      headers: { "content-type": "application/x-amz-json-1.1", ...a.headers },
    });
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

/** A handler on the stand-in Cognito, with test defaults. */
export function handlerWith(
  upstream: ReturnType<typeof recordingUpstream>,
  options: Partial<TokenHandlerOptions> = {},
) {
  return createTokenHandler({
    clientId: CLIENT_ID,
    endpoint: "https://cognito.test/",
    allowedOrigins: [ORIGIN],
    cookieKeys: [KEY_A],
    fetch: upstream.fetch,
    ...options,
  });
}

/** A request as the browser client sends it (every header right), with `overrides` applied (`null` drops a header). */
export function clientRequest(
  operation: string,
  body: unknown,
  overrides: { headers?: Record<string, string | null>; method?: string; cookie?: string } = {},
): Request {
  const headers: Record<string, string | null> = {
    origin: ORIGIN,
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    "x-cognito-passcode": "1",
    "sec-fetch-site": "same-origin",
    ...(overrides.cookie ? { cookie: overrides.cookie } : {}),
    ...overrides.headers,
  };
  const method = overrides.method ?? "POST";
  return new Request("https://app.example.com/auth", {
    method,
    headers: Object.fromEntries(
      Object.entries(headers).filter((e): e is [string, string] => e[1] !== null),
    ),
    body: method === "GET" || method === "HEAD" ? null : JSON.stringify(body),
  });
}

/** A refresh as the client sends it in cookie mode, carrying the handler's cookie set to `cookieValue`. */
export function refreshRequest(cookieValue: string): Request {
  return clientRequest(
    "GetTokensFromRefreshToken",
    { ClientId: CLIENT_ID },
    { cookie: `${COOKIE}=${cookieValue}` },
  );
}

/** The cookie value a response set (`undefined` when none), and whether it expired it. */
export function setCookieOf(response: Response): { value: string; maxAge: number } | undefined {
  const [cookie] = response.headers.getSetCookie();
  if (!cookie) return undefined;
  const value = cookie.slice(cookie.indexOf("=") + 1, cookie.indexOf(";"));
  const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
  return { value, maxAge };
}

/** An AuthenticationResult as Cognito returns it. */
export function authenticationResult(refreshToken?: string) {
  return {
    AuthenticationResult: {
      IdToken: "id.token.value",
      AccessToken: "access.token.value",
      ExpiresIn: 3600,
      TokenType: "Bearer",
      ...(refreshToken ? { RefreshToken: refreshToken } : {}),
    },
    ChallengeParameters: {},
  };
}

/**
 * Any one thing the handler's gates refuse on a request from ORIGIN:
 * another origin (or none), a method other than POST, a missing or wrong
 * `X-Cognito-Passcode`, a cross-site fetch, a content type other than
 * `application/x-amz-json-1.1`. Each value overrides the request's
 * `method` or some `headers` (`null` removes one).
 */
export function gateBreakage() {
  const anyOrigin = fc.oneof(
    fc.webUrl().map((u) => new URL(u).origin),
    fc.constantFrom(
      "null",
      `${ORIGIN}.evil.example`,
      "http://app.example.com",
      "https://app.example.com:8443",
      "https://APP.example.com",
      `${ORIGIN}/`,
      "",
    ),
  );
  return fc.oneof(
    anyOrigin.filter((o) => o !== ORIGIN).map((origin) => ({ headers: { origin } })),
    fc.constant({ headers: { origin: null } }),
    fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "HEAD").map((method) => ({ method })),
    fc.constant({ headers: { "x-cognito-passcode": null } }),
    fc
      .string({ maxLength: 5 })
      .filter((v) => v !== "1" && !/[\r\n\0]/.test(v) && v.trim() === v)
      .map((v) => ({ headers: { "x-cognito-passcode": v } })),
    fc.constant({ headers: { "sec-fetch-site": "cross-site" } }),
    fc
      .constantFrom(
        "text/plain",
        "application/json",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
      )
      .map((type) => ({ headers: { "content-type": type } })),
  );
}
