import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminGetUserCommand,
  GetUserCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { claims, sdkClient } from "./support/clients.js";
import { answerStep, startCustomAuth } from "./support/flow.js";

// Issue 14 review: a data folder written before the sub became the internal
// username and before access tokens had their own key.

let dir: string | undefined;
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const LEGACY_USERNAME = "0b7f1f6e-2a52-4d0e-9c51-6f1d2b0f7a11";
const LEGACY_SUB = "5e3c7a2d-8b1f-4c6e-a0d4-93e2f1b6c8d7";

describe("a data folder from an earlier version", () => {
  it("keeps a user whose internal username is not its sub: sign-in, Verify's writes, the registry and the admin calls all reach that one user", async () => {
    // Prepare: the old single signing key (no alg, no use) and a confirmed
    // user with two different UUIDs, its email not verified yet
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-upgrade-"));
    const pair = await generateKeyPair("RS256", { extractable: true });
    const oldKey: JWK = { ...(await exportJWK(pair.privateKey)), kid: "old-single-key" };
    await writeFile(join(dir, "signing-key.json"), JSON.stringify(oldKey), { mode: 0o600 });
    const now = Date.now();
    await writeFile(
      join(dir, "users.json"),
      JSON.stringify({
        version: 1,
        users: [
          {
            username: LEGACY_USERNAME,
            attributes: { email: "old@example.com", email_verified: "false", sub: LEGACY_SUB },
            status: "CONFIRMED",
            enabled: true,
            createdAt: now,
            updatedAt: now,
          },
        ],
      }),
    );
    stack = await startLocalStack({ dataDir: dir });
    const client = sdkClient(stack);
    // Act: the passcode sign-in by email, code then username
    const code = await startCustomAuth(stack, client, "old@example.com");
    expect(code.ChallengeParameters!.USERNAME).toBe(LEGACY_USERNAME);
    const named = await answerStep(
      stack,
      client,
      code,
      await stack.mailbox.latestCode("old@example.com"),
    );
    const done = await answerStep(stack, client, named, "oldtimer");
    // Assess: the tokens name the old user; Verify's writes landed on it
    const tokens = done.AuthenticationResult!;
    expect(claims(tokens.IdToken!)).toMatchObject({
      "cognito:username": LEGACY_USERNAME,
      sub: LEGACY_SUB,
      email: "old@example.com",
      email_verified: true,
      "custom:username": "oldtimer",
    });
    expect(claims(tokens.AccessToken!)).toMatchObject({
      username: LEGACY_USERNAME,
      sub: LEGACY_SUB,
    });
    const me = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(me.Username).toBe(LEGACY_USERNAME);
    for (const name of [LEGACY_USERNAME, LEGACY_SUB, "OLD@example.com"]) {
      const found = await client.send(
        new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: name }),
      );
      expect(found.Username).toBe(LEGACY_USERNAME);
    }
    const listed = await client.send(
      new ListUsersCommand({ UserPoolId: stack.userPoolId, Filter: `sub = "${LEGACY_SUB}"` }),
    );
    expect(listed.Users?.map((u) => u.Username)).toEqual([LEGACY_USERNAME]);
    // The old key signs ID tokens now; an access token it signed is refused.
    const jwks = (await (await fetch(stack.jwksUrl)).json()) as { keys: JWK[] };
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use])).toContainEqual([
      "old-single-key",
      "RS256",
      "sig",
    ]);
    const forged = await new SignJWT(claims(tokens.AccessToken!))
      .setProtectedHeader({ alg: "RS256", kid: "old-single-key" })
      .sign(pair.privateKey);
    await expect(client.send(new GetUserCommand({ AccessToken: forged }))).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid Access Token",
    });
    const saved = JSON.parse(await readFile(join(dir, "access-signing-key.json"), "utf8")) as JWK;
    expect(saved.kid).not.toBe("old-single-key");
  });
});
