import { createHmac } from "node:crypto";
import type { AuthSession, ChallengeResult } from "./auth-sessions.js";
import {
  CognitoError,
  INCORRECT_CREDENTIALS,
  invalidLambdaResponse,
  invalidParameter,
  notAuthorized,
  userNotFound,
} from "./cognito-error.js";
import {
  clientMetadata,
  type Operation,
  type PoolContext,
  type RequestInfo,
  requireAuthFlow,
  requireClient,
  requireString,
  stringMap,
  triggerAttributes,
  triggerEvent,
} from "./pool.js";
import { runPreTokenGeneration } from "./pre-token-generation.js";
import { refresh } from "./refresh-tokens.js";
import type { LocalUser } from "./users.js";

const AUTH_FLOWS = [
  "USER_SRP_AUTH",
  "REFRESH_TOKEN_AUTH",
  "REFRESH_TOKEN",
  "CUSTOM_AUTH",
  "ADMIN_NO_SRP_AUTH",
  "USER_PASSWORD_AUTH",
  "ADMIN_USER_PASSWORD_AUTH",
  "USER_AUTH",
];

/** What a sign-in step answers: the next challenge, or tokens. */
type StepResult = Record<string, unknown>;

/** The sign-in in progress, between trigger calls. */
interface Flow {
  userName: string;
  publicUsername: string;
  userNotFound: boolean;
  history: ChallengeResult[];
  metadata: Record<string, string> | undefined;
  request: RequestInfo;
}

/** `InitiateAuth`: CUSTOM_AUTH, REFRESH_TOKEN_AUTH and REFRESH_TOKEN. */
export const initiateAuth: Operation = async (pool, input, request) => {
  requireClient(pool, input);
  const flow = requireString(input, "AuthFlow");
  if (!AUTH_FLOWS.includes(flow)) {
    throw invalidParameter(
      `1 validation error detected: Value '${flow}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [${AUTH_FLOWS.join(", ")}]`,
    );
  }
  const params = stringMap(input.AuthParameters);
  if (flow === "REFRESH_TOKEN_AUTH" || flow === "REFRESH_TOKEN") {
    // InitiateAuth's ClientMetadata never reaches Pre Token Generation (AWS's
    // InitiateAuth reference), so the refresh gets none.
    return refresh(pool, params, request);
  }
  if (flow !== "CUSTOM_AUTH") {
    requireAuthFlow(pool, flow);
    throw invalidParameter(`${flow} is not supported by the local stack (only CUSTOM_AUTH is)`);
  }
  requireAuthFlow(pool, "CUSTOM_AUTH");
  requireCustomAuthTriggers(pool);
  const name = params.USERNAME;
  if (!name) throw invalidParameter("Missing required parameter USERNAME");
  const user = pool.users.find(name);
  if (!user && !pool.config.preventUserExistenceErrors) throw userNotFound();
  if (user) checkCanSignIn(user);
  // Cognito passes InitiateAuth's ClientMetadata only to PreSignUp, PreAuthentication
  // and user migration, never to the custom-auth challenge triggers.
  return step(pool, {
    userName: user?.username ?? name,
    publicUsername: user?.username ?? fakeUsername(pool, name),
    userNotFound: !user,
    history: [],
    metadata: undefined,
    request,
  });
};

/** `RespondToAuthChallenge` for `CUSTOM_CHALLENGE`. */
export const respondToAuthChallenge: Operation = async (pool, input, request) => {
  const clientId = requireClient(pool, input);
  const challengeName = requireString(input, "ChallengeName");
  if (challengeName !== "CUSTOM_CHALLENGE") {
    throw invalidParameter(
      `${challengeName} is not supported by the local stack (only CUSTOM_CHALLENGE is)`,
    );
  }
  const responses = stringMap(input.ChallengeResponses);
  const session = pool.sessions.consume(input.Session);
  if (session.clientId !== clientId || session.challengeName !== challengeName) {
    throw notAuthorized("Invalid session for the user.");
  }
  requireAuthFlow(pool, "CUSTOM_AUTH");
  const name = responses.USERNAME;
  if (!name) throw invalidParameter("Missing required parameter USERNAME");
  const answer = responses.ANSWER;
  if (answer === undefined) throw invalidParameter("Missing required parameter ANSWER");

  let user: LocalUser | undefined;
  if (session.userNotFound) {
    // Normalised as `UserStore.find` normalises a known user's name, so an
    // unknown user's answer is not refused where a known user's is accepted.
    const given = name.trim().toLowerCase();
    if (given !== session.userName.trim().toLowerCase() && given !== session.publicUsername) {
      throw notAuthorized("Invalid session for the user.");
    }
  } else {
    user = pool.users.find(name);
    if (!user || user.username !== session.userName) {
      // The user was deleted mid-sign-in, or the session belongs to someone else.
      if (!pool.users.find(session.userName)) throw notAuthorized(INCORRECT_CREDENTIALS);
      throw notAuthorized("Invalid session for the user.");
    }
    checkCanSignIn(user);
  }

  const metadata = clientMetadata(input);
  const verified = await pool.triggers.invoke(
    "verifyAuthChallenge",
    triggerEvent(
      pool,
      "VerifyAuthChallengeResponse_Authentication",
      session.userName,
      {
        userAttributes: user ? triggerAttributes(user) : {},
        privateChallengeParameters: session.privateChallengeParameters,
        challengeAnswer: answer,
        ...(metadata ? { clientMetadata: metadata } : {}),
        ...notFoundFlag(pool, session.userNotFound),
      },
      { userAgent: request.userAgent },
    ),
  );
  // An unknown user's answer is never right, whatever the trigger says.
  const correct = verified.response.answerCorrect === true && !session.userNotFound;
  return step(pool, {
    userName: session.userName,
    publicUsername: session.publicUsername,
    userNotFound: session.userNotFound,
    history: [...session.history, historyEntry(session, correct)],
    metadata,
    request,
  });
};

function historyEntry(session: AuthSession, correct: boolean): ChallengeResult {
  return {
    challengeName: session.challengeName,
    challengeResult: correct,
    // Observed: Cognito sends null, not an absent key, when Create set no metadata.
    challengeMetadata: session.challengeMetadata ?? (null as unknown as undefined),
  };
}

/** Runs Define, then either issues tokens, fails, or runs Create for the next challenge. */
async function step(pool: PoolContext, flow: Flow): Promise<StepResult> {
  const user = flow.userNotFound ? undefined : pool.users.find(flow.userName);
  if (!flow.userNotFound && !user) throw notAuthorized(INCORRECT_CREDENTIALS);
  const userAttributes = user ? triggerAttributes(user) : {};
  const meta = flow.metadata ? { clientMetadata: flow.metadata } : {};
  const caller = { userAgent: flow.request.userAgent };
  const defined = await pool.triggers.invoke(
    "defineAuthChallenge",
    triggerEvent(
      pool,
      "DefineAuthChallenge_Authentication",
      flow.userName,
      {
        userAttributes,
        session: flow.history,
        ...meta,
        ...notFoundFlag(pool, flow.userNotFound),
      },
      caller,
    ),
  );
  const decision = defined.response;
  if (decision.failAuthentication === true) throw notAuthorized(INCORRECT_CREDENTIALS);
  if (decision.issueTokens === true) {
    if (!user) throw notAuthorized(INCORRECT_CREDENTIALS);
    return issueTokens(pool, user, flow);
  }
  if (decision.challengeName !== "CUSTOM_CHALLENGE") {
    throw invalidLambdaResponse();
  }
  const created = await pool.triggers.invoke(
    "createAuthChallenge",
    triggerEvent(
      pool,
      "CreateAuthChallenge_Authentication",
      flow.userName,
      {
        userAttributes,
        challengeName: "CUSTOM_CHALLENGE",
        session: flow.history,
        ...meta,
        ...notFoundFlag(pool, flow.userNotFound),
      },
      caller,
    ),
  );
  const publicParams = scalarMap(created.response.publicChallengeParameters);
  const privateParams = scalarMap(created.response.privateChallengeParameters);
  const metadata = created.response.challengeMetadata;
  const sessionId = pool.sessions.open({
    clientId: pool.config.clientId,
    userName: flow.userName,
    publicUsername: flow.publicUsername,
    userNotFound: flow.userNotFound,
    history: flow.history,
    challengeName: "CUSTOM_CHALLENGE",
    privateChallengeParameters: privateParams,
    ...(typeof metadata === "string" ? { challengeMetadata: metadata } : {}),
  });
  return {
    ChallengeName: "CUSTOM_CHALLENGE",
    Session: sessionId,
    ChallengeParameters: { ...publicParams, USERNAME: flow.publicUsername },
  };
}

async function issueTokens(pool: PoolContext, user: LocalUser, flow: Flow): Promise<StepResult> {
  if (pool.triggers.has("postAuthentication")) {
    await pool.triggers.invoke(
      "postAuthentication",
      triggerEvent(
        pool,
        "PostAuthentication_Authentication",
        user.username,
        {
          userAttributes: triggerAttributes(user),
          newDeviceUsed: false,
          ...(flow.metadata ? { clientMetadata: flow.metadata } : {}),
        },
        { userAgent: flow.request.userAgent },
      ),
    );
  }
  // PostAuthentication may have changed attributes (email_verified); tokens show them.
  const current = pool.users.find(user.username);
  if (!current) throw notAuthorized(INCORRECT_CREDENTIALS);
  // After PostAuthentication, as Cognito runs them, with RespondToAuthChallenge's
  // ClientMetadata (none after InitiateAuth, which never issues tokens here).
  const custom = await runPreTokenGeneration(pool, current, "TokenGeneration_Authentication", {
    clientMetadata: flow.metadata,
    userAgent: flow.request.userAgent,
  });
  const result = await pool.tokens.issue(current, pool.config.readAttributes, custom);
  return { AuthenticationResult: result, ChallengeParameters: {} };
}

/** Cognito sets `request.userNotFound` only when PreventUserExistenceErrors is ENABLED. */
function notFoundFlag(pool: PoolContext, userNotFound: boolean): { userNotFound?: boolean } {
  return pool.config.preventUserExistenceErrors ? { userNotFound } : {};
}

function checkCanSignIn(user: LocalUser): void {
  if (!user.enabled) throw notAuthorized("User is disabled.");
  if (user.status === "UNCONFIRMED") {
    throw new CognitoError("UserNotConfirmedException", "User is not confirmed.");
  }
}

function requireCustomAuthTriggers(pool: PoolContext): void {
  for (const trigger of [
    "defineAuthChallenge",
    "createAuthChallenge",
    "verifyAuthChallenge",
  ] as const) {
    if (!pool.triggers.has(trigger)) {
      throw invalidParameter("Custom auth lambda trigger is not configured for the user pool.");
    }
  }
}

/**
 * A stable UUID-shaped name for an unknown user, so the challenge an unknown
 * email gets looks like a real user's and repeats across attempts.
 */
function fakeUsername(pool: PoolContext, name: string): string {
  const hex = createHmac("sha256", pool.secret).update(name.trim().toLowerCase()).digest("hex");
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** Challenge parameters as Cognito keeps them: a string map (scalars are coerced). */
function scalarMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
    else if (typeof item === "number" || typeof item === "boolean") out[key] = String(item);
    else if (item !== null && item !== undefined) {
      throw invalidLambdaResponse();
    }
  }
  return out;
}
