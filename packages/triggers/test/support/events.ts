import type {
  CreateAuthChallengeTriggerEvent,
  DefineAuthChallengeTriggerEvent,
  PostAuthenticationTriggerEvent,
  PreSignUpTriggerEvent,
  PreTokenGenerationTriggerEvent,
  VerifyAuthChallengeResponseTriggerEvent,
} from "aws-lambda";

/** Test pool and client, shaped like Cognito's. */
export const USER_POOL_ID = "eu-west-1_Ab12Cd34E";
export const CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado";

/** A Cognito user as the triggers see it. */
export interface TestUser {
  /** The pool's username (a sub-like id when email is an alias). */
  userName: string;
  attributes: Record<string, string>;
  /** Cognito's `userNotFound` (PreventUserExistenceErrors). */
  notFound?: boolean;
}

let counter = 0;

/** A confirmed user with an email and a sub, no username yet. */
export function knownUser(
  email = "alice@example.com",
  extra: Record<string, string> = {},
): TestUser {
  counter++;
  const sub = `0b7c1e2f-4a3d-4e5f-8a9b-${String(counter).padStart(12, "0")}`;
  return {
    userName: sub,
    attributes: {
      sub,
      email,
      email_verified: "false",
      "cognito:user_status": "CONFIRMED",
      ...extra,
    },
  };
}

/** A user that does not exist: Cognito passes what was typed and no attributes. */
export function unknownUser(email = "nobody@example.com"): TestUser {
  return { userName: email, attributes: {}, notFound: true };
}

function base<T extends string>(triggerSource: T, user: TestUser) {
  return {
    version: "1",
    region: "eu-west-1",
    userPoolId: USER_POOL_ID,
    triggerSource,
    userName: user.userName,
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: CLIENT_ID },
  };
}

type Session = DefineAuthChallengeTriggerEvent["request"]["session"];

/** A Define event as Cognito sends it (response fields null). */
export function defineEvent(user: TestUser, session: Session): DefineAuthChallengeTriggerEvent {
  return {
    ...base("DefineAuthChallenge_Authentication", user),
    request: {
      userAttributes: { ...user.attributes },
      session: structuredClone(session),
      ...(user.notFound ? { userNotFound: true } : {}),
    },
    response: { challengeName: null, issueTokens: null, failAuthentication: null },
  } as unknown as DefineAuthChallengeTriggerEvent;
}

/** A Create event as Cognito sends it. */
export function createEvent(user: TestUser, session: Session): CreateAuthChallengeTriggerEvent {
  return {
    ...base("CreateAuthChallenge_Authentication", user),
    request: {
      userAttributes: { ...user.attributes },
      challengeName: "CUSTOM_CHALLENGE",
      session: structuredClone(session),
      ...(user.notFound ? { userNotFound: true } : {}),
    },
    response: {
      publicChallengeParameters: null,
      privateChallengeParameters: null,
      challengeMetadata: null,
    },
  } as unknown as CreateAuthChallengeTriggerEvent;
}

/** A Verify event as Cognito sends it. */
export function verifyEvent(
  user: TestUser,
  privateChallengeParameters: Record<string, string>,
  challengeAnswer: string,
): VerifyAuthChallengeResponseTriggerEvent {
  return {
    ...base("VerifyAuthChallengeResponse_Authentication", user),
    request: {
      userAttributes: { ...user.attributes },
      privateChallengeParameters: { ...privateChallengeParameters },
      challengeAnswer,
      ...(user.notFound ? { userNotFound: true } : {}),
    },
    response: { answerCorrect: null },
  } as unknown as VerifyAuthChallengeResponseTriggerEvent;
}

/** A PreSignUp event for `SignUp` with the email as username. */
export function preSignUpEvent(
  email: string,
  triggerSource: PreSignUpTriggerEvent["triggerSource"] = "PreSignUp_SignUp",
): PreSignUpTriggerEvent {
  return {
    ...base(triggerSource, { userName: email, attributes: {} }),
    request: { userAttributes: { email }, validationData: {} },
    response: { autoConfirmUser: false, autoVerifyEmail: false, autoVerifyPhone: false },
  } as PreSignUpTriggerEvent;
}

/** A PostAuthentication event. */
export function postAuthenticationEvent(user: TestUser): PostAuthenticationTriggerEvent {
  return {
    ...base("PostAuthentication_Authentication", user),
    request: { userAttributes: { ...user.attributes }, newDeviceUsed: false },
    response: {},
  };
}

/**
 * A Pre Token Generation (V1) event for the tokens of a sign-in whose last
 * answer sent `clientMetadata` (Cognito passes that answer's ClientMetadata on).
 */
export function preTokenGenerationEvent(
  user: TestUser,
  clientMetadata?: Record<string, string>,
): PreTokenGenerationTriggerEvent {
  return {
    ...base("TokenGeneration_Authentication", user),
    request: {
      userAttributes: { ...user.attributes },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      ...(clientMetadata ? { clientMetadata: { ...clientMetadata } } : {}),
    },
    response: { claimsOverrideDetails: null as never },
  } as PreTokenGenerationTriggerEvent;
}
