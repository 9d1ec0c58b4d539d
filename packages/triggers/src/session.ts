import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { type CodeState, decodeMetadata } from "./challenge-state.js";

/** A Cognito session entry, as Define and Create receive it. */
export type SessionEntry = DefineAuthChallengeTriggerEvent["request"]["session"][number];

/**
 * Where a sign-in stands, read from Cognito's session array. Define and
 * Create both derive their decision from this one reading, so they cannot
 * disagree, and neither keeps state of its own.
 */
export type SessionReading =
  | { kind: "empty" }
  | { kind: "invalid"; reason: string }
  | {
      kind: "progress";
      /** The code of this session (all CODE entries carry the same one). */
      code: CodeState;
      /** Wrong code answers so far. */
      codeFailures: number;
      /** True once an answer to the code was right. */
      codePassed: boolean;
      /** USERNAME challenges answered so far (right or wrong). */
      usernameAnswers: number;
      /** Refused username answers so far. */
      usernameFailures: number;
      /** True once a username was accepted. */
      usernamePassed: boolean;
    };

/**
 * Reads the session strictly: only our CUSTOM_CHALLENGE entries, first the
 * CODE challenges (one code; only the last may be right), then, after a right
 * code, USERNAME challenges (only the last may be right). Anything else
 * (SRP entries, foreign metadata, a changed code, steps out of order) is
 * `invalid`, and the caller fails the sign-in.
 */
export function readSession(session: readonly SessionEntry[] | undefined): SessionReading {
  if (!session || session.length === 0) return { kind: "empty" };
  let code: CodeState | undefined;
  let codeFailures = 0;
  let codePassed = false;
  let usernameAnswers = 0;
  let usernameFailures = 0;
  let usernamePassed = false;
  for (const entry of session) {
    if (entry.challengeName !== "CUSTOM_CHALLENGE") {
      return { kind: "invalid", reason: "foreign-challenge" };
    }
    const state = decodeMetadata(entry.challengeMetadata);
    if (!state) return { kind: "invalid", reason: "metadata" };
    if (state.step === "CODE") {
      if (codePassed) return { kind: "invalid", reason: "code-after-pass" };
      if (
        code &&
        (code.digest !== state.digest ||
          code.salt !== state.salt ||
          code.expiresAt !== state.expiresAt ||
          code.codeLength !== state.codeLength)
      ) {
        return { kind: "invalid", reason: "code-changed" };
      }
      code = state;
      if (entry.challengeResult === true) codePassed = true;
      else codeFailures++;
    } else {
      if (!codePassed || usernamePassed) return { kind: "invalid", reason: "username-order" };
      usernameAnswers++;
      if (entry.challengeResult === true) usernamePassed = true;
      else usernameFailures++;
    }
  }
  if (!code) return { kind: "invalid", reason: "no-code" };
  return {
    kind: "progress",
    code,
    codeFailures,
    codePassed,
    usernameAnswers,
    usernameFailures,
    usernamePassed,
  };
}
