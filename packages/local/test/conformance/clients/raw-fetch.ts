import {
  type AnswerResult,
  type Challenge,
  ClientCallError,
  type ClientDescriptor,
  type ConformanceClient,
  randomPassword,
  type StackEndpoint,
  type Tokens,
} from "./types.js";

interface AuthResponse {
  ChallengeName?: string;
  ChallengeParameters?: Record<string, string>;
  Session?: string;
  AuthenticationResult?: { IdToken?: string; AccessToken?: string; RefreshToken?: string };
}

/**
 * Calls one Cognito operation the way a browser would: `POST /` with the JSON
 * 1.1 content type and the `X-Amz-Target` header, unsigned.
 */
export async function callCognito<T>(
  endpoint: string,
  operation: string,
  body: unknown,
): Promise<T> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const data = text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const type = String(data.__type ?? response.headers.get("x-amzn-errortype") ?? "Unknown");
    throw new ClientCallError(
      type.split("#").pop()!.split(":")[0]!,
      String(data.message ?? data.Message ?? ""),
    );
  }
  return data as T;
}

/** Cognito's `AuthenticationResult` (from fetch or the AWS SDK) as the conformance tokens. */
export function toTokens(result: AuthResponse["AuthenticationResult"]): Tokens {
  if (!result?.IdToken || !result.AccessToken) {
    throw new Error("AuthenticationResult without IdToken and AccessToken");
  }
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    ...(result.RefreshToken ? { refreshToken: result.RefreshToken } : {}),
  };
}

/** The raw clients' session handle: Cognito's session string and the username it belongs to. */
export interface RawSession {
  readonly session: string;
  readonly username: string;
}

/** A sign-in step's answer (from fetch or the AWS SDK) as the conformance result. */
export function toAnswerResult(data: AuthResponse, username: string): AnswerResult {
  if (data.AuthenticationResult)
    return { kind: "tokens", tokens: toTokens(data.AuthenticationResult) };
  if (data.ChallengeName !== "CUSTOM_CHALLENGE") {
    throw new Error(`unexpected challenge ${String(data.ChallengeName)}`);
  }
  return {
    kind: "challenge",
    challenge: {
      params: data.ChallengeParameters ?? {},
      session: { session: String(data.Session), username } satisfies RawSession,
    },
  };
}

/** The conformance client built on nothing but `fetch`: the wire protocol itself. */
export function createRawFetchClient(stack: StackEndpoint): ConformanceClient {
  const call = <T>(operation: string, body: unknown) =>
    callCognito<T>(stack.endpoint, operation, body);
  return {
    async signUp(email) {
      await call("SignUp", {
        ClientId: stack.clientId,
        Username: email,
        Password: randomPassword(),
        UserAttributes: [{ Name: "email", Value: email }],
      });
    },
    async startSignIn(email): Promise<Challenge> {
      const data = await call<AuthResponse>("InitiateAuth", {
        AuthFlow: "CUSTOM_AUTH",
        ClientId: stack.clientId,
        AuthParameters: { USERNAME: email },
      });
      const result = toAnswerResult(data, email);
      if (result.kind !== "challenge")
        throw new Error("InitiateAuth issued tokens without a challenge");
      return result.challenge;
    },
    async answer(handle, answer) {
      const { session, username } = handle as RawSession;
      const data = await call<AuthResponse>("RespondToAuthChallenge", {
        ChallengeName: "CUSTOM_CHALLENGE",
        ClientId: stack.clientId,
        Session: session,
        ChallengeResponses: { USERNAME: username, ANSWER: answer },
      });
      return toAnswerResult(data, username);
    },
    async refresh(tokens) {
      const data = await call<AuthResponse>("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        ClientId: stack.clientId,
        AuthParameters: { REFRESH_TOKEN: tokens.refreshToken },
      });
      return toTokens(data.AuthenticationResult);
    },
    async revoke(tokens) {
      await call("RevokeToken", { ClientId: stack.clientId, Token: tokens.refreshToken });
    },
    async globalSignOut(tokens) {
      await call("GlobalSignOut", { AccessToken: tokens.accessToken });
    },
    async getUser(tokens) {
      const data = await call<{ UserAttributes?: { Name: string; Value?: string }[] }>("GetUser", {
        AccessToken: tokens.accessToken,
      });
      return Object.fromEntries((data.UserAttributes ?? []).map((a) => [a.Name, a.Value ?? ""]));
    },
    async updateUserAttributes(tokens, attributes) {
      await call("UpdateUserAttributes", {
        AccessToken: tokens.accessToken,
        UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
      });
    },
    async close() {},
  };
}

/** The raw fetch client as the conformance suite runs it. */
export const rawFetch: ClientDescriptor = {
  name: "raw fetch",
  capabilities: {
    replayStaleSession: true,
    resubmitUsedSession: true,
    useTokensAfterSignOut: true,
  },
  create: createRawFetchClient,
};
