/**
 * Cognito custom-auth Lambda triggers for passwordless sign-in with one-time
 * email codes: Define, Create and Verify Auth Challenge, Pre Sign-up and Post
 * Authentication, as single handlers or one dispatcher.
 *
 * @packageDocumentation
 */

export {
  type CreateAuthChallengeHandler,
  createCreateAuthChallengeHandler,
} from "./create-auth-challenge.js";
export {
  createDefineAuthChallengeHandler,
  type DefineAuthChallengeHandler,
  type TriggerHandler,
} from "./define-auth-challenge.js";
export { type DynamoDbStoreOptions, dynamoDbStore } from "./dynamodb-store.js";
export { escapeHtml, renderDefaultEmail } from "./email-template.js";
export { consoleJsonLogger, type LogFields, type PasscodeLogger } from "./logger.js";
export { type MemoryStore, memoryStore } from "./memory-store.js";
export type {
  CodeOptions,
  DeliverEmail,
  EmailContent,
  EmailMessage,
  EmailOptions,
  EmailRenderInput,
  PasscodeTriggersOptions,
  PasskeysOptions,
  ThrottleOptions,
  UsernameOptions,
} from "./options.js";
export {
  createPasscodeTriggers,
  type PasscodeTriggerEvent,
  type PasscodeTriggers,
} from "./passcode-triggers.js";
export {
  createPasskeyNotifier,
  type PasskeyNotice,
  type PasskeyNoticeRenderInput,
  type PasskeyNotifier,
  type PasskeyNotifierOptions,
  renderPasskeyNoticeEmail,
} from "./passkey-notice.js";
export {
  createPostAuthenticationHandler,
  type PostAuthenticationHandler,
} from "./post-authentication.js";
export { createPreSignUpHandler, type PreSignUpHandler } from "./pre-sign-up.js";
export {
  createPreTokenGenerationHandler,
  PASSCODE_AMR_CLAIM,
  PASSCODE_AMR_OTP,
  type PasskeySignInReader,
  type PreTokenGenerationEvent,
  type PreTokenGenerationHandler,
  type PreTokenGenerationOptions,
} from "./pre-token-generation.js";
export {
  type ReleaseOrphanedPasskeysResult,
  type ReleaseOrphanedUsernamesOptions,
  type ReleaseOrphanedUsernamesResult,
  releaseOrphanedUsernames,
} from "./release-orphaned-usernames.js";
export {
  type RemovePasskeysOptions,
  type RemovePasskeysResult,
  removePasskeys,
} from "./remove-passkeys.js";
export {
  type RenameUsernameOptions,
  type RenameUsernameRequest,
  type RenameUsernameResult,
  renameUsername,
} from "./rename-username.js";
export {
  type AddPasskeyResult,
  type ClaimResult,
  type PasscodeStore,
  type PasskeyAccount,
  type PasskeyOwnerLister,
  type PasskeyStore,
  passkeyChallengeKey,
  type StoredPasskey,
  type ThrottleDecision,
  type ThrottleRules,
  type ThrottleStore,
  type UsernameRegistry,
} from "./store.js";
export {
  createVerifyAuthChallengeHandler,
  type VerifyAuthChallengeHandler,
} from "./verify-auth-challenge.js";
