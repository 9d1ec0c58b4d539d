import { createLambdaHandler, type LambdaHttpEvent } from "@cognito-passcode/token-handler/lambda";
import { describe, expect, it } from "vitest";
import {
  authenticationResult,
  CLIENT_ID,
  COOKIE,
  KEY_A,
  ORIGIN,
  recordingUpstream,
} from "./support/requests.js";

/** A Lambda function URL event (payload format 2.0), as AWS sends it. */
function functionUrlEvent(
  operation: string,
  body: unknown,
  patch: { cookies?: string[]; headers?: Record<string, string>; base64?: boolean } = {},
): LambdaHttpEvent {
  const text = JSON.stringify(body);
  return {
    headers: {
      origin: ORIGIN,
      host: "abc123.lambda-url.eu-west-1.on.aws",
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      "x-cognito-passcode": "1",
      "sec-fetch-site": "same-site",
      ...patch.headers,
    },
    ...(patch.cookies ? { cookies: patch.cookies } : {}),
    body: patch.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: patch.base64 ?? false,
    requestContext: {
      http: { method: "POST", sourceIp: "198.51.100.23" },
    },
  };
}

const options = (upstream: ReturnType<typeof recordingUpstream>) => ({
  clientId: CLIENT_ID,
  endpoint: "https://cognito.test/",
  allowedOrigins: [ORIGIN],
  cookieKeys: [KEY_A],
  fetch: upstream.fetch,
});
const signIn = {
  ClientId: CLIENT_ID,
  ChallengeName: "CUSTOM_CHALLENGE",
  Session: "s",
  ChallengeResponses: { USERNAME: "a@example.com", ANSWER: "123456" },
};

describe("createLambdaHandler with function URL events", () => {
  it("signs in: the cookie in `cookies`, the body without the refresh token, sourceIp forwarded", async () => {
    const upstream = recordingUpstream((op) => ({
      body: authenticationResult(op === "RespondToAuthChallenge" ? "rt-lambda" : undefined),
    }));
    const handler = createLambdaHandler(options(upstream));
    const result = await handler(
      functionUrlEvent("RespondToAuthChallenge", signIn, { base64: true }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.body).not.toContain("rt-lambda");
    expect(result.cookies).toHaveLength(1);
    expect(result.cookies[0]).toMatch(
      new RegExp(`^${COOKIE}=.+; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=\\d+$`),
    );
    expect(result.headers["set-cookie"]).toBeUndefined();
    expect(result.headers["access-control-allow-origin"]).toBe(ORIGIN);
    expect(upstream.calls[0]!.body.UserContextData).toEqual({ IpAddress: "198.51.100.23" });

    // The browser sends the cookie back; Lambda puts it in `cookies`.
    const cookie = result.cookies[0]!.split(";")[0]!;
    const refreshed = await handler(
      functionUrlEvent(
        "GetTokensFromRefreshToken",
        { ClientId: CLIENT_ID },
        { cookies: ["theme=dark", cookie] },
      ),
    );
    expect(refreshed.statusCode).toBe(200);
    expect(upstream.calls[1]!.body.RefreshToken).toBe("rt-lambda");
  });

  it("reads CloudFront-Viewer-Address only when trusted", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const event = () =>
      functionUrlEvent("RespondToAuthChallenge", signIn, {
        headers: { "cloudfront-viewer-address": "2001:db8::7:51234" },
      });
    await createLambdaHandler({ ...options(upstream), trustCloudFrontViewerAddress: true })(
      event(),
    );
    await createLambdaHandler(options(upstream))(event());
    expect(upstream.calls.map((c) => c.body.UserContextData)).toEqual([
      { IpAddress: "2001:db8::7" },
      { IpAddress: "198.51.100.23" },
    ]);
  });

  it("answers an event whose base64 body does not decode with a Cognito-shaped 400", async () => {
    const upstream = recordingUpstream();
    const event = {
      ...functionUrlEvent("RespondToAuthChallenge", signIn),
      body: "%%%",
      isBase64Encoded: true,
    };
    const result = await createLambdaHandler(options(upstream))(event);
    expect(result.statusCode).toBe(400);
    expect(JSON.parse(result.body)).toMatchObject({ __type: "SerializationException" });
    expect(upstream.calls).toEqual([]);
  });

  it("refuses a cross-site or foreign-origin event, forwarding nothing", async () => {
    const upstream = recordingUpstream();
    const handler = createLambdaHandler(options(upstream));
    const crossSite = await handler(
      functionUrlEvent("RespondToAuthChallenge", signIn, {
        headers: { "sec-fetch-site": "cross-site" },
      }),
    );
    const foreign = await handler(
      functionUrlEvent("RespondToAuthChallenge", signIn, {
        headers: { origin: "https://evil.example" },
      }),
    );
    expect([crossSite.statusCode, foreign.statusCode]).toEqual([403, 403]);
    expect(JSON.parse(foreign.body)).toMatchObject({ __type: "ForbiddenException" });
    expect(foreign.headers["access-control-allow-origin"]).toBeUndefined();
    expect(upstream.calls).toEqual([]);
  });
});
