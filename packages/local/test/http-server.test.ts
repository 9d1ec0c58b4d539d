import { AdminGetUserCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, SUPPORTED_OPERATIONS, startLocalStack } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, corsPreflight, initiateForNobody, sdkClient } from "./support/clients.js";

const PAGE = "http://localhost:5173";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    handlers: secretWordTriggers().handlers,
    cors: { origins: [PAGE] },
  });
});
afterAll(() => stack?.stop());

describe("the Cognito JSON protocol", () => {
  it("answers a CORS preflight from a configured origin for the headers browser SDKs send", async () => {
    // Prepare
    const asked =
      "content-type,x-amz-target,x-amz-user-agent,amz-sdk-invocation-id,amz-sdk-request";
    // Act
    const response = await corsPreflight(stack, PAGE, asked);
    // Assess
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(response.headers.get("access-control-allow-headers")).toBe(asked);
    expect(response.headers.get("access-control-allow-methods")).toContain("POST");
  });

  it("lists the required headers when the preflight names none", async () => {
    const response = await corsPreflight(stack, PAGE);
    const allowed = response.headers.get("access-control-allow-headers") ?? "";
    for (const name of [
      "x-amz-target",
      "content-type",
      "x-amz-user-agent",
      "authorization",
      "amz-sdk-invocation-id",
      "amz-sdk-request",
      "x-amz-date",
      "x-amz-security-token",
      "cache-control",
    ]) {
      expect(allowed).toContain(name);
    }
  });

  it("answers with Cognito's content type, a request id and CORS exposure", async () => {
    const { status, headers } = await initiateForNobody(stack, { Origin: PAGE });
    expect(status).toBe(200);
    expect(headers.get("content-type")).toBe("application/x-amz-json-1.1");
    expect(headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers.get("access-control-allow-origin")).toBe(PAGE);
    const exposed = headers.get("access-control-expose-headers") ?? "";
    expect(exposed).toContain("x-amzn-requestid");
    expect(exposed).toContain("x-amzn-errortype");
  });

  it("answers an unknown operation as Cognito does", async () => {
    const { status, body, headers } = await call(stack, "CreateUserPool", { PoolName: "x" });
    expect(status).toBe(400);
    expect(String(body.__type)).toMatch(/(^|#)UnknownOperationException$/);
    expect(headers.get("x-amzn-errortype")).toBe("UnknownOperationException:");
  });

  it("answers a request with no target as an unknown operation", async () => {
    const response = await fetch(`${stack.endpoint}/`, {
      method: "POST",
      headers: { "Content-Type": "application/x-amz-json-1.1" },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(String(((await response.json()) as { __type: string }).__type)).toMatch(
      /UnknownOperationException$/,
    );
  });

  it("refuses a body that is not a JSON object", async () => {
    const { status, body } = await call(stack, "SignUp", "{not json");
    expect(status).toBe(400);
    expect(String(body.__type)).toMatch(/SerializationException$/);
  });

  it("sends errors as {__type, message} with x-amzn-ErrorType", async () => {
    const { status, body, headers } = await call(stack, "InitiateAuth", {
      ClientId: "nosuchclient",
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "a@example.com" },
    });
    expect(status).toBe(400);
    expect(body).toEqual({
      __type: "ResourceNotFoundException",
      message: "User pool client nosuchclient does not exist.",
    });
    expect(headers.get("x-amzn-errortype")).toBe("ResourceNotFoundException:");
  });

  it("names a missing member the way Cognito's validation does", async () => {
    const { body } = await call(stack, "InitiateAuth", { AuthFlow: "CUSTOM_AUTH" });
    expect(body).toEqual({
      __type: "InvalidParameterException",
      message:
        "1 validation error detected: Value null at 'clientId' failed to satisfy constraint: Member must not be null",
    });
  });

  it("refuses an unsigned admin call and a signature by other credentials, and serves stack.credentials", async () => {
    // Prepare
    const unsigned = await call(stack, "AdminGetUser", {
      UserPoolId: stack.userPoolId,
      Username: "x@example.com",
    });
    const badlySigned = await call(
      stack,
      "AdminGetUser",
      { UserPoolId: stack.userPoolId, Username: "x@example.com" },
      {
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
      },
    );
    // Act
    const signed = sdkClient(stack).send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "x@example.com" }),
    );
    // Assess
    expect(unsigned.body.__type).toBe("MissingAuthenticationTokenException");
    expect(badlySigned.body.__type).toBe("UnrecognizedClientException");
    await expect(signed).rejects.toMatchObject({
      name: "UserNotFoundException",
      message: "User does not exist.",
    });
  });

  it("refuses an admin call for another user pool", async () => {
    await expect(
      sdkClient(stack).send(
        new AdminGetUserCommand({ UserPoolId: "us-east-1_Nope12345", Username: "x@example.com" }),
      ),
    ).rejects.toMatchObject({
      name: "ResourceNotFoundException",
      message: "User pool us-east-1_Nope12345 does not exist.",
    });
  });

  it("serves the JWKS and the OpenID configuration under the issuer", async () => {
    const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: Record<string, string>[] };
    const config = (await (
      await fetch(`${stack.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;
    expect(stack.issuer).toBe(`${stack.endpoint}/${stack.userPoolId}`);
    // One key for ID tokens, one for access tokens, as Cognito's JWKS.
    expect(jwks.keys).toHaveLength(2);
    for (const key of jwks.keys) {
      expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig", kid: expect.any(String) });
      expect(key.d).toBeUndefined();
    }
    expect(jwks.keys[0]!.kid).not.toBe(jwks.keys[1]!.kid);
    expect(jwks.keys[0]!.n).not.toBe(jwks.keys[1]!.n);
    expect(config.issuer).toBe(stack.issuer);
    expect(config.jwks_uri).toBe(stack.jwksUrl);
  });

  it("answers 404 for other paths", async () => {
    expect((await fetch(`${stack.endpoint}/nope`)).status).toBe(404);
  });

  it("supports the operations of the issue, and GetTokensFromRefreshToken for Amplify v6", () => {
    expect([...SUPPORTED_OPERATIONS].sort()).toEqual(
      [
        "SignUp",
        "ConfirmSignUp",
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetUser",
        "UpdateUserAttributes",
        "GetUserAttributeVerificationCode",
        "VerifyUserAttribute",
        "DeleteUser",
        "GlobalSignOut",
        "RevokeToken",
        "GetTokensFromRefreshToken",
        "AdminGetUser",
        "AdminCreateUser",
        "AdminUpdateUserAttributes",
        "AdminDeleteUser",
        "AdminUserGlobalSignOut",
        "ListUsers",
      ].sort(),
    );
  });
});
