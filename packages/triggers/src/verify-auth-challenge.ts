import type { UsernamePolicy } from "@cognito-passcode/shared";
import {
  isValidCodeFormat,
  normalizeCodeInput,
  type PasscodeStep,
  validateUsername,
} from "@cognito-passcode/shared";
import type { VerifyAuthChallengeResponseTriggerEvent } from "aws-lambda";
import { codeStateFrom } from "./challenge-state.js";
import { codeMatchesDigest } from "./code.js";
import { updateUserAttributes } from "./cognito.js";
import type { TriggerHandler } from "./define-auth-challenge.js";
import type { PasscodeTriggersOptions } from "./options.js";
import {
  type BaseSettings,
  type CognitoGetter,
  resolveBase,
  resolveCodeSecret,
  resolveCognito,
  resolvePolicy,
  resolveUsername,
  type UsernameSettings,
} from "./resolve-options.js";
import { describeError, guarded, triggerError } from "./trigger-errors.js";

/** The Verify Auth Challenge Response handler. */
export type VerifyAuthChallengeHandler = TriggerHandler<VerifyAuthChallengeResponseTriggerEvent>;

/** What Verify needs from the options. */
export interface VerifySettings extends BaseSettings {
  username: UsernameSettings | false;
  policy: UsernamePolicy;
  codeSecret?: string;
  cognito$: CognitoGetter;
}

/** Builds Verify from validated settings. */
export function verifyAuthChallengeFrom(runtime: VerifySettings): VerifyAuthChallengeHandler {
  return (event) =>
    guarded("VerifyAuthChallenge", runtime.logger, async () => {
      const request = event.request;
      const params = request.privateChallengeParameters ?? {};
      let correct = false;
      if (params.step === ("CODE" satisfies PasscodeStep)) {
        correct = checkCode(runtime, params, request.challengeAnswer);
      } else if (
        params.step === ("USERNAME" satisfies PasscodeStep) &&
        request.userNotFound !== true
      ) {
        correct = await claimUsername(runtime, event);
      }
      // An unknown user's answer is checked like any other (same work) and then refused.
      event.response.answerCorrect = correct && request.userNotFound !== true;
      return event;
    });
}

function checkCode(
  runtime: VerifySettings,
  params: Record<string, string>,
  answer: unknown,
): boolean {
  const state = codeStateFrom(params.codeLength, params.expiresAt, params.salt, params.digest);
  const candidate = typeof answer === "string" ? normalizeCodeInput(answer) : "";
  // Cheapest checks first; the digest compare is constant-time.
  const reason = !state
    ? "bad-parameters"
    : !isValidCodeFormat(candidate, state.codeLength)
      ? "format"
      : runtime.now() >= state.expiresAt
        ? "expired"
        : codeMatchesDigest(
              candidate,
              state.salt,
              state.expiresAt,
              state.digest,
              runtime.codeSecret,
            )
          ? ""
          : "mismatch";
  if (reason) runtime.logger.info("code rejected", { reason });
  return !reason;
}

/**
 * Validates the name, claims it for the user's `sub`, then writes it to the
 * username attribute. The claim is idempotent for its owner, so a retried
 * Verify (or the user trying the same name again) succeeds.
 */
async function claimUsername(
  runtime: VerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  const options = runtime.username;
  if (!options) return false;
  const validation = validateUsername(event.request.challengeAnswer, runtime.policy);
  const owner = event.request.userAttributes?.sub;
  // Write-once: a second session that reached the USERNAME step before the
  // first one answered must not replace the name (only its retry may repeat it).
  const current = event.request.userAttributes?.[options.attribute];
  const reason = !validation.ok
    ? validation.reason
    : !owner
      ? "no-sub"
      : current && current !== validation.username
        ? "already-set"
        : (await options.registry.claim(validation.username, owner)) !== "claimed"
          ? "USERNAME_UNAVAILABLE"
          : "";
  if (!validation.ok || reason) {
    runtime.logger.info("username rejected", { reason });
    return false;
  }
  try {
    await updateUserAttributes(runtime.cognito$, event.userPoolId, event.userName, {
      [options.attribute]: validation.username,
    });
  } catch (error) {
    // Fail closed: no tokens without the attribute. The claim is kept, not
    // released: it belongs to this user's sub, so answering the same name
    // again (now or at the next sign-in) re-claims it idempotently and
    // retries the write. Releasing here could race a concurrent retry of this
    // Verify that already wrote the attribute and leave a name without its
    // claim. If the user picks another name instead, the first claim stays
    // held by them until an admin (renameUsername) releases it.
    runtime.logger.error("username write failed", describeError(error));
    throw triggerError("SERVICE_ERROR", {}, error);
  }
  runtime.logger.info("username claimed", {});
  return true;
}

/**
 * Creates the Verify Auth Challenge Response trigger: for a CODE challenge it
 * checks the answer's format, the expiry (from the stored timestamp) and the
 * digest (in constant time); for a USERNAME challenge it validates, claims
 * and writes the name. Every answer of an unknown user is refused.
 * Validates the options it uses (`username`, `codeSecret`, `cognito`,
 * `logger`, `now`) now; throws `CONFIGURATION_ERROR` on a bad one.
 */
export function createVerifyAuthChallengeHandler(
  options: PasscodeTriggersOptions,
): VerifyAuthChallengeHandler {
  return verifyAuthChallengeFrom({
    ...resolveBase(options),
    username: resolveUsername(options),
    policy: resolvePolicy(options),
    codeSecret: resolveCodeSecret(options),
    cognito$: resolveCognito(options),
  });
}
