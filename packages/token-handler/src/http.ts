/** The media type of Cognito's JSON protocol. */
export const AMZ_JSON = "application/x-amz-json-1.1";

/** The target prefix of every Cognito user-pool operation. */
export const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";

/** The header every call must carry: a custom header forces a CORS preflight, so no other site can send one. */
export const CUSTOM_HEADER = "x-cognito-passcode";

/** A refusal or a failure, answered in Cognito's error shape. */
export class HandlerError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    /** Headers and Set-Cookies the refusal carries (`Allow`, an expiring cookie). */
    readonly extra: { headers?: Record<string, string>; cookies?: readonly string[] } = {},
  ) {
    super(message);
  }
}

/** `400 InvalidParameterException`, as Cognito answers a malformed request. */
export const invalidParameter = (message: string) =>
  new HandlerError(400, "InvalidParameterException", message);

/** `403 ForbiddenException`: the request did not come from an allowed page. */
export const forbidden = (message: string) => new HandlerError(403, "ForbiddenException", message);

/** `400 NotAuthorizedException`: no usable refresh token. */
export const notAuthorized = (message: string, cookies: readonly string[] = []) =>
  new HandlerError(400, "NotAuthorizedException", message, { cookies });

/** Headers of an answer to an allowed origin: CORS with credentials, for that origin only. */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  return origin
    ? {
        "access-control-allow-origin": origin,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-amzn-errortype, x-amzn-requestid",
      }
    : {};
}

/** The headers every answer carries. */
const BASE_HEADERS = {
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  vary: "Origin",
};

/** A JSON answer in Cognito's protocol, with `cookies` as Set-Cookie headers. */
export function jsonResponse(
  status: number,
  body: unknown,
  extra: Record<string, string>,
  cookies: readonly string[] = [],
): Response {
  const headers = new Headers({ ...BASE_HEADERS, "content-type": AMZ_JSON, ...extra });
  for (const cookie of cookies) headers.append("set-cookie", cookie);
  return new Response(JSON.stringify(body), { status, headers });
}

/** A Cognito-shaped error answer: `{"__type", "message"}` and `x-amzn-errortype`. */
export function errorResponse(error: HandlerError, extra: Record<string, string>): Response {
  return jsonResponse(
    error.status,
    { __type: error.type, message: error.message },
    { ...extra, ...error.extra.headers, "x-amzn-errortype": error.type },
    error.extra.cookies,
  );
}

/** An empty answer (the CORS preflight). */
export function emptyResponse(status: number, extra: Record<string, string>): Response {
  return new Response(null, { status, headers: { ...BASE_HEADERS, ...extra } });
}

const REFRESH_KEY = /^refresh_?token$/i;

/** Every string found under a member named like a refresh token, at any depth of `value`. */
export function refreshTokensIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) refreshTokensIn(item, found);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) {
      if (REFRESH_KEY.test(key) && typeof item === "string") found.push(item);
      else refreshTokensIn(item, found);
    }
  }
  return found;
}

/**
 * `value` without any member named like a refresh token (`RefreshToken`,
 * `refresh_token`, any case) at any depth, and without any string that
 * contains one of `secrets`: what may go back to the page.
 */
export function withoutRefreshTokens(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") {
    return secrets.some((s) => s !== "" && value.includes(s)) ? undefined : value;
  }
  if (Array.isArray(value)) {
    return value.map((item) => withoutRefreshTokens(item, secrets) ?? null);
  }
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (REFRESH_KEY.test(key)) continue;
      const kept = withoutRefreshTokens(item, secrets);
      // defineProperty: a `__proto__` member stays a member, never a prototype.
      if (kept !== undefined) {
        Object.defineProperty(out, key, {
          value: kept,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return out;
  }
  return value;
}

/**
 * The answer to a request an adapter could not turn into a `Request` (a
 * method fetch refuses, such as TRACE; a body that is not valid base64).
 */
export function unreadableRequest(): Response {
  return errorResponse(
    new HandlerError(400, "SerializationException", "The request could not be read"),
    {},
  );
}
