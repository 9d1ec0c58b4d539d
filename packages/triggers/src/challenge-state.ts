import type { CHALLENGE_PARAM, PasscodeStep } from "@cognito-passcode/shared";

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
 * after a wrong answer). Never the code itself: a salted digest and expiry.
 */
export interface CodeState {
  codeLength: number;
  /** Epoch milliseconds. */
  expiresAt: number;
  salt: string;
  digest: string;
}

/** What a session entry's challengeMetadata says the challenge was. */
export type ChallengeState = ({ step: "CODE" } & CodeState) | { step: "USERNAME" };

const B64URL = /^[A-Za-z0-9_-]{16,64}$/;

/** `CODE:<length>:<expiresAt>:<salt>:<digest>`, about 90 characters. */
export function encodeCodeMetadata(state: CodeState): string {
  return `CODE:${state.codeLength}:${state.expiresAt}:${state.salt}:${state.digest}`;
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
  };
}

/** Reads a CODE state from its parts; `undefined` for anything malformed (fail closed). */
export function codeStateFrom(
  codeLength: string | undefined,
  expiresAt: string | undefined,
  salt: string | undefined,
  digest: string | undefined,
): CodeState | undefined {
  if (
    !/^(?:[6-9]|10)$/.test(codeLength ?? "") ||
    !/^\d{1,15}$/.test(expiresAt ?? "") ||
    !B64URL.test(salt ?? "") ||
    !B64URL.test(digest ?? "")
  ) {
    return undefined;
  }
  return {
    codeLength: Number(codeLength),
    expiresAt: Number(expiresAt),
    salt: salt!,
    digest: digest!,
  };
}

/** Decodes challengeMetadata written by {@link encodeCodeMetadata} or {@link USERNAME_METADATA}. */
export function decodeMetadata(metadata: string | undefined): ChallengeState | undefined {
  if (metadata === USERNAME_METADATA) return { step: "USERNAME" };
  if (metadata === undefined || metadata.length > 200) return undefined;
  const [step, codeLength, expiresAt, salt, digest, extra] = metadata.split(":");
  if (step !== "CODE" || extra !== undefined) return undefined;
  const state = codeStateFrom(codeLength, expiresAt, salt, digest);
  return state && { step: "CODE", ...state };
}
