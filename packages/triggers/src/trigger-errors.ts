import {
  formatTriggerError,
  maskEmail,
  PasscodeError,
  type PasscodeErrorCode,
} from "@cognito-passcode/shared";
import type { LogFields, PasscodeLogger } from "./logger.js";

/** The codes a trigger throws on purpose; they reach the browser inside Cognito's wrapper. */
const USER_FACING =
  /^(?:THROTTLED|DELIVERY_FAILED|INVALID_EMAIL|NOT_AUTHORIZED|SERVICE_ERROR|PASSKEY_REQUIRED)\b/;

/**
 * An error a trigger throws on purpose. Its message is exactly shared's
 * `formatTriggerError(code, details)` (e.g. `THROTTLED retryAfterMs=24000`),
 * which Cognito forwards to the client and shared parses back.
 */
export function triggerError(
  code: PasscodeErrorCode,
  details?: { reason?: string; retryAfterMs?: number },
  cause?: unknown,
): PasscodeError {
  return new PasscodeError(code, formatTriggerError(code, details), {
    cause,
    retryAfterMs: details?.retryAfterMs,
    details: details?.reason ? { reason: details.reason } : {},
  });
}

const EMAIL_LIKE = /[^\s@<>"',;:]+@[^\s@<>"',;:]+/g;

/**
 * An error reduced to what is safe to log: addresses masked (SES quotes them
 * in messages) and every run of 6 or more digits hidden, so a code that a
 * failing `deliver` or `render` echoes back never reaches the logs.
 */
export function describeError(error: unknown): LogFields {
  if (!(error instanceof Error)) return { error: typeof error };
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return {
    errorName: error.name,
    errorMessage: error.message
      .replace(EMAIL_LIKE, (m) => maskEmail(m))
      .replace(/\d{6,}/g, "######")
      .slice(0, 500),
    ...(status === undefined ? {} : { httpStatusCode: status }),
  };
}

/**
 * Runs a trigger body. Errors thrown on purpose pass through unchanged;
 * anything else is logged (without secrets) and replaced by `SERVICE_ERROR`,
 * so internals never reach the browser.
 */
export async function guarded<T>(
  trigger: string,
  logger: PasscodeLogger,
  body: () => Promise<T>,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    // Only errors this copy of the package threw on purpose pass through.
    if (error instanceof PasscodeError && USER_FACING.test(error.message)) {
      throw error;
    }
    logger.error("unexpected error", { trigger, ...describeError(error) });
    throw triggerError("SERVICE_ERROR", {}, error);
  }
}
