/**
 * A local Amazon Cognito user-pool endpoint that speaks Cognito's JSON
 * protocol and runs the custom-auth triggers in-process, with SES
 * (aws-ses-v2-local) and DynamoDB (dynalite) embedded: the whole passwordless
 * flow with no AWS account.
 *
 * @packageDocumentation
 */
export type { LocalClock } from "./clock.js";
export { DEFAULT_FROM } from "./default-triggers.js";
export { TABLE_NAME } from "./embedded-dynamodb.js";
export type { Mailbox, MailMessage } from "./embedded-ses.js";
export { SUPPORTED_OPERATIONS } from "./http-server.js";
export type {
  LocalClientSettings,
  LocalPasskeySettings,
  LocalPoolSettings,
  LocalRefreshTokenRotation,
  LocalStackLogger,
  LocalStackOptions,
  LocalTriggerHandlerOption,
  LocalTriggersOptions,
  PasswordPolicy,
} from "./options.js";
export {
  PROTECTED_ID_TOKEN_CLAIMS,
  type TokenGenerationSource,
} from "./pre-token-generation.js";
export { type LocalStack, startLocalStack } from "./start-local-stack.js";
export type {
  TriggerContext,
  TriggerEvent,
  TriggerHandler,
  TriggerName,
} from "./trigger-runner.js";
export {
  type LocalUserContextData,
  USER_CONTEXT_DATA_OPERATIONS,
  type UserContextDataOperation,
} from "./user-context-data.js";
