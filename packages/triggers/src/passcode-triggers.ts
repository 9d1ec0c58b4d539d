import type {
  Context,
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  PostAuthenticationTriggerEvent,
  PreSignUpTriggerEvent,
  PreTokenGenerationTriggerEvent,
  PreTokenGenerationV2TriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from "aws-lambda";
import {
  type CreateAuthChallengeHandler,
  createAuthChallengeFrom,
} from "./create-auth-challenge.js";
import {
  type DefineAuthChallengeHandler,
  defineAuthChallengeFrom,
} from "./define-auth-challenge.js";
import type { PasscodeTriggersOptions } from "./options.js";
import { type PostAuthenticationHandler, postAuthenticationFrom } from "./post-authentication.js";
import { type PreSignUpHandler, preSignUpFrom } from "./pre-sign-up.js";
import {
  createPreTokenGenerationHandler,
  type PreTokenGenerationHandler,
} from "./pre-token-generation.js";
import {
  resolveAllowedDomains,
  resolveBase,
  resolveCode,
  resolveCodeSecret,
  resolveCognito,
  resolveEmail,
  resolvePasskeys,
  resolvePolicy,
  resolveThrottle,
  resolveUsername,
} from "./resolve-options.js";
import {
  type VerifyAuthChallengeHandler,
  verifyAuthChallengeFrom,
} from "./verify-auth-challenge.js";

/** Every event the all-in-one {@link PasscodeTriggers.handler} serves. */
export type PasscodeTriggerEvent =
  | DefineAuthChallengeTriggerEvent
  | CreateAuthChallengeTriggerEvent
  | VerifyAuthChallengeResponseTriggerEvent
  | PreSignUpTriggerEvent
  | PostAuthenticationTriggerEvent
  | PreTokenGenerationTriggerEvent
  | PreTokenGenerationV2TriggerEvent;

/** What {@link createPasscodeTriggers} returns: five handlers and one dispatcher. */
export interface PasscodeTriggers {
  /** Define Auth Challenge: decides the next step from the session. */
  defineAuthChallenge: DefineAuthChallengeHandler;
  /** Create Auth Challenge: emails the code, or builds the next challenge. */
  createAuthChallenge: CreateAuthChallengeHandler;
  /**
   * Verify Auth Challenge Response: checks a code (bound to the address it was
   * sent to; marks that address verified) or claims a username.
   */
  verifyAuthChallenge: VerifyAuthChallengeHandler;
  /** Pre Sign-up: auto-confirms (never auto-verifies), optional domain allow-list. */
  preSignUp: PreSignUpHandler;
  /**
   * Post Authentication: a pass-through, no longer needed (Verify now sets
   * `email_verified=true`, pinned to the address a code proved). Kept so
   * deployments that wire it keep working.
   */
  postAuthentication: PostAuthenticationHandler;
  /**
   * Pre Token Generation (V1_0 or V2_0), with `passkeys` on: the ID-token
   * claim `passcode_amr` (`"pop mfa"` after a verified passkey, `"otp"`
   * otherwise, none on refresh); see `createPreTokenGenerationHandler`.
   * `undefined` with passkeys off.
   */
  preTokenGeneration?: PreTokenGenerationHandler;
  /**
   * One Lambda for all the triggers: dispatches on `event.triggerSource`
   * (`TokenGeneration_*` to {@link PasscodeTriggers.preTokenGeneration},
   * with passkeys on) and throws for a source it does not serve.
   */
  handler: <E extends PasscodeTriggerEvent>(event: E, context?: Context) => Promise<E>;
}

/**
 * Creates every trigger of the passwordless flow from one options object.
 * Options are validated now (a bad one throws `PasscodeError` with code
 * `CONFIGURATION_ERROR` naming the field; so does a missing `throttle`, which
 * must be a store or an explicit `false`, and a missing or short
 * `codeSecret`); SDK clients are built lazily, once, and shared by the five
 * handlers.
 *
 * @example
 * ```ts
 * const triggers = createPasscodeTriggers({
 *   email: { from: "no-reply@example.com", appName: "Acme" },
 *   username: { registry: dynamoDbStore({ tableName }) },
 *   throttle: { store: dynamoDbStore({ tableName }) },
 *   // 32+ characters: your read of a Secrets Manager secret, once per cold start.
 *   codeSecret: await readSecret("passcode/code-secret"),
 * });
 * export const handler = triggers.handler;
 * ```
 */
export function createPasscodeTriggers(options: PasscodeTriggersOptions): PasscodeTriggers {
  const runtime = {
    ...resolveBase(options),
    code: resolveCode(options),
    username: resolveUsername(options),
    policy: resolvePolicy(options),
    email: resolveEmail(options),
    throttle: resolveThrottle(options),
    codeSecret: resolveCodeSecret(options),
    allowedEmailDomains: resolveAllowedDomains(options),
    cognito$: resolveCognito(options),
    passkeys: resolvePasskeys(options),
  };
  const defineAuthChallenge = defineAuthChallengeFrom(runtime);
  const createAuthChallenge = createAuthChallengeFrom(runtime);
  const verifyAuthChallenge = verifyAuthChallengeFrom(runtime);
  const preSignUp = preSignUpFrom(runtime);
  const postAuthentication = postAuthenticationFrom(runtime);
  const preTokenGeneration = runtime.passkeys
    ? createPreTokenGenerationHandler({
        store: runtime.passkeys.store,
        logger: runtime.logger,
        now: runtime.now,
      })
    : undefined;
  const dispatch = (
    event: PasscodeTriggerEvent,
    context?: Context,
  ): Promise<PasscodeTriggerEvent> => {
    switch (event?.triggerSource) {
      case "DefineAuthChallenge_Authentication":
        return defineAuthChallenge(event, context);
      case "CreateAuthChallenge_Authentication":
        return createAuthChallenge(event, context);
      case "VerifyAuthChallengeResponse_Authentication":
        return verifyAuthChallenge(event, context);
      case "PreSignUp_SignUp":
      case "PreSignUp_AdminCreateUser":
      case "PreSignUp_ExternalProvider":
        return preSignUp(event, context);
      case "PostAuthentication_Authentication":
        return postAuthentication(event, context);
      case "TokenGeneration_Authentication":
      case "TokenGeneration_HostedAuth":
      case "TokenGeneration_NewPasswordChallenge":
      case "TokenGeneration_AuthenticateDevice":
      case "TokenGeneration_RefreshTokens":
        if (preTokenGeneration) return preTokenGeneration(event, context);
        return unsupported(event);
      default:
        return unsupported(event);
    }
  };
  const unsupported = (event: PasscodeTriggerEvent): Promise<never> => {
    const source = String((event as { triggerSource?: unknown } | undefined)?.triggerSource);
    runtime.logger.error("unsupported trigger source", { triggerSource: source.slice(0, 80) });
    return Promise.reject(
      new Error(`cognito-passcode: unsupported triggerSource ${source.slice(0, 80)}`),
    );
  };
  return {
    defineAuthChallenge,
    createAuthChallenge,
    verifyAuthChallenge,
    preSignUp,
    postAuthentication,
    ...(preTokenGeneration ? { preTokenGeneration } : {}),
    handler: dispatch as PasscodeTriggers["handler"],
  };
}
