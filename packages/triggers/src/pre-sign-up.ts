import { isValidEmail, normalizeEmail } from "@cognito-passcode/shared";
import type { PreSignUpTriggerEvent } from "aws-lambda";
import { emailTag } from "./code.js";
import type { TriggerHandler } from "./define-auth-challenge.js";
import type { PasscodeTriggersOptions } from "./options.js";
import {
  type BaseSettings,
  resolveAllowedDomains,
  resolveBase,
  resolveUsername,
} from "./resolve-options.js";
import { guarded, triggerError } from "./trigger-errors.js";

/** The Pre Sign-up handler. */
export type PreSignUpHandler = TriggerHandler<PreSignUpTriggerEvent>;

/** What PreSignUp needs from the options. */
export interface PreSignUpSettings extends BaseSettings {
  allowedEmailDomains?: ReadonlySet<string>;
  /** The username step's attribute, which only Verify may write; `false` when the step is off. */
  username: { attribute: string } | false;
}

/** Builds PreSignUp from validated settings. */
export function preSignUpFrom(runtime: PreSignUpSettings): PreSignUpHandler {
  return (event) =>
    guarded("PreSignUp", runtime.logger, async () => {
      const attributes = event.request.userAttributes ?? {};
      // Only Verify writes the username, after the policy check and the
      // registry claim; a sign-up (or an admin create, or an identity
      // provider's attribute mapping) that sets it would skip all three.
      const named = runtime.username;
      if (named && Object.hasOwn(attributes, named.attribute)) {
        runtime.logger.info("sign-up refused", { reason: "username-attribute" });
        throw triggerError("NOT_AUTHORIZED", { reason: "username-attribute" });
      }
      const raw = attributes.email ?? (event.userName?.includes("@") ? event.userName : undefined);
      const domains = runtime.allowedEmailDomains;
      if (raw !== undefined || event.triggerSource !== "PreSignUp_ExternalProvider" || domains) {
        const email = normalizeEmail(raw ?? "");
        if (!isValidEmail(email)) throw triggerError("INVALID_EMAIL", { reason: "format" });
        if (domains && !domains.has(email.slice(email.lastIndexOf("@") + 1))) {
          runtime.logger.info("sign-up refused", { user: emailTag(email), reason: "domain" });
          throw triggerError("INVALID_EMAIL", { reason: "domain" });
        }
      }
      // The user is confirmed so the passwordless flow can start at once; the
      // email is verified only later, by PostAuthentication, once a code sent
      // to it has been entered.
      event.response.autoConfirmUser = true;
      event.response.autoVerifyEmail = false;
      event.response.autoVerifyPhone = false;
      return event;
    });
}

/**
 * Creates the Pre Sign-up trigger: auto-confirms new users (the code flow
 * proves the mailbox later), never auto-verifies the email, and, with
 * `signUp.allowedEmailDomains`, refuses other domains with
 * `INVALID_EMAIL reason=domain`. When the username step is on, it refuses
 * every sign-up, admin create or federated sign-in that carries the
 * `username.attribute` (default `custom:username`) with
 * `NOT_AUTHORIZED reason=username-attribute`: only Verify writes it. Keep
 * that attribute out of the app client's WriteAttributes as well. Validates
 * the options it uses (`signUp`, `username`, `logger`, `now`) now.
 */
export function createPreSignUpHandler(options: PasscodeTriggersOptions): PreSignUpHandler {
  return preSignUpFrom({
    ...resolveBase(options),
    allowedEmailDomains: resolveAllowedDomains(options),
    username: resolveUsername(options),
  });
}
