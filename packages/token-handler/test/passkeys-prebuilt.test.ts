import { fileURLToPath } from "node:url";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type LambdaProcess,
  type SecretsManagerStandIn,
  startLambda,
  startSecretsManager,
} from "../../triggers/test/support/lambda-process.js";
import { KEY_A, ORIGIN } from "./support/requests.js";

const PREBUILT = fileURLToPath(new URL("../lambda/index.mjs", import.meta.url));
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CookieKeys-AbCdEf";

type Result = { ok?: { statusCode: number; body: string } };

function event(operation: string, body: unknown) {
  return {
    headers: {
      origin: ORIGIN,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `CognitoPasscodeService.${operation}`,
      "x-cognito-passcode": "1",
    },
    cookies: [],
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: "POST", sourceIp: "198.51.100.8" } },
  };
}

/** One call of the stack's Cognito API. */
async function cognito(stack: LocalStack, operation: string, body: Record<string, unknown>) {
  const response = await fetch(stack.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
    },
    body: JSON.stringify({ ClientId: stack.clientId, ...body }),
  });
  return (await response.json()) as {
    Session: string;
    AuthenticationResult?: { AccessToken: string };
  };
}

/** A code sign-in straight to the stack; the access token and the user's sub. */
async function signIn(stack: LocalStack, email: string, username: string) {
  await cognito(stack, "SignUp", { Username: email, Password: `P${"w0".repeat(20)}!` });
  const first = await cognito(stack, "InitiateAuth", {
    AuthFlow: "CUSTOM_AUTH",
    AuthParameters: { USERNAME: email },
  });
  const answer = async (session: string, value: string) =>
    cognito(stack, "RespondToAuthChallenge", {
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: session,
      ChallengeResponses: { USERNAME: email, ANSWER: value },
    });
  const named = await answer(first.Session, await stack.mailbox.latestCode(email));
  const done = await answer(named.Session, username);
  const accessToken = done.AuthenticationResult!.AccessToken;
  const { sub } = JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString());
  return { accessToken, sub: sub as string };
}

describe("the prebuilt bundle with the passkey variables", () => {
  let stack: LocalStack;
  let sm: SecretsManagerStandIn;
  const started: LambdaProcess[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, triggers: { throttle: false } });
    sm = await startSecretsManager({ [SECRET_ARN]: KEY_A });
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await sm?.stop();
    await stack?.stop();
  });

  const lambda = async (env: Record<string, string> = {}) => {
    const p = await startLambda(PREBUILT, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_SES: stack.sesEndpoint,
      PASSCODE_CLIENT_ID: stack.clientId,
      PASSCODE_ALLOWED_ORIGINS: ORIGIN,
      PASSCODE_COOKIE_SECRET_ARN: SECRET_ARN,
      PASSCODE_USER_POOL_ID: stack.userPoolId,
      PASSCODE_PASSKEY_TABLE: stack.tableName,
      PASSCODE_EMAIL_FROM: "Acme <no-reply@example.com>",
      PASSCODE_APP_NAME: "Acme",
      ...env,
    });
    started.push(p);
    return p;
  };

  it("fails to initialise with only some of the passkey variables, naming the missing", async () => {
    const p = await lambda({ PASSCODE_PASSKEY_TABLE: "", PASSCODE_APP_NAME: "" });
    expect(p.init).toMatchObject({
      init: "failed",
      error: {
        message: expect.stringMatching(/PASSCODE_PASSKEY_TABLE, PASSCODE_APP_NAME must be set/),
      },
    });
  });

  it("lists and deletes on the stack's table, with the local stack's issuer, and emails the removal through SES", async () => {
    const p = await lambda();
    expect(p.init).toEqual({ init: "ok", exports: ["handler"] });
    const email = "mira@example.com";
    const { accessToken, sub } = await signIn(stack, email, "mira");
    const added = await stack.store!.addPasskey(
      sub,
      "dXNlci1oYW5kbGUtbWlyYQ",
      {
        id: "bWlyYS1waG9uZQ",
        publicKey: "pQECAyYgASFYIA",
        counter: 0,
        transports: ["internal"],
        deviceType: "multiDevice",
        backedUp: true,
        aaguid: "00000000-0000-0000-0000-000000000000",
        name: "Mira's phone",
        createdAt: Date.now(),
      },
      { max: 10 },
    );
    expect(added).toEqual({ status: "added" });
    const call = async (operation: string, body: unknown) => {
      const result = (await p.invoke("handler", event(operation, body))) as Result;
      if (!result.ok) throw new Error(JSON.stringify(result));
      return { status: result.ok.statusCode, body: JSON.parse(result.ok.body) };
    };

    const listed = await call("ListPasskeys", { AccessToken: accessToken });
    expect(listed).toEqual({
      status: 200,
      body: {
        Passkeys: [
          {
            Id: "bWlyYS1waG9uZQ",
            Name: "Mira's phone",
            CreatedAt: expect.any(Number),
            Synced: true,
            Transports: ["internal"],
          },
        ],
      },
    });
    // The function's SES client is not the stack's: read the embedded SES server's own store.
    const sent = async () => {
      const response = await fetch(`${stack.sesEndpoint}/store`);
      const { emails } = (await response.json()) as {
        emails: { destination: { to: string[] }; subject: string; body: { text?: string } }[];
      };
      return emails.filter((e) => e.destination.to.includes(email));
    };
    const before = (await sent()).length;
    expect(await call("DeletePasskey", { AccessToken: accessToken, Id: "bWlyYS1waG9uZQ" })).toEqual(
      { status: 200, body: {} },
    );
    expect(await stack.store!.getPasskeys(sub)).toMatchObject({ passkeys: [] });
    const messages = await sent();
    expect(messages).toHaveLength(before + 1);
    expect(`${messages.at(-1)?.subject}\n${messages.at(-1)?.body.text}`).toMatch(/removed/i);
    expect(messages.at(-1)?.body.text).toContain("Mira's phone");
    // Nothing of the session in the function's logs.
    expect(p.logs().join("\n")).not.toContain(accessToken.split(".")[1]!);
  });
});
