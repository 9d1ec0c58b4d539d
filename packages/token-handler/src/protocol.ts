import { HandlerError, invalidParameter } from "./http.js";

/** The Cognito operations the token handler forwards; every other one is refused. */
export type ForwardedOperation =
  | "SignUp"
  | "InitiateAuth"
  | "RespondToAuthChallenge"
  | "GetTokensFromRefreshToken"
  | "RevokeToken"
  | "GlobalSignOut";

/**
 * The members each operation may carry from the page. Anything else (a
 * `RefreshToken`, a `Token`, a `SecretHash`, a `Session` on InitiateAuth) is
 * refused rather than dropped, so nothing unexpected is ever forwarded.
 */
const MEMBERS: Readonly<Record<ForwardedOperation, readonly string[]>> = {
  SignUp: [
    "ClientId",
    "Username",
    "Password",
    "UserAttributes",
    "ValidationData",
    "ClientMetadata",
    "AnalyticsMetadata",
    "UserContextData",
  ],
  InitiateAuth: [
    "ClientId",
    "AuthFlow",
    "AuthParameters",
    "ClientMetadata",
    "AnalyticsMetadata",
    "UserContextData",
  ],
  RespondToAuthChallenge: [
    "ClientId",
    "ChallengeName",
    "Session",
    "ChallengeResponses",
    "ClientMetadata",
    "AnalyticsMetadata",
    "UserContextData",
  ],
  GetTokensFromRefreshToken: ["ClientId", "ClientMetadata", "DeviceKey"],
  RevokeToken: ["ClientId"],
  GlobalSignOut: ["ClientId", "AccessToken"],
};

/** Keys allowed in InitiateAuth's `AuthParameters` and RespondToAuthChallenge's `ChallengeResponses`. */
const AUTH_PARAMETERS = new Set(["USERNAME", "DEVICE_KEY"]);
const CHALLENGE_RESPONSES = new Set(["USERNAME", "ANSWER", "DEVICE_KEY"]);

/** Whether `name` is an operation the handler forwards. */
export function isForwarded(name: string): name is ForwardedOperation {
  return Object.hasOwn(MEMBERS, name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(body: Record<string, unknown>, member: string, allowed?: ReadonlySet<string>) {
  const value = body[member];
  if (value === undefined) return;
  if (!isRecord(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw invalidParameter(`${member} must be a map of strings`);
  }
  const extra = allowed && Object.keys(value).find((key) => !allowed.has(key));
  if (extra) throw invalidParameter(`${member}.${extra} is not accepted by the token handler`);
}

/**
 * Checks a request body against the operation's rules (its members, the one
 * client id, the CUSTOM_AUTH flow, the CUSTOM_CHALLENGE challenge, no token
 * from the page) and returns the body to forward, `UserContextData.IpAddress`
 * set from `ipAddress` where Cognito accepts it. Throws a {@link HandlerError}.
 */
export function checkRequest(
  operation: ForwardedOperation,
  body: unknown,
  clientId: string,
  ipAddress: string | undefined,
): Record<string, unknown> {
  if (!isRecord(body)) throw invalidParameter("The request body must be a JSON object");
  const members = MEMBERS[operation];
  for (const key of Object.keys(body)) {
    if (members.includes(key)) continue;
    if (key === "RefreshToken" || key === "Token") {
      throw invalidParameter(`${key} comes from the session cookie: do not send one`);
    }
    throw invalidParameter(`${key} is not accepted by the token handler for ${operation}`);
  }
  if (operation === "GlobalSignOut") {
    // GlobalSignOut has no ClientId in Cognito's model: accepted if it is ours, never forwarded.
    if (body.ClientId !== undefined && body.ClientId !== clientId) throw unknownClient();
    if (typeof body.AccessToken !== "string") throw invalidParameter("AccessToken is required");
    return { AccessToken: body.AccessToken };
  }
  if (body.ClientId !== clientId) throw unknownClient();
  stringMap(body, "ClientMetadata");
  if (operation === "InitiateAuth") {
    if (body.AuthFlow !== "CUSTOM_AUTH") {
      throw invalidParameter("Only the CUSTOM_AUTH flow is forwarded by the token handler");
    }
    stringMap(body, "AuthParameters", AUTH_PARAMETERS);
  }
  if (operation === "RespondToAuthChallenge") {
    if (body.ChallengeName !== "CUSTOM_CHALLENGE") {
      throw invalidParameter("Only CUSTOM_CHALLENGE answers are forwarded by the token handler");
    }
    stringMap(body, "ChallengeResponses", CHALLENGE_RESPONSES);
  }
  const forwarded: Record<string, unknown> = { ...body };
  if (members.includes("UserContextData")) {
    const context = body.UserContextData;
    if (context !== undefined) {
      if (
        !isRecord(context) ||
        Object.keys(context).some((k) => k !== "EncodedData") ||
        (context.EncodedData !== undefined && typeof context.EncodedData !== "string")
      ) {
        throw invalidParameter(
          "UserContextData may carry only EncodedData, a string: the token handler sets IpAddress",
        );
      }
    }
    const data: Record<string, unknown> = { ...(context as object | undefined) };
    if (ipAddress) data.IpAddress = ipAddress;
    if (Object.keys(data).length > 0) forwarded.UserContextData = data;
  }
  return forwarded;
}

function unknownClient(): HandlerError {
  // Cognito's own answer to a client id it does not know; the configured id is not echoed.
  return new HandlerError(400, "ResourceNotFoundException", "User pool client does not exist.");
}
