import { type CHALLENGE_PARAM, normalizeEmail, type PasscodeStep } from "@cognito-passcode/shared";

// Step names and parameter keys are written as literals, checked against
// shared's types, rather than read from shared's frozen STEP and
// CHALLENGE_PARAM objects: a bundler cannot inline an object's properties,
// and each trigger bundle would carry both tables.

/** Cognito's public challenge parameters, keyed by shared's wire names. */
export type PublicChallengeParameters = {
  [K in keyof typeof CHALLENGE_PARAM as (typeof CHALLENGE_PARAM)[K]]?: string;
} & { step: PasscodeStep };

/**
 * The secret half of a CODE challenge, carried in Cognito's private challenge
 * parameters (for Verify) and in challengeMetadata (so Create can reuse it
 * after a wrong answer, and Define can check the address). Never the code
 * itself: a salted digest bound to the expiry and the address, and a tag of
 * that address.
 */
export interface CodeState {
  codeLength: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  salt: string;
  digest: string;
  /**
   * `emailTag(address)` of the address the code was sent to (see
   * {@link codeAddress}): Verify and Define compare it with the user's
   * current address, so a code proves that one address and only that one.
   */
  emailTag: string;
}

/**
 * The address a code for this user is bound to: the user's current email
 * attribute, normalised; for a user that does not exist (Cognito passes no
 * attributes), the identifier typed as USERNAME, normalised. Create binds a
 * new code to it; Verify and Define recompute it from the attributes Cognito
 * passes them now, so an email changed after the code was sent no longer
 * matches.
 */
export function codeAddress(
  userAttributes: Readonly<Record<string, string | undefined>> | undefined,
  userName: string | undefined,
): string {
  return normalizeEmail(userAttributes?.email ?? userName ?? "");
}

/** What a session entry's challengeMetadata says the challenge was. */
export type ChallengeState = ({ step: "CODE" } & CodeState) | { step: "USERNAME" };

const B64URL = /^[A-Za-z0-9_-]{16,64}$/;
/** {@link emailTag}'s output: exactly 16 base64url characters. */
const TAG = /^[A-Za-z0-9_-]{16}$/;

/**
 * `CODE:<length>:<expiresAt>:<salt>:<digest>:<emailTag>`, about 110
 * characters (Cognito allows 2,048 in challengeMetadata).
 */
export function encodeCodeMetadata(state: CodeState): string {
  return `CODE:${state.codeLength}:${state.expiresAt}:${state.salt}:${state.digest}:${state.emailTag}`;
}

/** challengeMetadata of a USERNAME challenge. */
export const USERNAME_METADATA = "USERNAME" satisfies PasscodeStep;

/** Private challenge parameters of a CODE challenge, for Verify. */
export function codePrivateParameters(state: CodeState): Record<string, string> {
  return {
    step: "CODE" satisfies PasscodeStep,
    codeLength: String(state.codeLength),
    expiresAt: String(state.expiresAt),
    salt: state.salt,
    digest: state.digest,
    emailTag: state.emailTag,
  };
}

/**
 * Reads a CODE state from its parts (the private challenge parameters, or
 * the fields of challengeMetadata); `undefined` for anything malformed,
 * a missing address tag included (fail closed).
 */
export function codeStateFrom(
  parts: Readonly<Record<string, string | undefined>>,
): CodeState | undefined {
  const { codeLength, expiresAt, salt, digest, emailTag } = parts;
  if (
    !/^(?:[6-9]|10)$/.test(codeLength ?? "") ||
    !/^\d{1,15}$/.test(expiresAt ?? "") ||
    !B64URL.test(salt ?? "") ||
    !B64URL.test(digest ?? "") ||
    !TAG.test(emailTag ?? "")
  ) {
    return undefined;
  }
  return {
    codeLength: Number(codeLength),
    expiresAt: Number(expiresAt),
    salt: salt!,
    digest: digest!,
    emailTag: emailTag!,
  };
}

/** Decodes challengeMetadata written by {@link encodeCodeMetadata} or {@link USERNAME_METADATA}. */
export function decodeMetadata(metadata: string | undefined): ChallengeState | undefined {
  if (metadata === USERNAME_METADATA) return { step: "USERNAME" };
  if (metadata === undefined || metadata.length > 200) return undefined;
  const [step, codeLength, expiresAt, salt, digest, emailTag, extra] = metadata.split(":");
  if (step !== "CODE" || extra !== undefined) return undefined;
  const state = codeStateFrom({ codeLength, expiresAt, salt, digest, emailTag });
  return state && { step: "CODE", ...state };
}
