import {
  CognitoIdentityProviderClient,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { type RawSession, toAnswerResult, toTokens } from "./raw-fetch.js";
import {
  type ClientDescriptor,
  type ConformanceClient,
  randomPassword,
  type StackEndpoint,
  toClientCallError,
} from "./types.js";

/**
 * The conformance client built on the AWS SDK v3 `CognitoIdentityProviderClient`
 * pointed at the stack. The public operations are unsigned (the SDK's
 * optional-auth operations); dummy credentials keep the SDK from searching
 * the environment for real ones.
 */
export function createAwsSdkClient(stack: StackEndpoint): ConformanceClient {
  const sdk = new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const send = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toClientCallError(error);
    }
  };
  return {
    async signUp(email) {
      await send(() =>
        sdk.send(
          new SignUpCommand({
            ClientId: stack.clientId,
            Username: email,
            Password: randomPassword(),
            UserAttributes: [{ Name: "email", Value: email }],
          }),
        ),
      );
    },
    async startSignIn(email) {
      const data = await send(() =>
        sdk.send(
          new InitiateAuthCommand({
            AuthFlow: "CUSTOM_AUTH",
            ClientId: stack.clientId,
            AuthParameters: { USERNAME: email },
          }),
        ),
      );
      const result = toAnswerResult(data, email);
      if (result.kind !== "challenge")
        throw new Error("InitiateAuth issued tokens without a challenge");
      return result.challenge;
    },
    async answer(handle, answer) {
      const { session, username } = handle as RawSession;
      const data = await send(() =>
        sdk.send(
          new RespondToAuthChallengeCommand({
            ChallengeName: "CUSTOM_CHALLENGE",
            ClientId: stack.clientId,
            Session: session,
            ChallengeResponses: { USERNAME: username, ANSWER: answer },
          }),
        ),
      );
      return toAnswerResult(data, username);
    },
    async refresh(tokens) {
      const data = await send(() =>
        sdk.send(
          new InitiateAuthCommand({
            AuthFlow: "REFRESH_TOKEN_AUTH",
            ClientId: stack.clientId,
            AuthParameters: { REFRESH_TOKEN: tokens.refreshToken ?? "" },
          }),
        ),
      );
      return toTokens(data.AuthenticationResult);
    },
    async revoke(tokens) {
      await send(() =>
        sdk.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: tokens.refreshToken })),
      );
    },
    async globalSignOut(tokens) {
      await send(() => sdk.send(new GlobalSignOutCommand({ AccessToken: tokens.accessToken })));
    },
    async getUser(tokens) {
      const data = await send(() =>
        sdk.send(new GetUserCommand({ AccessToken: tokens.accessToken })),
      );
      return Object.fromEntries(
        (data.UserAttributes ?? []).map((a) => [a.Name ?? "", a.Value ?? ""]),
      );
    },
    async updateUserAttributes(tokens, attributes) {
      await send(() =>
        sdk.send(
          new UpdateUserAttributesCommand({
            AccessToken: tokens.accessToken,
            UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
          }),
        ),
      );
    },
    async close() {
      sdk.destroy();
    },
  };
}

/** The AWS SDK v3 client as the conformance suite runs it. */
export const awsSdk: ClientDescriptor = {
  name: "AWS SDK v3",
  capabilities: {
    replayStaleSession: true,
    resubmitUsedSession: true,
    useTokensAfterSignOut: true,
  },
  create: createAwsSdkClient,
};
