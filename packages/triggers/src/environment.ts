/**
 * The environment contract of the prebuilt Lambda handler
 * (`lambda/index.mjs` in this package) and the factories it is built from,
 * for your own bundle (a custom email `render`, say) configured the same way.
 *
 * @packageDocumentation
 */
export {
  ENVIRONMENT_KEYS,
  type Environment,
  readTriggerEnvironment,
  readUsernameAttribute,
  SWEEP_ENVIRONMENT_KEYS,
  type TriggerEnvironment,
} from "./lambda/environment.js";
export {
  createEnvironmentHandlers,
  createUsernameSweepHandler,
  type EnvironmentHandlers,
  type EnvironmentHandlersOptions,
  type UsernameSweepResult,
} from "./lambda/handlers.js";
