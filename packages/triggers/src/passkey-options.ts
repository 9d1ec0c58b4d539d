import type { PasskeyAccount } from "./store.js";

// Create builds the WebAuthn options JSON itself (no WebAuthn library), so a
// Create bundle stays small and never loads @simplewebauthn/server.

/** Extra time a challenge stays valid after the ceremony's timeout, in milliseconds. */
export const CHALLENGE_GRACE_MS = 10_000;

/** Longest `options` challenge parameter (PASSKEY_LIMITS.optionsParam). */
export const MAX_OPTIONS_LENGTH = 16_384;

/** COSE algorithms accepted at registration: Ed25519, ES256, RS256. */
export const PASSKEY_ALGORITHMS = [-8, -7, -257] as const;

/** A fresh WebAuthn challenge: 32 random bytes, base64url (43 characters). */
export function newPasskeyChallenge(): string {
  return process.getBuiltinModule("node:crypto").randomBytes(32).toString("base64url");
}

/** A fresh WebAuthn user handle: 32 random bytes, base64url (no PII, not the sub). */
export function newUserHandle(): string {
  return process.getBuiltinModule("node:crypto").randomBytes(32).toString("base64url");
}

/**
 * The `PublicKeyCredentialRequestOptionsJSON` of a PASSKEY challenge, with a
 * fixed key order and an empty `allowCredentials`: the same bytes for every
 * caller but the challenge.
 */
export function requestOptionsJson(challenge: string, rpId: string, timeoutMs: number): string {
  return (
    `{"challenge":${JSON.stringify(challenge)},"rpId":${JSON.stringify(rpId)},` +
    `"timeout":${timeoutMs},"userVerification":"required","allowCredentials":[]}`
  );
}

/** What a registration's options are built from. */
export interface CreationOptionsInput {
  challenge: string;
  rpId: string;
  rpName: string;
  userHandle: string;
  /** `user.name`: the current email, normalised. */
  userName: string;
  /** `user.displayName`: `@username`, or the email. */
  displayName: string;
  timeoutMs: number;
  /** The user's stored passkeys, excluded so one authenticator does not enrol twice. */
  account: PasskeyAccount | undefined;
}

/**
 * The `PublicKeyCredentialCreationOptionsJSON` of an ENROL challenge:
 * discoverable credential and user verification required, `none`
 * attestation, the `credProps` extension, the user's passkeys excluded.
 */
export function creationOptionsJson(input: CreationOptionsInput): string {
  return JSON.stringify({
    rp: { id: input.rpId, name: input.rpName },
    user: { id: input.userHandle, name: input.userName, displayName: input.displayName },
    challenge: input.challenge,
    pubKeyCredParams: PASSKEY_ALGORITHMS.map((alg) => ({ type: "public-key", alg })),
    timeout: input.timeoutMs,
    excludeCredentials: (input.account?.passkeys ?? []).map((passkey) => ({
      type: "public-key",
      id: passkey.id,
      ...(passkey.transports.length ? { transports: passkey.transports } : {}),
    })),
    authenticatorSelection: {
      residentKey: "required",
      requireResidentKey: true,
      userVerification: "required",
    },
    attestation: "none",
    extensions: { credProps: true },
  });
}

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The private parameters of a PASSKEY or ENROL challenge, read strictly; `undefined` if malformed. */
export function passkeyChallengeFrom(
  params: Readonly<Record<string, string | undefined>>,
): { challenge: string; expiresAt: number } | undefined {
  const { challenge, expiresAt } = params;
  if (!CHALLENGE.test(challenge ?? "") || !/^\d{1,15}$/.test(expiresAt ?? "")) return undefined;
  return { challenge: challenge!, expiresAt: Number(expiresAt) };
}
