import type { Context, DefineAuthChallengeTriggerEvent } from "aws-lambda";
import { codeAddress } from "./challenge-state.js";
import { nextStep } from "./next-step.js";
import type { PasscodeTriggersOptions } from "./options.js";
import {
  type BaseSettings,
  type CodeSettings,
  type PasskeySettings,
  resolveAllowedDomains,
  resolveBase,
  resolveCode,
  resolvePasskeys,
  resolveUsername,
  type UsernameSettings,
} from "./resolve-options.js";
import { guarded } from "./trigger-errors.js";

/** A Cognito trigger handler: receives the event, returns it with `response` filled. */
export type TriggerHandler<E> = (event: E, context?: Context) => Promise<E>;

/** The Define Auth Challenge handler. */
export type DefineAuthChallengeHandler = TriggerHandler<DefineAuthChallengeTriggerEvent>;

/** What Define needs from the options. */
export interface DefineSettings extends BaseSettings {
  code: CodeSettings;
  username: UsernameSettings | false;
  allowedEmailDomains?: ReadonlySet<string>;
  /** Passkeys in the loop (Define reads only the attempt limits), or `false`. */
  passkeys?: Pick<PasskeySettings, "maxAttempts" | "enrolMaxAttempts"> | false;
}

/** Builds Define from validated settings. */
export function defineAuthChallengeFrom(runtime: DefineSettings): DefineAuthChallengeHandler {
  return (event) =>
    guarded("DefineAuthChallenge", runtime.logger, async () => {
      const request = event.request;
      let step = nextStep(
        request.session,
        runtime,
        request.userAttributes,
        request.userNotFound === true,
        codeAddress(request.userAttributes, event.userName),
        request.clientMetadata,
      );
      // A wrong answer to an expired code ends the sign-in rather than asking again.
      if (step.action === "code" && step.code && runtime.now() >= step.code.expiresAt) {
        step = { action: "fail", reason: "code-expired" };
      }
      const response = event.response;
      response.issueTokens = step.action === "issueTokens";
      response.failAuthentication = step.action === "fail";
      if (step.action !== "fail" && step.action !== "issueTokens") {
        response.challengeName = "CUSTOM_CHALLENGE";
      }
      if (step.action === "fail") {
        runtime.logger.info("sign-in failed", {
          trigger: "DefineAuthChallenge",
          reason: step.reason,
        });
      }
      return event;
    });
}

/**
 * Creates the Define Auth Challenge trigger: it reads Cognito's session and
 * decides the next step (a CODE challenge, a USERNAME challenge, tokens, or
 * failure; with `passkeys`, a PASSKEY challenge first and an ENROL challenge
 * when the answer asked for one, following the request's ClientMetadata).
 * It fails the sign-in, at any step, once the user's email is no
 * longer the address the session's code was sent to. Validates the options
 * it uses (`code`, `username`, `passkeys`, `logger`, `now`) now;
 * throws `CONFIGURATION_ERROR` on a bad one.
 *
 * @example
 * ```ts
 * // One options object for every function; Define reads only `code` and `username`.
 * const store = dynamoDbStore({ tableName: "passcode" });
 * const options: PasscodeTriggersOptions = {
 *   email: { from: "no-reply@example.com" },
 *   username: { registry: store },
 *   throttle: { store },
 * };
 * export const handler = createDefineAuthChallengeHandler(options);
 * ```
 */
export function createDefineAuthChallengeHandler(
  options: PasscodeTriggersOptions,
): DefineAuthChallengeHandler {
  return defineAuthChallengeFrom({
    ...resolveBase(options),
    code: resolveCode(options),
    username: resolveUsername(options),
    allowedEmailDomains: resolveAllowedDomains(options),
    passkeys: resolvePasskeys(options),
  });
}
