import { createHash } from "node:crypto";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import { memoryStore } from "../src/memory-store.js";
import { passkeyChallengeKey } from "../src/store.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { describePasskeyContract, passkey } from "./support/passkey-contract.js";

let table: DynaliteTable;
let unique = 0;

beforeAll(async () => {
  table = await startDynaliteTable();
});

afterAll(async () => {
  await table?.stop();
});

describePasskeyContract("memoryStore", memoryStore, { model: 200 });

describePasskeyContract(
  "dynamoDbStore",
  // A fresh key prefix each time: an empty store on the shared table.
  () =>
    dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix: `p${++unique}/` }),
  { model: 40 },
);

describe("memoryStore sign-in records", () => {
  it("forgets records a day older than the latest, once it holds many, and never a recent one", async () => {
    const store = memoryStore();
    const day = 86_400_000;
    const old = passkeyChallengeKey("old");
    await store.recordPasskeySignIn(old, { owner: "sub-a", amr: "pop mfa", expiresAt: 1_000 });
    for (let i = 0; i < 1000; i++) {
      const key = passkeyChallengeKey(`recent-${i}`);
      expect(
        await store.recordPasskeySignIn(key, {
          owner: "sub-a",
          amr: "",
          expiresAt: 1_000 + day + 1,
        }),
      ).toBe(true);
    }
    // The next record prunes: the old one (expired over a day before the latest) is gone, the recent ones stay.
    expect(
      await store.recordPasskeySignIn(passkeyChallengeKey("next"), {
        owner: "sub-a",
        amr: "",
        expiresAt: 1_000 + day + 1,
      }),
    ).toBe(true);
    expect(await store.takePasskeySignIn(old, "sub-a", 0)).toBeUndefined();
    expect(
      await store.recordPasskeySignIn(passkeyChallengeKey("recent-0"), {
        owner: "sub-a",
        amr: "",
        expiresAt: 1,
      }),
    ).toBe(false);
  });
});

describe("dynamoDbStore passkey items", () => {
  it("keeps the items the design names: one per user, one claim per id, hashed challenge records with ttl", async () => {
    const keyPrefix = `layout${++unique}/`;
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    const key = passkey({ name: "Phone" });
    const hash = createHash("sha256").update(key.id).digest("base64url");
    expect(await store.addPasskey("sub-a", "aGFuZGxl", key, { max: 10 })).toEqual({
      status: "added",
    });
    const challenge = passkeyChallengeKey("c2l4dGVlbi1ieXRlcy1vZi1jaGFsbGVuZ2U");
    const expiresAt = 1_800_000_000_500;
    await store.recordPasskeySignIn(challenge, { owner: "sub-a", amr: "pop mfa", expiresAt });
    const items = (await table.scan()).filter((item) => item.pk?.S?.startsWith(keyPrefix));
    const byPk = new Map(items.map((item) => [item.pk?.S?.slice(keyPrefix.length), item]));
    expect([...byPk.keys()].sort()).toEqual(
      [`passkey#${hash}`, `passkey-auth#${challenge}`, "passkeys#sub-a"].sort(),
    );
    const user = byPk.get("passkeys#sub-a");
    expect(user?.userHandle).toEqual({ S: "aGFuZGxl" });
    expect(user?.version).toEqual({ N: "1" });
    expect(Object.keys(user?.credentials?.M ?? {})).toEqual([hash]);
    expect(user?.credentials?.M?.[hash]?.M?.id).toEqual({ S: key.id });
    expect(user?.ttl).toBeUndefined();
    expect(byPk.get(`passkey#${hash}`)?.owner).toEqual({ S: "sub-a" });
    expect(byPk.get(`passkey#${hash}`)?.ttl).toBeUndefined();
    const record = byPk.get(`passkey-auth#${challenge}`);
    expect(record).toMatchObject({
      owner: { S: "sub-a" },
      amr: { S: "pop mfa" },
      expiresAt: { N: `${expiresAt}` },
      ttl: { N: "1800000001" },
    });
    // No challenge and no credential id in any key.
    expect(items.every((item) => !item.pk?.S?.includes(key.id))).toBe(true);
    const owners = [];
    for await (const entry of store.passkeyOwners()) owners.push(entry);
    expect(owners).toEqual([{ owner: "sub-a", createdAt: expect.any(Number) }]);
  });

  it("leaves out a malformed credential entry instead of failing the read", async () => {
    const keyPrefix = `bad${++unique}/`;
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    const good = passkey();
    await store.addPasskey("sub-a", "aA", good, { max: 10 });
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: `${keyPrefix}passkeys#sub-a` } },
        UpdateExpression: "SET credentials.#k = :bad",
        ExpressionAttributeNames: { "#k": "x".repeat(43) },
        ExpressionAttributeValues: { ":bad": { M: { id: { S: "abc" } } } },
      }),
    );
    expect((await store.getPasskeys("sub-a"))?.passkeys).toEqual([good]);
  });
});

describe("dynamoDbStore passkey items under concurrency", () => {
  it("keeps accounts and id claims in step whatever adds and removals race (property)", async () => {
    const ids = Array.from({ length: 3 }, () => passkey().id);
    const hash = (id: string) => createHash("sha256").update(id).digest("base64url");
    const op = fc.record({
      kind: fc.constantFrom("add", "add", "remove", "removeAll"),
      owner: fc.constantFrom("sub-a", "sub-b"),
      id: fc.constantFrom(...ids),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(op, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 4 }),
        async (batches) => {
          const keyPrefix = `race${++unique}/`;
          const store = dynamoDbStore({
            tableName: table.tableName,
            client: table.client,
            keyPrefix,
          });
          for (const batch of batches) {
            await Promise.all(
              batch.map((o) =>
                o.kind === "add"
                  ? store.addPasskey(o.owner, "aA", passkey({ id: o.id }), { max: 2 })
                  : o.kind === "remove"
                    ? store.removePasskey(o.owner, o.id)
                    : store.removeAllPasskeys(o.owner),
              ),
            );
          }
          const items = (await table.scan()).filter((item) => item.pk?.S?.startsWith(keyPrefix));
          const claims = new Map<string, string>();
          const held = new Map<string, string>();
          for (const item of items) {
            const pk = item.pk?.S?.slice(keyPrefix.length) ?? "";
            if (pk.startsWith("passkey#"))
              claims.set(pk.slice("passkey#".length), item.owner?.S ?? "");
            if (pk.startsWith("passkeys#")) {
              const owner = pk.slice("passkeys#".length);
              const keys = Object.keys(item.credentials?.M ?? {});
              expect(keys.length).toBeLessThanOrEqual(2);
              for (const key of keys) {
                expect(held.has(key)).toBe(false); // one id, one account
                held.set(key, owner);
              }
            }
          }
          // Every stored credential has its claim naming its owner, and every claim a credential.
          expect(Object.fromEntries(claims)).toEqual(Object.fromEntries(held));
          for (const id of ids) {
            const owner = held.get(hash(id));
            if (owner !== undefined) {
              expect((await store.getPasskeys(owner))?.passkeys.some((p) => p.id === id)).toBe(
                true,
              );
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
