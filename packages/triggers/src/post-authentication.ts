import type { PostAuthenticationTriggerEvent } from "aws-lambda";
import type { TriggerHandler } from "./define-auth-challenge.js";
import type { PasscodeTriggersOptions } from "./options.js";
import { type BaseSettings, resolveBase } from "./resolve-options.js";

/** The Post Authentication handler. */
export type PostAuthenticationHandler = TriggerHandler<PostAuthenticationTriggerEvent>;

/** What PostAuthentication needs from the options. */
export type PostAuthenticationSettings = BaseSettings;

/**
 * Builds PostAuthentication from validated settings: a pass-through that
 * returns the event unchanged.
 */
export function postAuthenticationFrom(
  _runtime: PostAuthenticationSettings,
): PostAuthenticationHandler {
  // It used to set email_verified=true here, from whatever email the user had
  // at the end of the sign-in, which need not be the address the code went
  // to. Verify now writes it, pinned to the address the code proved.
  return async (event) => event;
}

/**
 * Creates the Post Authentication trigger. It is a documented pass-through
 * and no longer needed: it returns the event unchanged and calls nothing.
 * `email_verified=true` is now written by the Verify trigger on a right code,
 * pinned to the address that code was sent to (the only place that knows
 * it). Kept so that deployments wiring it (the CDK construct, the
 * all-in-one dispatcher) keep working; you may remove the trigger from your
 * pool. Validates the options it uses (`logger`, `now`) now.
 */
export function createPostAuthenticationHandler(
  options: PasscodeTriggersOptions,
): PostAuthenticationHandler {
  return postAuthenticationFrom(resolveBase(options));
}
