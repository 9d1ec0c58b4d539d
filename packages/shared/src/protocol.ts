/** The steps of the sign-in flow, as carried in the public `step` challenge parameter. */
export type PasscodeStep = "CODE" | "USERNAME";

/** Step names as constants: `STEP.CODE`, `STEP.USERNAME`. */
export const STEP = /* @__PURE__ */ Object.freeze({ CODE: "CODE", USERNAME: "USERNAME" } as const);

/**
 * Keys of the public challenge parameters (Cognito's `ChallengeParameters`,
 * which the browser sees). Values are always strings on the wire.
 */
export const CHALLENGE_PARAM = /* @__PURE__ */ Object.freeze({
  /** Which step this challenge is: `CODE` or `USERNAME`. */
  step: "step",
  /** Number of digits in the code (step `CODE`). */
  codeLength: "codeLength",
  /** When the code expires, epoch milliseconds (step `CODE`). */
  expiresAt: "expiresAt",
  /** Answers left for this step. */
  attemptsLeft: "attemptsLeft",
  /** The masked email the code went to, e.g. `a***@e***.com` (step `CODE`). */
  email: "email",
  /** Shortest allowed username (step `USERNAME`). */
  minLength: "minLength",
  /** Longest allowed username (step `USERNAME`). */
  maxLength: "maxLength",
  /** `"true"` after the previous username answer was refused (step `USERNAME`). */
  rejected: "rejected",
  /** Why the previous username was refused: `USERNAME_INVALID` or `USERNAME_UNAVAILABLE`. */
  reason: "reason",
} as const);

/** The `CODE` challenge as the browser sees it, decoded. */
export interface CodeChallenge {
  step: "CODE";
  codeLength: number;
  expiresAt: number;
  attemptsLeft: number;
  maskedEmail: string;
}

/** The `USERNAME` challenge as the browser sees it, decoded. */
export interface UsernameChallenge {
  step: "USERNAME";
  minLength: number;
  maxLength: number;
  attemptsLeft: number;
  /** True when the previous answer was refused. */
  rejected: boolean;
  /** Why the previous answer was refused, when the trigger said. */
  reason?: "USERNAME_INVALID" | "USERNAME_UNAVAILABLE";
}

/** A decoded public challenge. */
export type PasscodeChallenge = CodeChallenge | UsernameChallenge;

function int(value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || !/^\d{1,15}$/.test(value)) return undefined;
  const n = Number(value);
  return n >= min && n <= max ? n : undefined;
}

/**
 * Decodes Cognito's public `ChallengeParameters` into a typed challenge.
 * Returns `undefined` for anything malformed, so callers fail closed.
 */
export function parseChallengeParameters(
  params: Readonly<Record<string, string | undefined>> | undefined,
): PasscodeChallenge | undefined {
  // Keys are written out rather than read from CHALLENGE_PARAM (whose values
  // equal its keys), so a browser bundle that only decodes carries no copy of
  // the constant tables.
  if (!params) return undefined;
  const attemptsLeft = int(params.attemptsLeft, 0, 100);
  if (attemptsLeft === undefined) return undefined;
  if (params.step === "CODE") {
    const codeLength = int(params.codeLength, 1, 32);
    const expiresAt = int(params.expiresAt, 0, Number.MAX_SAFE_INTEGER);
    if (codeLength === undefined || expiresAt === undefined) return undefined;
    return { step: "CODE", codeLength, expiresAt, attemptsLeft, maskedEmail: params.email ?? "" };
  }
  if (params.step === "USERNAME") {
    const minLength = int(params.minLength, 1, 256);
    const maxLength = int(params.maxLength, 1, 256);
    if (minLength === undefined || maxLength === undefined || minLength > maxLength) {
      return undefined;
    }
    const challenge: UsernameChallenge = {
      step: "USERNAME",
      minLength,
      maxLength,
      attemptsLeft,
      rejected: params.rejected === "true",
    };
    const reason = params.reason;
    if (reason === "USERNAME_INVALID" || reason === "USERNAME_UNAVAILABLE") {
      challenge.reason = reason;
    }
    return challenge;
  }
  return undefined;
}
