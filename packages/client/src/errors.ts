import { isPasscodeErrorCode, type PasscodeErrorCode } from "@cognito-passcode/shared";
import type { SnapshotError } from "./types.js";

/**
 * Builds a {@link SnapshotError}: `message` is the code itself (English texts
 * are `errorMessage` and `DEFAULT_ERROR_MESSAGES` in shared, which the client
 * does not bundle unless the app imports them).
 */
export function snapshotError(
  code: PasscodeErrorCode,
  cause?: string,
  retryAfterMs?: number,
): SnapshotError {
  const error: { -readonly [K in keyof SnapshotError]: SnapshotError[K] } = { code, message: code };
  if (cause) error.cause = cause;
  if (retryAfterMs !== undefined) error.retryAfterMs = retryAfterMs;
  return error;
}

/** Which request failed, and what the client knew when it sent it. */
export interface ErrorContext {
  /** The request: sign-up, first InitiateAuth, code answer, username answer, refresh, sign-out. */
  readonly step: "signUp" | "initiate" | "code" | "username" | "refresh" | "signOut";
  /** Answers left before this one (code and username steps). */
  readonly attemptsLeft?: number;
  /** The code's expiry, epoch ms (code step). */
  readonly expiresAt?: number;
  /** The client's clock when the request failed. */
  readonly now?: number;
}

/** A transport failure mapped to a snapshot error. */
export interface MappedError {
  /** What the UI shows. */
  readonly error: SnapshotError;
  /** True when the sign-in session (or refresh token) cannot be used again. */
  readonly sessionEnded: boolean;
}

/** Cognito exceptions that map to one code whatever the context. */
const SIMPLE: Readonly<Record<string, PasscodeErrorCode>> = {
  CodeMismatchException: "CODE_MISMATCH",
  ExpiredCodeException: "CODE_EXPIRED",
  TooManyFailedAttemptsException: "TOO_MANY_ATTEMPTS",
  TooManyRequestsException: "THROTTLED",
  LimitExceededException: "THROTTLED",
  UserNotFoundException: "NOT_AUTHORIZED",
  UserNotConfirmedException: "NOT_AUTHORIZED",
  // Refresh with a token rotation replaced (another tab's refresh came first): it is dead.
  RefreshTokenReuseException: "SESSION_EXPIRED",
  // RevokeToken on an app client without token revocation: a setup fault to fix.
  UnsupportedOperationException: "CONFIGURATION_ERROR",
};

/** Exception names that may be shown as `cause`: a word, nothing the service wrote as prose. */
const NAME = /^\w{1,64}$/;

const NETWORK = /^(TypeError|NetworkError|AbortError|TimeoutError)$/;

/**
 * The code and `retryAfterMs` of an error a trigger threw on purpose, as
 * Cognito wraps it ("CreateAuthChallenge failed with error THROTTLED
 * retryAfterMs=24000."): shared's `parseTriggerError` reduced to the two
 * fields the client reads, in one pattern (103 B less in the bundle;
 * trigger-error.test.ts checks it gives the same answers).
 */
export function triggerError(message: string): RegExpExecArray | undefined {
  // Only the text after the first "failed with error " counts (in the pattern,
  // an optional prefix could backtrack to a later one, or to none).
  const match =
    message.length <= 2048
      ? /^\s*([A-Z_]+)(?=\s|\.?\s*$)(?:.*\sretryAfterMs=(\d{1,12})(?=\s|\.?\s*$))?/s.exec(
          message.replace(/^.*?failed with error /s, ""),
        )
      : null;
  return match && isPasscodeErrorCode(match[1]) ? match : undefined;
}

/** The Cognito exception name a transport error carries (`code` first, then `name`). */
export function errorType(error: unknown): string {
  const e = error as { code?: unknown; name?: unknown } | null;
  if (e && typeof e.code === "string") return e.code;
  return e && typeof e.name === "string" ? e.name : "";
}

function codeFor(type: string, message: string, ctx: ErrorContext): [PasscodeErrorCode, number?] {
  if (NETWORK.test(type)) return ["NETWORK_ERROR"];
  if (type === "UserLambdaValidationException") {
    const info = triggerError(message);
    return info
      ? [info[1] as PasscodeErrorCode, info[2] ? +info[2] : undefined]
      : ["SERVICE_ERROR"];
  }
  // A malformed or stale session is refused before any trigger runs.
  if (type === "InvalidParameterException" && /code|username/.test(ctx.step)) {
    return ["SESSION_EXPIRED"];
  }
  if (type === "NotAuthorizedException") {
    if (ctx.step === "refresh" || /invalid session/i.test(message)) return ["SESSION_EXPIRED"];
    if (ctx.step === "code" && (ctx.now ?? 0) >= (ctx.expiresAt ?? Infinity)) {
      return ["CODE_EXPIRED"];
    }
    // Only code and username answers carry attemptsLeft: the last one refused ends the session.
    if ((ctx.attemptsLeft ?? 2) <= 1) return ["TOO_MANY_ATTEMPTS"];
    return ["NOT_AUTHORIZED"];
  }
  // Own keys only: an error named `constructor` or `toString` must not find Object's members.
  return [Object.hasOwn(SIMPLE, type) ? SIMPLE[type]! : "SERVICE_ERROR"];
}

/** Codes after which the sign-in session (or the refresh token) cannot be used again. */
const ENDS_SESSION = /^(SESSION_EXPIRED|TOO_MANY_ATTEMPTS|CODE_EXPIRED|NOT_AUTHORIZED)$/;

/**
 * The one place Cognito errors become cognito-passcode codes. `NotAuthorizedException`
 * means: an expired or used session (`SESSION_EXPIRED`), a refused refresh
 * (`SESSION_EXPIRED`), an expired code (`CODE_EXPIRED`), the last attempt
 * spent (`TOO_MANY_ATTEMPTS`), or else `NOT_AUTHORIZED`. A refresh token
 * that rotation replaced (`RefreshTokenReuseException`) is `SESSION_EXPIRED`. Trigger errors
 * (`UserLambdaValidationException`) carry their code and `retryAfterMs`.
 * Fetch failures (`TypeError`) and timeouts (`TimeoutError`) are
 * `NETWORK_ERROR`: the same call can be retried. An
 * `InvalidParameterException` on a code or username answer (a malformed
 * session) is `SESSION_EXPIRED`. Anything unknown is `SERVICE_ERROR`,
 * including `UnexpectedLambdaException` (a trigger timed out; retrying may
 * work). The error's `cause` is the exception name when it is one word.
 */
export function mapError(error: unknown, ctx: ErrorContext): MappedError {
  const message = String((error as { message?: unknown } | null)?.message ?? "");
  const type = errorType(error);
  const [code, retryAfterMs] = codeFor(type, message, ctx);
  return {
    error: snapshotError(code, NAME.test(type) ? type : undefined, retryAfterMs),
    sessionEnded: ENDS_SESSION.test(code),
  };
}
