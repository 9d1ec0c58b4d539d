import {
  type CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type CognitoUserSession,
} from "amazon-cognito-identity-js";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { describe, expect, it } from "vitest";
import { type LocalStack, PROTECTED_ID_TOKEN_CLAIMS, type TriggerEvent } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { stackPerTest } from "./support/clients.js";
import { signUp, startCustomAuth } from "./support/flow.js";

const start = stackPerTest();

/** What the test's Pre Token Generation trigger answers; changed per case. */
type Answer = (event: TriggerEvent) => unknown;

/** Every trigger of the stack is the test's own: no default trigger, so nothing of @cognito-passcode/triggers loads. */
const ownPostAuthentication = async (event: TriggerEvent) => event;

/** A stack with the secret-word trio and a recording Pre Token Generation trigger. */
async function stackWithPreToken(
  answer: { current: Answer },
  options: Parameters<typeof start>[0] = {},
) {
  const trio = secretWordTriggers();
  const seen: TriggerEvent[] = [];
  const started = await start({
    ...options,
    handlers: {
      ...trio.handlers,
      postAuthentication: ownPostAuthentication,
      preTokenGeneration: async (event: TriggerEvent) => {
        seen.push(structuredClone(event));
        const response = answer.current(event);
        if (response === "throw") throw new Error("boom");
        event.response = response as Record<string, unknown>;
        return event;
      },
    },
  });
  return { ...started, seen };
}

/** SignUp + CUSTOM_AUTH answered rightly, the answer carrying `meta` as ClientMetadata. */
async function signIn(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  meta?: Record<string, string>,
) {
  await signUp(stack, email, client).catch((error: Error) => {
    if (error.name !== "UsernameExistsException") throw error;
  });
  const started = await startCustomAuth(stack, client, email, { ignored: "initiate" });
  const done = await client.send(
    new RespondToAuthChallengeCommand({
      ClientId: stack.clientId,
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: started.Session,
      ChallengeResponses: {
        USERNAME: started.ChallengeParameters!.USERNAME!,
        ANSWER: "open-sesame",
      },
      ...(meta ? { ClientMetadata: meta } : {}),
    }),
  );
  return done.AuthenticationResult!;
}

async function verified(stack: LocalStack, token: string) {
  const jwks = createRemoteJWKSet(new URL(stack.jwksUrl));
  const { payload } = await jwtVerify(token, jwks, { issuer: stack.issuer });
  return payload as Record<string, unknown>;
}

const adds = (claims: Record<string, string>, suppress: string[] = []) => ({
  claimsOverrideDetails: { claimsToAddOrOverride: claims, claimsToSuppress: suppress },
});

describe("Pre Token Generation (V1_0) in the local stack", () => {
  it("runs after a custom-auth sign-in with Cognito's V1_0 event and RespondToAuthChallenge's ClientMetadata", async () => {
    // Prepare
    const answer = { current: (() => ({ claimsOverrideDetails: null })) as Answer };
    const { stack, client, seen } = await stackWithPreToken(answer);
    // Act
    const tokens = await signIn(stack, client, "ada@example.com", { "app:flag": "1" });
    // Assess
    expect(seen).toHaveLength(1);
    const event = seen[0]!;
    expect(event).toMatchObject({
      version: "1",
      triggerSource: "TokenGeneration_Authentication",
      region: stack.region,
      userPoolId: stack.userPoolId,
      callerContext: { clientId: stack.clientId },
      response: { claimsOverrideDetails: null },
    });
    expect(event.request).toEqual({
      userAttributes: expect.objectContaining({
        sub: expect.any(String),
        email: "ada@example.com",
        "cognito:user_status": "CONFIRMED",
      }),
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null },
      clientMetadata: { "app:flag": "1" },
    });
    expect(event.userName).toBe(decodeJwt(tokens.IdToken!)["cognito:username"]);
  });

  it("applies claimsToAddOrOverride and claimsToSuppress to the ID token only; a claim added and suppressed is suppressed", async () => {
    // Prepare
    const answer: { current: Answer } = {
      current: () =>
        adds({ tier: "gold", email: "shown@example.com", both: "x" }, ["email_verified", "both"]),
    };
    const { stack, client } = await stackWithPreToken(answer);
    // Act
    const tokens = await signIn(stack, client, "bea@example.com");
    // Assess
    const id = await verified(stack, tokens.IdToken!);
    expect(id.tier).toBe("gold");
    expect(id.email).toBe("shown@example.com");
    expect(id).not.toHaveProperty("email_verified");
    expect(id).not.toHaveProperty("both");
    expect(id.token_use).toBe("id");
    const access = await verified(stack, tokens.AccessToken!);
    expect(access).not.toHaveProperty("tier");
    expect(access).not.toHaveProperty("both");
    expect(access.token_use).toBe("access");
  });

  it("an ID token without a trigger answer (claimsOverrideDetails null) has the same claims as without the trigger", async () => {
    const answer = { current: (() => ({ claimsOverrideDetails: null })) as Answer };
    const { stack, client } = await stackWithPreToken(answer);
    const tokens = await signIn(stack, client, "cid@example.com");
    const id = decodeJwt(tokens.IdToken!);
    expect(Object.keys(id).sort()).toEqual(
      [
        "aud",
        "auth_time",
        "cognito:username",
        "email",
        "email_verified",
        "event_id",
        "exp",
        "iat",
        "iss",
        "jti",
        "origin_jti",
        "sub",
        "token_use",
      ].sort(),
    );
  });

  it("runs on REFRESH_TOKEN_AUTH (no ClientMetadata: InitiateAuth's never reaches it) and on GetTokensFromRefreshToken (with its ClientMetadata)", async () => {
    // Prepare
    const answer: { current: Answer } = {
      current: (event) => adds({ source: event.triggerSource }),
    };
    const { stack, client, seen } = await stackWithPreToken(answer);
    const tokens = await signIn(stack, client, "dan@example.com");
    // Act
    const viaInitiate = await client.send(
      new InitiateAuthCommand({
        ClientId: stack.clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken! },
        ClientMetadata: { "app:flag": "initiate" },
      }),
    );
    const viaGetTokens = await client.send(
      new GetTokensFromRefreshTokenCommand({
        ClientId: stack.clientId,
        RefreshToken: tokens.RefreshToken!,
        ClientMetadata: { "app:flag": "refresh" },
      }),
    );
    // Assess
    expect(seen.map((event) => event.triggerSource)).toEqual([
      "TokenGeneration_Authentication",
      "TokenGeneration_RefreshTokens",
      "TokenGeneration_RefreshTokens",
    ]);
    expect(seen[1]!.request).not.toHaveProperty("clientMetadata");
    expect(seen[2]!.request.clientMetadata).toEqual({ "app:flag": "refresh" });
    expect(seen[1]!.request.groupConfiguration).toEqual({
      groupsToOverride: [],
      iamRolesToOverride: [],
      preferredRole: null,
    });
    for (const result of [viaInitiate, viaGetTokens]) {
      const id = await verified(stack, result.AuthenticationResult!.IdToken!);
      expect(id.source).toBe("TokenGeneration_RefreshTokens");
      const access = decodeJwt(result.AuthenticationResult!.AccessToken!);
      expect(access).not.toHaveProperty("source");
    }
  });

  it("refuses every claim Cognito does not let a trigger modify, added or suppressed, on sign-in and refresh (InvalidLambdaResponseException, no tokens)", async () => {
    // Prepare
    const answer: { current: Answer } = { current: () => ({ claimsOverrideDetails: null }) };
    const { stack, client } = await stackWithPreToken(answer);
    const tokens = await signIn(stack, client, "eve@example.com");
    expect(PROTECTED_ID_TOKEN_CLAIMS.size).toBe(17);
    for (const claim of PROTECTED_ID_TOKEN_CLAIMS) {
      for (const response of [adds({ [claim]: "forged" }), adds({}, [claim])]) {
        answer.current = () => response;
        // Act + Assess
        await expect(signIn(stack, client, "eve@example.com"), claim).rejects.toMatchObject({
          name: "InvalidLambdaResponseException",
          message: expect.stringContaining(claim),
        });
        await expect(
          client.send(
            new GetTokensFromRefreshTokenCommand({
              ClientId: stack.clientId,
              RefreshToken: tokens.RefreshToken!,
            }),
          ),
          claim,
        ).rejects.toMatchObject({ name: "InvalidLambdaResponseException" });
      }
    }
    // The same trigger answering an ordinary claim signs in.
    answer.current = () => adds({ subject: "fine" });
    const ok = await signIn(stack, client, "eve@example.com");
    expect(decodeJwt(ok.IdToken!).subject).toBe("fine");
  });

  it("refuses V1_0 answers of the wrong shape: a non-string claim value, a suppress list that is not strings", async () => {
    const answer: { current: Answer } = { current: () => adds({}) };
    const { stack, client } = await stackWithPreToken(answer);
    for (const response of [
      { claimsOverrideDetails: { claimsToAddOrOverride: { level: 3 } } },
      { claimsOverrideDetails: { claimsToAddOrOverride: { level: ["a"] } } },
      { claimsOverrideDetails: { claimsToSuppress: "email" } },
      { claimsOverrideDetails: { claimsToSuppress: [1] } },
      { claimsOverrideDetails: "all" },
    ]) {
      answer.current = () => response;
      await expect(signIn(stack, client, "fay@example.com")).rejects.toMatchObject({
        name: "InvalidLambdaResponseException",
      });
    }
  });

  it("a trigger error fails the sign-in as Cognito reports it (UserLambdaValidationException), no tokens", async () => {
    // Prepare
    const answer: { current: Answer } = { current: () => "throw" };
    const { stack, client } = await stackWithPreToken(answer);
    // Act + Assess
    await expect(signIn(stack, client, "gus@example.com")).rejects.toMatchObject({
      name: "UserLambdaValidationException",
      message: "PreTokenGeneration failed with error boom.",
    });
  });

  it("with rotation, a refresh whose trigger fails leaves the refresh token unused: it still works once the trigger does", async () => {
    // Prepare
    const answer: { current: Answer } = { current: () => adds({}) };
    const { stack, client } = await stackWithPreToken(answer, {
      client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 } },
    });
    const tokens = await signIn(stack, client, "hal@example.com");
    const refresh = () =>
      client.send(
        new GetTokensFromRefreshTokenCommand({
          ClientId: stack.clientId,
          RefreshToken: tokens.RefreshToken!,
        }),
      );
    answer.current = () => "throw";
    // Act
    await expect(refresh()).rejects.toMatchObject({ name: "UserLambdaValidationException" });
    answer.current = () => adds({ again: "yes" });
    const result = await refresh();
    // Assess
    expect(decodeJwt(result.AuthenticationResult!.IdToken!).again).toBe("yes");
    expect(result.AuthenticationResult!.RefreshToken).toBeDefined();
    // Used once now: with no grace, a second use is a reuse.
    await expect(refresh()).rejects.toMatchObject({ name: "RefreshTokenReuseException" });
  });

  it("amazon-cognito-identity-js: sendCustomChallengeAnswer's clientMetadata reaches the trigger, and its ID token carries the claim", async () => {
    // Prepare
    const answer: { current: Answer } = {
      current: (event) =>
        adds({ seen: String((event.request.clientMetadata as Record<string, string>)?.app) }),
    };
    const { stack, client, seen } = await stackWithPreToken(answer);
    await signUp(stack, "joy@example.com", client);
    const pool = new CognitoUserPool({
      UserPoolId: stack.userPoolId,
      ClientId: stack.clientId,
      endpoint: `${stack.endpoint}/`,
    });
    const user = new CognitoUser({ Username: "joy@example.com", Pool: pool });
    user.setAuthenticationFlowType("CUSTOM_AUTH");
    await new Promise((resolve, reject) => {
      user.initiateAuth(new AuthenticationDetails({ Username: "joy@example.com" }), {
        onSuccess: () => reject(new Error("tokens before an answer")),
        onFailure: reject,
        customChallenge: resolve,
      });
    });
    // Act
    const session = await new Promise<CognitoUserSession>((resolve, reject) => {
      user.sendCustomChallengeAnswer(
        "open-sesame",
        { onSuccess: resolve, onFailure: reject, customChallenge: reject },
        { app: "identity-js" },
      );
    });
    // Assess
    expect(seen.at(-1)?.request.clientMetadata).toEqual({ app: "identity-js" });
    expect(session.getIdToken().decodePayload().seen).toBe("identity-js");
    expect(session.getAccessToken().decodePayload()).not.toHaveProperty("seen");
  });

  it("a module-path preTokenGeneration handler is loaded like the other handlers", async () => {
    const { stack, client } = await start({
      handlers: {
        ...secretWordTriggers().handlers,
        postAuthentication: ownPostAuthentication,
        preTokenGeneration: `${import.meta.dirname}/support/module-handlers.mjs#preTokenGeneration`,
      },
    });
    const tokens = await signIn(stack, client, "ivy@example.com");
    expect(decodeJwt(tokens.IdToken!).from_module).toBe("yes");
  });
});
