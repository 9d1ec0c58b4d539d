import type { CodeState } from "./challenge-state.js";
import type { CodeSettings, UsernameSettings } from "./resolve-options.js";
import type { SessionReading } from "./session.js";

/** What should happen after the session so far; Define and Create both follow it. */
export type NextStep =
  | { action: "fail"; reason: string }
  | { action: "issueTokens" }
  /** A CODE challenge: a new code when `code` is undefined, else the same code again. */
  | { action: "code"; code?: CodeState; attemptsLeft: number }
  | { action: "username"; attemptsLeft: number; rejected: boolean };

/**
 * The protocol's decision table. Pure: the same session, attributes and
 * options always give the same step, which is what makes Create safe to
 * retry at every position after the first.
 */
export function nextStep(
  reading: SessionReading,
  options: { code: CodeSettings; username: UsernameSettings | false },
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
  userNotFound: boolean,
): NextStep {
  if (reading.kind === "empty") return { action: "code", attemptsLeft: options.code.maxAttempts };
  if (reading.kind === "invalid") return { action: "fail", reason: reading.reason };
  if (!reading.codePassed) {
    const attemptsLeft = options.code.maxAttempts - reading.codeFailures;
    if (attemptsLeft <= 0) return { action: "fail", reason: "code-attempts-exhausted" };
    return { action: "code", code: reading.code, attemptsLeft };
  }
  // Verify refuses every answer of an unknown user; this is defence in depth.
  if (userNotFound) return { action: "fail", reason: "user-not-found" };
  const username = options.username;
  if (reading.usernamePassed) {
    return username ? { action: "issueTokens" } : { action: "fail", reason: "username-off" };
  }
  if (reading.usernameAnswers === 0) {
    if (!username || userAttributes?.[username.attribute]) return { action: "issueTokens" };
    return { action: "username", attemptsLeft: username.maxAttempts, rejected: false };
  }
  if (!username) return { action: "fail", reason: "username-off" };
  const attemptsLeft = username.maxAttempts - reading.usernameFailures;
  if (attemptsLeft <= 0) return { action: "fail", reason: "username-attempts-exhausted" };
  return { action: "username", attemptsLeft, rejected: true };
}
