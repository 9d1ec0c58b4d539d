import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { claims, PASSWORD, sdkClient } from "./support/clients.js";

let dir: string | undefined;
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

const ids = { userPoolId: "us-east-1_DataDir01", clientId: "datadirclient" };

async function signInNew(s: LocalStack, email: string, username: string) {
  const client = sdkClient(s);
  await client.send(
    new SignUpCommand({ ClientId: s.clientId, Username: email, Password: PASSWORD }),
  );
  const code = await client.send(
    new InitiateAuthCommand({
      ClientId: s.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    }),
  );
  const respond = (previous: typeof code, ANSWER: string) =>
    client.send(
      new RespondToAuthChallengeCommand({
        ClientId: s.clientId,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: previous.Session,
        ChallengeResponses: { USERNAME: previous.ChallengeParameters!.USERNAME!, ANSWER },
      }),
    );
  const named = await respond(code, await s.mailbox.latestCode(email));
  return respond(named, username);
}

describe("dataDir", () => {
  it("keeps users, their usernames and the signing key across restarts on one port", async () => {
    // Prepare
    dir = await mkdtemp(join(tmpdir(), "cognito-passcode-local-"));
    stack = await startLocalStack({ ...ids, dataDir: dir });
    const first = await signInNew(stack, "ivy@example.com", "ivy");
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
    const second = await signInNew(stack, "jay@example.com", "IVY").catch((e: Error) => e);
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
});
