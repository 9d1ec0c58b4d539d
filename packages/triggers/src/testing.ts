/**
 * Cognito-shaped trigger events for your own tests: build the event Cognito
 * would send each trigger, call your handler with it, and read the answer,
 * with no AWS account and no local stack.
 *
 * The events follow what Cognito sends a pool set up as the docs require
 * (email as the username, PreventUserExistenceErrors ENABLED): `userName` is
 * the user's `sub`, `request.userNotFound` is always present, the response
 * fields arrive as `null`.
 *
 * @example
 * ```ts
 * import { createPasscodeTriggers, memoryStore } from "@cognito-passcode/triggers";
 * import {
 *   cognitoUser,
 *   createAuthChallengeEvent,
 *   defineAuthChallengeEvent,
 *   sessionEntry,
 *   verifyAuthChallengeResponseEvent,
 * } from "@cognito-passcode/triggers/testing";
 *
 * const sent: string[] = [];
 * const store = memoryStore();
 * const triggers = createPasscodeTriggers({
 *   email: { from: "no-reply@example.com" },
 *   deliver: async (message) => void sent.push(message.text),
 *   username: { registry: store },
 *   throttle: { store },
 *   codeSecret: "a test secret of 32 or more characters, not for production",
 * });
 *
 * const ada = cognitoUser("ada@example.com", { emailVerified: true, username: "ada" });
 * const defined = await triggers.defineAuthChallenge(defineAuthChallengeEvent(ada));
 * const created = await triggers.createAuthChallenge(createAuthChallengeEvent(ada));
 * const code = /\d{6}/.exec(sent[0]!)![0];
 * const verified = await triggers.verifyAuthChallenge(
 *   verifyAuthChallengeResponseEvent(ada, created, code),
 * );
 * const done = await triggers.defineAuthChallenge(
 *   defineAuthChallengeEvent(ada, [sessionEntry(created, verified.response.answerCorrect)]),
 * );
 * // done.response.issueTokens === true
 * ```
 *
 * @packageDocumentation
 */
import { createHash } from "node:crypto";
import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  PreSignUpTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from "aws-lambda";

/** The pool and app client an event comes from. Every field has a made-up, AWS-shaped default. */
export interface TestPoolOptions {
  /** @default "eu-west-1" */
  region?: string;
  /** @default `${region}_Ab12Cd34E` */
  userPoolId?: string;
  /** @default "3n4b5urk1ft4fl3mg5e62d9ado" */
  clientId?: string;
  /** The `ClientMetadata` the app passed, as `request.clientMetadata`. @default none */
  clientMetadata?: Record<string, string>;
}

/** A user as the triggers see them: Cognito's `userName` and `request.userAttributes`. */
export interface CognitoTestUser {
  /** Cognito's `userName`: the user's `sub` (email is the username attribute, so the internal name is the sub). */
  readonly userName: string;
  /** `request.userAttributes`: `sub`, `email`, `email_verified`, `cognito:user_status` and any extra. Empty for an unknown user. */
  readonly userAttributes: Readonly<Record<string, string>>;
  /** `request.userNotFound`: `true` for an address with no user (PreventUserExistenceErrors ENABLED). */
  readonly userNotFound: boolean;
}

/** How {@link cognitoUser} builds a user. */
export interface CognitoTestUserOptions {
  /**
   * The user's `sub` (also their `userName`).
   * @default a UUID derived from the email, so the same address gives the same sub in every run
   */
  sub?: string;
  /**
   * Whether `email_verified` is `"true"`. A user's first right code marks it; the Verify trigger then
   * signs the user out and writes it through the Cognito API, so an unverified user needs a Cognito
   * client (`cognito` option) in your test.
   * @default false
   */
  emailVerified?: boolean;
  /**
   * The username the user already picked, set as {@link CognitoTestUserOptions.usernameAttribute}.
   * Without it, the flow asks for one after the code.
   * @default none
   */
  username?: string;
  /** @default "custom:username" */
  usernameAttribute?: string;
  /** More attributes (`locale`, `given_name`, ...); they win over the ones built here. @default none */
  attributes?: Record<string, string>;
}

/** One entry of Cognito's `request.session`: a challenge that was sent and how it was answered. */
export interface ChallengeSessionEntry {
  challengeName: "CUSTOM_CHALLENGE";
  challengeResult: boolean;
  /** The `challengeMetadata` Create set for that challenge. */
  challengeMetadata?: string;
}

const DEFAULT_REGION = "eu-west-1";
const DEFAULT_CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado";

/** A UUID-shaped (version 4 layout) value derived from `seed`. */
function derivedUuid(seed: string): string {
  const hex = createHash("sha256").update(`cognito-passcode-testing:${seed}`).digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A confirmed user of the pool, as Cognito describes them to the triggers.
 *
 * @param email - the user's email (their sign-in name)
 * @example
 * ```ts
 * const ada = cognitoUser("ada@example.com", { emailVerified: true, username: "ada" });
 * ```
 */
export function cognitoUser(email: string, options: CognitoTestUserOptions = {}): CognitoTestUser {
  const sub = options.sub ?? derivedUuid(email.toLowerCase());
  return {
    userName: sub,
    userAttributes: {
      sub,
      email,
      email_verified: options.emailVerified ? "true" : "false",
      "cognito:user_status": "CONFIRMED",
      ...(options.username === undefined
        ? {}
        : { [options.usernameAttribute ?? "custom:username"]: options.username }),
      ...options.attributes,
    },
    userNotFound: false,
  };
}

/**
 * Someone signing in with an address that has no user. With PreventUserExistenceErrors ENABLED
 * Cognito still runs the whole Define, Create, Verify loop, with `userNotFound: true`, no
 * attributes, and a stable UUID-shaped `userName` in place of a sub.
 *
 * @param typed - what was typed as the username
 */
export function unknownUser(typed: string): CognitoTestUser {
  return {
    userName: derivedUuid(`unknown:${typed.toLowerCase()}`),
    userAttributes: {},
    userNotFound: true,
  };
}

function envelope<T extends string>(triggerSource: T, userName: string, pool: TestPoolOptions) {
  const region = pool.region ?? DEFAULT_REGION;
  return {
    version: "1",
    region,
    userPoolId: pool.userPoolId ?? `${region}_Ab12Cd34E`,
    userName,
    callerContext: {
      awsSdkVersion: "aws-sdk-unknown-unknown",
      clientId: pool.clientId ?? DEFAULT_CLIENT_ID,
    },
    triggerSource,
  };
}

function userRequest(user: CognitoTestUser, pool: TestPoolOptions) {
  return {
    userAttributes: { ...user.userAttributes },
    userNotFound: user.userNotFound,
    ...(pool.clientMetadata ? { clientMetadata: { ...pool.clientMetadata } } : {}),
  };
}

/**
 * The Define Auth Challenge event, `DefineAuthChallenge_Authentication`.
 *
 * @param session - the challenges so far, oldest first (`[]` when sign-in starts); build entries with {@link sessionEntry}
 */
export function defineAuthChallengeEvent(
  user: CognitoTestUser,
  session: readonly ChallengeSessionEntry[] = [],
  pool: TestPoolOptions = {},
): DefineAuthChallengeTriggerEvent {
  return {
    ...envelope("DefineAuthChallenge_Authentication", user.userName, pool),
    request: { ...userRequest(user, pool), session: session.map((entry) => ({ ...entry })) },
    response: { challengeName: null, issueTokens: null, failAuthentication: null },
  } as unknown as DefineAuthChallengeTriggerEvent;
}

/**
 * The Create Auth Challenge event, `CreateAuthChallenge_Authentication`, for the next
 * `CUSTOM_CHALLENGE`.
 *
 * @param session - the challenges before this one, oldest first (`[]` for the first)
 */
export function createAuthChallengeEvent(
  user: CognitoTestUser,
  session: readonly ChallengeSessionEntry[] = [],
  pool: TestPoolOptions = {},
): CreateAuthChallengeTriggerEvent {
  return {
    ...envelope("CreateAuthChallenge_Authentication", user.userName, pool),
    request: {
      ...userRequest(user, pool),
      challengeName: "CUSTOM_CHALLENGE",
      session: session.map((entry) => ({ ...entry })),
    },
    response: {
      publicChallengeParameters: null,
      privateChallengeParameters: null,
      challengeMetadata: null,
    },
  } as unknown as CreateAuthChallengeTriggerEvent;
}

/** What Create answered, as far as Verify and the session need it: Create's returned event. */
export interface CreatedChallenge {
  response: {
    privateChallengeParameters?: Record<string, string> | null;
    challengeMetadata?: string | null;
  };
}

/**
 * The Verify Auth Challenge Response event, `VerifyAuthChallengeResponse_Authentication`: the
 * user's `answer` to the challenge `created` (the event your Create handler returned; Cognito hands
 * Verify its `privateChallengeParameters`).
 */
export function verifyAuthChallengeResponseEvent(
  user: CognitoTestUser,
  created: CreatedChallenge,
  answer: string,
  pool: TestPoolOptions = {},
): VerifyAuthChallengeResponseTriggerEvent {
  return {
    ...envelope("VerifyAuthChallengeResponse_Authentication", user.userName, pool),
    request: {
      ...userRequest(user, pool),
      privateChallengeParameters: { ...created.response.privateChallengeParameters },
      challengeAnswer: answer,
    },
    response: { answerCorrect: null },
  } as unknown as VerifyAuthChallengeResponseTriggerEvent;
}

/**
 * The session entry Cognito records after a challenge: its name, whether Verify said the answer was
 * right, and the `challengeMetadata` Create set. Pass the list to the next Define and Create events.
 *
 * @param created - the event your Create handler returned
 * @param answerCorrect - `response.answerCorrect` from your Verify handler (`null` counts as wrong)
 */
export function sessionEntry(
  created: CreatedChallenge,
  answerCorrect: boolean | null | undefined,
): ChallengeSessionEntry {
  const metadata = created.response.challengeMetadata;
  return {
    challengeName: "CUSTOM_CHALLENGE",
    challengeResult: answerCorrect === true,
    ...(typeof metadata === "string" ? { challengeMetadata: metadata } : {}),
  };
}

/** How {@link preSignUpEvent} builds the event. */
export interface PreSignUpEventOptions extends TestPoolOptions {
  /** @default "PreSignUp_SignUp" */
  triggerSource?: PreSignUpTriggerEvent["triggerSource"];
  /** More attributes the app sent with the sign-up; they win over `email`. @default none */
  userAttributes?: Record<string, string>;
  /** The `ValidationData` the app sent. @default none (`null`, as Cognito sends it) */
  validationData?: Record<string, string>;
  /** @default a UUID derived from the email, as {@link cognitoUser} draws it */
  sub?: string;
}

/**
 * The Pre Sign-up event for someone signing up with `email` (SignUp, AdminCreateUser or an
 * external provider, by `triggerSource`). Cognito names the new user with their sub before the
 * trigger runs, so `userName` is that sub.
 */
export function preSignUpEvent(
  email: string,
  options: PreSignUpEventOptions = {},
): PreSignUpTriggerEvent {
  const sub = options.sub ?? derivedUuid(email.toLowerCase());
  return {
    ...envelope(options.triggerSource ?? "PreSignUp_SignUp", sub, options),
    request: {
      userAttributes: { email, ...options.userAttributes },
      validationData: options.validationData ? { ...options.validationData } : null,
      ...(options.clientMetadata ? { clientMetadata: { ...options.clientMetadata } } : {}),
    },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  } as unknown as PreSignUpTriggerEvent;
}

export {
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
  type SoftAuthenticationOverrides,
  type SoftAuthenticator,
  type SoftAuthenticatorOptions,
  type SoftAuthenticatorTransport,
  type SoftCredential,
  type SoftRegistrationOverrides,
  softAuthenticator,
} from "./testing-passkeys.js";
