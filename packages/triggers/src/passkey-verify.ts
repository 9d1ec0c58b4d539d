import type { VerifyAuthChallengeResponseTriggerEvent } from "aws-lambda";
import { codeAddress } from "./challenge-state.js";
import { emailTag } from "./code.js";
import { metadataValue, proofStillBound } from "./next-step.js";
import { PASSKEY_ALGORITHMS, passkeyChallengeFrom } from "./passkey-options.js";
import type { BaseSettings } from "./resolve-options.js";
import { inAllowedDomains, once, type PasskeySettings } from "./resolve-options.js";
import { passkeyChallengeKey, type StoredPasskey } from "./store.js";
import { describeError, triggerError } from "./trigger-errors.js";

/** What Verify's passkey branches need. */
export interface PasskeyVerifySettings extends BaseSettings {
  passkeys: PasskeySettings;
  allowedEmailDomains?: ReadonlySet<string>;
}

/**
 * @simplewebauthn/server (436 KB minified), imported on the first passkey
 * answer of an instance and kept: code-only sign-ins never load it. A load
 * that fails (a bundle without its chunk) fails the answer closed with
 * `SERVICE_ERROR` and is retried on the next answer.
 */
const webauthn = once(() => import("@simplewebauthn/server"));

/** How long the sign-in record for the assurance claim lives, in milliseconds. */
const SIGN_IN_RECORD_MS = 300_000;

/**
 * When a consumed challenge's record may go: not before the challenge
 * itself expires (dynamoDbStore sets the item's `ttl` from it, and DynamoDB
 * may delete an item any time after), else a synced passkey's assertion
 * (counter 0) could be replayed on its session once the record is gone.
 */
const recordExpiry = (now: number, challengeExpiresAt: number) =>
  Math.max(now + SIGN_IN_RECORD_MS, challengeExpiresAt);

/** Longest credential id WebAuthn allows, in bytes. */
const MAX_CREDENTIAL_ID_BYTES = 1023;

const B64URL = /^[A-Za-z0-9_-]+$/;

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isB64url = (value: unknown, optional = false): boolean =>
  (optional && value === undefined) || (typeof value === "string" && B64URL.test(value));

/** Parses a WebAuthn JSON answer of at most `max` characters; `undefined` if it is not one. */
function parseCredential(
  answer: unknown,
  max: number,
  fields: readonly string[],
): Json | undefined {
  if (typeof answer !== "string" || answer.length > max) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(answer);
  } catch {
    return undefined;
  }
  if (
    !isObject(value) ||
    !isB64url(value.id) ||
    value.id !== value.rawId ||
    value.type !== "public-key" ||
    !isObject(value.response) ||
    (value.clientExtensionResults !== undefined && !isObject(value.clientExtensionResults))
  ) {
    return undefined;
  }
  const response = value.response;
  if (!fields.every((field) => isB64url(response[field], field === "userHandle"))) return undefined;
  return { ...value, clientExtensionResults: value.clientExtensionResults ?? {} };
}

/** The request's ClientMetadata. */
const metadataOf = (event: VerifyAuthChallengeResponseTriggerEvent) =>
  (event.request as { clientMetadata?: Record<string, string> }).clientMetadata;

/**
 * Checks a PASSKEY answer (design §3.2, in this order): the switch
 * (`passcode:method=code`, refused with no work); size, JSON and shape; one
 * `getPasskeys` for everyone (an unknown user's owner key is
 * `unknown#<emailTag>`, never stored, so known and unknown users make the
 * same store call); the credential among the owner's; the user handle; the
 * expiry; the signature with user verification, origin and RP id
 * (@simplewebauthn/server) and the stored device type; the user and domain;
 * the counter (`usePasskey`, conditional); then the single-use challenge
 * (`recordPasskeySignIn`, conditional), which also leaves the record Pre
 * Token Generation turns into `passcode_amr`. True only when all pass.
 */
export async function checkPasskey(
  runtime: PasskeyVerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  const reason = await passkeyRefusal(runtime, event);
  if (reason) runtime.logger.info("passkey rejected", { reason });
  return !reason;
}

async function passkeyRefusal(
  runtime: PasskeyVerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<string> {
  const { passkeys } = runtime;
  const request = event.request;
  if (metadataValue(metadataOf(event), "passcode:method") === "code") return "switch";
  const response = parseCredential(request.challengeAnswer, 16_384, [
    "clientDataJSON",
    "authenticatorData",
    "signature",
    "userHandle",
  ]);
  if (!response) return "format";
  const attributes = request.userAttributes ?? {};
  const userNotFound = request.userNotFound === true || !attributes.sub;
  const owner = userNotFound
    ? `unknown#${emailTag(codeAddress(attributes, event.userName))}`
    : attributes.sub!;
  const account = await passkeys.store.getPasskeys(owner);
  const id = response.id as string;
  const stored = account?.passkeys.find((passkey) => passkey.id === id);
  if (!account || !stored) return "unknown-credential";
  const userHandle = (response.response as Json).userHandle;
  if (userHandle !== undefined && userHandle !== account.userHandle) return "user-handle";
  const params = passkeyChallengeFrom(request.privateChallengeParameters ?? {});
  if (!params) return "bad-parameters";
  const now = runtime.now();
  if (now > params.expiresAt) return "expired";
  let info: { newCounter: number; credentialDeviceType: string; credentialBackedUp: boolean };
  // Outside the try: a library that cannot load is the server's fault
  // (SERVICE_ERROR, logged as an error), not the user's passkey refused.
  const { verifyAuthenticationResponse } = await webauthn();
  try {
    const result = await verifyAuthenticationResponse({
      response: response as never,
      expectedChallenge: params.challenge,
      expectedOrigin: [...passkeys.origins],
      expectedRPID: passkeys.rpId,
      credential: {
        id: stored.id,
        publicKey: new Uint8Array(Buffer.from(stored.publicKey, "base64url")),
        counter: stored.counter,
        transports: stored.transports as never,
      },
      requireUserVerification: true,
    });
    if (!result.verified) return "signature";
    info = result.authenticationInfo;
  } catch (error) {
    runtime.logger.info("passkey assertion not verified", describeError(error));
    return /counter/i.test(error instanceof Error ? error.message : "")
      ? "passkey-counter"
      : "assertion";
  }
  if (info.credentialDeviceType !== stored.deviceType) return "device-type";
  if (!inAllowedDomains(attributes.email ?? "", runtime.allowedEmailDomains)) {
    return "email-not-allowed";
  }
  const used = await passkeys.store.usePasskey(owner, id, {
    counter: info.newCounter,
    backedUp: info.credentialBackedUp,
    at: now,
  });
  if (!used) return "passkey-counter";
  const recorded = await passkeys.store.recordPasskeySignIn(passkeyChallengeKey(params.challenge), {
    owner,
    amr: "pop mfa",
    expiresAt: recordExpiry(now, params.expiresAt),
  });
  return recorded ? "" : "replayed";
}

/**
 * What a passkey name may not hold, as the token handler's RenamePasskey
 * refuses it: control characters, bidi controls (they reorder the text
 * around the name in the list and the emails), line and paragraph
 * separators, lone surrogates (not well-formed text).
 */
const UNNAMEABLE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029\p{Cs}]/u;

/** A passkey name from `passcode:passkeyName`: 1 to 64 characters, none of {@link UNNAMEABLE}; else "Passkey". */
function passkeyName(event: VerifyAuthChallengeResponseTriggerEvent): string {
  const name = metadataValue(metadataOf(event), "passcode:passkeyName")?.trim() ?? "";
  return name && name.length <= 64 && !UNNAMEABLE.test(name) ? name : "Passkey";
}

/**
 * Checks and stores an ENROL answer (design §2.3, in this order): the skip
 * (`passcode:enrolPasskey=skip`) and the "given up" or limit challenge (no
 * challenge in the private parameters) are refused with no work; the user,
 * domain and (after a code proof) the address the code proved; size, JSON
 * and shape; the expiry; the registration with user verification, origin,
 * RP id and algorithms (@simplewebauthn/server); `credProps.rk` not `false`
 * and an id of at most 1,023 bytes; then the single-use challenge
 * (`recordPasskeySignIn` with an empty `amr`) and `addPasskey` (refuses a
 * credential id any user holds, a user at `maxPerUser` and a lost race).
 * After a stored passkey it emails the user ("added"), best effort: a failed
 * send is logged and the enrolment stands.
 */
export async function enrolPasskey(
  runtime: PasskeyVerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  await requirePasskeyProofStanding(runtime, event);
  const reason = await enrolRefusal(runtime, event);
  if (reason) runtime.logger.info("passkey registration rejected", { reason });
  return !reason;
}

/**
 * An ENROL answer (a registration, a skip, or the given-up answer) or a
 * USERNAME answer after a passkey proof: the account must still have a
 * passkey (1 GetItem). If its passkeys were removed since the proof (the
 * admin recovery `removePasskeys`, the user removing them after a device was
 * lost, the first proof of the address), the session was proven by a
 * passkey that no longer counts: throws `NOT_AUTHORIZED`, so it gets no
 * tokens, registers nothing and claims no name. After a code proof (a tag
 * without `:`) nothing is read. Internal (Verify's USERNAME branch).
 */
export async function requirePasskeyProofStanding(
  runtime: Pick<PasskeyVerifySettings, "passkeys" | "logger">,
  event: VerifyAuthChallengeResponseTriggerEvent,
  what = "passkey registration rejected",
): Promise<void> {
  const tag = event.request.privateChallengeParameters?.emailTag;
  if (typeof tag !== "string" || !tag.includes(":")) return;
  const owner = event.request.userAttributes?.sub;
  const account = owner ? await runtime.passkeys.store.getPasskeys(owner) : undefined;
  if (!account?.passkeys.length) throw passkeysRemoved(runtime, what);
}

/** Logs and returns the `NOT_AUTHORIZED` of a passkey proof whose passkeys were removed. */
function passkeysRemoved(
  runtime: Pick<PasskeyVerifySettings, "logger">,
  what = "passkey registration rejected",
) {
  runtime.logger.info(what, { reason: "passkeys-removed" });
  return triggerError("NOT_AUTHORIZED");
}

async function enrolRefusal(
  runtime: PasskeyVerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<string> {
  const { passkeys } = runtime;
  const request = event.request;
  if (metadataValue(metadataOf(event), "passcode:enrolPasskey") === "skip") return "skip";
  const privateParameters = request.privateChallengeParameters ?? {};
  const params = passkeyChallengeFrom(privateParameters);
  const userHandle = privateParameters.userHandle ?? "";
  const tag = privateParameters.emailTag;
  if (!params || !/^[A-Za-z0-9_-]{43}$/.test(userHandle) || typeof tag !== "string") {
    return "no-registration";
  }
  const attributes = request.userAttributes ?? {};
  const owner = attributes.sub;
  const address = codeAddress(attributes, event.userName);
  if (request.userNotFound === true || !owner) return "user-not-found";
  if (!inAllowedDomains(attributes.email ?? "", runtime.allowedEmailDomains)) {
    return "email-not-allowed";
  }
  // The proof's binding: the address a code proved, or after a passkey the
  // address and its email_verified then (a first proof since is the eviction).
  if (tag !== "" && !proofStillBound(tag, address, attributes)) return "address-changed";
  const response = parseCredential(request.challengeAnswer, 65_536, [
    "clientDataJSON",
    "attestationObject",
  ]);
  if (!response) return "format";
  const now = runtime.now();
  if (now > params.expiresAt) return "expired";
  let info: Awaited<
    ReturnType<typeof import("@simplewebauthn/server").verifyRegistrationResponse>
  >["registrationInfo"];
  // Outside the try, as for assertions: a load failure is SERVICE_ERROR.
  const { verifyRegistrationResponse } = await webauthn();
  try {
    const result = await verifyRegistrationResponse({
      response: response as never,
      expectedChallenge: params.challenge,
      expectedOrigin: [...passkeys.origins],
      expectedRPID: passkeys.rpId,
      requireUserVerification: true,
      supportedAlgorithmIDs: [...PASSKEY_ALGORITHMS],
    });
    if (!result.verified || !result.registrationInfo) return "attestation";
    info = result.registrationInfo;
  } catch (error) {
    runtime.logger.info("passkey registration not verified", describeError(error));
    return "attestation";
  }
  const extensions = response.clientExtensionResults as Json;
  const credProps = extensions.credProps;
  if (isObject(credProps) && credProps.rk === false) return "not-discoverable";
  const credential = info!.credential;
  if (Buffer.from(credential.id, "base64url").length > MAX_CREDENTIAL_ID_BYTES)
    return "id-too-long";
  const consumed = await passkeys.store.recordPasskeySignIn(passkeyChallengeKey(params.challenge), {
    owner,
    amr: "",
    expiresAt: recordExpiry(now, params.expiresAt),
  });
  if (!consumed) return "replayed";
  const account = await passkeys.store.getPasskeys(owner);
  // After a passkey proof, passkeys removed since the first check (a racing
  // removal) end the session too; a later one fails addPasskey's version.
  if (tag.includes(":") && !account?.passkeys.length) throw passkeysRemoved(runtime);
  // The handle the authenticator stored must be the account's.
  if (account && account.userHandle !== userHandle) return "conflict";
  const transports = credential.transports?.length
    ? credential.transports
    : ((response.response as Json).transports as string[] | undefined);
  const name = passkeyName(event);
  const passkey: StoredPasskey = {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString("base64url"),
    counter: credential.counter,
    transports: Array.isArray(transports)
      ? transports
          .filter((t): t is string => typeof t === "string" && t.length > 0 && t.length <= 32)
          .slice(0, 10)
      : [],
    deviceType: info!.credentialDeviceType,
    backedUp: info!.credentialBackedUp,
    aaguid: info!.aaguid,
    name,
    createdAt: now,
  };
  const added = await passkeys.store.addPasskey(owner, userHandle, passkey, {
    max: passkeys.maxPerUser,
    expectedVersion: account?.version ?? 0,
  });
  if (added.status !== "added") return added.status;
  runtime.logger.info("passkey added", { user: emailTag(address) });
  try {
    await passkeys.notify({ to: address, kind: "added", name, when: now });
  } catch (error) {
    runtime.logger.error("passkey notice failed", describeError(error));
  }
  return "";
}
