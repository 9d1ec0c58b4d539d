import { DEFAULT_ERROR_MESSAGES, type PasscodeErrorCode } from "./errors.js";
import { USERNAME_RULE_MESSAGES, type UsernameRejection, usernameRuleMessage } from "./username.js";

/**
 * The English text to show for an error: {@link DEFAULT_ERROR_MESSAGES}' text
 * for its code, except a `USERNAME_INVALID` whose `cause` names the rule the
 * name broke, which gives that rule (`"Use at least 3 characters."`, with the
 * bounds from `bounds`, e.g. the `awaitingUsername` snapshot). Never echoes
 * `cause` or any other text from the service.
 *
 * @example
 * ```ts
 * const s = client.getSnapshot();
 * if (s.error) show(errorMessage(s.error, s.status === "awaitingUsername" ? s : undefined));
 * ```
 */
export function errorMessage(
  error: { readonly code: PasscodeErrorCode; readonly cause?: string },
  bounds?: { readonly minLength: number; readonly maxLength: number },
): string {
  const { code, cause } = error;
  if (code === "USERNAME_INVALID" && cause && Object.hasOwn(USERNAME_RULE_MESSAGES, cause)) {
    const reason = cause as UsernameRejection;
    // Without bounds, the rules that need them fall back to the code's text.
    if (bounds || !/TOO_(SHORT|LONG)/.test(reason)) {
      return usernameRuleMessage(reason, bounds ?? { minLength: 0, maxLength: 0 });
    }
  }
  return Object.hasOwn(DEFAULT_ERROR_MESSAGES, code)
    ? DEFAULT_ERROR_MESSAGES[code]
    : DEFAULT_ERROR_MESSAGES.SERVICE_ERROR;
}
