import { PasscodeError } from "@cognito-passcode/shared";
import type { Transport } from "./transport.js";
import type { PasscodeStorage } from "./types.js";

/** Options for `createPasscodeClient`. Validated once, when the client is created. */
export interface PasscodeClientOptions {
  /** The user pool app client id (a public client, without a secret). */
  clientId: string;
  /** The pool's AWS region, e.g. `eu-west-1`. Give this or `endpoint` (not needed with `transport`). */
  region?: string;
  /** A full endpoint URL instead of the regional one, e.g. the local stack's `stack.endpoint`. */
  endpoint?: string;
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
   * @default createFetchTransport({ clientId, region, endpoint, fetch })
   */
  transport?: Transport;
}

/** A `CONFIGURATION_ERROR` naming the option `field`. */
export function configurationError(field: string, why: string): PasscodeError {
  return new PasscodeError("CONFIGURATION_ERROR", `${field} ${why}`, { details: { field } });
}

function check(ok: boolean, field: string, why: string): void {
  if (!ok) throw configurationError(field, why);
}

/** Checks the options that do not depend on the transport. */
export function checkClientOptions(options: PasscodeClientOptions): void {
  check(!!options && typeof options === "object", "options", "must be an object");
  const { clientId, storage, autoSignUp, now, refreshMarginMs, usernameAttribute, transport } =
    options;
  check(
    typeof clientId === "string" && /^[\w+]{1,128}$/.test(clientId),
    "clientId",
    "must be an app client id",
  );
  check(
    storage === undefined ||
      (!!storage &&
        typeof storage.getItem === "function" &&
        typeof storage.setItem === "function" &&
        typeof storage.removeItem === "function"),
    "storage",
    "must have getItem, setItem and removeItem",
  );
  check(
    autoSignUp === undefined || typeof autoSignUp === "boolean",
    "autoSignUp",
    "must be a boolean",
  );
  check(now === undefined || typeof now === "function", "now", "must be a function");
  check(
    refreshMarginMs === undefined || (Number.isFinite(refreshMarginMs) && refreshMarginMs >= 0),
    "refreshMarginMs",
    "must be a non-negative number",
  );
  check(
    usernameAttribute === undefined ||
      (typeof usernameAttribute === "string" && usernameAttribute.length > 0),
    "usernameAttribute",
    "must be a non-empty string",
  );
  check(
    transport === undefined ||
      (!!transport &&
        [
          "signUp",
          "initiateAuth",
          "respondToAuthChallenge",
          "refresh",
          "revokeToken",
          "globalSignOut",
        ].every((m) => typeof (transport as unknown as Record<string, unknown>)[m] === "function")),
    "transport",
    "must implement the Transport interface",
  );
}
