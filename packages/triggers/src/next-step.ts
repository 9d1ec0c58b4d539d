import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { type CodeState, decodeMetadata } from "./challenge-state.js";
import { emailTag } from "./code.js";
import {
  type CodeSettings,
  inAllowedDomains,
  type PasskeySettings,
  type UsernameSettings,
} from "./resolve-options.js";

/** A Cognito session entry, as Define and Create receive it. */
export type SessionEntry = DefineAuthChallengeTriggerEvent["request"]["session"][number];

/** What should happen after the session so far; Define and Create both follow it. */
export type NextStep =
  | { action: "fail"; reason: string }
  | { action: "issueTokens" }
  /** A CODE challenge: a new code when `code` is undefined, else the same code again. */
  | { action: "code"; code?: CodeState; attemptsLeft: number }
  /**
   * A USERNAME challenge. `emailTag` is the proof's binding, as for `enrol`
   * (Verify refuses the name once {@link proofStillBound} no longer holds).
   */
  | { action: "username"; attemptsLeft: number; rejected: boolean; emailTag: string }
  /** A PASSKEY challenge (passkeys on): a fresh WebAuthn request challenge. */
  | { action: "passkey"; attemptsLeft: number; rejected: boolean }
  /**
   * An ENROL challenge (passkeys on), after a proof. `attemptsLeft` 0 is the
   * "given up" challenge (no options; every answer leads to tokens).
   * `emailTag` is the tag of the address a code proved, or after a passkey
   * the proof's {@link passkeyBinding} (checked with {@link proofStillBound}).
   */
  | { action: "enrol"; attemptsLeft: number; rejected: boolean; emailTag: string };

/** Prefix of a PASSKEY challenge's challengeMetadata: the challenge itself lives in the private parameters. */
export const PASSKEY_METADATA = "PASSKEY";

/**
 * What a passkey proof is bound to: `<emailTag of the address>:<1 when
 * email_verified is "true", else 0>`, from the attributes when the PASSKEY
 * challenge was created. The first proof of the address (which signs the
 * account out everywhere and removes its passkeys, design 5.4) or a new
 * address changes it, so a passkey session parked at USERNAME or ENROL
 * across that eviction gets no tokens and stores no passkey.
 */
export function passkeyBinding(
  address: string,
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
): string {
  return `${emailTag(address)}:${userAttributes?.email_verified === "true" ? 1 : 0}`;
}

/** challengeMetadata of a PASSKEY challenge: `PASSKEY:<passkeyBinding>` (about 26 characters). */
export function passkeyMetadata(binding: string): string {
  return `${PASSKEY_METADATA}:${binding}`;
}

const PASSKEY_ENTRY = /^PASSKEY:([A-Za-z0-9_-]{16}:[01])$/;

/**
 * True when an ENROL or USERNAME challenge's bound tag (`emailTag` of its
 * private parameters) still holds: a code proof's address tag against the current
 * address, a passkey proof's {@link passkeyBinding} against the current one.
 */
export function proofStillBound(
  tag: string,
  address: string,
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
): boolean {
  return tag.includes(":")
    ? tag === passkeyBinding(address, userAttributes)
    : tag === emailTag(address);
}

/** challengeMetadata of an ENROL challenge. */
export const ENROL_METADATA = "ENROL";

/** The request's ClientMetadata, as Define, Create and Verify receive it on RespondToAuthChallenge. */
export type ClientMetadata = Readonly<Record<string, string | undefined>> | undefined;

/**
 * One ClientMetadata value, or `undefined` when absent, not a string or
 * longer than 256 characters (PASSKEY_LIMITS.metadataValue): ignored.
 */
export function metadataValue(metadata: ClientMetadata, key: string): string | undefined {
  const value: unknown = metadata?.[key];
  return typeof value === "string" && value.length <= 256 ? value : undefined;
}

const fail = (reason: string): NextStep => ({ action: "fail", reason });

/**
 * The protocol's decision table, read from Cognito's session array. Pure:
 * the same session, attributes, options and ClientMetadata always give the
 * same step, so Define and Create cannot disagree, neither keeps state of
 * its own, and Create is safe to retry at every position after the first.
 *
 * The session is read strictly: only our CUSTOM_CHALLENGE entries; first the
 * CODE challenges (one code, so identical metadata; only the last may be
 * right), then, after a right code, USERNAME challenges (only the last may be
 * right). Anything else (SRP entries, foreign or missing metadata, a changed
 * code, steps out of order) fails the sign-in.
 *
 * With `passkeys` on, the allowed shape is
 * `P* (one switch, then C+ | one P=true) U* E*` (P = PASSKEY, C = CODE,
 * U = USERNAME, E = ENROL): the first challenge is PASSKEY for everyone; a
 * refused PASSKEY answer whose request carried `passcode:method=code` is the
 * switch and leads to a new CODE (it costs no passkey attempt); a right
 * PASSKEY or a right code is the proof; after the proof and the USERNAME
 * rules, ENROL when the request carries `passcode:enrolPasskey=true`.
 * A refused ENROL answer with `passcode:enrolPasskey=skip` gets tokens; after
 * `enrolMaxAttempts` refused registrations one last ENROL with
 * `attemptsLeft` 0, whose answer gets tokens. Tokens never come without a
 * proof. With `passkeys` off, PASSKEY and ENROL entries fail the sign-in.
 *
 * `address`, when given, is the address the user's codes are bound to now
 * (`codeAddress` of the current attributes): a session whose code was sent
 * to another address fails, at every step, so an email changed after the
 * code was sent (before the answer, or between a right code and the
 * USERNAME step) never earns tokens. Define passes it; it costs one SHA-256.
 * Likewise a passkey proof is bound to the address and its `email_verified`
 * when its PASSKEY challenge was created ({@link passkeyBinding}, in the
 * entry's challengeMetadata): a session parked after the proof fails once
 * the address changes or is proven for the first time (the eviction).
 *
 * `clientMetadata` is the current request's ClientMetadata (Define and Create
 * receive the same map on RespondToAuthChallenge; none on InitiateAuth).
 */
export function nextStep(
  session: readonly SessionEntry[] | undefined,
  options: {
    code: CodeSettings;
    username: UsernameSettings | false;
    allowedEmailDomains?: ReadonlySet<string>;
    passkeys?: Pick<PasskeySettings, "maxAttempts" | "enrolMaxAttempts"> | false;
  },
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
  userNotFound: boolean,
  address?: string,
  clientMetadata?: ClientMetadata,
): NextStep {
  const codeAttempts = options.code.maxAttempts;
  const passkeys = options.passkeys || undefined;
  if (!session?.length) {
    return passkeys
      ? { action: "passkey", attemptsLeft: passkeys.maxAttempts, rejected: false }
      : { action: "code", attemptsLeft: codeAttempts };
  }
  let code: CodeState | undefined;
  let codeMetadata: string | undefined;
  let codeFailures = 0;
  let codePassed = false;
  let passkeyFailures = 0;
  let passkeyPassed = false;
  let passkeyProof = "";
  let usernameAnswers = 0;
  let usernameFailures = 0;
  let usernamePassed = false;
  let enrolFailures = 0;
  let enrolPassed = false;
  for (const entry of session) {
    const metadata = entry.challengeMetadata;
    const custom = entry.challengeName === "CUSTOM_CHALLENGE";
    const passed = entry.challengeResult === true;
    const passkeyEntry = passkeys && custom ? PASSKEY_ENTRY.exec(metadata ?? "") : null;
    if (passkeyEntry) {
      // Only before anything else, and never after a right one.
      if (code || passkeyPassed || usernameAnswers || enrolFailures || enrolPassed) {
        return fail("passkey-out-of-order");
      }
      if (passed) {
        passkeyPassed = true;
        passkeyProof = passkeyEntry[1]!;
      } else passkeyFailures++;
      continue;
    }
    if (passkeys && custom && metadata === ENROL_METADATA) {
      if (!(codePassed || passkeyPassed) || enrolPassed || (usernameAnswers && !usernamePassed)) {
        return fail("enrol-out-of-order");
      }
      if (passed) enrolPassed = true;
      else enrolFailures++;
      continue;
    }
    const state = custom ? decodeMetadata(metadata) : undefined;
    if (!state) return fail("foreign-entry");
    if (state.step === "CODE") {
      if (
        codePassed ||
        passkeyPassed ||
        usernameAnswers ||
        enrolFailures ||
        (code && metadata !== codeMetadata)
      ) {
        return fail("code-out-of-order");
      }
      // With passkeys on, the code follows a refused PASSKEY answer: the switch.
      if (passkeys && !code && passkeyFailures === 0) {
        return fail("code-out-of-order");
      }
      code = state;
      codeMetadata = metadata;
      if (passed) codePassed = true;
      else codeFailures++;
    } else {
      if (!(codePassed || passkeyPassed) || usernamePassed || enrolFailures || enrolPassed) {
        return fail("username-out-of-order");
      }
      usernameAnswers++;
      if (passed) usernamePassed = true;
      else usernameFailures++;
    }
  }
  if (code && address !== undefined && emailTag(address) !== code.emailTag) {
    return fail("address-changed");
  }
  // A passkey proof holds only while the account is as it was: a new
  // address, or its first proof (the eviction), ends the session.
  if (
    passkeyPassed &&
    address !== undefined &&
    passkeyBinding(address, userAttributes) !== passkeyProof
  ) {
    return fail("address-changed");
  }
  if (passkeys && !code && !passkeyPassed) {
    // Only refused PASSKEY answers so far.
    if (metadataValue(clientMetadata, "passcode:method") === "code") {
      // The switch: the last refused answer does not count against the passkey budget.
      return passkeyFailures - 1 < passkeys.maxAttempts
        ? { action: "code", attemptsLeft: codeAttempts }
        : fail("passkey-attempts-exhausted");
    }
    const passkeyAttemptsLeft = passkeys.maxAttempts - passkeyFailures;
    return passkeyAttemptsLeft > 0
      ? { action: "passkey", attemptsLeft: passkeyAttemptsLeft, rejected: true }
      : fail("passkey-attempts-exhausted");
  }
  if (passkeys && code && passkeyFailures - 1 >= passkeys.maxAttempts) {
    // A switch after the passkey budget was spent (Define would have failed first).
    return fail("passkey-attempts-exhausted");
  }
  if (!passkeyPassed) {
    // Also when the code passed: a right answer after the budget was spent
    // (a session begun under a larger maxAttempts) earns nothing.
    const codeAttemptsLeft = codeAttempts - codeFailures;
    if (codeAttemptsLeft <= 0) return fail("code-attempts-exhausted");
    if (!codePassed) return { action: "code", code, attemptsLeft: codeAttemptsLeft };
  }
  // A proof: a right code, or (passkeys on) a right passkey.
  // Verify refuses every answer of an unknown user; this is defence in depth.
  if (userNotFound) return fail("user-not-found");
  // Create sends nothing outside the allowed domains and Verify refuses there; also defence in depth.
  if (!inAllowedDomains(userAttributes?.email ?? "", options.allowedEmailDomains)) {
    return fail("email-not-allowed");
  }
  const enrolAnswers = enrolFailures + (enrolPassed ? 1 : 0);
  // What the proof is bound to: the passkey's binding, or the code's address tag.
  const proofTag = passkeyPassed ? passkeyProof : (code?.emailTag ?? "");
  const afterUsername = usernameStep(
    options.username,
    userAttributes,
    { usernameAnswers, usernameFailures, usernamePassed },
    proofTag,
  );
  if (afterUsername) return enrolAnswers ? fail("enrol-out-of-order") : afterUsername;
  if (!passkeys) return { action: "issueTokens" };
  return enrolStep(passkeys.enrolMaxAttempts, clientMetadata, {
    enrolAnswers,
    enrolFailures,
    enrolPassed,
    emailTag: proofTag,
  });
}

/** The USERNAME rules after a proof: the next step, or `undefined` when the step is done. */
function usernameStep(
  username: UsernameSettings | false,
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
  seen: { usernameAnswers: number; usernameFailures: number; usernamePassed: boolean },
  emailTag: string,
): NextStep | undefined {
  if (!username) return seen.usernameAnswers ? fail("username-off") : undefined;
  if (seen.usernamePassed) return undefined;
  if (!seen.usernameAnswers) {
    return userAttributes?.[username.attribute]
      ? undefined
      : { action: "username", attemptsLeft: username.maxAttempts, rejected: false, emailTag };
  }
  const attemptsLeft = username.maxAttempts - seen.usernameFailures;
  return attemptsLeft > 0
    ? { action: "username", attemptsLeft, rejected: true, emailTag }
    : fail("username-attempts-exhausted");
}

/** The ENROL rules once the proof and the USERNAME step are done (passkeys on). */
function enrolStep(
  maxAttempts: number,
  clientMetadata: ClientMetadata,
  seen: { enrolAnswers: number; enrolFailures: number; enrolPassed: boolean; emailTag: string },
): NextStep {
  const flag = metadataValue(clientMetadata, "passcode:enrolPasskey");
  if (!seen.enrolAnswers) {
    return flag === "true"
      ? { action: "enrol", attemptsLeft: maxAttempts, rejected: false, emailTag: seen.emailTag }
      : { action: "issueTokens" };
  }
  if (seen.enrolPassed || flag === "skip") return { action: "issueTokens" };
  const attemptsLeft = maxAttempts - seen.enrolFailures;
  if (attemptsLeft > 0) {
    return { action: "enrol", attemptsLeft, rejected: true, emailTag: seen.emailTag };
  }
  // At the limit one last "given up" challenge; its answer (always refused) gets tokens.
  if (attemptsLeft === 0) {
    return { action: "enrol", attemptsLeft: 0, rejected: true, emailTag: seen.emailTag };
  }
  return attemptsLeft === -1 ? { action: "issueTokens" } : fail("enrol-attempts-exhausted");
}
