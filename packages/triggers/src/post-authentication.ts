import type { PostAuthenticationTriggerEvent } from "aws-lambda";
import { updateUserAttributes } from "./cognito.js";
import type { TriggerHandler } from "./define-auth-challenge.js";
import type { PasscodeTriggersOptions } from "./options.js";
import {
  type BaseSettings,
  type CognitoGetter,
  resolveBase,
  resolveCognito,
} from "./resolve-options.js";
import { guarded } from "./trigger-errors.js";

/** The Post Authentication handler. */
export type PostAuthenticationHandler = TriggerHandler<PostAuthenticationTriggerEvent>;

/** What PostAuthentication needs from the options. */
export interface PostAuthenticationSettings extends BaseSettings {
  cognito$: CognitoGetter;
}

/** Builds PostAuthentication from validated settings. */
export function postAuthenticationFrom(
  runtime: PostAuthenticationSettings,
): PostAuthenticationHandler {
  return (event) =>
    guarded("PostAuthentication", runtime.logger, async () => {
      // Sign-in succeeded through the code flow, so the user has just proved
      // control of the mailbox. This assumes the app client allows only
      // CUSTOM_AUTH (and refresh), as the design requires: a password flow
      // would reach this trigger without such proof.
      if (event.request.userAttributes?.email_verified !== "true") {
        await updateUserAttributes(runtime.cognito$, event.userPoolId, event.userName, {
          email_verified: "true",
        });
        runtime.logger.info("email verified", {});
      }
      return event;
    });
}

/**
 * Creates the Post Authentication trigger: marks the email verified
 * (`email_verified=true`, with AdminUpdateUserAttributes) after the first
 * successful sign-in, when it is not already. A failed write fails the
 * sign-in with `SERVICE_ERROR` (logged). Validates the options it uses
 * (`cognito`, `logger`, `now`) now.
 */
export function createPostAuthenticationHandler(
  options: PasscodeTriggersOptions,
): PostAuthenticationHandler {
  return postAuthenticationFrom({ ...resolveBase(options), cognito$: resolveCognito(options) });
}
