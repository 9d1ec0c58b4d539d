import { resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { sdkClient } from "./support/clients.js";
import { answerStep, signUp, startCustomAuth } from "./support/flow.js";

const MODULE = resolve(import.meta.dirname, "support/own-triggers.mjs");
const saved = { ...process.env };
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  process.env = { ...saved };
});

describe("your own trigger module in the local stack (docs/local-stack.md)", () => {
  it("runs it with the environment set before start and the AWS endpoints after, and shows its email in the inbox JSON", async () => {
    // Prepare: what the module reads when it loads, before the stack loads it
    Object.assign(process.env, {
      PASSCODE_TABLE_NAME: "cognito-passcode",
      PASSCODE_EMAIL_FROM: "no-reply@example.com",
      PASSCODE_APP_NAME: "Acme",
      TEST_CODE_SECRET: "a test secret of 32 or more characters, not for production",
    });
    stack = await startLocalStack({
      handlers: {
        defineAuthChallenge: `${MODULE}#defineAuthChallenge`,
        createAuthChallenge: `${MODULE}#createAuthChallenge`,
        verifyAuthChallenge: `${MODULE}#verifyAuthChallenge`,
        preSignUp: `${MODULE}#preSignUp`,
      },
    });
    // ...and where its AWS SDK clients find the stack, read at their first request
    Object.assign(process.env, {
      AWS_REGION: stack.region,
      AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.endpoint,
    });
    const client = sdkClient(stack);

    // Act: sign up, get a code by email, answer it, pick a username
    await signUp(stack, "olu@example.com", client);
    const codeStep = await startCustomAuth(stack, client, "olu@example.com");
    const inbox = (await (await fetch(`${stack.sesEndpoint}/store`)).json()) as {
      emails: { subject: string; destination: { to: string[] }; body: { text: string } }[];
    };
    const mail = inbox.emails.find((e) => e.destination.to.includes("olu@example.com"));
    const code = /Code: (\d{6})/.exec(mail?.body.text ?? "")?.[1] ?? "";
    const usernameStep = await answerStep(stack, client, codeStep, code);
    const done = await answerStep(stack, client, usernameStep, "olu_a");

    // Assess: its email (not the stack's) went through the embedded SES, and the sign-in completed
    expect(mail?.subject).toBe("Your own-module code");
    expect(stack.mailbox.messages("olu@example.com")).toEqual([]);
    expect(usernameStep.ChallengeParameters?.step).toBe("USERNAME");
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
  });
});
