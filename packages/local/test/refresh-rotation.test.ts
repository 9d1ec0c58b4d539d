import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminUserGlobalSignOutCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  RevokeTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { isPasscodeError } from "@cognito-passcode/shared";
import fc from "fast-check";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COGNITO_MODEL } from "../src/cognito-model.gen.js";
import {
  type LocalClientSettings,
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from "../src/index.js";
import { outputProblems } from "../src/model-validation.js";
import { resolveOptions } from "../src/resolve-options.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, claims, sdkClient, stackPerTest } from "./support/clients.js";
import { refreshWith, signIn, signUpAndSignIn } from "./support/flow.js";

// Refresh-token rotation per app client, as AWS documents it:
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-refresh-token.html
// https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RefreshTokenRotationType.html

const start = stackPerTest();
const T0 = Date.UTC(2031, 4, 1);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** A stack whose clock moves only through `stack.clock.advance`, so grace-period edges are exact. */
function rotating(
  rotation: LocalClientSettings["refreshTokenRotation"],
  more: LocalStackOptions = {},
) {
  return start({
    handlers: secretWordTriggers().handlers,
    now: () => T0,
    ...more,
    client: { refreshTokenValidityMinutes: 60, refreshTokenRotation: rotation, ...more.client },
  });
}

function rotate(stack: LocalStack, token: string) {
  return sdkClient(stack).send(
    new GetTokensFromRefreshTokenCommand({ ClientId: stack.clientId, RefreshToken: token }),
  );
}

async function newToken(stack: LocalStack, token: string): Promise<string> {
  const { AuthenticationResult } = await rotate(stack, token);
  expect(AuthenticationResult?.RefreshToken).toEqual(expect.any(String));
  return AuthenticationResult!.RefreshToken!;
}

const REUSED = { name: "RefreshTokenReuseException" };
const REVOKED = { name: "NotAuthorizedException", message: "Refresh Token has been revoked" };
const EXPIRED = { name: "NotAuthorizedException", message: "Refresh Token has expired" };

describe("refresh-token rotation on", () => {
  it("GetTokensFromRefreshToken returns new ID, access and refresh tokens, in AWS's output shape", async () => {
    // Prepare
    const { stack, client } = await rotating({ enabled: true });
    const first = await signUpAndSignIn(stack, client, "ana@example.com");
    // Act
    const raw = await call(stack, "GetTokensFromRefreshToken", {
      ClientId: stack.clientId,
      RefreshToken: first.RefreshToken,
    });
    // Assess
    expect(raw.status).toBe(200);
    expect(outputProblems("GetTokensFromRefreshToken", raw.body)).toEqual([]);
    const result = raw.body.AuthenticationResult as Record<string, unknown>;
    expect(Object.keys(result).sort()).toEqual(
      ["AccessToken", "ExpiresIn", "IdToken", "RefreshToken", "TokenType"].sort(),
    );
    expect(result.RefreshToken).not.toBe(first.RefreshToken);
    expect(String(result.RefreshToken).split(".")).toHaveLength(5);
    // The session is the same sign-in: same auth_time, and (documented) origin_jti in both tokens.
    const id = claims(String(result.IdToken));
    expect(id.auth_time).toBe(claims(first.IdToken!).auth_time);
    expect(id.origin_jti).toBe(claims(first.IdToken!).origin_jti);
    expect(claims(String(result.AccessToken)).origin_jti).toBe(id.origin_jti);
    // The new token refreshes in turn, and its access token works.
    const third = await rotate(stack, String(result.RefreshToken));
    const user = await client.send(
      new GetUserCommand({ AccessToken: third.AuthenticationResult!.AccessToken! }),
    );
    expect(user.Username).toBe(id["cognito:username"]);
  });

  it("with RetryGracePeriodSeconds 0 (the default) a refresh token is single use", async () => {
    // Prepare
    const { stack, client } = await rotating({ enabled: true });
    const { RefreshToken } = await signUpAndSignIn(stack, client, "bea@example.com");
    // Act
    const next = await newToken(stack, RefreshToken!);
    // Assess
    await expect(rotate(stack, RefreshToken!)).rejects.toMatchObject(REUSED);
    expect(await newToken(stack, next)).toEqual(expect.any(String));
  });

  it("keeps the presented token only within the grace period after its first use", async () => {
    // Prepare
    const { stack, client } = await rotating({ enabled: true, retryGracePeriodSeconds: 10 });
    const { RefreshToken } = await signUpAndSignIn(stack, client, "cy@example.com");
    await newToken(stack, RefreshToken!);
    // Act + Assess: a retry 9.999 s later works (and rotates again)...
    stack.clock.advance(9 * SECOND + 999);
    const retried = await newToken(stack, RefreshToken!);
    // ...but the window runs from the first use, not the retry: 10 s after it, refused.
    stack.clock.advance(1);
    await expect(rotate(stack, RefreshToken!)).rejects.toMatchObject(REUSED);
    // The token the retry returned is a live one.
    expect(await newToken(stack, retried)).toEqual(expect.any(String));
  });

  it("never lets a rotated token outlive the original's expiry", async () => {
    // Prepare: refresh tokens last 60 minutes from the sign-in
    const { stack, client } = await rotating({ enabled: true });
    const { RefreshToken } = await signUpAndSignIn(stack, client, "dee@example.com");
    stack.clock.advance(50 * MINUTE);
    const late = await newToken(stack, RefreshToken!);
    stack.clock.advance(10 * MINUTE - 1);
    const last = await newToken(stack, late);
    // Act
    stack.clock.advance(1);
    // Assess: 60 minutes after the sign-in, every token of the session has expired.
    await expect(rotate(stack, last)).rejects.toMatchObject(EXPIRED);
  });

  it("refuses InitiateAuth REFRESH_TOKEN_AUTH and REFRESH_TOKEN, whether or not the client lists ALLOW_REFRESH_TOKEN_AUTH", async () => {
    for (const explicitAuthFlows of [
      ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      ["ALLOW_CUSTOM_AUTH"],
    ]) {
      // Prepare
      const { stack, client } = await rotating(
        { enabled: true, retryGracePeriodSeconds: 60 },
        { client: { explicitAuthFlows } },
      );
      const { RefreshToken } = await signUpAndSignIn(stack, client, "eve@example.com");
      // Act + Assess
      for (const flow of ["REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"] as const) {
        await expect(refreshWith(stack, RefreshToken!, flow)).rejects.toMatchObject({
          name: "InvalidParameterException",
        });
      }
      // The refusal did not use up the token: GetTokensFromRefreshToken still takes it.
      expect(await newToken(stack, RefreshToken!)).toEqual(expect.any(String));
      await stack.stop();
    }
  });

  it("RevokeToken with any token of a rotated session revokes the whole session, and nothing else", async () => {
    // Prepare: t0 -> t1 -> t2, all within a 60 s grace, plus a second sign-in
    const { stack, client } = await rotating({ enabled: true, retryGracePeriodSeconds: 60 });
    const first = await signUpAndSignIn(stack, client, "fox@example.com");
    const r1 = await rotate(stack, first.RefreshToken!);
    const t1 = r1.AuthenticationResult!.RefreshToken!;
    const t2 = await newToken(stack, t1);
    const other = await signIn(stack, client, "fox@example.com");
    // Act: revoke the middle one
    await client.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: t1 }));
    // Assess
    for (const token of [first.RefreshToken!, t1, t2]) {
      await expect(rotate(stack, token)).rejects.toMatchObject(REVOKED);
    }
    for (const access of [first.AccessToken!, r1.AuthenticationResult!.AccessToken!]) {
      await expect(client.send(new GetUserCommand({ AccessToken: access }))).rejects.toMatchObject({
        message: "Access Token has been revoked",
      });
    }
    expect(await newToken(stack, other.RefreshToken!)).toEqual(expect.any(String));
  });

  it("GlobalSignOut and AdminUserGlobalSignOut revoke every rotated token", async () => {
    // Prepare
    const { stack, client } = await rotating({ enabled: true, retryGracePeriodSeconds: 60 });
    const first = await signUpAndSignIn(stack, client, "gil@example.com");
    const r1 = await rotate(stack, first.RefreshToken!);
    // Act
    await client.send(
      new GlobalSignOutCommand({ AccessToken: r1.AuthenticationResult!.AccessToken! }),
    );
    // Assess
    for (const token of [first.RefreshToken!, r1.AuthenticationResult!.RefreshToken!]) {
      await expect(rotate(stack, token)).rejects.toMatchObject(REVOKED);
    }
    // And the admin call, for a session started after it.
    const second = await signIn(stack, client, "gil@example.com");
    const t1 = await newToken(stack, second.RefreshToken!);
    await client.send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: stack.userPoolId,
        Username: "gil@example.com",
      }),
    );
    await expect(rotate(stack, t1)).rejects.toMatchObject(REVOKED);
  });

  it("puts origin_jti in the tokens also when token revocation is off (documented for rotation)", async () => {
    // Prepare
    const { stack, client } = await rotating(
      { enabled: true },
      { client: { enableTokenRevocation: false } },
    );
    const { RefreshToken } = await signUpAndSignIn(stack, client, "gus@example.com");
    // Act
    const { AuthenticationResult } = await rotate(stack, RefreshToken!);
    // Assess
    const origin = claims(AuthenticationResult!.IdToken!).origin_jti;
    expect(origin).toEqual(expect.any(String));
    expect(claims(AuthenticationResult!.AccessToken!).origin_jti).toBe(origin);
  });

  it("answers every refusal with an error the model lists for the operation", async () => {
    // Prepare
    const { stack, client } = await rotating({ enabled: true });
    const { RefreshToken } = await signUpAndSignIn(stack, client, "hal@example.com");
    await newToken(stack, RefreshToken!);
    // Act
    const reused = await call(stack, "GetTokensFromRefreshToken", {
      ClientId: stack.clientId,
      RefreshToken,
    });
    const initiate = await call(stack, "InitiateAuth", {
      ClientId: stack.clientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: RefreshToken },
    });
    // Assess
    expect(reused.status).toBe(400);
    expect(reused.body.__type).toBe("RefreshTokenReuseException");
    expect(reused.headers.get("x-amzn-errortype")).toBe("RefreshTokenReuseException:");
    expect(typeof reused.body.message).toBe("string");
    expect(initiate.status).toBe(400);
    expect(initiate.body.__type).toBe("InvalidParameterException");
    expect(String(initiate.body.message)).toContain("GetTokensFromRefreshToken");
    expect(COGNITO_MODEL.operations.GetTokensFromRefreshToken!.errors).toContain(
      "RefreshTokenReuseException",
    );
    expect(COGNITO_MODEL.operations.InitiateAuth!.errors).toContain("InvalidParameterException");
  });
});

describe("refresh-token rotation off (the default)", () => {
  it("GetTokensFromRefreshToken returns no refresh token and the token stays usable", async () => {
    const { stack, client } = await rotating(undefined);
    const { RefreshToken } = await signUpAndSignIn(stack, client, "ida@example.com");
    for (let i = 0; i < 3; i++) {
      const { AuthenticationResult } = await rotate(stack, RefreshToken!);
      expect(AuthenticationResult?.RefreshToken).toBeUndefined();
      expect(AuthenticationResult?.AccessToken).toEqual(expect.any(String));
    }
    expect((await refreshWith(stack, RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("{ enabled: false } is the same as no setting", async () => {
    const { stack, client } = await rotating({ enabled: false, retryGracePeriodSeconds: 30 });
    const { RefreshToken } = await signUpAndSignIn(stack, client, "jan@example.com");
    expect((await rotate(stack, RefreshToken!)).AuthenticationResult?.RefreshToken).toBeUndefined();
    expect((await refreshWith(stack, RefreshToken!)).AuthenticationResult).toBeDefined();
  });
});

describe("client.refreshTokenRotation", () => {
  it.each([
    [{ enabled: "yes" }, "client.refreshTokenRotation.enabled"],
    [{}, "client.refreshTokenRotation.enabled"],
    [
      { enabled: true, retryGracePeriodSeconds: 61 },
      "client.refreshTokenRotation.retryGracePeriodSeconds",
    ],
    [
      { enabled: true, retryGracePeriodSeconds: -1 },
      "client.refreshTokenRotation.retryGracePeriodSeconds",
    ],
    [
      { enabled: true, retryGracePeriodSeconds: 1.5 },
      "client.refreshTokenRotation.retryGracePeriodSeconds",
    ],
    ["ENABLED", "client.refreshTokenRotation"],
  ])("refuses %j with a CONFIGURATION_ERROR naming %s", (rotation, field) => {
    let caught: unknown;
    try {
      resolveOptions({ client: { refreshTokenRotation: rotation as never } });
    } catch (error) {
      caught = error;
    }
    expect(isPasscodeError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
  });

  it("accepts 0 to 60 seconds of grace", () => {
    for (const seconds of [0, 1, 60]) {
      expect(
        resolveOptions({
          client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: seconds } },
        }).refreshTokenRotation,
      ).toEqual({ enabled: true, retryGracePeriodSeconds: seconds });
    }
  });
});

describe("refresh-token rotation with a data folder", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it("keeps which tokens were rotated out, and the original expiry, across a restart", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-rotation-"));
    const options = {
      userPoolId: "us-east-1_Rotation1",
      clientId: "rotationclient",
      dataDir: dir,
    };
    let { stack, client } = await rotating({ enabled: true, retryGracePeriodSeconds: 5 }, options);
    const { RefreshToken } = await signUpAndSignIn(stack, client, "kit@example.com");
    stack.clock.advance(30 * MINUTE);
    const t1 = await newToken(stack, RefreshToken!);
    const port = Number(new URL(stack.endpoint).port);
    await stack.stop();
    // Act: the same clock reading after the restart (within the grace period)
    ({ stack, client } = await rotating(
      { enabled: true, retryGracePeriodSeconds: 5 },
      { ...options, port, now: () => T0 + 30 * MINUTE },
    ));
    // Assess: still within grace, then out of it; t1 refreshes until the sign-in's hour ends
    expect(await newToken(stack, RefreshToken!)).toEqual(expect.any(String));
    stack.clock.advance(5 * SECOND);
    await expect(rotate(stack, RefreshToken!)).rejects.toMatchObject(REUSED);
    const t2 = await newToken(stack, t1);
    stack.clock.advance(30 * MINUTE - 5 * SECOND);
    await expect(rotate(stack, t2)).rejects.toMatchObject(EXPIRED);
    // Digests only, never a token.
    const saved = await readFile(join(dir, "refresh-tokens.json"), "utf8");
    for (const token of [RefreshToken!, t1, t2]) expect(saved).not.toContain(token);
    await stack.stop();
  });

  it("turns rotation on over a folder written before rotation existed", async () => {
    // Prepare: a session from a stack without rotation, its file in the earlier
    // format (access tokens named by origin_jti only, no rotation state)
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-rotation-"));
    const options = {
      userPoolId: "us-east-1_Rotation2",
      clientId: "rotationclient2",
      dataDir: dir,
    };
    let { stack, client } = await rotating(undefined, options);
    const old = await signUpAndSignIn(stack, client, "lyn@example.com");
    const port = Number(new URL(stack.endpoint).port);
    await stack.stop();
    const file = join(dir, "refresh-tokens.json");
    const saved = JSON.parse(await readFile(file, "utf8")) as {
      refreshTokens: Record<string, unknown>[];
      accessTokens: Record<string, unknown>[];
    };
    expect(saved.refreshTokens[0]).not.toHaveProperty("rotatedAt");
    for (const entry of saved.accessTokens) delete entry.digest;
    await writeFile(file, JSON.stringify(saved));
    // Act
    ({ stack, client } = await rotating({ enabled: true }, { ...options, port }));
    const next = await newToken(stack, old.RefreshToken!);
    // Assess: the old token rotated once; revoking the new one reaches the old access token
    await expect(rotate(stack, old.RefreshToken!)).rejects.toMatchObject(REUSED);
    await client.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: next }));
    await expect(
      client.send(new GetUserCommand({ AccessToken: old.AccessToken! })),
    ).rejects.toMatchObject({ message: "Access Token has been revoked" });
    await stack.stop();
  });
});

describe("property: which refresh tokens of a rotated session are accepted", () => {
  const GRACE = 20;
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({
      handlers: secretWordTriggers().handlers,
      now: () => T0,
      client: {
        refreshTokenValidityMinutes: 60,
        refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: GRACE },
      },
    });
  });
  afterAll(() => stack?.stop());

  type Step =
    | { kind: "refresh"; pick: number }
    | { kind: "wait"; ms: number }
    | { kind: "revoke"; pick: number }
    | { kind: "signOut" };
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.nat().map((pick) => ({ kind: "refresh" as const, pick })) },
    {
      weight: 4,
      arbitrary: fc
        .constantFrom(
          0,
          1,
          GRACE * SECOND - 1,
          GRACE * SECOND,
          GRACE * SECOND + 1,
          7 * MINUTE,
          25 * MINUTE,
        )
        .map((ms) => ({ kind: "wait" as const, ms })),
    },
    { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: "revoke" as const, pick })) },
    { weight: 1, arbitrary: fc.constant({ kind: "signOut" as const }) },
  );

  let users = 0;
  it("a token is accepted iff it was never used, or first used less than the grace period ago, before the sign-in's expiry and any revocation", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 14 }),
        fc.boolean(),
        async (steps, preferRecent) => {
          // Prepare: one sign-in per run, a fresh user so GlobalSignOut touches no other run
          const email = `prop-${++users}@example.com`;
          const signedIn = await signUpAndSignIn(stack, sdkClient(stack), email);
          const expiresAt = stack.clock.now() + 60 * MINUTE;
          const tokens: { value: string; firstUsedAt?: number }[] = [
            { value: signedIn.RefreshToken! },
          ];
          let revoked = false;
          // Most picks go to the newest or the previous token, as a client or a retry would.
          const choose = (pick: number) =>
            preferRecent && pick % 3 !== 0
              ? Math.max(0, tokens.length - 1 - (pick % 2))
              : pick % tokens.length;
          for (const s of steps) {
            const now = stack.clock.now();
            if (s.kind === "wait") stack.clock.advance(s.ms);
            else if (s.kind === "revoke") {
              await sdkClient(stack).send(
                new RevokeTokenCommand({
                  ClientId: stack.clientId,
                  Token: tokens[choose(s.pick)]!.value,
                }),
              );
              revoked = true;
            } else if (s.kind === "signOut") {
              await sdkClient(stack).send(
                new AdminUserGlobalSignOutCommand({
                  UserPoolId: stack.userPoolId,
                  Username: email,
                }),
              );
              revoked = true;
            } else {
              const token = tokens[choose(s.pick)]!;
              const inGrace =
                token.firstUsedAt === undefined || now < token.firstUsedAt + GRACE * SECOND;
              const expected = revoked
                ? REVOKED
                : now >= expiresAt
                  ? EXPIRED
                  : !inGrace
                    ? REUSED
                    : undefined;
              const outcome = await rotate(stack, token.value).then(
                (result) => result,
                (error: Error) => error,
              );
              if (expected) {
                expect(outcome).toMatchObject(expected);
              } else {
                expect(outcome).not.toBeInstanceOf(Error);
                const next = (outcome as { AuthenticationResult?: { RefreshToken?: string } })
                  .AuthenticationResult?.RefreshToken;
                expect(next).toEqual(expect.any(String));
                token.firstUsedAt ??= now;
                tokens.push({ value: next! });
              }
            }
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  // The property above rarely waits past the hour after a late rotation; this one always does.
  it("every token of a session, however late it was rotated, expires exactly with the sign-in's first", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 14 * MINUTE }), { minLength: 1, maxLength: 4 }),
        async (gaps) => {
          // Prepare: a sign-in, then rotations of the newest token after each gap (under an hour in all)
          const email = `expiry-${++users}@example.com`;
          const signedIn = await signUpAndSignIn(stack, sdkClient(stack), email);
          const expiresAt = stack.clock.now() + 60 * MINUTE;
          let token = signedIn.RefreshToken!;
          for (const gap of gaps) {
            stack.clock.advance(gap);
            token = await newToken(stack, token);
          }
          // Act + Assess: the newest works a millisecond before the hour...
          stack.clock.advance(expiresAt - 1 - stack.clock.now());
          const last = await newToken(stack, token);
          // ...and the one that refresh handed out is refused at the hour.
          stack.clock.advance(1);
          await expect(rotate(stack, last)).rejects.toMatchObject(EXPIRED);
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});
