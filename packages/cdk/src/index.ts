/**
 * An AWS CDK construct for cognito-passcode: passwordless Cognito sign-in
 * with one-time email codes, deployed from the handler
 * `@cognito-passcode/triggers` ships prebuilt.
 *
 * @packageDocumentation
 */
export { COOKIE_SECRET_REASON, NAG_REASONS, type NagRule } from "./nag.js";
export {
  CLIENT_WRITE_ATTRIBUTES,
  PASSKEY_TABLE_ACCESS,
  PasscodeAuth,
  type PasscodeAuthProps,
  type PasscodeClientProps,
  type PasscodeCodeProps,
  type PasscodeEmailProps,
  type PasscodeThrottleProps,
  type PasscodeTokenHandlerProps,
  type PasscodeUsernameProps,
  SWEEP_TABLE_ACTIONS,
  TABLE_ACTIONS,
  TRIGGERS,
  type TriggerName,
} from "./passcode-auth.js";
export { type CheckedPasskeys, checkPasskeys, type PasscodePasskeysProps } from "./passkeys.js";
export { prebuiltHandlerDir } from "./prebuilt.js";
export {
  checkAllowedOrigins,
  prebuiltTokenHandlerDir,
  TOKEN_HANDLER_ENVIRONMENT_KEYS,
  TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS,
} from "./token-handler.js";
