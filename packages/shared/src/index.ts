/**
 * The wire protocol shared by the cognito-passcode triggers and browser
 * client: step names, challenge-parameter keys, error codes, email and
 * username rules. Pure functions with no dependencies, safe in any runtime.
 *
 * @packageDocumentation
 */
export { isValidCodeFormat, MAX_CODE_LENGTH, MIN_CODE_LENGTH, normalizeCodeInput } from "./code.js";
export { canonicalMailbox, isValidEmail, maskEmail, normalizeEmail } from "./email.js";
export {
  DEFAULT_ERROR_MESSAGES,
  isPasscodeError,
  isPasscodeErrorCode,
  PASSCODE_ERROR_CODES,
  PasscodeError,
  type PasscodeErrorCode,
  type PasscodeErrorOptions,
} from "./errors.js";
export { errorMessage } from "./messages.js";
export {
  CHALLENGE_PARAM,
  CLIENT_METADATA,
  type CodeChallenge,
  type EnrolChallenge,
  PASSKEY_LIMITS,
  type PasscodeChallenge,
  type PasscodeStep,
  type PasskeyChallenge,
  parseChallengeParameters,
  STEP,
  type UsernameChallenge,
} from "./protocol.js";
export { formatTriggerError, parseTriggerError, type TriggerErrorInfo } from "./trigger-error.js";
export {
  checkUsername,
  classifyUsername,
  DEFAULT_RESERVED_USERNAMES,
  DEFAULT_STAFF_WORDS,
  DEFAULT_USERNAME_POLICY,
  normalizeUsername,
  type ReservedUsernames,
  resolveUsernamePolicy,
  USERNAME_RULE_MESSAGES,
  type UsernamePolicy,
  type UsernamePolicyOptions,
  type UsernameRejection,
  type UsernameValidation,
  type UsernameVerdict,
  usernameRuleMessage,
  validateUsername,
} from "./username.js";
export { usernameSkeleton } from "./username-skeleton.js";
