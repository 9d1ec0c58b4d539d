import { isPasscodeErrorCode, type PasscodeErrorCode } from "./errors.js";

/** A trigger error decoded from its message: the code and its `key=value` details. */
export interface TriggerErrorInfo {
  /** The error code the trigger threw on purpose. */
  code: PasscodeErrorCode;
  /** Every `key=value` pair that followed the code. */
  details: Record<string, string>;
  /** `retryAfterMs` parsed as a number, when present and valid. */
  retryAfterMs?: number;
}

const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;
const DETAIL_VALUE = /^[A-Za-z0-9_.:@+-]*$/;

/**
 * Formats the message a trigger throws on purpose: the code, then `key=value`
 * details, e.g. `THROTTLED retryAfterMs=24000`. Keys and values are restricted
 * to a safe alphabet so the message always parses back.
 */
export function formatTriggerError(
  code: PasscodeErrorCode,
  details: Readonly<Record<string, string | number>> = {},
): string {
  const parts: string[] = [code];
  for (const [key, raw] of Object.entries(details)) {
    const value = String(raw);
    if (!DETAIL_KEY.test(key) || !DETAIL_VALUE.test(value) || value.endsWith(".")) {
      throw new TypeError(`formatTriggerError: detail ${key} is not in the safe alphabet`);
    }
    parts.push(`${key}=${value}`);
  }
  return parts.join(" ");
}

/**
 * Reads a trigger error back out of whatever message reached the caller: the
 * bare form (`THROTTLED retryAfterMs=24000`) or Cognito's wrapper
 * (`CreateAuthChallenge failed with error THROTTLED retryAfterMs=24000.`).
 * Returns `undefined` when the message carries no known code.
 */
export function parseTriggerError(
  message: string | undefined | null,
): TriggerErrorInfo | undefined {
  if (typeof message !== "string" || !message || message.length > 2048) return undefined;
  const [code, ...rest] = (/failed with error (.*)$/s.exec(message)?.[1] ?? message)
    .trim()
    .replace(/\.$/, "")
    .split(/\s+/);
  if (!isPasscodeErrorCode(code)) return undefined;
  const details: Record<string, string> = {};
  for (const token of rest) {
    // `key=value` in the safe alphabets (DETAIL_KEY, DETAIL_VALUE); anything else is skipped.
    const pair = /^([A-Za-z]\w*)=([\w.:@+-]*)$/.exec(token);
    if (pair) details[pair[1]!] = pair[2]!;
  }
  const retry = details.retryAfterMs;
  return retry && /^\d{1,12}$/.test(retry)
    ? { code, details, retryAfterMs: Number(retry) }
    : { code, details };
}
