import {
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { PASSWORD, sdkClient } from "./support/clients.js";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
});
afterAll(() => stack?.stop());

it("smoke", async () => {
  const c = sdkClient(stack);
  await c.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: "a@example.com", Password: PASSWORD }),
  );
  const init = await c.send(
    new InitiateAuthCommand({
      ClientId: stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "A@example.com" },
    }),
  );
  const res = await c.send(
    new RespondToAuthChallengeCommand({
      ClientId: stack.clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: init.Session,
      ChallengeResponses: { USERNAME: init.ChallengeParameters!.USERNAME!, ANSWER: "open-sesame" },
    }),
  );
  expect(res.AuthenticationResult?.IdToken).toBeTruthy();
});
