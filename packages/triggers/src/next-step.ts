import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { type CodeState, decodeMetadata } from "./challenge-state.js";
import { emailTag } from "./code.js";
import { type CodeSettings, inAllowedDomains, type UsernameSettings } from "./resolve-options.js";

/** A Cognito session entry, as Define and Create receive it. */
export type SessionEntry = DefineAuthChallengeTriggerEvent["request"]["session"][number];

/** What should happen after the session so far; Define and Create both follow it. */
export type NextStep =
  | { action: "fail"; reason: string }
  | { action: "issueTokens" }
  /** A CODE challenge: a new code when `code` is undefined, else the same code again. */
  | { action: "code"; code?: CodeState; attemptsLeft: number }
  | { action: "username"; attemptsLeft: number; rejected: boolean };

const fail = (reason: string): NextStep => ({ action: "fail", reason });

/**
 * The protocol's decision table, read from Cognito's session array. Pure:
 * the same session, attributes and options always give the same step, so
 * Define and Create cannot disagree, neither keeps state of its own, and
 * Create is safe to retry at every position after the first.
 *
 * The session is read strictly: only our CUSTOM_CHALLENGE entries; first the
 * CODE challenges (one code, so identical metadata; only the last may be
 * right), then, after a right code, USERNAME challenges (only the last may be
 * right). Anything else (SRP entries, foreign or missing metadata, a changed
 * code, steps out of order) fails the sign-in.
 *
 * `address`, when given, is the address the user's codes are bound to now
 * (`codeAddress` of the current attributes): a session whose code was sent
 * to another address fails, at every step, so an email changed after the
 * code was sent (before the answer, or between a right code and the
 * USERNAME step) never earns tokens. Define passes it; it costs one SHA-256.
 */
export function nextStep(
  session: readonly SessionEntry[] | undefined,
  options: {
    code: CodeSettings;
    username: UsernameSettings | false;
    allowedEmailDomains?: ReadonlySet<string>;
  },
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
  userNotFound: boolean,
  address?: string,
): NextStep {
  const codeAttempts = options.code.maxAttempts;
  if (!session?.length) return { action: "code", attemptsLeft: codeAttempts };
  let code: CodeState | undefined;
  let codeFailures = 0;
  let codePassed = false;
  let usernameAnswers = 0;
  let usernameFailures = 0;
  let usernamePassed = false;
  for (const entry of session) {
    const metadata = entry.challengeMetadata;
    const state = entry.challengeName === "CUSTOM_CHALLENGE" ? decodeMetadata(metadata) : undefined;
    if (!state) return fail("foreign-entry");
    if (state.step === "CODE") {
      if (codePassed || (code && metadata !== session[0]!.challengeMetadata)) {
        return fail("code-out-of-order");
      }
      code = state;
      if (entry.challengeResult === true) codePassed = true;
      else codeFailures++;
    } else {
      if (!codePassed || usernamePassed) return fail("username-out-of-order");
      usernameAnswers++;
      if (entry.challengeResult === true) usernamePassed = true;
      else usernameFailures++;
    }
  }
  if (code && address !== undefined && emailTag(address) !== code.emailTag) {
    return fail("address-changed");
  }
  // Also when the code passed: a right answer after the budget was spent
  // (a session begun under a larger maxAttempts) earns nothing.
  const codeAttemptsLeft = codeAttempts - codeFailures;
  if (codeAttemptsLeft <= 0) return fail("code-attempts-exhausted");
  if (!codePassed) return { action: "code", code, attemptsLeft: codeAttemptsLeft };
  // Verify refuses every answer of an unknown user; this is defence in depth.
  if (userNotFound) return fail("user-not-found");
  // Create sends nothing outside the allowed domains and Verify refuses there; also defence in depth.
  if (!inAllowedDomains(userAttributes?.email ?? "", options.allowedEmailDomains)) {
    return fail("email-not-allowed");
  }
  const username = options.username;
  if (!username) return usernameAnswers ? fail("username-off") : { action: "issueTokens" };
  if (usernamePassed) return { action: "issueTokens" };
  if (!usernameAnswers) {
    return userAttributes?.[username.attribute]
      ? { action: "issueTokens" }
      : { action: "username", attemptsLeft: username.maxAttempts, rejected: false };
  }
  const attemptsLeft = username.maxAttempts - usernameFailures;
  return attemptsLeft > 0
    ? { action: "username", attemptsLeft, rejected: true }
    : fail("username-attempts-exhausted");
}
