import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  CognitoIdentityProviderClient,
  DeleteUserCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbStore, releaseOrphanedUsernames } from "@cognito-passcode/triggers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { claims, sdkClient } from "./support/clients.js";
import { answerStep, passcodeSignUpAndSignIn, signUp, startCustomAuth } from "./support/flow.js";

let stack: LocalStack;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  // No throttle: one user opens several sessions back to back.
  stack = await startLocalStack({ port: 0, triggers: { throttle: false } });
  dynamo = new DynamoDBClient({
    endpoint: stack.dynamoDbEndpoint,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  dynamo?.destroy();
  await stack?.stop();
});

/** The registry the stack's Verify trigger claims names in. */
const registry = () => dynamoDbStore({ tableName: stack.tableName, client: dynamo });

/** Signs up `email` and signs in through the code and USERNAME steps; returns the ID token's claims. */
async function newUserNamed(email: string, username: string) {
  const done = await passcodeSignUpAndSignIn(stack, email, username);
  const idToken = done.AuthenticationResult?.IdToken;
  expect(idToken).toBeDefined();
  const token = claims(idToken!);
  return {
    sub: token.sub as string,
    username: token["custom:username"],
    accessToken: done.AuthenticationResult!.AccessToken!,
  };
}

describe("local stack: a user owns at most one username (the registry transaction end to end)", () => {
  it("gives 5 sessions parked at the USERNAME step and answered at once one name between them", async () => {
    // Prepare: one user, five sessions, each past its code and waiting for a name
    const client = sdkClient(stack);
    const email = "parker@example.com";
    await signUp(stack, email, client);
    const parked = [];
    for (let i = 0; i < 5; i++) {
      const started = await startCustomAuth(stack, client, email);
      const code = await stack.mailbox.latestCode(email);
      const named = await answerStep(stack, client, started, code);
      expect(named.ChallengeParameters?.step).toBe("USERNAME");
      parked.push(named);
    }
    const names = ["parker_a", "parker_b", "parker_c", "parker_d", "parker_e"];
    // Act
    const answers = await Promise.all(
      parked.map((session, i) => answerStep(stack, client, session, names[i]!)),
    );
    // Assess: every session ends with tokens naming the same one username
    const tokens = answers.map((a) => claims(a.AuthenticationResult!.IdToken!));
    const usernames = new Set(tokens.map((t) => t["custom:username"]));
    expect(usernames.size).toBe(1);
    const [owned] = [...usernames] as string[];
    expect(names).toContain(owned);
    const sub = tokens[0]!.sub as string;
    expect(await registry().usernameOf(sub)).toBe(owned);
    const owners = await Promise.all(names.map((name) => registry().ownerOf(name)));
    expect(owners.filter((o) => o !== undefined)).toEqual([sub]);
  });

  it("refuses a name another user holds", async () => {
    await newUserNamed("first@example.com", "first_name");
    const second = await passcodeSignUpAndSignIn(stack, "second@example.com", "first_name");
    expect(second.ChallengeParameters).toMatchObject({ step: "USERNAME", rejected: "true" });
  });
});

describe("local stack: the registry rebuilt from saved users (dataDir)", () => {
  it("writes both records for each user on restart, so a restored user still owns one name", async () => {
    // Prepare
    const dir = await mkdtemp(join(tmpdir(), "cognito-passcode-registry-"));
    let saved: LocalStack | undefined = await startLocalStack({ port: 0, dataDir: dir });
    let client: DynamoDBClient | undefined;
    try {
      const done = await passcodeSignUpAndSignIn(saved, "kept@example.com", "kept_name");
      const sub = claims(done.AuthenticationResult!.IdToken!).sub as string;
      await saved.stop();
      // Act
      saved = await startLocalStack({ port: 0, dataDir: dir });
      client = new DynamoDBClient({
        endpoint: saved.dynamoDbEndpoint,
        region: saved.region,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      const rebuilt = dynamoDbStore({ tableName: saved.tableName, client });
      // Assess
      expect(await rebuilt.ownerOf("kept_name")).toBe(sub);
      expect(await rebuilt.usernameOf(sub)).toBe("kept_name");
      expect(await rebuilt.claim("another_name", sub)).toEqual({
        status: "owns-other",
        username: "kept_name",
      });
    } finally {
      client?.destroy();
      await saved?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("local stack: names outlive their users until the orphan sweep", () => {
  // The claims here are seconds old: no grace period, unless a test asks for it.
  const sweep = (
    options: { dryRun?: boolean; cognito?: CognitoIdentityProviderClient; minAgeMs?: number } = {},
  ) =>
    releaseOrphanedUsernames({
      cognito: options.cognito ?? sdkClient(stack),
      userPoolId: stack.userPoolId,
      registry: registry(),
      minAgeMs: options.minAgeMs ?? 0,
      ...(options.dryRun === undefined ? {} : { dryRun: options.dryRun }),
    });

  it("releases the name of a user who deleted themself (DeleteUser); a new account can then claim it", async () => {
    // Prepare
    const gone = await newUserNamed("leaver@example.com", "leaver");
    const kept = await newUserNamed("stayer@example.com", "stayer");
    await sdkClient(stack).send(new DeleteUserCommand({ AccessToken: gone.accessToken }));
    // The name is still held: the same person signing up again cannot take it.
    const blocked = await passcodeSignUpAndSignIn(stack, "leaver@example.com", "leaver");
    expect(blocked.ChallengeParameters).toMatchObject({ step: "USERNAME", rejected: "true" });
    expect(await registry().ownerOf("leaver")).toBe(gone.sub);
    // Act: a dry run counts, the real run releases
    const counted = await sweep({ dryRun: true });
    const stillHeld = await registry().ownerOf("leaver");
    const swept = await sweep();
    // Assess
    expect(counted).toMatchObject({ orphaned: 1, released: 0, failed: 0 });
    expect(stillHeld).toBe(gone.sub);
    expect(swept).toMatchObject({ orphaned: 1, released: 1, failed: 0 });
    expect(swept.scanned).toBeGreaterThanOrEqual(2);
    expect(await registry().ownerOf("leaver")).toBeUndefined();
    expect(await registry().usernameOf(gone.sub)).toBeUndefined();
    expect(await registry().ownerOf("stayer")).toBe(kept.sub);
    // The re-created account (a new sub) now claims the name.
    const again = await answerStep(stack, sdkClient(stack), blocked, "leaver");
    const reborn = claims(again.AuthenticationResult!.IdToken!);
    expect(reborn["custom:username"]).toBe("leaver");
    expect(reborn.sub).not.toBe(gone.sub);
    expect(await registry().ownerOf("leaver")).toBe(reborn.sub);
  });

  it("releases the name of a user an admin deleted (AdminDeleteUser), and keeps a live user's", async () => {
    // Prepare
    const removed = await newUserNamed("removed@example.com", "removed");
    const live = await newUserNamed("live@example.com", "live_one");
    await sdkClient(stack).send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: removed.sub }),
    );
    // Act
    const swept = await sweep();
    // Assess
    expect(swept).toMatchObject({ released: 1, failed: 0 });
    expect(await registry().ownerOf("removed")).toBeUndefined();
    expect(await registry().ownerOf("live_one")).toBe(live.sub);
    const taken = await newUserNamed("successor@example.com", "removed");
    expect(taken.username).toBe("removed");
  });

  it("leaves claims younger than minAgeMs (an hour by default) alone, asking Cognito nothing", async () => {
    // Prepare: a user claims a name and is deleted at once
    const gone = await newUserNamed("brief@example.com", "brief_stay");
    await sdkClient(stack).send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: gone.sub }),
    );
    const options = {
      cognito: sdkClient(stack),
      userPoolId: stack.userPoolId,
      registry: registry(),
    };
    // Act
    const young = await releaseOrphanedUsernames(options);
    const stillHeld = await registry().ownerOf("brief_stay");
    const later = await releaseOrphanedUsernames({ ...options, now: () => Date.now() + 3_600_000 });
    // Assess
    expect(young).toMatchObject({ orphaned: 0, released: 0, failed: 0 });
    expect(young.recent).toBe(young.scanned);
    expect(stillHeld).toBe(gone.sub);
    expect(later).toMatchObject({ recent: 0, released: 1, failed: 0 });
    expect(await registry().ownerOf("brief_stay")).toBeUndefined();
  });

  it("with attribute, releases the extra names an older registry let a live user collect", async () => {
    // Prepare: claims as the store before owner records wrote them (username# items only):
    // two extra names for a named user, and one for a user still without a name.
    const named = await newUserNamed("collector@example.com", "collector");
    const client = sdkClient(stack);
    await signUp(stack, "unnamed@example.com", client);
    const unnamed = await client.send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "unnamed@example.com" }),
    );
    const unnamedSub = unnamed.UserAttributes?.find((a) => a.Name === "sub")?.Value as string;
    const legacy = async (name: string, owner: string) =>
      dynamo.send(
        new PutItemCommand({
          TableName: stack.tableName,
          Item: { pk: { S: `username#${name}` }, owner: { S: owner }, createdAt: { N: "1" } },
        }),
      );
    await legacy("collector_b", named.sub);
    await legacy("collector_c", named.sub);
    await legacy("unnamed_x", unnamedSub);
    // Act
    const without = await sweep();
    const keptWithout = await registry().ownerOf("collector_b");
    const counted = await releaseOrphanedUsernames({
      cognito: client,
      userPoolId: stack.userPoolId,
      registry: registry(),
      minAgeMs: 0,
      attribute: "custom:username",
      dryRun: true,
    });
    const swept = await releaseOrphanedUsernames({
      cognito: client,
      userPoolId: stack.userPoolId,
      registry: registry(),
      minAgeMs: 0,
      attribute: "custom:username",
    });
    // Assess
    expect(without).toMatchObject({ extra: 0, failed: 0 });
    expect(keptWithout).toBe(named.sub);
    expect(counted).toMatchObject({ extra: 2, released: 0, failed: 0 });
    expect(swept).toMatchObject({ extra: 2, failed: 0 });
    expect(await registry().ownerOf("collector_b")).toBeUndefined();
    expect(await registry().ownerOf("collector_c")).toBeUndefined();
    expect(await registry().ownerOf("collector")).toBe(named.sub);
    expect(await registry().usernameOf(named.sub)).toBe("collector");
    // A user without the attribute may be choosing right now: their claim stays.
    expect(await registry().ownerOf("unnamed_x")).toBe(unnamedSub);
  });

  it("fails closed: when Cognito refuses the question, no claim is released", async () => {
    // Prepare: a deleted user's name, and a client whose admin calls the stack refuses
    const gone = await newUserNamed("orphan@example.com", "orphan");
    await sdkClient(stack).send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: gone.sub }),
    );
    const unsigned = new CognitoIdentityProviderClient({
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { accessKeyId: "wrong", secretAccessKey: "wrong" },
      maxAttempts: 1,
    });
    // Act
    const refused = await sweep({ cognito: unsigned });
    const wrongPool = await releaseOrphanedUsernames({
      cognito: sdkClient(stack),
      userPoolId: "us-east-1_NoSuchPool",
      registry: registry(),
      minAgeMs: 0,
    });
    // Assess
    expect(refused.released).toBe(0);
    expect(refused.failed).toBe(refused.scanned);
    expect(wrongPool).toMatchObject({ released: 0, failed: wrongPool.scanned });
    expect(await registry().ownerOf("orphan")).toBe(gone.sub);
    unsigned.destroy();
  });
});
