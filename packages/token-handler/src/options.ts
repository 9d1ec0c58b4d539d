import { PasscodeError } from "@cognito-passcode/shared";
import {
  type ResolvedPasskeyOptions,
  resolvePasskeyOptions,
  type TokenHandlerPasskeyOptions,
} from "./passkeys.js";

/** Options of {@link createTokenHandler}. */
export interface TokenHandlerOptions {
  /** The user pool app client id (a public client, without a secret). Only requests for it are forwarded. */
  clientId: string;
  /** The pool's AWS region, e.g. `eu-west-1`. Give this, `endpoint`, or both. */
  region?: string;
  /**
   * A full Cognito endpoint URL (the local stack's `stack.endpoint`, a VPC
   * endpoint); wins over `region`.
   */
  endpoint?: string;
  /**
   * The exact origins (`https://app.example.com`, no path, no trailing slash)
   * whose pages may call the handler. Every other `Origin` is refused, and
   * CORS answers only these. `http:` is accepted only for loopback hosts
   * (`localhost`, `127.0.0.1`, `[::1]`), where browsers keep `Secure` cookies.
   */
  allowedOrigins: readonly string[];
  /**
   * Secrets the cookie key is derived from (HKDF-SHA-256 to an AES-256-GCM
   * key), each at least 32 characters. The first encrypts; all decrypt, so a
   * key rotates by putting the new one first and dropping the old one once
   * the cookies it sealed have expired (`refreshTokenValidityDays`).
   */
  cookieKeys: readonly string[];
  /**
   * The cookie's name. It must keep the `__Host-` prefix (the browser then
   * insists on `Secure`, `Path=/` and no `Domain`).
   * @default "__Host-Http-cognito-passcode"
   */
  cookieName?: string;
  /**
   * The cookie's lifetime cap in days, counted from sign-in (a rotated refresh
   * token keeps the original expiry). Set it to the app client's refresh-token
   * validity, or less. 1/24 (one hour) to 3650.
   * @default 30
   */
  refreshTokenValidityDays?: number;
  /**
   * The `fetch` used to call Cognito.
   * @default globalThis.fetch, looked up at call time
   */
  fetch?: typeof fetch;
  /**
   * The clock, in epoch milliseconds (cookie expiry and lifetime).
   * @default Date.now
   */
  now?: () => number;
  /**
   * Turns on the passkey management operations
   * (`CognitoPasscodeService.ListPasskeys`, `RenamePasskey`, `DeletePasskey`):
   * the signed-in user lists, renames and removes their own passkeys, proven
   * by their access token. The handler's `fetch` also reads the pool's JWKS.
   * @default off: those targets are refused as unknown operations
   */
  passkeys?: TokenHandlerPasskeyOptions | false;
}

/** The options after validation, with defaults filled. */
export interface ResolvedOptions {
  clientId: string;
  url: string;
  allowedOrigins: ReadonlySet<string>;
  cookieKeys: readonly string[];
  cookieName: string;
  lifetimeMs: number;
  fetch: typeof fetch | undefined;
  now: () => number;
  passkeys: ResolvedPasskeyOptions | undefined;
}

/** The default cookie name: `__Host-` (browser-enforced attributes) plus `Http-` (httpOnly, as the IETF draft names it). */
export const DEFAULT_COOKIE_NAME = "__Host-Http-cognito-passcode";

const CLIENT_ID = /^[\w+]{1,128}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
// RFC 6265 cookie-name token characters.
const COOKIE_NAME = /^__Host-[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A `CONFIGURATION_ERROR` naming the option and why it was refused. */
export function configurationError(field: string, why: string): PasscodeError {
  return new PasscodeError("CONFIGURATION_ERROR", `${field} ${why}`, { details: { field } });
}

function checkOrigin(origin: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof origin === "string" ? new URL(origin) : undefined;
  } catch {}
  if (!url || url.origin !== origin) {
    throw configurationError(
      "allowedOrigins",
      `must list exact origins like https://app.example.com (no path, no trailing slash): ${JSON.stringify(origin)}`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname))) {
    throw configurationError(
      "allowedOrigins",
      `must use https: (http: only for localhost, 127.0.0.1 or [::1]): ${origin}`,
    );
  }
  return url.origin;
}

/**
 * Validates the options once, at creation, and fills the defaults. Throws a
 * `CONFIGURATION_ERROR` naming the field; the message never contains a key.
 */
export function resolveOptions(options: TokenHandlerOptions): ResolvedOptions {
  if (typeof options !== "object" || options === null) {
    throw configurationError("options", "must be an object");
  }
  const { clientId, region, endpoint, allowedOrigins, cookieKeys } = options;
  if (typeof clientId !== "string" || !CLIENT_ID.test(clientId)) {
    throw configurationError("clientId", "must be an app client id (1 to 128 word characters)");
  }
  if (region !== undefined && (typeof region !== "string" || !REGION.test(region))) {
    throw configurationError("region", "must be an AWS region, e.g. eu-west-1");
  }
  if (
    endpoint !== undefined &&
    (typeof endpoint !== "string" || !/^https?:\/\/[^\s/]+/i.test(endpoint))
  ) {
    throw configurationError("endpoint", "must be an http(s) URL");
  }
  const url = endpoint || (region ? `https://cognito-idp.${region}.amazonaws.com/` : undefined);
  if (!url) throw configurationError("region", "or endpoint: give one");
  if (!Array.isArray(allowedOrigins) || allowedOrigins.length === 0) {
    throw configurationError("allowedOrigins", "must list at least one origin");
  }
  const origins = new Set(allowedOrigins.map(checkOrigin));
  if (!Array.isArray(cookieKeys) || cookieKeys.length === 0) {
    throw configurationError("cookieKeys", "must list at least one key (the first encrypts)");
  }
  cookieKeys.forEach((key: unknown, i) => {
    if (typeof key !== "string" || key.length < 32) {
      throw configurationError(`cookieKeys[${i}]`, "must be a string of at least 32 characters");
    }
    if (new Set(key).size < 8) {
      throw configurationError(`cookieKeys[${i}]`, "must have at least 8 distinct characters");
    }
  });
  if (new Set(cookieKeys).size !== cookieKeys.length) {
    throw configurationError("cookieKeys", "lists the same key twice");
  }
  const cookieName = options.cookieName ?? DEFAULT_COOKIE_NAME;
  if (typeof cookieName !== "string" || !COOKIE_NAME.test(cookieName)) {
    throw configurationError(
      "cookieName",
      "must start with __Host- and be a cookie-name token of at most 71 characters",
    );
  }
  const days = options.refreshTokenValidityDays ?? 30;
  if (typeof days !== "number" || !(days >= 1 / 24 && days <= 3650)) {
    throw configurationError("refreshTokenValidityDays", "must be a number from 1/24 to 3650");
  }
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw configurationError("fetch", "must be a function");
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw configurationError("now", "must be a function");
  }
  return {
    clientId,
    url,
    allowedOrigins: origins,
    cookieKeys: [...cookieKeys],
    cookieName,
    lifetimeMs: Math.round(days * 86_400_000),
    fetch: options.fetch,
    now: options.now ?? Date.now,
    passkeys: resolvePasskeyOptions(options.passkeys, configurationError),
  };
}
