import type { PasscodeErrorCode } from "@cognito-passcode/shared";

/** What the page knows when it words an error. */
export interface MessageContext {
  codeLength?: number;
  attemptsLeft?: number;
  retryAfterMs?: number;
  /** The username that was refused. */
  username?: string;
  /** Username answers left in this sign-in. */
  triesLeft?: number;
  /** The error came while creating a passkey (after the code), not signing in with one. */
  enrolling?: boolean;
  /** The sign-in that ended was a passkey sign-in (its last assertion was refused). */
  passkey?: boolean;
}

/** "24 seconds", "1 minute 5 seconds". */
export function formatDuration(ms: number): string {
  const total = Math.max(1, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  const parts: string[] = [];
  if (minutes > 0) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  if (seconds > 0) parts.push(`${seconds} second${seconds === 1 ? "" : "s"}`);
  return parts.join(" ");
}

function tries(n: number | undefined): string {
  if (n === undefined || n <= 0) return "";
  return ` ${n} ${n === 1 ? "try" : "tries"} left.`;
}

function attempts(n: number | undefined): string {
  if (n === undefined) return "";
  if (n <= 0) return " No attempts left: send a new code.";
  return ` ${n} attempt${n === 1 ? "" : "s"} left.`;
}

/**
 * A message a person understands for every error code the client reports.
 * The client's own `message` is a fallback for developers; the page words
 * each case for the screen it appears on.
 */
export function humanMessage(code: PasscodeErrorCode, context: MessageContext = {}): string {
  switch (code) {
    case "CONFIGURATION_ERROR":
      // Bad client options, or (after sign-out) an app client that cannot revoke tokens.
      return "This site's sign-in is not set up correctly. Please tell the site's owner.";
    case "INVALID_EMAIL":
      return "That doesn't look like an email address. Check it for typos.";
    case "INVALID_CODE_FORMAT":
      return `Enter the ${context.codeLength ?? 6}-digit code from the email.`;
    case "CODE_MISMATCH":
      return `That code isn't right.${attempts(context.attemptsLeft)}`;
    case "CODE_EXPIRED":
      return "That code has expired. Send a new code to continue.";
    case "TOO_MANY_ATTEMPTS":
      if (context.passkey) {
        return "That passkey was refused too many times. Start again with this address's own passkey, or send a code.";
      }
      return "Too many wrong codes. Send a new code to try again.";
    case "USERNAME_INVALID":
      return `That username doesn't follow the rules above.${tries(context.triesLeft)}`;
    case "USERNAME_UNAVAILABLE":
      return `${context.username ? `@${context.username}` : "That username"} is taken. Try another one.${tries(context.triesLeft)}`;
    case "THROTTLED":
      return context.retryAfterMs !== undefined
        ? `Too many codes asked for. You can ask again in ${formatDuration(context.retryAfterMs)}.`
        : "Too many codes asked for. Wait a little, then try again.";
    case "DELIVERY_FAILED":
      return "We couldn't send the email. Check the address, or try again in a moment.";
    case "SESSION_EXPIRED":
      return "This sign-in took too long and has expired. Start again with your email.";
    case "NOT_AUTHORIZED":
      return "Sign-in was refused. Start again with your email.";
    case "NETWORK_ERROR":
      return "We couldn't reach the sign-in service. Check your connection, then try again.";
    case "SERVICE_ERROR":
      return "The sign-in service had a problem. Try again in a moment.";
    case "INVALID_STATE":
      // A button that should not have been enabled: the page's bug, not the user's.
      return "That step isn't available right now. Reload the page to start again.";
    case "PASSKEY_CANCELLED":
      if (context.enrolling) {
        return "The passkey wasn't created: the request was cancelled or timed out. Try again, or skip for now.";
      }
      // WebAuthn reports a cancel, a timeout and "no passkey here" alike, on purpose.
      return "The passkey request was cancelled or timed out, or this device has no passkey for this site. Try again, or get a code by email.";
    case "PASSKEY_REJECTED":
      if (context.enrolling) {
        return `The new passkey wasn't accepted.${tries(context.attemptsLeft)}`;
      }
      return `That passkey wasn't accepted: it may belong to another account, or have been removed.${tries(context.attemptsLeft)}`;
    case "PASSKEY_EXISTS":
      return "This device already has a passkey for your account. You can skip this step.";
    case "PASSKEY_UNSUPPORTED":
      return "This browser can't use passkeys. Get a code by email instead.";
    case "PASSKEY_REQUIRED":
      return "This account signs in with its passkey, not a code. Use your passkey, or ask the site's support to recover your account.";
    case "PASSKEY_LIMIT":
      return "Your account already has the most passkeys allowed. Remove one to add another.";
  }
}

/** Errors a plain retry of the same request can fix. */
export function isRetryable(code: PasscodeErrorCode): boolean {
  return code === "NETWORK_ERROR" || code === "SERVICE_ERROR" || code === "DELIVERY_FAILED";
}
