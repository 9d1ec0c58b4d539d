/**
 * The prebuilt Lambda handler, bundled to `lambda/index.mjs` (ES module, the
 * AWS SDK v3 left out: the nodejs22.x and nodejs24.x runtimes provide it).
 * Configured from the environment (see `ENVIRONMENT_KEYS` in
 * `@cognito-passcode/triggers/environment`); set the function's handler to
 * `index.<export>`: `index.handler` for one function serving every trigger,
 * or one function per trigger with `index.defineAuthChallenge`,
 * `index.createAuthChallenge`, `index.verifyAuthChallengeResponse` and
 * `index.preSignUp`, and with passkeys on `index.preTokenGeneration`.
 */
import { createEnvironmentHandlers } from "./handlers.js";

const handlers = createEnvironmentHandlers();

/** One function for every trigger: dispatches on `event.triggerSource`. */
export const handler = handlers.handler;
/** Define Auth Challenge. */
export const defineAuthChallenge = handlers.defineAuthChallenge;
/** Create Auth Challenge. */
export const createAuthChallenge = handlers.createAuthChallenge;
/** Verify Auth Challenge Response. */
export const verifyAuthChallengeResponse = handlers.verifyAuthChallengeResponse;
/** The same function as `verifyAuthChallengeResponse` (the name examples/cdk used). */
export const verifyAuthChallenge = handlers.verifyAuthChallenge;
/** Pre Sign-up. */
export const preSignUp = handlers.preSignUp;
/** Pre Token Generation (V1_0 or V2_0), with passkeys on: the `passcode_amr` ID-token claim. */
export const preTokenGeneration = handlers.preTokenGeneration;
