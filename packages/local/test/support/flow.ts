import {
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalStack } from "../../src/index.js";
import { PASSWORD, sdkClient } from "./clients.js";

/** `SignUp` with `email` and a password the default policy accepts. */
export function signUp(
  stack: LocalStack,
  email: string,
  client: CognitoIdentityProviderClient = sdkClient(stack),
) {
  return client.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: email, Password: PASSWORD }),
  );
}

/** SignUp (auto-confirmed by the test triggers), then a CUSTOM_AUTH answered with `answer`. */
export async function signUpAndSignIn(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  answer = "open-sesame",
) {
  await signUp(stack, email, client);
  return signIn(stack, client, email, answer);
}

/** SignUp (UsernameExistsException ignored, as the client does), then `InitiateAuth` with CUSTOM_AUTH: the code is emailed. */
export async function requestCode(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
) {
  await signUp(stack, email, client).catch((error: Error) => {
    if (error.name !== "UsernameExistsException") throw error;
  });
  return startCustomAuth(stack, client, email);
}

/** `InitiateAuth` with CUSTOM_AUTH for `username`, with `ClientMetadata` when given. */
export function startCustomAuth(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  username: string,
  meta?: Record<string, string>,
) {
  return client.send(
    new InitiateAuthCommand({
      ClientId: stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: username },
      ...(meta ? { ClientMetadata: meta } : {}),
    }),
  );
}

/** `RespondToAuthChallenge` to a CUSTOM_CHALLENGE, with `ClientMetadata` when given. */
export function answerChallenge(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  session: string | undefined,
  username: string,
  answer: string,
  meta?: Record<string, string>,
) {
  return client.send(
    new RespondToAuthChallengeCommand({
      ClientId: stack.clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: session,
      ChallengeResponses: { USERNAME: username, ANSWER: answer },
      ...(meta ? { ClientMetadata: meta } : {}),
    }),
  );
}

/** Answers the challenge `previous` returned, with its session and its USERNAME. */
export function answerStep(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  previous: { Session?: string; ChallengeParameters?: Record<string, string> },
  answer: string,
) {
  return answerChallenge(
    stack,
    client,
    previous.Session,
    previous.ChallengeParameters!.USERNAME!,
    answer,
  );
}

/** CUSTOM_AUTH answered once with `answer`; returns the tokens. */
export async function signIn(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  answer = "open-sesame",
) {
  const started = await startCustomAuth(stack, client, email);
  const done = await answerStep(stack, client, started, answer);
  return done.AuthenticationResult!;
}

/**
 * SignUp, then a sign-in with the passcode triggers: the emailed code, then
 * `username` at the USERNAME step. Returns the last answer (tokens, or
 * another USERNAME challenge when the name was refused).
 */
export async function passcodeSignUpAndSignIn(
  s: LocalStack,
  email: string,
  username: string,
  client: CognitoIdentityProviderClient = sdkClient(s),
) {
  await signUp(s, email, client);
  const code = await startCustomAuth(s, client, email);
  const named = await answerStep(s, client, code, await s.mailbox.latestCode(email));
  return answerStep(s, client, named, username);
}

/** `InitiateAuth` with REFRESH_TOKEN_AUTH (or its alias REFRESH_TOKEN) for `token`. */
export function refreshWith(
  stack: LocalStack,
  token: string,
  flow: "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" = "REFRESH_TOKEN_AUTH",
) {
  return sdkClient(stack).send(
    new InitiateAuthCommand({
      ClientId: stack.clientId,
      AuthFlow: flow,
      AuthParameters: { REFRESH_TOKEN: token },
    }),
  );
}
