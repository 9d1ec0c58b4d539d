import { CLIENT_METADATA, PASSKEY_LIMITS } from "@cognito-passcode/shared";
import type { PreTokenGenerationTriggerEvent, PreTokenGenerationV2TriggerEvent } from "aws-lambda";
import type { TriggerHandler } from "./define-auth-challenge.js";
import type { PasscodeLogger } from "./logger.js";
import type { PasscodeTriggersOptions } from "./options.js";
import { fail, resolveBase } from "./resolve-options.js";
import { type PasskeyStore, passkeyChallengeKey } from "./store.js";

/** The ID-token claim the Pre Token Generation trigger adds: how the user signed in. */
export const PASSCODE_AMR_CLAIM = "passcode_amr";

/**
 * The value of {@link PASSCODE_AMR_CLAIM} for a sign-in without a verified
 * passkey (an email code, RFC 8176 `otp`). A passkey sign-in gets the value
 * Verify recorded, `"pop mfa"`.
 */
export const PASSCODE_AMR_OTP = "otp";

/**
 * The events {@link createPreTokenGenerationHandler} serves: V1_0 (every
 * feature plan; claims are strings and reach the ID token only) and V2_0 (or
 * later versions of the same shape, Essentials and Plus).
 */
export type PreTokenGenerationEvent =
  | PreTokenGenerationTriggerEvent
  | PreTokenGenerationV2TriggerEvent;

/** The Pre Token Generation handler. */
export type PreTokenGenerationHandler = TriggerHandler<PreTokenGenerationEvent>;

/**
 * What the handler needs from a store: the single-use read of the record
 * Verify writes after a verified passkey assertion (`PasskeyStore` of
 * `dynamoDbStore` and `memoryStore` has it).
 */
export type PasskeySignInReader = Pick<PasskeyStore, "takePasskeySignIn">;

/** Options of {@link createPreTokenGenerationHandler}. */
export interface PreTokenGenerationOptions {
  /** Where Verify records passkey sign-ins (the triggers' table: `dynamoDbStore({ tableName })`). */
  store: PasskeySignInReader;
  /** Where logs go. @default consoleJsonLogger() */
  logger?: PasscodeLogger;
  /** The clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/**
 * The one source that gets the claim: a sign-in through InitiateAuth and
 * RespondToAuthChallenge, where the triggers sent the code or checked the
 * passkey. Refresh (method unknown), client credentials (no user), the hosted
 * UI, a new-password challenge and device authentication (no code sent, no
 * passkey checked by these triggers: "otp" would be false) do not.
 */
const SIGN_IN_SOURCE = "TokenGeneration_Authentication";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function addClaimV1(event: PreTokenGenerationTriggerEvent, value: string): void {
  const response = event.response as Mutable<PreTokenGenerationTriggerEvent["response"]> | null;
  const details = (response?.claimsOverrideDetails ?? {}) as NonNullable<
    PreTokenGenerationTriggerEvent["response"]["claimsOverrideDetails"]
  >;
  const claims = { ...(details.claimsToAddOrOverride ?? {}), [PASSCODE_AMR_CLAIM]: value };
  (event as { response: unknown }).response = {
    ...(response ?? {}),
    claimsOverrideDetails: { ...details, claimsToAddOrOverride: claims },
  };
}

function addClaimV2(event: PreTokenGenerationV2TriggerEvent, value: string): void {
  const response = event.response as PreTokenGenerationV2TriggerEvent["response"] | null;
  const details = response?.claimsAndScopeOverrideDetails ?? {};
  const id = details.idTokenGeneration ?? {};
  (event as { response: unknown }).response = {
    ...(response ?? {}),
    claimsAndScopeOverrideDetails: {
      ...details,
      idTokenGeneration: {
        ...id,
        claimsToAddOrOverride: { ...(id.claimsToAddOrOverride ?? {}), [PASSCODE_AMR_CLAIM]: value },
      },
    },
  };
}

/**
 * Creates the Pre Token Generation trigger that tells an API how the user
 * signed in: it adds the ID-token claim {@link PASSCODE_AMR_CLAIM}
 * (`passcode_amr`), `"pop mfa"` after a verified passkey (RFC 8176: proof of
 * possession of a key, unlocked with user verification) and `"otp"`
 * otherwise.
 *
 * - The trigger cannot see the challenge session. After a verified
 *   assertion, Verify records `{ owner, amr, expiresAt }` under the SHA-256
 *   of the challenge; the client sends that challenge as ClientMetadata
 *   `passcode:passkeyChallenge`, which Cognito passes to this trigger on
 *   RespondToAuthChallenge. The trigger takes the record (reads it and marks
 *   it used, so it counts once) and claims its `amr` only if it belongs to
 *   this user (`sub`) and is still fresh. A client can only under-claim:
 *   Verify (with the same store) takes the record an answer of a code
 *   sign-in names before this runs, so only a sign-in a passkey proved
 *   gets `"pop mfa"`.
 * - No metadata (or a value over 256 characters): no store call, `"otp"`.
 * - Only `TokenGeneration_Authentication` (a CUSTOM_AUTH sign-in) gets the
 *   claim. `TokenGeneration_RefreshTokens` (the method is unknown),
 *   `TokenGeneration_ClientCredentials`, `TokenGeneration_HostedAuth`,
 *   `TokenGeneration_NewPasswordChallenge` and
 *   `TokenGeneration_AuthenticateDevice` (no code sent and no passkey checked
 *   by these triggers): no claim, no store call. An API that needs a passkey
 *   treats a missing claim as "not a passkey" and checks `auth_time`.
 * - A failed store call fails closed: `"otp"`, and only the error's name is
 *   logged. The handler never throws for a missing or foreign record, so a
 *   sign-in is never blocked by it.
 * - V1_0 events get `claimsOverrideDetails.claimsToAddOrOverride`; V2_0 (and
 *   later) events `claimsAndScopeOverrideDetails.idTokenGeneration.claimsToAddOrOverride`.
 *   Claims and other response fields already set are kept.
 *
 * `createPasscodeTriggers` returns it as `preTokenGeneration` when `passkeys`
 * is on, and its `handler` dispatches `TokenGeneration_*` to it.
 *
 * @example
 * ```ts
 * export const handler = createPreTokenGenerationHandler({
 *   store: dynamoDbStore({ tableName: process.env.PASSCODE_TABLE_NAME! }),
 * });
 * ```
 */
export function createPreTokenGenerationHandler(
  options: PreTokenGenerationOptions,
): PreTokenGenerationHandler {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  const store = options.store;
  if (typeof store?.takePasskeySignIn !== "function") {
    fail("store", "must have takePasskeySignIn (dynamoDbStore or memoryStore)");
  }
  // Only `logger` and `now` are read (and checked as createPasscodeTriggers checks them).
  const { logger, now } = resolveBase(options as unknown as PasscodeTriggersOptions);

  const amrOf = async (event: PreTokenGenerationEvent): Promise<string> => {
    const challenge = event.request?.clientMetadata?.[CLIENT_METADATA.passkeyChallenge];
    const sub = event.request?.userAttributes?.sub;
    if (
      typeof challenge !== "string" ||
      challenge === "" ||
      challenge.length > PASSKEY_LIMITS.metadataValue ||
      typeof sub !== "string" ||
      sub === ""
    ) {
      return PASSCODE_AMR_OTP;
    }
    try {
      const amr = await store.takePasskeySignIn(passkeyChallengeKey(challenge), sub, now());
      return typeof amr === "string" && amr !== "" ? amr : PASSCODE_AMR_OTP;
    } catch (error) {
      logger.error("passkey sign-in record read failed", {
        trigger: "PreTokenGeneration",
        errorName: error instanceof Error ? error.name : typeof error,
      });
      return PASSCODE_AMR_OTP;
    }
  };

  return async (event) => {
    if (event?.triggerSource !== SIGN_IN_SOURCE) return event;
    const amr = await amrOf(event);
    if (event.version === "1" || event.version === undefined) {
      addClaimV1(event as PreTokenGenerationTriggerEvent, amr);
    } else {
      addClaimV2(event as PreTokenGenerationV2TriggerEvent, amr);
    }
    return event;
  };
}
