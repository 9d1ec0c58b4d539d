/**
 * The token handler: the app's own small backend for Cognito tokens. It
 * forwards the few Cognito calls the browser client makes and keeps the
 * refresh token in an encrypted `__Host-` httpOnly cookie, never in a
 * response body (the IETF draft "OAuth 2.0 for Browser-Based Applications",
 * token-mediating backend). Runtime adapters: `@cognito-passcode/token-handler/lambda`
 * and `@cognito-passcode/token-handler/node`.
 *
 * @packageDocumentation
 */
export { COOKIE_ATTRIBUTES } from "./cookie.js";
export { DEFAULT_COOKIE_NAME, type TokenHandlerOptions } from "./options.js";
export {
  type ManagedPasskey,
  PASSKEY_TARGET_PREFIX,
  type PasskeyManagementStore,
  type PasskeyNotice,
  type PasskeyNotifier,
  type PasskeyOperation,
  REAUTHENTICATE_AFTER_MS,
  type TokenHandlerPasskeyOptions,
} from "./passkeys.js";
export type { ForwardedOperation } from "./protocol.js";
export {
  createTokenHandler,
  MAX_BODY_BYTES,
  type TokenHandler,
  type TokenHandlerContext,
} from "./token-handler.js";
