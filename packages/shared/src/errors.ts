/**
 * Every error code cognito-passcode reports, on the server and in the browser.
 *
 * - `CONFIGURATION_ERROR`: a factory got a bad option (the message names the field), or
 *   the service is set up so that it cannot do what was asked (in the browser client:
 *   `RevokeToken` on an app client with token revocation off).
 * - `INVALID_EMAIL`: the email address is not one we can send a code to.
 * - `INVALID_CODE_FORMAT`: the answer is not `codeLength` digits.
 * - `CODE_MISMATCH`: wrong code; attempts remain.
 * - `CODE_EXPIRED`: the code's lifetime has passed; request a new one.
 * - `TOO_MANY_ATTEMPTS`: the code's attempt budget is spent; request a new one.
 * - `USERNAME_INVALID`: the username breaks the username policy.
 * - `USERNAME_UNAVAILABLE`: someone else holds that username.
 * - `THROTTLED`: too many codes requested; `retryAfterMs` says when to try again.
 * - `DELIVERY_FAILED`: the email could not be sent.
 * - `SESSION_EXPIRED`: the sign-in session (or the refresh token) is no longer valid.
 * - `NOT_AUTHORIZED`: Cognito refused the request for another reason.
 * - `NETWORK_ERROR`: the request never got an answer; safe to retry.
 * - `SERVICE_ERROR`: anything else that went wrong on the service side.
 * - `INVALID_STATE`: the browser client was asked for a step the current state
 *   does not allow (e.g. `submitCode` while signed out); nothing was sent.
 * - `PASSKEY_CANCELLED`: the browser ended the passkey ceremony without a credential
 *   (cancelled, timed out, or no passkey here; WebAuthn reports all alike on purpose).
 * - `PASSKEY_REJECTED`: the service refused the passkey assertion or registration.
 * - `PASSKEY_EXISTS`: this authenticator already holds a passkey for the account.
 * - `PASSKEY_UNSUPPORTED`: this browser has no WebAuthn.
 * - `PASSKEY_REQUIRED`: the account has a passkey and the deployment requires it;
 *   an email code does not sign in.
 * - `PASSKEY_LIMIT`: the account already has the most passkeys allowed.
 */
export type PasscodeErrorCode =
  | "CONFIGURATION_ERROR"
  | "INVALID_EMAIL"
  | "INVALID_CODE_FORMAT"
  | "CODE_MISMATCH"
  | "CODE_EXPIRED"
  | "TOO_MANY_ATTEMPTS"
  | "USERNAME_INVALID"
  | "USERNAME_UNAVAILABLE"
  | "THROTTLED"
  | "DELIVERY_FAILED"
  | "SESSION_EXPIRED"
  | "NOT_AUTHORIZED"
  | "NETWORK_ERROR"
  | "SERVICE_ERROR"
  | "INVALID_STATE"
  | "PASSKEY_CANCELLED"
  | "PASSKEY_REJECTED"
  | "PASSKEY_EXISTS"
  | "PASSKEY_UNSUPPORTED"
  | "PASSKEY_REQUIRED"
  | "PASSKEY_LIMIT";

/**
 * A default, human-readable message for each code, for apps that show one
 * (apps usually show their own). {@link PasscodeError} does not fill its
 * message from this table; see its constructor.
 */
export const DEFAULT_ERROR_MESSAGES: Readonly<Record<PasscodeErrorCode, string>> =
  /* @__PURE__ */ Object.freeze({
    CONFIGURATION_ERROR: "The sign-in service is misconfigured.",
    INVALID_EMAIL: "Enter a valid email address.",
    INVALID_CODE_FORMAT: "Enter the code from the email.",
    CODE_MISMATCH: "That code is not right.",
    CODE_EXPIRED: "That code has expired. Request a new one.",
    TOO_MANY_ATTEMPTS: "Too many wrong codes. Request a new one.",
    USERNAME_INVALID: "That username is not allowed.",
    USERNAME_UNAVAILABLE: "That username is taken.",
    THROTTLED: "Too many codes requested. Try again shortly.",
    DELIVERY_FAILED: "The email could not be sent. Try again.",
    SESSION_EXPIRED: "Your sign-in session expired. Start again.",
    NOT_AUTHORIZED: "Sign-in was refused.",
    NETWORK_ERROR: "Could not reach the sign-in service. Check your connection.",
    SERVICE_ERROR: "The sign-in service had a problem. Try again.",
    INVALID_STATE: "This step is not available now.",
    PASSKEY_CANCELLED: "The passkey request was cancelled or timed out.",
    PASSKEY_REJECTED: "That passkey was not accepted.",
    PASSKEY_EXISTS: "This device already has a passkey for your account.",
    PASSKEY_UNSUPPORTED: "This browser does not support passkeys.",
    PASSKEY_REQUIRED: "This account signs in with a passkey.",
    PASSKEY_LIMIT: "Your account already has the most passkeys allowed.",
  });

// The codes are one space-separated string, split once: browser bundles
// that only test membership (the client parsing a trigger error) carry
// neither an array literal of all the code strings nor the messages table.

/** All {@link PasscodeErrorCode} values, in a stable order (that of {@link DEFAULT_ERROR_MESSAGES}). */
export const PASSCODE_ERROR_CODES: readonly PasscodeErrorCode[] = /* @__PURE__ */ Object.freeze(
  /* @__PURE__ */ (
    "CONFIGURATION_ERROR INVALID_EMAIL INVALID_CODE_FORMAT CODE_MISMATCH CODE_EXPIRED " +
    "TOO_MANY_ATTEMPTS USERNAME_INVALID USERNAME_UNAVAILABLE THROTTLED DELIVERY_FAILED " +
    "SESSION_EXPIRED NOT_AUTHORIZED NETWORK_ERROR SERVICE_ERROR INVALID_STATE " +
    "PASSKEY_CANCELLED PASSKEY_REJECTED PASSKEY_EXISTS PASSKEY_UNSUPPORTED PASSKEY_REQUIRED " +
    "PASSKEY_LIMIT"
  ).split(" ") as PasscodeErrorCode[],
);

/** True when `value` is one of the {@link PasscodeErrorCode} strings. */
export function isPasscodeErrorCode(value: unknown): value is PasscodeErrorCode {
  return PASSCODE_ERROR_CODES.includes(value as PasscodeErrorCode);
}

/** Options for {@link PasscodeError}. */
export interface PasscodeErrorOptions {
  /** The underlying error, kept for logs and debugging. */
  cause?: unknown;
  /** For `THROTTLED`: how long to wait before asking again, in milliseconds. */
  retryAfterMs?: number;
  /** Extra `key=value` details (strings only; never secrets). */
  details?: Readonly<Record<string, string>>;
}

const BRAND = Symbol.for("cognito-passcode.PasscodeError");

/**
 * The one error class of cognito-passcode. Switch on `code`, which is stable;
 * `message` is for people and may change.
 *
 * @example
 * ```ts
 * try { await client.submitCode(code) } catch (e) {
 *   if (isPasscodeError(e) && e.code === "CODE_MISMATCH") showWrongCode();
 * }
 * ```
 */
export class PasscodeError extends Error {
  /** The stable error code. */
  readonly code: PasscodeErrorCode;
  /** For `THROTTLED`: milliseconds until a new request may succeed. */
  readonly retryAfterMs?: number;
  /** Extra details (for example `field` on a `CONFIGURATION_ERROR`). */
  readonly details: Readonly<Record<string, string>>;

  /**
   * @param code - The stable error code.
   * @param message - For people. When omitted, the message is `code` itself;
   *   `DEFAULT_ERROR_MESSAGES[code]` has a human-readable one.
   * @param options - Cause, retry delay and details.
   */
  constructor(code: PasscodeErrorCode, message?: string, options: PasscodeErrorOptions = {}) {
    // Not DEFAULT_ERROR_MESSAGES[code]: reading the table here would put all
    // messages into every bundle that throws a PasscodeError (each
    // Lambda trigger included), though callers there always pass a message.
    super(message ?? code, { cause: options.cause });
    this.name = "PasscodeError";
    this.code = code;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    this.details = Object.freeze({ ...options.details });
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/**
 * True when `value` is a {@link PasscodeError}, even one created by another copy
 * of this package (two versions in one bundle, or a realm boundary).
 */
export function isPasscodeError(value: unknown): value is PasscodeError {
  if (value instanceof PasscodeError) return true;
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { [BRAND]?: unknown; name?: unknown; code?: unknown };
  return (
    (candidate[BRAND] === true || candidate.name === "PasscodeError") &&
    isPasscodeErrorCode(candidate.code)
  );
}
