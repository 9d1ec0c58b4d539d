import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminUpdateUserAttributesCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  RevokeTokenCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { TokenService } from "../src/tokens.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, claims, sdkClient } from "./support/clients.js";
import { refreshWith as refresh, signIn, signUpAndSignIn } from "./support/flow.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let stack: LocalStack;
let other: LocalStack;
beforeAll(async () => {
  [stack, other] = await Promise.all([
    startLocalStack({ handlers: secretWordTriggers().handlers }),
    startLocalStack({
      handlers: secretWordTriggers().handlers,
      client: {
        idTokenValidityMinutes: 5,
        accessTokenValidityMinutes: 10,
        refreshTokenValidityMinutes: 120,
      },
    }),
  ]);
});
afterAll(() => Promise.all([stack?.stop(), other?.stop()]));

function getUser(s: LocalStack, accessToken: string) {
  return sdkClient(s).send(new GetUserCommand({ AccessToken: accessToken }));
}

describe("tokens", () => {
  it("signs an ID token with Cognito's claims, verifiable against the JWKS", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "Fay@Example.com");
    // Act
    const { payload, protectedHeader } = await jwtVerify(
      tokens.IdToken!,
      createRemoteJWKSet(new URL(stack.jwksUrl)),
      { issuer: stack.issuer, audience: stack.clientId },
    );
    // Assess
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: expect.any(String) });
    expect(payload).toMatchObject({
      sub: expect.stringMatching(UUID),
      email: "Fay@Example.com",
      // The claim mirrors the attribute as a boolean. These secret-word triggers
      // never verify an address (only the passcode Verify trigger does), so false.
      email_verified: false,
      "cognito:username": payload.sub,
      aud: stack.clientId,
      token_use: "id",
      iss: `${stack.endpoint}/${stack.userPoolId}`,
      jti: expect.stringMatching(UUID),
      origin_jti: expect.stringMatching(UUID),
      event_id: expect.stringMatching(UUID),
    });
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.auth_time).toBe(payload.iat);
  });

  it("signs an access token with Cognito's claims", async () => {
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "gus@example.com");
    const { payload } = await jwtVerify(
      tokens.AccessToken!,
      createRemoteJWKSet(new URL(stack.jwksUrl)),
      {
        issuer: stack.issuer,
      },
    );
    const id = claims(tokens.IdToken!);
    expect(payload).toMatchObject({
      sub: id.sub,
      client_id: stack.clientId,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      username: id["cognito:username"],
      origin_jti: id.origin_jti,
      event_id: id.event_id,
    });
    expect(payload.aud).toBeUndefined();
    expect(payload.email).toBeUndefined();
  });

  it("honours the app client's token validities", async () => {
    const tokens = await signUpAndSignIn(other, sdkClient(other), "hal@example.com");
    const id = claims(tokens.IdToken!);
    const access = claims(tokens.AccessToken!);
    expect(Number(id.exp) - Number(id.iat)).toBe(300);
    expect(Number(access.exp) - Number(access.iat)).toBe(600);
    expect(tokens.ExpiresIn).toBe(600);
    other.clock.advance(121 * 60_000);
    await expect(refresh(other, tokens.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Refresh Token has expired",
    });
  });

  it("puts custom attributes in the ID token and refreshes them, without a new refresh token", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "ida@example.com");
    const username = String(claims(tokens.IdToken!)["cognito:username"]);
    await sdkClient(stack).send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: stack.userPoolId,
        Username: username,
        UserAttributes: [{ Name: "custom:username", Value: "ida_1" }],
      }),
    );
    // Act
    const refreshed = await refresh(stack, tokens.RefreshToken!);
    const alias = await refresh(stack, tokens.RefreshToken!, "REFRESH_TOKEN");
    // Assess
    expect(refreshed.AuthenticationResult?.RefreshToken).toBeUndefined();
    expect(claims(refreshed.AuthenticationResult!.IdToken!)["custom:username"]).toBe("ida_1");
    expect(claims(refreshed.AuthenticationResult!.IdToken!).origin_jti).toBe(
      claims(tokens.IdToken!).origin_jti,
    );
    expect(alias.AuthenticationResult?.AccessToken).toBeTruthy();
    const newer = await sdkClient(stack).send(
      new GetTokensFromRefreshTokenCommand({
        ClientId: stack.clientId,
        RefreshToken: tokens.RefreshToken!,
      }),
    );
    expect(claims(newer.AuthenticationResult!.IdToken!)["custom:username"]).toBe("ida_1");
    expect(newer.AuthenticationResult!.RefreshToken).toBeUndefined();
    const again = await signIn(stack, sdkClient(stack), "ida@example.com");
    expect(claims(again.IdToken!)["custom:username"]).toBe("ida_1");
  });

  it("RevokeToken revokes the refresh token and the access tokens issued from it, and nothing else", async () => {
    // Prepare
    const first = await signUpAndSignIn(stack, sdkClient(stack), "jo@example.com");
    const second = await signIn(stack, sdkClient(stack), "jo@example.com");
    const refreshed = await refresh(stack, first.RefreshToken!);
    // Act
    await sdkClient(stack).send(
      new RevokeTokenCommand({ ClientId: stack.clientId, Token: first.RefreshToken! }),
    );
    // Assess
    await expect(refresh(stack, first.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Refresh Token has been revoked",
    });
    for (const token of [first.AccessToken!, refreshed.AuthenticationResult!.AccessToken!]) {
      await expect(getUser(stack, token)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
    }
    expect((await getUser(stack, second.AccessToken!)).Username).toBeTruthy();
    expect((await refresh(stack, second.RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("GlobalSignOut revokes every refresh and access token of the user", async () => {
    const first = await signUpAndSignIn(stack, sdkClient(stack), "kim@example.com");
    const second = await signIn(stack, sdkClient(stack), "kim@example.com");
    const bystander = await signUpAndSignIn(stack, sdkClient(stack), "lou@example.com");
    await sdkClient(stack).send(new GlobalSignOutCommand({ AccessToken: second.AccessToken! }));
    for (const tokens of [first, second]) {
      await expect(getUser(stack, tokens.AccessToken!)).rejects.toMatchObject({
        message: "Access Token has been revoked",
      });
      await expect(refresh(stack, tokens.RefreshToken!)).rejects.toMatchObject({
        message: "Refresh Token has been revoked",
      });
    }
    expect((await getUser(stack, bystander.AccessToken!)).Username).toBeTruthy();
  });

  it("expires access tokens on the stack's clock, while the refresh token still works", async () => {
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "max@example.com");
    stack.clock.advance(60 * 60_000 + 1000);
    await expect(getUser(stack, tokens.AccessToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Access Token has expired",
    });
    const refreshed = await refresh(stack, tokens.RefreshToken!);
    expect(
      (await getUser(stack, refreshed.AuthenticationResult!.AccessToken!)).Username,
    ).toBeTruthy();
  });

  it("refuses tokens it did not issue", async () => {
    const foreign = await signUpAndSignIn(other, sdkClient(other), "ned@example.com");
    await expect(getUser(stack, foreign.AccessToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Access Token",
    });
    await expect(getUser(stack, foreign.IdToken!)).rejects.toMatchObject({
      message: "Invalid Access Token",
    });
    await expect(refresh(stack, foreign.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Refresh Token",
    });
  });

  it("treats RevokeToken of an unknown token as done, as RFC 7009 says", async () => {
    const { status, body } = await call(stack, "RevokeToken", {
      ClientId: stack.clientId,
      Token: "nope",
    });
    expect(status).toBe(200);
    expect(body).toEqual({});
  });
});

describe("tokens with token revocation off", () => {
  let plain: LocalStack;
  beforeAll(async () => {
    plain = await startLocalStack({
      handlers: secretWordTriggers().handlers,
      client: { enableTokenRevocation: false },
    });
  });
  afterAll(() => plain?.stop());

  it("GlobalSignOut still stops the user's access tokens at Cognito's APIs, and their refresh tokens", async () => {
    // Prepare: two sessions of one user, one of another
    const first = await signUpAndSignIn(plain, sdkClient(plain), "oz@example.com");
    const second = await signIn(plain, sdkClient(plain), "oz@example.com");
    const refreshed = await refresh(plain, first.RefreshToken!);
    const bystander = await signUpAndSignIn(plain, sdkClient(plain), "pia@example.com");
    expect(claims(first.AccessToken!).origin_jti).toBeUndefined();
    // Act
    await sdkClient(plain).send(new GlobalSignOutCommand({ AccessToken: second.AccessToken! }));
    // Assess
    for (const token of [
      first.AccessToken!,
      second.AccessToken!,
      refreshed.AuthenticationResult!.AccessToken!,
    ]) {
      await expect(getUser(plain, token)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
      await expect(
        sdkClient(plain).send(
          new UpdateUserAttributesCommand({
            AccessToken: token,
            UserAttributes: [{ Name: "name", Value: "Oz" }],
          }),
        ),
      ).rejects.toMatchObject({ message: "Access Token has been revoked" });
      await expect(
        sdkClient(plain).send(new GlobalSignOutCommand({ AccessToken: token })),
      ).rejects.toMatchObject({ message: "Access Token has been revoked" });
    }
    for (const token of [first.RefreshToken!, second.RefreshToken!]) {
      await expect(refresh(plain, token)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Refresh Token has been revoked",
      });
    }
    expect((await getUser(plain, bystander.AccessToken!)).Username).toBeTruthy();
    // A sign-in after the sign-out, even within the same second, is a new session.
    const again = await signIn(plain, sdkClient(plain), "oz@example.com");
    expect((await getUser(plain, again.AccessToken!)).Username).toBeTruthy();
    expect((await refresh(plain, again.RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("still refuses RevokeToken", async () => {
    const tokens = await signUpAndSignIn(plain, sdkClient(plain), "quin@example.com");
    await expect(
      sdkClient(plain).send(
        new RevokeTokenCommand({ ClientId: plain.clientId, Token: tokens.RefreshToken! }),
      ),
    ).rejects.toMatchObject({ name: "UnsupportedOperationException" });
    expect((await getUser(plain, tokens.AccessToken!)).Username).toBeTruthy();
  });
});

describe("TokenService over a long run", () => {
  it("forgets refresh tokens once they and the access tokens issued from them have expired", async () => {
    // Prepare
    let now = Date.UTC(2030, 0, 1);
    const tokens = await TokenService.create({
      issuer: "http://127.0.0.1:1/us-east-1_test",
      clientId: "client1",
      idTokenValidityMs: 5 * 60_000,
      accessTokenValidityMs: 10 * 60_000,
      refreshTokenValidityMs: 60 * 60_000,
      enableTokenRevocation: true,
      now: () => now,
    });
    const user = {
      username: "u1",
      attributes: { sub: "s1", email: "u1@example.com" },
      status: "CONFIRMED" as const,
      enabled: true,
      createdAt: now,
      updatedAt: now,
    };
    const readable = new Set(["sub", "email"]);
    const old = await tokens.issue(user, readable);
    for (let i = 0; i < 20; i++) await tokens.issue(user, readable);
    tokens.revokeAll("u1");
    // Act: past the refresh tokens' expiry and the last access token's
    now += 70 * 60_000;
    const fresh = await tokens.issue(user, readable);
    // Assess
    expect(tokens.size).toBe(1);
    await expect(tokens.refresh(fresh.RefreshToken!, () => user, readable)).resolves.toBeTruthy();
    await expect(tokens.refresh(old.RefreshToken!, () => user, readable)).rejects.toMatchObject({
      type: "NotAuthorizedException",
    });
  });
});

/** TokenService settings for tests that drive it directly. */
const serviceSettings = (now: () => number, enableTokenRevocation = true) => ({
  issuer: "http://127.0.0.1:1/us-east-1_test",
  clientId: "client1",
  idTokenValidityMs: 60 * 60_000,
  accessTokenValidityMs: 60 * 60_000,
  refreshTokenValidityMs: 120 * 60_000,
  enableTokenRevocation,
  now,
});

/** A confirmed user "u1" with only a `sub`. */
const plainUser = {
  username: "u1",
  attributes: { sub: "s1" },
  status: "CONFIRMED" as const,
  enabled: true,
  createdAt: 0,
  updatedAt: 0,
};

describe("TokenService.issue", () => {
  it("gives a fresh sign-in's tokens an auth_time equal to iat, even across a second boundary", async () => {
    // Prepare: a clock that ticks over to the next second after its first reading
    let reads = 0;
    const tokens = await TokenService.create(
      serviceSettings(() => (reads++ === 0 ? 1_800_000_000_999 : 1_800_000_001_000)),
    );
    // Act
    const issued = await tokens.issue(plainUser, new Set(["sub"]));
    // Assess
    for (const token of [issued.IdToken, issued.AccessToken]) {
      const payload = claims(token);
      expect(payload.iat).toEqual(expect.any(Number));
      expect(payload.auth_time).toBe(payload.iat);
    }
  });
});

describe("TokenService.verifyAccessToken", () => {
  it("refuses a well-signed access token it holds no record of (a stack that stopped before writing its records)", async () => {
    // Prepare: two services on one data folder; the second starts before the first wrote anything.
    const dir = await mkdtemp(join(tmpdir(), "cp-tokens-"));
    try {
      const settings = serviceSettings(() => 1_800_000_000_000, false);
      const first = await TokenService.create(settings, dir);
      // Created before the first issues: its records' write (scheduled, not
      // awaited) cannot have landed yet, whatever the machine's speed.
      const second = await TokenService.create(settings, dir);
      const issued = await first.issue(plainUser, new Set(["sub"]));
      await expect(first.verifyAccessToken(issued.AccessToken)).resolves.toMatchObject({
        username: "u1",
      });
      second.revokeAll("u1");
      // Act + Assess: the same key signs both, but only the first knows the token.
      await expect(second.verifyAccessToken(issued.AccessToken)).rejects.toMatchObject({
        type: "NotAuthorizedException",
        message: "Invalid Access Token",
      });
      await first.flush();
      await second.flush();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
