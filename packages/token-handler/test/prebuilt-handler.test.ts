import { fileURLToPath } from "node:url";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The triggers' harness for loading a bundle as the Lambda runtime does, and
// their Secrets Manager stand-in: the same machinery for both prebuilt handlers.
import {
  bundleImports,
  lambdaRuntimeProvides,
} from "../../triggers/test/support/bundle-imports.js";
import {
  type LambdaProcess,
  type SecretsManagerStandIn,
  startLambda,
  startSecretsManager,
} from "../../triggers/test/support/lambda-process.js";
import { readTokenHandlerEnvironment } from "../src/lambda/environment.js";
import { KEY_A, KEY_B, ORIGIN } from "./support/requests.js";

const PREBUILT = fileURLToPath(new URL("../lambda/index.mjs", import.meta.url));
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CookieKeys-AbCdEf";
const BROKEN_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:Missing-AbCdEf";

type Result = { ok?: { statusCode: number; body: string; cookies: string[] } };

function event(operation: string, body: unknown, cookies: string[] = []) {
  return {
    headers: {
      origin: ORIGIN,
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      "x-cognito-passcode": "1",
    },
    cookies,
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      http: { method: "POST", sourceIp: "198.51.100.8" },
    },
  };
}

describe("readTokenHandlerEnvironment", () => {
  const env = {
    AWS_REGION: "eu-west-1",
    PASSCODE_CLIENT_ID: "abc",
    PASSCODE_ALLOWED_ORIGINS: `${ORIGIN}, https://admin.example.com`,
    PASSCODE_COOKIE_SECRET_ARN: SECRET_ARN,
  };
  it("reads the variables", () => {
    expect(
      readTokenHandlerEnvironment({ ...env, PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS: "7" }),
    ).toEqual({
      cookieSecretArn: SECRET_ARN,
      options: {
        clientId: "abc",
        region: "eu-west-1",
        allowedOrigins: [ORIGIN, "https://admin.example.com"],
        refreshTokenValidityDays: 7,
        trustCloudFrontViewerAddress: false,
      },
    });
  });
  it.each([
    ["PASSCODE_CLIENT_ID", { PASSCODE_CLIENT_ID: undefined }],
    ["PASSCODE_ALLOWED_ORIGINS", { PASSCODE_ALLOWED_ORIGINS: " " }],
    ["PASSCODE_ALLOWED_ORIGINS", { PASSCODE_ALLOWED_ORIGINS: `${ORIGIN},` }],
    ["PASSCODE_COOKIE_SECRET_ARN", { PASSCODE_COOKIE_SECRET_ARN: "my-secret" }],
    ["PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS", { PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS: "thirty" }],
    [
      "PASSCODE_TRUST_CLOUDFRONT_VIEWER_ADDRESS",
      { PASSCODE_TRUST_CLOUDFRONT_VIEWER_ADDRESS: "yes" },
    ],
    ["PASSCODE_COOKIE_SECRET", { PASSCODE_COOKIE_SECRET: "inline" }],
    ["AWS_REGION", { AWS_REGION: undefined }],
  ])("refuses a bad or unknown %s, naming it", (name, patch) => {
    expect(() => readTokenHandlerEnvironment({ ...env, ...patch })).toThrow(name);
  });
});

describe("the prebuilt bundle (lambda/index.mjs, loaded as Lambda loads it)", () => {
  let stack: LocalStack;
  let sm: SecretsManagerStandIn;
  const started: LambdaProcess[] = [];
  const lambda = async (env: Record<string, string>) => {
    const p = await startLambda(PREBUILT, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: stack.endpoint,
      PASSCODE_CLIENT_ID: stack.clientId,
      PASSCODE_ALLOWED_ORIGINS: ORIGIN,
      PASSCODE_COOKIE_SECRET_ARN: SECRET_ARN,
      ...env,
    });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    stack = await startLocalStack({ port: 0, triggers: { throttle: false } });
    sm = await startSecretsManager({ [SECRET_ARN]: JSON.stringify([KEY_B, KEY_A]) });
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await sm?.stop();
    await stack?.stop();
  });

  it("imports only Node.js built-ins and the AWS SDK, which the Lambda runtime provides", async () => {
    const imports = await bundleImports(PREBUILT);
    expect(imports).toContain("@aws-sdk/client-secrets-manager");
    for (const path of imports) expect(lambdaRuntimeProvides(path), path).toBe(true);
  });

  it("fails to initialise on an unknown PASSCODE_ variable or a bad origin, naming it", async () => {
    const misspelt = await lambda({ PASSCODE_ALLOWED_ORIGIN: ORIGIN });
    expect(misspelt.init).toMatchObject({
      init: "failed",
      error: { message: expect.stringContaining("PASSCODE_ALLOWED_ORIGIN ") },
    });
    const badOrigin = await lambda({ PASSCODE_ALLOWED_ORIGINS: "https://app.example.com/" });
    expect(badOrigin.init).toMatchObject({
      init: "failed",
      error: { code: "CONFIGURATION_ERROR" },
    });
  });

  it("signs in and refreshes through the cookie, reading the keys once, signed, and logging no secret", async () => {
    const p = await lambda({});
    expect(p.init).toEqual({ init: "ok", exports: ["handler"] });
    const email = "lena@example.com";
    const call = async (operation: string, body: unknown, cookies: string[] = []) => {
      const result = (await p.invoke("handler", event(operation, body, cookies))) as Result;
      if (!result.ok) throw new Error(JSON.stringify(result));
      return result.ok;
    };
    await call("SignUp", {
      ClientId: stack.clientId,
      Username: email,
      Password: `P${"w0".repeat(20)}!`,
    });
    const first = JSON.parse(
      (
        await call("InitiateAuth", {
          ClientId: stack.clientId,
          AuthFlow: "CUSTOM_AUTH",
          AuthParameters: { USERNAME: email },
        })
      ).body,
    ) as { Session: string };
    const code = await stack.mailbox.latestCode(email);
    const answer = (session: string, value: string) =>
      call("RespondToAuthChallenge", {
        ClientId: stack.clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: session,
        ChallengeResponses: { USERNAME: email, ANSWER: value },
      });
    const named = JSON.parse((await answer(first.Session, code)).body) as { Session: string };
    const done = await answer(named.Session, "lena");
    expect(done.statusCode).toBe(200);
    expect(JSON.parse(done.body).AuthenticationResult.IdToken).toMatch(/^ey/);
    expect(done.body).not.toMatch(/RefreshToken/);
    expect(done.cookies).toHaveLength(1);
    const cookie = done.cookies[0]!.split(";")[0]!;

    const refreshed = await call("GetTokensFromRefreshToken", { ClientId: stack.clientId }, [
      cookie,
    ]);
    expect(refreshed.statusCode).toBe(200);
    expect(JSON.parse(refreshed.body).AuthenticationResult.AccessToken).toMatch(/^ey/);

    expect(sm.requests).toEqual([{ secretId: SECRET_ARN, signed: true }]);
    // (On Node 20 the SDK prints a support warning; nothing of the session may appear.)
    const logs = p.logs().join("\n");
    for (const secret of [KEY_A, KEY_B, code, cookie.split("=")[1]!, "eyJ"]) {
      expect(logs).not.toContain(secret);
    }
  });

  it("answers a Cognito-shaped 500 while the keys cannot be read, without the service's message", async () => {
    const p = await lambda({ PASSCODE_COOKIE_SECRET_ARN: BROKEN_ARN, AWS_MAX_ATTEMPTS: "1" });
    expect(p.init).toMatchObject({ init: "ok" });
    const result = (await p.invoke("handler", event("GetTokensFromRefreshToken", {}))) as Result;
    expect(result.ok?.statusCode).toBe(500);
    expect(JSON.parse(result.ok!.body)).toEqual({
      __type: "InternalErrorException",
      message: "The token handler is not ready",
    });
    expect(p.logs().join("\n")).not.toContain("Missing-AbCdEf");
  });
});
