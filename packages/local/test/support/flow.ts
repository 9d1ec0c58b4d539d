import {
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalStack } from "../../src/index.js";
import { PASSWORD, sdkClient } from "./clients.js";

/** SignUp (auto-confirmed by the test triggers), then a CUSTOM_AUTH answered with `answer`. */
export async function signUpAndSignIn(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  answer = "open-sesame",
) {
  await client.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: email, Password: PASSWORD }),
  );
  return signIn(stack, client, email, answer);
}

/** CUSTOM_AUTH answered once with `answer`; returns the tokens. */
export async function signIn(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  answer = "open-sesame",
) {
  const started = await client.send(
    new InitiateAuthCommand({
      ClientId: stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    }),
  );
  const done = await client.send(
    new RespondToAuthChallengeCommand({
      ClientId: stack.clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: started.Session,
      ChallengeResponses: { USERNAME: started.ChallengeParameters!.USERNAME!, ANSWER: answer },
    }),
  );
  return done.AuthenticationResult!;
}

/**
 * SignUp, then a sign-in with the passcode triggers: the emailed code, then
 * `username` at the USERNAME step. Returns the last answer (tokens, or
 * another USERNAME challenge when the name was refused).
 */
export async function passcodeSignUpAndSignIn(s: LocalStack, email: string, username: string) {
  const client = sdkClient(s);
  await client.send(
    new SignUpCommand({ ClientId: s.clientId, Username: email, Password: PASSWORD }),
  );
  const code = await client.send(
    new InitiateAuthCommand({
      ClientId: s.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    }),
  );
  const respond = (previous: typeof code, ANSWER: string) =>
    client.send(
      new RespondToAuthChallengeCommand({
        ClientId: s.clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: previous.Session,
        ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER },
      }),
    );
  const named = await respond(code, await s.mailbox.latestCode(email));
  return respond(named, username);
}
