import {
  type CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import type { LocalStack } from "../../src/index.js";
import { PASSWORD } from "./clients.js";

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
