import { PasscodeError } from "@cognito-passcode/shared";
import type { PasscodePasskeys } from "./plugin.js";
import type { Transport } from "./transport.js";
import type { PasscodeStorage, PasscodeTabs } from "./types.js";

/** Options for `createPasscodeClient`. Validated once, when the client is created. */
export interface PasscodeClientOptions {
  /** The user pool app client id (a public client, without a secret). */
  clientId: string;
  /**
   * The pool's AWS region, e.g. `eu-west-1`. Give this, `endpoint`, or both
   * (not needed with `transport`). `""` and `undefined` both mean unset, so
   * an empty environment variable can be passed as is.
   */
  region?: string | undefined;
  /**
   * A full endpoint URL instead of the regional one, e.g. the local stack's
   * `stack.endpoint` or a proxy. Wins over `region` when both are given.
   * `""` and `undefined` both mean unset.
   */
  endpoint?: string | undefined;
  /**
   * Milliseconds the default fetch transport (and `./passkeys`' management
   * calls) wait for each answer before giving up with a retryable
   * `NETWORK_ERROR` (cause `"TimeoutError"`).
   * @default 15000
   */
  timeoutMs?: number;
  /**
   * The `fetch` the default transport uses.
   * @default globalThis.fetch, looked up at call time
   */
  fetch?: typeof fetch;
  /**
   * Where to keep the refresh token across page loads (`localStorage`,
   * `sessionStorage`, or any sync or async getItem/setItem/removeItem).
   * Only the refresh token is stored. With storage, the client starts in
   * `restoring`; without it, tokens live in memory only.
   * @default undefined (memory only)
   */
  storage?: PasscodeStorage;
  /**
   * Cookie mode: the URL of your token handler (`@cognito-passcode/token-handler`
   * on your own site), absolute or relative, e.g. `"/auth"`. The refresh
   * token then lives only in the handler's httpOnly cookie: the client never
   * holds or stores it, starts in `restoring` and restores the session through
   * the cookie (no session: `signedOut` with no error). `region` and
   * `endpoint` are not needed; `storage` with it is a `CONFIGURATION_ERROR`.
   * With `transport`, it still sets cookie mode (the transport must talk to
   * the handler, as `createFetchTransport({ tokenHandler })` does).
   * A relative URL where there is no `location` (a server render; Deno
   * without `--location`, where reading it throws) starts no
   * restore: the client stays `restoring` and its flow calls say
   * `INVALID_STATE`; an absolute URL restores anywhere.
   * `""` and `undefined` both mean unset.
   * @default undefined (memory, or storage mode with `storage`)
   */
  tokenHandler?: string | undefined;
  /**
   * Shares the session with the app's other tabs: `shareAcrossTabs()` from
   * `@cognito-passcode/client/tabs`. Only one tab refreshes at a time, and a
   * sign-in or sign-out in one tab reaches the others. In storage mode the
   * storage must be one the tabs share (`localStorage`): `sessionStorage`
   * with `tabs` is a `CONFIGURATION_ERROR` (development builds).
   * @default undefined (each tab on its own)
   */
  tabs?: PasscodeTabs;
  /**
   * Passkey sign-in and enrolment: `passkeys()` from
   * `@cognito-passcode/client/passkeys`. Without it the client still signs
   * in with codes on a deployment with passkeys on (it asks for a code
   * itself: one more request) and never registers a passkey.
   * @default undefined (codes only)
   */
  passkeys?: PasscodePasskeys;
  /**
   * Call SignUp before the first InitiateAuth for an address this client has
   * not seen signed in, so new users can sign in at once. Turn off for pools
   * where only invited users may sign in (and to save a request).
   * @default true
   */
  autoSignUp?: boolean;
  /**
   * The clock, in epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
  /**
   * `getTokens()` refreshes tokens that expire within this many milliseconds.
   * @default 60000
   */
  refreshMarginMs?: number;
  /**
   * The ID token claim that holds the username (the triggers' `username.attribute`).
   * @default "custom:username"
   */
  usernameAttribute?: string;
  /**
   * How to reach Cognito. Replaces the default fetch transport (`region`,
   * `endpoint` and `fetch` are then ignored).
   * @default createFetchTransport({ clientId, region, endpoint, tokenHandler, timeoutMs, fetch })
   */
  transport?: Transport;
}

/** A `CONFIGURATION_ERROR` naming the option `field`. */
export function configurationError(field: string, why: string): PasscodeError {
  return new PasscodeError("CONFIGURATION_ERROR", `${field} ${why}`, { details: { field } });
}

/**
 * Throws unless `clientId` looks like an app client id (both factories check
 * it). Development builds only: a production bundle
 * (`process.env.NODE_ENV === "production"`) leaves the check out, and a
 * wrong id then fails on the first request (`SERVICE_ERROR`, cause
 * `ResourceNotFoundException`).
 */
export function checkClientId(clientId: unknown): void {
  if (
    process.env.NODE_ENV !== "production" &&
    (typeof clientId !== "string" || !/^[\w+]{1,128}$/.test(clientId))
  ) {
    throw configurationError("clientId", "must be an app client id");
  }
}

/** True when `value` has a function under each of the space-separated `names`. */
const hasMethods = (value: unknown, names: string) =>
  !!value &&
  names.split(" ").every((m) => typeof (value as Record<string, unknown>)[m] === "function");

/** Each optional field: how to check it, and what it must be. */
const CHECKS: readonly [keyof PasscodeClientOptions, (v: never) => boolean, string][] = [
  [
    "storage",
    (v) => hasMethods(v, "getItem setItem removeItem"),
    "an object with getItem, setItem and removeItem",
  ],
  ["autoSignUp", (v) => typeof v === "boolean", "a boolean"],
  ["tabs", (v) => hasMethods(v, "connect"), "shareAcrossTabs()"],
  ["passkeys", (v) => hasMethods(v, "connect"), "passkeys()"],
  ["now", (v) => typeof v === "function", "a function"],
  ["refreshMarginMs", (v: number) => Number.isFinite(v) && v >= 0, "a number >= 0"],
  // Infinity too: the fetch transport caps the wait at what timers hold.
  ["timeoutMs", (v: number) => typeof v === "number" && v > 0, "a number > 0"],
  ["usernameAttribute", (v: string) => typeof v === "string" && v !== "", "a non-empty string"],
  [
    "transport",
    (v) =>
      hasMethods(v, "signUp initiateAuth respondToAuthChallenge refresh revokeToken globalSignOut"),
    "a Transport",
  ],
];

/**
 * Checks the options that do not depend on the transport. Development
 * builds only (see {@link checkClientId}): these checks and their messages
 * help while writing the app, and a production bundle leaves them out.
 */
export function checkClientOptions(options: PasscodeClientOptions): void {
  if (process.env.NODE_ENV === "production") return;
  if (!options || typeof options !== "object") {
    throw configurationError("options", "must be an object");
  }
  checkClientId(options.clientId);
  for (const [field, ok, why] of CHECKS) {
    const value = options[field];
    if (value !== undefined && !ok(value as never))
      throw configurationError(field, `must be ${why}`);
  }
  // sessionStorage is each tab's own: a sign-out in another tab would sign
  // this one out locally and leave its refresh token there, unrevoked.
  let perTab: unknown;
  try {
    perTab = options.tabs && options.storage && globalThis.sessionStorage;
  } catch {
    // Storage disabled (a sandboxed frame): nothing to compare with.
  }
  if (perTab && perTab === options.storage) {
    throw configurationError("tabs", "needs a storage the tabs share, not sessionStorage");
  }
}
