import { ipAddress } from "./client-ip.js";
import {
  type CookieSession,
  cookieValues,
  createCookieSealer,
  expireCookie,
  setCookie,
} from "./cookie.js";
import {
  AMZ_JSON,
  CUSTOM_HEADER,
  corsHeaders,
  emptyResponse,
  errorResponse,
  forbidden,
  HandlerError,
  invalidParameter,
  jsonResponse,
  notAuthorized,
  refreshTokensIn,
  TARGET_PREFIX,
  withoutRefreshTokens,
} from "./http.js";
import { resolveOptions, type TokenHandlerOptions } from "./options.js";
import {
  checkPasskeyRequest,
  createAccessTokenVerifier,
  isPasskeyOperation,
  listedPasskey,
  PASSKEY_TARGET_PREFIX,
  type PasskeyOperation,
  passkeyNotFound,
  REAUTHENTICATE_AFTER_MS,
  reauthenticate,
} from "./passkeys.js";
import { checkRequest, type ForwardedOperation, isForwarded } from "./protocol.js";

/** What the runtime adapter knows about the caller beyond the request itself. */
export interface TokenHandlerContext {
  /**
   * The caller's IP address (the socket's, or a trusted proxy's header),
   * forwarded to Cognito as `UserContextData.IpAddress` on SignUp,
   * InitiateAuth and RespondToAuthChallenge. Ignored unless it is an IPv4 or
   * IPv6 address.
   */
  ipAddress?: string;
}

/** A token handler: a Web-standard request handler. */
export type TokenHandler = (request: Request, context?: TokenHandlerContext) => Promise<Response>;

/** Largest request body accepted, in bytes (a sign-in call is well under 8 KiB). */
export const MAX_BODY_BYTES = 65_536;
const UPSTREAM_TIMEOUT_MS = 15_000;

interface Upstream {
  status: number;
  ok: boolean;
  data: Record<string, unknown>;
  type: string | undefined;
  requestId: string | null;
}

/**
 * The request's body as text, read chunk by chunk and refused (the rest
 * cancelled, never buffered) once it passes {@link MAX_BODY_BYTES}: a runtime
 * may hand over a chunked body of any length.
 */
async function bodyText(request: Request): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw invalidParameter("The request body is too large");
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/**
 * Creates the token handler: the app's own small backend for Cognito tokens,
 * mounted on the app's site (e.g. at `/auth`). The browser client talks to it
 * exactly as to Cognito's JSON API (`POST`, `X-Amz-Target`,
 * `application/x-amz-json-1.1`) plus the header `X-Cognito-Passcode: 1`. It
 * forwards only SignUp, InitiateAuth (`CUSTOM_AUTH`), RespondToAuthChallenge
 * (`CUSTOM_CHALLENGE`), GetTokensFromRefreshToken, RevokeToken and
 * GlobalSignOut, for the one configured app client; every refresh token
 * Cognito returns goes into an encrypted `__Host-` httpOnly cookie and out of
 * the body; refresh and RevokeToken read it from the cookie; sign-out expires
 * it. Requests whose `Origin` is not allowed, that lack the custom header or
 * that a browser marks `Sec-Fetch-Site: cross-site` are refused before
 * anything is forwarded. Nothing is logged (but the error's name when a
 * passkey-removal email fails).
 *
 * With the `passkeys` option, the same gates also lead to three operations of
 * the handler's own (`X-Amz-Target: CognitoPasscodeService.ListPasskeys`,
 * `RenamePasskey`, `DeletePasskey`), each proven by the user's access token:
 * verified here (signature, issuer, expiry, `token_use` `access`, this
 * `clientId`), then checked with Cognito's GetUser (not revoked, and the
 * user's email). A passkey of another user answers exactly as one that does
 * not exist (`ResourceNotFoundException`); DeletePasskey needs a sign-in of
 * the last 10 minutes (`auth_time`, else `NotAuthorizedException` with the
 * message `REAUTHENTICATE`) and emails the user through `passkeys.notify`
 * (a failed send is logged by its error's name and the removal stands).
 *
 * Bad options throw a `PasscodeError` (`CONFIGURATION_ERROR`) now.
 *
 * @example
 * ```ts
 * import { createTokenHandler } from "@cognito-passcode/token-handler";
 *
 * const handle = createTokenHandler({
 *   clientId: "4tq1example",
 *   region: "eu-west-1",
 *   allowedOrigins: ["https://app.example.com"],
 *   cookieKeys: [process.env.COOKIE_KEY!],
 * });
 * // Any runtime with Request and Response (Bun, Deno, Workers, Hono):
 * export default { fetch: (request: Request) => handle(request) };
 * ```
 */
export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  const config = resolveOptions(options);
  const { clientId, cookieName, now } = config;
  const sealer = createCookieSealer(config.cookieKeys, clientId, now);
  const expired = expireCookie(cookieName);
  /** Sign-out ends the cookie even when Cognito cannot be reached. */
  const expiringCookie = (error: HandlerError): never => {
    throw new HandlerError(error.status, error.type, error.message, { cookies: [expired] });
  };

  const verifyAccessToken = config.passkeys
    ? createAccessTokenVerifier(config.passkeys, clientId, () => config.fetch ?? fetch)
    : undefined;

  async function upstream(operation: string, body: Record<string, unknown>): Promise<Upstream> {
    let response: Response;
    try {
      response = await (config.fetch ?? fetch)(config.url, {
        method: "POST",
        headers: { "content-type": AMZ_JSON, "x-amz-target": `${TARGET_PREFIX}${operation}` },
        body: JSON.stringify(body),
        // Cognito never redirects; following one would re-post a refresh token elsewhere.
        redirect: "error",
        signal: AbortSignal.timeout(UPSTREAM_TIMEOUT_MS),
      });
    } catch {
      throw new HandlerError(502, "InternalErrorException", "Cognito could not be reached");
    }
    const text = await response.text().catch(() => "");
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      data = undefined;
    }
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      if (response.ok) {
        throw new HandlerError(502, "InternalErrorException", "Cognito sent an unreadable answer");
      }
      data = {};
    }
    const record = data as Record<string, unknown>;
    const rawType = record.__type ?? response.headers.get("x-amzn-errortype") ?? undefined;
    return {
      status: response.status,
      ok: response.ok,
      data: record,
      // `com.amazonaws#NotAuthorizedException` or `NotAuthorizedException:http://...`
      type: rawType === undefined ? undefined : String(rawType).replace(/^.*#|:.*$/gs, ""),
      requestId: response.headers.get("x-amzn-requestid"),
    };
  }

  /** The page's answer: upstream's, with every refresh token taken out. */
  function relay(
    answer: Upstream,
    cors: Record<string, string>,
    cookies: string[],
    secrets: string[],
  ): Response {
    // Whatever Cognito sent under a refresh-token name, wherever: out of every string too.
    secrets = [...secrets, ...refreshTokensIn(answer.data)];
    const extra: Record<string, string> = { ...cors };
    if (answer.requestId && /^[\w-]{1,128}$/.test(answer.requestId)) {
      extra["x-amzn-requestid"] = answer.requestId;
    }
    if (!answer.ok) {
      const type =
        answer.type && /^\w{1,128}$/.test(answer.type) ? answer.type : "InternalErrorException";
      extra["x-amzn-errortype"] = type;
      const body = withoutRefreshTokens({ ...answer.data, __type: type }, secrets);
      return jsonResponse(answer.status >= 400 ? answer.status : 500, body, extra, cookies);
    }
    return jsonResponse(200, withoutRefreshTokens(answer.data, secrets), extra, cookies);
  }

  /**
   * The sessions in the request's cookies: `sent`, how many values of the
   * name came, and those that open. `__Host-` lets only this host set the
   * name, once; a second value means a browser flaw let another page plant
   * one (a nameless `=__Host-…` cookie), and which is the host's own cannot
   * be told.
   */
  async function sessions(request: Request): Promise<{ sent: number; opened: CookieSession[] }> {
    const values = cookieValues(request.headers.get("cookie"), cookieName);
    const opened: CookieSession[] = [];
    for (const value of values) {
      const session = await sealer.open(value);
      if (session) opened.push(session);
    }
    return { sent: values.length, opened };
  }

  /**
   * The new refresh token of a successful answer, sealed into a Set-Cookie;
   * without one, `held` (the cookie's token) when an old key sealed it, so
   * cookies move to the first key as users refresh.
   */
  async function storeRefreshToken(
    answer: Upstream,
    expiresAt: number,
    at: number,
    held?: CookieSession,
  ): Promise<string[]> {
    const result = answer.data.AuthenticationResult as Record<string, unknown> | undefined;
    let token = answer.ok && result && typeof result === "object" ? result.RefreshToken : undefined;
    if (token === undefined && answer.ok && held?.staleKey) token = held.refreshToken;
    if (typeof token !== "string" || token === "") return [];
    const sealed = await sealer.seal({ refreshToken: token, expiresAt });
    return [setCookie(cookieName, sealed, (expiresAt - at) / 1000)];
  }

  async function forward(
    operation: ForwardedOperation,
    request: Request,
    body: unknown,
    cors: Record<string, string>,
    ip: string | undefined,
  ): Promise<Response> {
    const forwarded = checkRequest(operation, body, clientId, ip);
    switch (operation) {
      case "SignUp":
      case "InitiateAuth":
      case "RespondToAuthChallenge": {
        const answer = await upstream(operation, forwarded);
        const token = (answer.data.AuthenticationResult as { RefreshToken?: unknown } | undefined)
          ?.RefreshToken;
        const at = now();
        const cookies = await storeRefreshToken(answer, at + config.lifetimeMs, at);
        return relay(answer, cors, cookies, typeof token === "string" ? [token] : []);
      }
      case "GetTokensFromRefreshToken": {
        const found = await sessions(request);
        // Sent twice: neither is used, and none expired (that would drop the
        // host's own and leave the planted one).
        if (found.sent > 1) throw notAuthorized("Invalid Refresh Token");
        const [session] = found.opened;
        if (!session) throw notAuthorized("Invalid Refresh Token", found.sent ? [expired] : []);
        const { refreshToken, expiresAt } = session;
        const answer = await upstream(operation, { ...forwarded, RefreshToken: refreshToken });
        const rotated = (answer.data.AuthenticationResult as { RefreshToken?: unknown } | undefined)
          ?.RefreshToken;
        // A rotated token keeps the original expiry. A refused one does not
        // expire the cookie: with rotation, another tab may have swapped it for
        // a new one since this request left, and expiring would end that too.
        const cookies = await storeRefreshToken(answer, expiresAt, now(), session);
        const secrets = [refreshToken, ...(typeof rotated === "string" ? [rotated] : [])];
        return relay(answer, cors, cookies, secrets);
      }
      case "RevokeToken": {
        const tokens = (await sessions(request)).opened.map((s) => s.refreshToken);
        // Nothing to revoke: the session is already over; the cookie goes either way.
        if (tokens.length === 0) return jsonResponse(200, {}, cors, [expired]);
        // Every token sent is revoked (more than one only through a planted
        // cookie, see `sessions`); the first refusal, else the last answer, is relayed.
        let answer: Upstream | undefined;
        for (const token of tokens) {
          const next = await upstream(operation, { ...forwarded, Token: token }).catch(
            expiringCookie,
          );
          if (answer?.ok !== false) answer = next;
        }
        return relay(answer!, cors, [expired], tokens);
      }
      case "GlobalSignOut": {
        const held = (await sessions(request)).opened.map((s) => s.refreshToken);
        const answer = await upstream(operation, forwarded).catch(expiringCookie);
        return relay(answer, cors, [expired], held);
      }
    }
  }

  /** A passkey management operation, for the owner of the access token. */
  async function manage(
    operation: PasskeyOperation,
    body: unknown,
    cors: Record<string, string>,
  ): Promise<Response> {
    const passkeys = config.passkeys!;
    const { accessToken, id, name } = checkPasskeyRequest(operation, body);
    const { sub, authTime } = await verifyAccessToken!(accessToken);
    const at = now();
    if (operation === "DeletePasskey" && !(at - authTime * 1000 <= REAUTHENTICATE_AFTER_MS)) {
      throw reauthenticate();
    }
    // Cognito's word that the token is not revoked (signed out), and the user's address.
    const user = await upstream("GetUser", { AccessToken: accessToken });
    if (!user.ok) return relay(user, cors, [], [accessToken]);
    const attributes = Array.isArray(user.data.UserAttributes) ? user.data.UserAttributes : [];
    const attribute = (wanted: string): unknown =>
      (attributes as { Name?: unknown; Value?: unknown }[]).find((a) => a?.Name === wanted)?.Value;
    if (attribute("sub") !== sub) {
      throw new HandlerError(400, "NotAuthorizedException", "Invalid Access Token");
    }
    switch (operation) {
      case "ListPasskeys": {
        const account = await passkeys.store.getPasskeys(sub);
        return jsonResponse(200, { Passkeys: (account?.passkeys ?? []).map(listedPasskey) }, cors);
      }
      case "RenamePasskey": {
        if (!(await passkeys.store.renamePasskey(sub, id!, name!))) throw passkeyNotFound();
        return jsonResponse(200, {}, cors);
      }
      case "DeletePasskey": {
        const account = await passkeys.store.getPasskeys(sub);
        const passkey = account?.passkeys.find((p) => p.id === id);
        if (!passkey || !(await passkeys.store.removePasskey(sub, id!))) throw passkeyNotFound();
        const email = attribute("email");
        if (passkeys.notify && typeof email === "string" && email !== "") {
          try {
            await passkeys.notify({ to: email, kind: "removed", name: passkey.name, when: at });
          } catch (error) {
            // The passkey is gone either way; the address and the message stay out of the log.
            console.error(
              JSON.stringify({
                level: "error",
                message: "passkey removal notice failed",
                error: error instanceof Error ? error.name : "Error",
              }),
            );
          }
        }
        return jsonResponse(200, {}, cors);
      }
    }
  }

  return async function handle(request, context) {
    const origin = request.headers.get("origin");
    const allowed = origin !== null && config.allowedOrigins.has(origin);
    const cors = corsHeaders(allowed ? origin : undefined);
    try {
      if (request.method !== "POST" && request.method !== "OPTIONS") {
        throw new HandlerError(405, "ForbiddenException", "Only POST is accepted", {
          headers: { allow: "POST, OPTIONS" },
        });
      }
      if (!allowed) throw forbidden("The request's Origin is not allowed");
      if (request.headers.get("sec-fetch-site") === "cross-site") {
        throw forbidden("Cross-site requests are refused");
      }
      if (request.method === "OPTIONS") {
        return emptyResponse(204, {
          ...cors,
          "access-control-allow-methods": "POST",
          "access-control-allow-headers": `content-type, x-amz-target, ${CUSTOM_HEADER}`,
          "access-control-max-age": "600",
        });
      }
      if (request.headers.get(CUSTOM_HEADER) !== "1") {
        throw forbidden("The X-Cognito-Passcode: 1 header is required");
      }
      const mediaType = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
      if (mediaType !== AMZ_JSON) {
        throw invalidParameter(`Content-Type must be ${AMZ_JSON}`);
      }
      const target = request.headers.get("x-amz-target") ?? "";
      const operation = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
      const own =
        config.passkeys && target.startsWith(PASSKEY_TARGET_PREFIX)
          ? target.slice(PASSKEY_TARGET_PREFIX.length)
          : "";
      const managed = isPasskeyOperation(own) ? own : undefined;
      if (!managed && !isForwarded(operation)) {
        throw new HandlerError(
          400,
          "UnknownOperationException",
          "Operation not forwarded by the token handler",
        );
      }
      const declared = Number(request.headers.get("content-length") ?? 0);
      if (declared > MAX_BODY_BYTES) throw invalidParameter("The request body is too large");
      const text = await bodyText(request);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new HandlerError(400, "SerializationException", "The request body is not JSON");
      }
      if (managed) return await manage(managed, body, cors);
      return await forward(
        operation as ForwardedOperation,
        request,
        body,
        cors,
        ipAddress(context?.ipAddress),
      );
    } catch (error) {
      const refusal =
        error instanceof HandlerError
          ? error
          : new HandlerError(500, "InternalErrorException", "The token handler failed");
      return errorResponse(refusal, cors);
    }
  };
}
