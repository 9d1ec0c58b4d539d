import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { afterEach } from "vitest";
import { type LocalStack, type LocalStackOptions, startLocalStack } from "../../src/index.js";

/** A real AWS SDK v3 client pointed at the stack, with the stack's credentials (admin calls are signed with them). */
export function sdkClient(stack: LocalStack): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: stack.credentials,
    maxAttempts: 1,
  });
}

/**
 * One stack per test: registers an afterEach that stops the stack the returned
 * function last started; that function starts one with `options` and hands it
 * back with an {@link sdkClient}. Call it once, at the top of a test file.
 */
export function stackPerTest(): (
  options?: LocalStackOptions,
) => Promise<{ stack: LocalStack; client: CognitoIdentityProviderClient }> {
  let stack: LocalStack | undefined;
  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
  });
  return async (options = {}) => {
    stack = await startLocalStack(options);
    return { stack, client: sdkClient(stack) };
  };
}

/** One raw Cognito JSON call with fetch: status, headers and parsed body. */
export async function call(
  stack: LocalStack,
  operation: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(`${stack.endpoint}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
      ...headers,
    },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

/** A CORS preflight for a POST from `origin`, naming `requestHeaders` when given. */
export function corsPreflight(stack: LocalStack, origin: string, requestHeaders?: string) {
  return fetch(`${stack.endpoint}/`, {
    method: "OPTIONS",
    headers: {
      Origin: origin,
      "Access-Control-Request-Method": "POST",
      ...(requestHeaders === undefined ? {} : { "Access-Control-Request-Headers": requestHeaders }),
    },
  });
}

/** A raw CUSTOM_AUTH `InitiateAuth` for a user the pool does not have (the answer is still a challenge). */
export function initiateForNobody(stack: LocalStack, headers: Record<string, string> = {}) {
  return call(
    stack,
    "InitiateAuth",
    {
      ClientId: stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "nobody@example.com" },
    },
    headers,
  );
}

/** A password that passes Cognito's default policy. */
export const PASSWORD = "Local-Passw0rd!";

/** Decodes a JWT's payload without verifying it. */
export function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
}
