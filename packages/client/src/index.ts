/**
 * The cognito-passcode browser client: a framework-agnostic store for the
 * email -> code -> username sign-in, with Cognito's tokens kept fresh.
 * Safe to import during server rendering.
 *
 * @packageDocumentation
 */
export {
  checkUsername,
  DEFAULT_ERROR_MESSAGES,
  errorMessage,
  isPasscodeError,
  PasscodeError,
  type PasscodeErrorCode,
  type UsernameRejection,
  type UsernameValidation,
} from "@cognito-passcode/shared";
export { createPasscodeClient } from "./client.js";
export { createFetchTransport, type FetchTransportOptions } from "./fetch-transport.js";
export { decodeJwtPayload } from "./jwt.js";
export { type PasscodeEvent, transition } from "./machine.js";
export type { PasscodeClientOptions } from "./options.js";
export type { PasscodePasskeys } from "./plugin.js";
export type { AuthStep, Transport, TransportTokens } from "./transport.js";
export type {
  AnswerOptions,
  AuthenticatingPasskeySnapshot,
  AwaitingCodeSnapshot,
  AwaitingEnrolmentSnapshot,
  AwaitingPasskeySnapshot,
  AwaitingUsernameSnapshot,
  CodeDetails,
  EnrollingPasskeySnapshot,
  EnrolmentDetails,
  PasscodeClient,
  PasscodeSnapshot,
  PasscodeStatus,
  PasscodeStorage,
  PasscodeTabs,
  PasscodeTokens,
  PasscodeUser,
  PasskeyDetails,
  PasskeyInfo,
  RestoringSnapshot,
  SendingCodeSnapshot,
  SignedInSnapshot,
  SignedOutSnapshot,
  SnapshotError,
  StartingPasskeySnapshot,
  SubmittingUsernameSnapshot,
  TabLink,
  TabMessage,
  UsernameDetails,
  VerifyingCodeSnapshot,
  VerifyingEnrolmentSnapshot,
  VerifyingPasskeySnapshot,
} from "./types.js";
