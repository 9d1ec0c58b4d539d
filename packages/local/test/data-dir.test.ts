import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetUserCommand, GlobalSignOutCommand } from "@aws-sdk/client-cognito-identity-provider";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { claims, sdkClient } from "./support/clients.js";
import { passcodeSignUpAndSignIn, refreshWith } from "./support/flow.js";

let dir: string | undefined;
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const ids = { userPoolId: "us-east-1_DataDir01", clientId: "datadirclient" };

describe("dataDir", () => {
  it("keeps users, their usernames and the signing key across restarts on one port", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    stack = await startLocalStack({ ...ids, dataDir: dir });
    const first = await passcodeSignUpAndSignIn(stack, "ivy@example.com", "ivy");
    const port = Number(new URL(stack.endpoint).port);
    await stack.stop();
    // Act: the same port, so the issuer is the same.
    stack = await startLocalStack({ ...ids, dataDir: dir, port });
    // Assess: the old access token still verifies (same key), the user is there,
    // and the username is still claimed in the fresh registry.
    const user = await sdkClient(stack).send(
      new GetUserCommand({ AccessToken: first.AuthenticationResult!.AccessToken! }),
    );
    expect(user.UserAttributes).toContainEqual({ Name: "custom:username", Value: "ivy" });
    const second = await passcodeSignUpAndSignIn(stack, "jay@example.com", "IVY").catch(
      (e: Error) => e,
    );
    // "ivy" is taken: the username step asks again instead of issuing tokens.
    expect(
      (second as { ChallengeParameters?: Record<string, string> }).ChallengeParameters,
    ).toMatchObject({
      step: "USERNAME",
      rejected: "true",
    });
    const saved = JSON.parse(await readFile(join(dir, "users.json"), "utf8")) as {
      users: unknown[];
    };
    expect(saved.users).toHaveLength(2);
    expect(claims(first.AuthenticationResult!.IdToken!)["custom:username"]).toBe("ivy");
  });

  it("keeps refresh tokens across restarts, with their expiry and revocation", async () => {
    // Prepare: three sessions; one is signed out everywhere, one outlives its refresh token
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    const options = { ...ids, dataDir: dir, client: { refreshTokenValidityMinutes: 120 } };
    stack = await startLocalStack(options);
    const kept = (await passcodeSignUpAndSignIn(stack, "kay@example.com", "kay"))
      .AuthenticationResult!;
    const signedOut = (await passcodeSignUpAndSignIn(stack, "lee@example.com", "lee"))
      .AuthenticationResult!;
    await sdkClient(stack).send(new GlobalSignOutCommand({ AccessToken: signedOut.AccessToken! }));
    const port = Number(new URL(stack.endpoint).port);
    await stack.stop();
    // Act
    stack = await startLocalStack({ ...options, port });
    const refreshed = await refreshWith(stack, kept.RefreshToken!);
    // Assess: the kept session refreshes, with the sign-in's auth_time
    expect(claims(refreshed.AuthenticationResult!.AccessToken!).auth_time).toBe(
      claims(kept.AccessToken!).auth_time,
    );
    expect(
      (await sdkClient(stack).send(new GetUserCommand({ AccessToken: kept.AccessToken! })))
        .Username,
    ).toBeTruthy();
    // the signed-out one stays revoked, its access token too
    await expect(refreshWith(stack, signedOut.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Refresh Token has been revoked",
    });
    await expect(
      sdkClient(stack).send(new GetUserCommand({ AccessToken: signedOut.AccessToken! })),
    ).rejects.toMatchObject({ message: "Access Token has been revoked" });
    // and the kept one still expires on time
    stack.clock.advance(120 * 60_000);
    await expect(refreshWith(stack, kept.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Refresh Token has expired",
    });
    // The folder holds digests of refresh tokens, never the tokens.
    const files = await readdir(dir);
    const stored = await Promise.all(files.map((f) => readFile(join(dir!, f), "utf8")));
    expect(files).toContain("refresh-tokens.json");
    expect(stored.some((text) => text.includes(kept.RefreshToken!))).toBe(false);
  });

  it("does not bring back tokens that expired while the stack was stopped", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    let now = Date.UTC(2030, 0, 1);
    const options = {
      ...ids,
      dataDir: dir,
      now: () => now,
      client: { refreshTokenValidityMinutes: 60 },
    };
    stack = await startLocalStack(options);
    const old = (await passcodeSignUpAndSignIn(stack, "moe@example.com", "moe"))
      .AuthenticationResult!;
    await stack.stop();
    // Act: restart past the refresh token's expiry and its access token's
    now += 2 * 60 * 60_000 + 1000;
    stack = await startLocalStack(options);
    // Assess: swept on load, so unknown rather than expired
    await expect(refreshWith(stack, old.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Refresh Token",
    });
    await passcodeSignUpAndSignIn(stack, "ned@example.com", "ned");
    await stack.stop();
    const saved = JSON.parse(await readFile(join(dir, "refresh-tokens.json"), "utf8")) as {
      refreshTokens: unknown[];
    };
    expect(saved.refreshTokens).toHaveLength(1);
  });
});
