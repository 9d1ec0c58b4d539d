import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The local stack (real ListUsers filtering, AdminDeleteUser, its own dynalite table).
import { type LocalStack, startLocalStack } from "../../local/src/index.js";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import { releaseOrphanedUsernames } from "../src/release-orphaned-usernames.js";
import { removePasskeys } from "../src/remove-passkeys.js";
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
