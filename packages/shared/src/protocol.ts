/**
 * The steps of the sign-in flow, as carried in the public `step` challenge parameter.
 * `PASSKEY` (a WebAuthn assertion, or a switch to a code) and `ENROL` (a WebAuthn
 * registration, or a skip) appear only on deployments with passkeys on.
 */
export type PasscodeStep = "CODE" | "USERNAME" | "PASSKEY" | "ENROL";

/** Step names as constants: `STEP.CODE`, `STEP.USERNAME`, `STEP.PASSKEY`, `STEP.ENROL`. */
export const STEP = /* @__PURE__ */ Object.freeze({
  CODE: "CODE",
  USERNAME: "USERNAME",
  PASSKEY: "PASSKEY",
  ENROL: "ENROL",
} as const);

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
  /** `"true"` after the previous answer was refused (steps `USERNAME`, `PASSKEY`, `ENROL`). */
  rejected: "rejected",
  /**
   * Why the previous username was refused: `USERNAME_INVALID` or `USERNAME_UNAVAILABLE`
   * (step `USERNAME`); `PASSKEY_LIMIT` when the user already has the most passkeys
   * allowed (step `ENROL`, which then carries no options).
   */
  reason: "reason",
  /**
   * WebAuthn options as JSON (steps `PASSKEY` and `ENROL`): a
   * `PublicKeyCredentialRequestOptionsJSON` or `PublicKeyCredentialCreationOptionsJSON`.
   */
  options: "options",
} as const);

/**
 * Keys the client puts in `ClientMetadata` on `RespondToAuthChallenge`, which Cognito
 * passes to Define, Create and Verify of that request (and to Post Authentication and
 * Pre Token Generation), never on `InitiateAuth`. Prefixed because an app's own
 * triggers receive the same map. Cognito neither validates nor encrypts it: nothing
 * secret goes in. Triggers ignore values longer than
 * {@link PASSKEY_LIMITS}`.metadataValue`.
 */
export const CLIENT_METADATA = /* @__PURE__ */ Object.freeze({
  /** `"code"` on a `PASSKEY` answer: send me an email code instead. */
  method: "passcode:method",
  /** `"true"` on any answer: offer passkey enrolment before tokens; `"skip"` on an `ENROL` answer. */
  enrolPasskey: "passcode:enrolPasskey",
  /** A label for the new passkey on the `ENROL` answer, at most 64 characters. */
  passkeyName: "passcode:passkeyName",
  /** On a `PASSKEY` answer: the challenge from the options (public), for the assurance claim. */
  passkeyChallenge: "passcode:passkeyChallenge",
} as const);

/** Size limits of the passkey protocol, in characters. */
export const PASSKEY_LIMITS = /* @__PURE__ */ Object.freeze({
  /** Longest `PASSKEY` answer (an `AuthenticationResponseJSON`) a trigger reads. */
  assertionAnswer: 16_384,
  /** Longest `ENROL` answer (a `RegistrationResponseJSON`) a trigger reads. */
  registrationAnswer: 65_536,
  /** Longest `ClientMetadata` value a trigger reads; longer ones are ignored. */
  metadataValue: 256,
  /** Longest passkey name. */
  passkeyName: 64,
  /** Longest `options` challenge parameter the client accepts. */
  optionsParam: 16_384,
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

/**
 * The `PASSKEY` challenge as the browser sees it, decoded. Every caller gets the same
 * shape (empty `allowCredentials`), known or unknown, with passkeys or without.
 */
export interface PasskeyChallenge {
  step: "PASSKEY";
  attemptsLeft: number;
  /** True when the previous assertion was refused. */
  rejected: boolean;
  /** `PublicKeyCredentialRequestOptionsJSON`, still a string: only `./passkeys` parses it. */
  options: string;
}

/** The `ENROL` challenge as the browser sees it, decoded. */
export interface EnrolChallenge {
  step: "ENROL";
  /** Registrations left; 0 on the last, "given up" challenge, which has no options. */
  attemptsLeft: number;
  /** True when the previous registration was refused. */
  rejected: boolean;
  /** `PASSKEY_LIMIT`: the user already has the most passkeys allowed (no options). */
  reason?: "PASSKEY_LIMIT";
  /** `PublicKeyCredentialCreationOptionsJSON`, still a string; absent with `reason` or `attemptsLeft` 0. */
  options?: string;
}

/** A decoded public challenge. */
export type PasscodeChallenge =
  | CodeChallenge
  | UsernameChallenge
  | PasskeyChallenge
  | EnrolChallenge;

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
  const options = params.options;
  const goodOptions = options !== undefined && options.length <= 16_384 && options !== "";
  const rejected = params.rejected === "true";
  if (params.step === "PASSKEY") {
    if (!goodOptions) return undefined;
    return { step: "PASSKEY", attemptsLeft, rejected, options };
  }
  if (params.step === "ENROL") {
    const enrol: EnrolChallenge = { step: "ENROL", attemptsLeft, rejected };
    if (params.reason === "PASSKEY_LIMIT") enrol.reason = "PASSKEY_LIMIT";
    if (goodOptions) enrol.options = options;
    else if (options !== undefined) return undefined;
    // Options are present exactly when the user can still register one.
    if ((enrol.options === undefined) !== (attemptsLeft === 0 || enrol.reason !== undefined)) {
      return undefined;
    }
    return enrol;
  }
  return undefined;
}
