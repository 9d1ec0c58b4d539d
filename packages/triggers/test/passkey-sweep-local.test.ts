import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The local stack (real ListUsers filtering, AdminDeleteUser, its own dynalite table).
import { type LocalStack, startLocalStack } from "../../local/src/index.js";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import { releaseOrphanedUsernames } from "../src/release-orphaned-usernames.js";
import { removePasskeys } from "../src/remove-passkeys.js";
import { type LambdaProcess, PREBUILT, startLambda } from "./support/lambda-process.js";
import { passkey } from "./support/passkey-contract.js";

let stack: LocalStack;
let cognito: CognitoIdentityProviderClient;
let dynamo: DynamoDBClient;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  cognito = new CognitoIdentityProviderClient({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: stack.credentials,
    maxAttempts: 1,
  });
  dynamo = new DynamoDBClient({
    endpoint: stack.dynamoDbEndpoint,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  cognito?.destroy();
  dynamo?.destroy();
  await stack?.stop();
});

async function createUser(email: string): Promise<string> {
  const { User } = await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: stack.userPoolId,
      Username: email,
      MessageAction: "SUPPRESS",
    }),
  );
  const sub = User?.Attributes?.find((a) => a.Name === "sub")?.Value;
  if (!sub) throw new Error("AdminCreateUser returned no sub");
  return sub;
}

describe("local stack: passkeys of deleted users go with the orphan sweep; removePasskeys reads the address", () => {
  it("removes an admin-deleted user's passkeys and keeps a live user's", async () => {
    const store = dynamoDbStore({ tableName: stack.tableName, client: dynamo });
    const gone = await createUser("gone@example.com");
    const kept = await createUser("kept@example.com");
    const goneKey = passkey();
    const keptKey = passkey();
    await store.addPasskey(gone, "Z29uZQ", goneKey, { max: 10 });
    await store.addPasskey(kept, "a2VwdA", keptKey, { max: 10 });
    await cognito.send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: "gone@example.com" }),
    );
    const sweep = (dryRun: boolean) =>
      releaseOrphanedUsernames({
        cognito,
        userPoolId: stack.userPoolId,
        registry: store,
        passkeys: store,
        minAgeMs: 0,
        dryRun,
      });
    expect((await sweep(true)).passkeys).toEqual({
      scanned: 2,
      recent: 0,
      orphaned: 1,
      removed: 0,
      failed: 0,
    });
    expect((await store.getPasskeys(gone))?.passkeys).toHaveLength(1);
    expect((await sweep(false)).passkeys).toEqual({
      scanned: 2,
      recent: 0,
      orphaned: 1,
      removed: 1,
      failed: 0,
    });
    expect(await store.getPasskeys(gone)).toBeUndefined();
    expect((await store.getPasskeys(kept))?.passkeys).toEqual([keptKey]);
    // The gone user's credential id is free again.
    expect(
      await store.addPasskey(kept, "a2VwdA", passkey({ id: goneKey.id }), { max: 10 }),
    ).toEqual({
      status: "added",
    });

    // removePasskeys finds the live user's address with AdminGetUser (by sub).
    const sent: string[] = [];
    const result = await removePasskeys({
      sub: kept,
      store,
      cognito,
      userPoolId: stack.userPoolId,
      notify: async (notice) => void sent.push(notice.to),
    });
    expect(result).toEqual({ removed: 2, notified: 2, notifyFailed: 0 });
    expect(sent).toEqual(["kept@example.com", "kept@example.com"]);
    expect(await store.getPasskeys(kept)).toBeUndefined();
  });
});

describe("local stack: the prebuilt sweep (lambda/username-sweep.mjs) sweeps passkeys too", () => {
  const started: LambdaProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
  });
  const sweep = async (cognitoEndpoint: string) => {
    const p = await startLambda(PREBUILT.sweep, {
      PASSCODE_TABLE_NAME: stack.tableName,
      PASSCODE_USER_POOL_ID: stack.userPoolId,
      AWS_ENDPOINT_URL_DYNAMODB: stack.dynamoDbEndpoint,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognitoEndpoint,
      AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
      AWS_REGION: stack.region,
      AWS_MAX_ATTEMPTS: "1",
    });
    started.push(p);
    return p.invoke("handler", {});
  };
  /** Makes a passkey account two days old: the sweep leaves younger ones alone. */
  const age = (sub: string) =>
    dynamo.send(
      new UpdateItemCommand({
        TableName: stack.tableName,
        Key: { pk: { S: `passkeys#${sub}` } },
        UpdateExpression: "SET createdAt = :old",
        ExpressionAttributeValues: { ":old": { N: String(Date.now() - 2 * 86_400_000) } },
      }),
    );

  it("removes a deleted user's passkeys and frees their ids, keeps a live user's, and fails when Cognito cannot be asked", async () => {
    // Arrange
    const store = dynamoDbStore({ tableName: stack.tableName, client: dynamo });
    const gone = await createUser("swept@example.com");
    const kept = await createUser("stays@example.com");
    const goneKey = passkey();
    const keptKey = passkey();
    await store.addPasskey(gone, "c3dlcHQ", goneKey, { max: 10 });
    await store.addPasskey(kept, "c3RheXM", keptKey, { max: 10 });
    await Promise.all([age(gone), age(kept)]);
    await cognito.send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: "swept@example.com" }),
    );

    // Act: Cognito unreachable first (nothing may go), then the stack's
    const unreachable = await sweep("http://127.0.0.1:9");
    const afterUnreachable = await store.getPasskeys(gone);
    const swept = await sweep(stack.endpoint);

    // Assess
    expect(unreachable).toEqual({
      error: expect.objectContaining({ message: expect.stringMatching(/passkey/) }),
    });
    expect(afterUnreachable?.passkeys).toEqual([goneKey]);
    expect(swept).toEqual({
      ok: expect.objectContaining({
        passkeys: expect.objectContaining({ orphaned: 1, removed: 1, failed: 0 }),
      }),
    });
    expect(await store.getPasskeys(gone)).toBeUndefined();
    expect((await store.getPasskeys(kept))?.passkeys).toEqual([keptKey]);
    expect(
      await store.addPasskey(kept, "c3RheXM", passkey({ id: goneKey.id }), { max: 10 }),
    ).toEqual({ status: "added" });
  });
});
