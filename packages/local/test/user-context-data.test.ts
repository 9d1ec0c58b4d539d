import {
  ConfirmSignUpCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import { COGNITO_MODEL } from "../src/cognito-model.gen.js";
import { USER_CONTEXT_DATA_OPERATIONS } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, PASSWORD, stackPerTest } from "./support/clients.js";

// UserContextData (IpAddress, EncodedData) is what a server in front of Cognito
// (the token handler) passes on so threat protection sees the user's address:
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserContextDataType.html

const start = stackPerTest();

describe("UserContextData", () => {
  it("is recorded for exactly the operations whose model input has it", () => {
    const withMember = Object.entries(COGNITO_MODEL.operations)
      .filter(([, op]) => "UserContextData" in (COGNITO_MODEL.shapes[op.input]!.members ?? {}))
      .map(([name]) => name)
      .sort();
    expect([...USER_CONTEXT_DATA_OPERATIONS].sort()).toEqual(withMember);
    expect(withMember).toEqual(
      expect.arrayContaining(["SignUp", "InitiateAuth", "RespondToAuthChallenge"]),
    );
  });

  it("arrives from SignUp, InitiateAuth and RespondToAuthChallenge, and the stack shows what the last call carried", async () => {
    // Prepare
    const { stack, client } = await start({ handlers: secretWordTriggers().handlers });
    expect(stack.lastUserContextData("SignUp")).toBeUndefined();
    // Act: a whole sign-up and sign-in through the AWS SDK, each call from another address
    await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "ada@example.com",
        Password: PASSWORD,
        UserContextData: { IpAddress: "203.0.113.7", EncodedData: "fingerprint-1" },
      }),
    );
    const challenge = await client.send(
      new InitiateAuthCommand({
        ClientId: stack.clientId,
        AuthFlow: "CUSTOM_AUTH",
        AuthParameters: { USERNAME: "ada@example.com" },
        UserContextData: { IpAddress: "2001:db8::1" },
      }),
    );
    const done = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: stack.clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: challenge.Session,
        ChallengeResponses: { USERNAME: "ada@example.com", ANSWER: "open-sesame" },
        UserContextData: { IpAddress: "198.51.100.23", EncodedData: "fingerprint-2" },
      }),
    );
    // Assess
    expect(done.AuthenticationResult?.AccessToken).toEqual(expect.any(String));
    expect(stack.lastUserContextData("SignUp")).toEqual({
      IpAddress: "203.0.113.7",
      EncodedData: "fingerprint-1",
    });
    expect(stack.lastUserContextData("InitiateAuth")).toEqual({ IpAddress: "2001:db8::1" });
    expect(stack.lastUserContextData("RespondToAuthChallenge")).toEqual({
      IpAddress: "198.51.100.23",
      EncodedData: "fingerprint-2",
    });
  });

  it("forgets it when the next call of that operation carries none, and records it on a refused call too", async () => {
    // Prepare
    const { stack, client } = await start({ handlers: secretWordTriggers().handlers });
    const initiate = (context?: { IpAddress?: string }) =>
      client.send(
        new InitiateAuthCommand({
          ClientId: stack.clientId,
          AuthFlow: "CUSTOM_AUTH",
          AuthParameters: { USERNAME: "nobody@example.com" },
          ...(context ? { UserContextData: context } : {}),
        }),
      );
    await initiate({ IpAddress: "203.0.113.9" });
    expect(stack.lastUserContextData("InitiateAuth")).toEqual({ IpAddress: "203.0.113.9" });
    // Act
    await initiate();
    // Assess
    expect(stack.lastUserContextData("InitiateAuth")).toBeUndefined();
    await expect(
      client.send(
        new ConfirmSignUpCommand({
          ClientId: stack.clientId,
          Username: "nobody@example.com",
          ConfirmationCode: "123456",
          UserContextData: { IpAddress: "192.0.2.1" },
        }),
      ),
    ).rejects.toMatchObject({ name: expect.any(String) });
    expect(stack.lastUserContextData("ConfirmSignUp")).toEqual({ IpAddress: "192.0.2.1" });
  });

  it("is checked against the model: a mistyped member is refused and not recorded", async () => {
    // Prepare
    const { stack } = await start({ handlers: secretWordTriggers().handlers });
    // Act
    const answer = await call(stack, "InitiateAuth", {
      ClientId: stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "ada@example.com" },
      UserContextData: { IpAddress: 42 },
    });
    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body.__type).toBe("com.amazon.coral.service#SerializationException");
    expect(stack.lastUserContextData("InitiateAuth")).toBeUndefined();
  });
});
