import { createHash } from "node:crypto";
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { isPasscodeError } from "@cognito-passcode/shared";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import type { PasscodeStore, ThrottleDecision, ThrottleRules } from "../src/store.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { describeRegistryContract } from "./support/registry-contract.js";

let table: DynaliteTable;
let store: PasscodeStore;
let unique = 0;
const fresh = (prefix: string) => `${prefix}${++unique}`;

beforeAll(async () => {
  table = await startDynaliteTable();
  store = dynamoDbStore({ tableName: table.tableName, client: table.client });
});

afterAll(async () => {
  await table?.stop();
});

async function getItem(pk: string) {
  const { Item } = await table.client.send(
    new GetItemCommand({
      TableName: table.tableName,
      Key: { pk: { S: pk } },
      ConsistentRead: true,
    }),
  );
  return Item;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function expectConfigError(fn: () => unknown, field: string) {
  try {
    fn();
  } catch (error) {
    expect(isPasscodeError(error)).toBe(true);
    expect(error).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
    expect((error as Error).message).toContain(field);
    return;
  }
  throw new Error(`expected a CONFIGURATION_ERROR for ${field}`);
}

describe("dynamoDbStore options", () => {
  it("refuses bad options at creation, naming the field", () => {
    expectConfigError(() => dynamoDbStore({ tableName: "" }), "tableName");
    expectConfigError(() => dynamoDbStore({ tableName: "ab" }), "tableName");
    expectConfigError(() => dynamoDbStore({ tableName: "has space" }), "tableName");
    expectConfigError(
      () => dynamoDbStore({ tableName: "passcode", keyPrefix: "x".repeat(65) }),
      "keyPrefix",
    );
    expectConfigError(
      () => dynamoDbStore({ tableName: "passcode", client: {} as never }),
      "client",
    );
  });

  it("accepts a table name or a table ARN", () => {
    expect(() => dynamoDbStore({ tableName: "my-table.v2_x" })).not.toThrow();
    expect(() =>
      dynamoDbStore({ tableName: "arn:aws:dynamodb:eu-west-1:123456789012:table/passcode" }),
    ).not.toThrow();
  });
});

const prefixes = new WeakMap<object, string>();
describeRegistryContract(
  "dynamoDbStore",
  // A fresh key prefix each time: an empty registry on the shared table.
  () => {
    const keyPrefix = `${fresh("r")}/`;
    const registry = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    prefixes.set(registry, keyPrefix);
    return registry;
  },
  // A claim as the store wrote it before owner records: username#<name> only.
  async (registry, username, owner) => {
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          pk: { S: `${prefixes.get(registry)}username#${username}` },
          owner: { S: owner },
          createdAt: { N: "1" },
        },
      }),
    );
  },
  { sequential: 25, concurrent: 15 },
);

describe("username registry items", () => {
  it("writes username#<name> and owner#<sub> together and keeps the first createdAt", async () => {
    // Prepare
    const name = fresh("alice");
    // Act
    expect(await store.claim(name, "sub-a")).toEqual({ status: "claimed", username: name });
    const first = await getItem(`username#${name}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await Promise.all([store.claim(name, "sub-a"), store.claim(name, "sub-a")]);
    // Assess
    expect(again.map((r) => r.status)).toEqual(["claimed", "claimed"]);
    expect(first?.createdAt?.N).toMatch(/^\d+$/);
    const later = await getItem(`username#${name}`);
    expect(later?.owner?.S).toBe("sub-a");
    expect(later?.createdAt?.N).toBe(first?.createdAt?.N);
    expect(later?.ttl).toBeUndefined();
    const owner = await getItem("owner#sub-a");
    expect(owner?.username?.S).toBe(name);
    expect(owner?.ttl).toBeUndefined();
    await store.release(name, "sub-a");
    expect(await getItem(`username#${name}`)).toBeUndefined();
    expect(await getItem("owner#sub-a")).toBeUndefined();
  });

  it("answers ownerOf and usernameOf with undefined for what nobody holds", async () => {
    expect(await store.ownerOf(fresh("nobody"))).toBeUndefined();
    expect(await store.usernameOf(fresh("sub-nobody"))).toBeUndefined();
  });

  it("keeps stores with different key prefixes apart on one table", async () => {
    const name = fresh("shared");
    const poolA = dynamoDbStore({
      tableName: table.tableName,
      client: table.client,
      keyPrefix: "a/",
    });
    const poolB = dynamoDbStore({
      tableName: table.tableName,
      client: table.client,
      keyPrefix: "b/",
    });
    expect((await poolA.claim(name, "sub-1")).status).toBe("claimed");
    expect((await poolB.claim(name, "sub-2")).status).toBe("claimed");
    expect(await poolA.ownerOf(name)).toBe("sub-1");
    expect(await poolB.ownerOf(name)).toBe("sub-2");
    expect((await getItem(`a/username#${name}`))?.owner?.S).toBe("sub-1");
    expect((await getItem("a/owner#sub-1"))?.username?.S).toBe(name);
    const listed: string[] = [];
    for await (const claim of poolA.claims()) listed.push(`${claim.username}=${claim.owner}`);
    expect(listed).toContain(`${name}=sub-1`);
    expect(listed).not.toContain(`${name}=sub-2`);
  });

  it("walks every claim across Scan pages, skipping throttle counters", async () => {
    // Prepare: enough items (with padding) to span several 1 MB Scan pages.
    const prefix = `${fresh("pages")}/`;
    const paged = dynamoDbStore({
      tableName: table.tableName,
      client: table.client,
      keyPrefix: prefix,
    });
    const padding = "x".repeat(300_000);
    for (let i = 0; i < 8; i++) {
      await table.client.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: { pk: { S: `${prefix}throttle#pad${i}` }, padding: { S: padding } },
        }),
      );
    }
    const names = Array.from({ length: 30 }, (_, i) => `paged_${i}`);
    for (const [i, name] of names.entries()) await paged.claim(name, `sub-${i}`);
    // Act
    const seen: string[] = [];
    for await (const claim of paged.claims()) seen.push(claim.username);
    // Assess
    expect(seen.sort()).toEqual([...names].sort());
  });

  it("retries a transaction DynamoDB cancelled for a conflict, and passes other cancellations on", async () => {
    // Prepare: real DynamoDB cancels racing transactions on one item with
    // TransactionConflict (nothing written); the emulator never does, so it is injected.
    let conflicts = 2;
    const cancel = (code: string) =>
      new TransactionCanceledException({
        message: `Transaction cancelled [${code}, None]`,
        $metadata: {},
        CancellationReasons: [{ Code: code }, { Code: "None" }],
      });
    const conflicted = {
      send(command: unknown) {
        if (command instanceof TransactWriteItemsCommand && conflicts > 0) {
          conflicts--;
          return Promise.reject(cancel("TransactionConflict"));
        }
        return table.client.send(command as never);
      },
    } as DynamoDBClient;
    const throttled = {
      send: (command: unknown) =>
        command instanceof TransactWriteItemsCommand
          ? Promise.reject(cancel("ThrottlingError"))
          : table.client.send(command as never),
    } as DynamoDBClient;
    const name = fresh("conflict");
    // Act
    const claimed = await dynamoDbStore({ tableName: table.tableName, client: conflicted }).claim(
      name,
      "sub-conflict",
    );
    const error = await dynamoDbStore({ tableName: table.tableName, client: throttled })
      .claim(fresh("throttled"), "sub-throttled")
      .catch((e: unknown) => e);
    // Assess
    expect(claimed).toEqual({ status: "claimed", username: name });
    expect(conflicts).toBe(0);
    expect(await store.ownerOf(name)).toBe("sub-conflict");
    expect(error).toMatchObject({ name: "TransactionCanceledException" });
  });

  it("releases a claim made before owner records existed, leaving the owner's one name", async () => {
    // Prepare: a user with two username items (made by the old store) and one owner record.
    const [old, kept] = [fresh("legacy"), fresh("kept")];
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: `username#${old}` }, owner: { S: "sub-legacy" }, createdAt: { N: "1" } },
      }),
    );
    expect((await store.claim(kept, "sub-legacy")).status).toBe("claimed");
    // Act
    await store.release(old, "sub-legacy");
    // Assess
    expect(await store.ownerOf(old)).toBeUndefined();
    expect(await store.usernameOf("sub-legacy")).toBe(kept);
    expect(await store.ownerOf(kept)).toBe("sub-legacy");
  });
});

describe("release of a legacy extra claim", () => {
  it("never deletes username#<name> alone once a rename has moved the owner onto it", async () => {
    // Prepare: sub-u holds kept (both records) and a legacy claim on old.
    const keyPrefix = `${fresh("race")}/`;
    const direct = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    const [old, kept] = [fresh("old"), fresh("kept")];
    await direct.claim(kept, "sub-u");
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: `${keyPrefix}username#${old}` }, owner: { S: "sub-u" } },
      }),
    );
    // renameUsername(kept -> old) runs right after release's first transaction
    // found the owner record naming another name.
    let renamed = false;
    const racing = {
      async send(command: unknown) {
        try {
          return await table.client.send(command as never);
        } finally {
          if (!renamed && command instanceof TransactWriteItemsCommand) {
            renamed = true;
            expect(await direct.move("sub-u", kept, old)).toEqual({
              status: "claimed",
              username: old,
            });
          }
        }
      },
    } as unknown as DynamoDBClient;
    // Act
    await dynamoDbStore({ tableName: table.tableName, client: racing, keyPrefix }).release(
      old,
      "sub-u",
    );
    // Assess: sub-u held old when the release went through, so both records went together.
    expect(renamed).toBe(true);
    expect(await getItem(`${keyPrefix}owner#sub-u`)).toBeUndefined();
    expect(await getItem(`${keyPrefix}username#${old}`)).toBeUndefined();
    expect(await direct.ownerOf(kept)).toBeUndefined();
  });
});

const rules = (over: Partial<ThrottleRules> = {}): ThrottleRules => ({
  minIntervalMs: 30_000,
  maxPerWindow: 5,
  windowMs: 900_000,
  ...over,
});

describe("send throttle", () => {
  const t0 = 1_800_000_000_000;

  it("keeps sends at least minIntervalMs apart and says exactly when to retry", async () => {
    const key = fresh("interval@example.com");
    const r = rules({ minIntervalMs: 30_000 });
    expect(await store.hit(key, t0, r)).toEqual({ allowed: true });
    expect(await store.hit(key, t0 + 1, r)).toEqual({ allowed: false, retryAfterMs: 29_999 });
    expect(await store.hit(key, t0 + 29_999, r)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(await store.hit(key, t0 + 30_000, r)).toEqual({ allowed: true });
  });

  it("allows at most maxPerWindow sends in any window, sliding", async () => {
    const key = fresh("window@example.com");
    const r = rules({ minIntervalMs: 0, maxPerWindow: 3, windowMs: 10_000 });
    for (const at of [0, 1_000, 2_000]) {
      expect(await store.hit(key, t0 + at, r)).toEqual({ allowed: true });
    }
    expect(await store.hit(key, t0 + 3_000, r)).toEqual({ allowed: false, retryAfterMs: 7_000 });
    expect(await store.hit(key, t0 + 9_999, r)).toEqual({ allowed: false, retryAfterMs: 1 });
    // The send at 0 has left the window; the ones at 1000 and 2000 have not.
    expect(await store.hit(key, t0 + 10_000, r)).toEqual({ allowed: true });
    expect(await store.hit(key, t0 + 10_001, r)).toEqual({ allowed: false, retryAfterMs: 999 });
    expect(await store.hit(key, t0 + 11_000, r)).toEqual({ allowed: true });
  });

  it("reports the later of the interval and the window as retryAfterMs", async () => {
    const key = fresh("both@example.com");
    const r = rules({ minIntervalMs: 5_000, maxPerWindow: 2, windowMs: 60_000 });
    expect(await store.hit(key, t0, r)).toEqual({ allowed: true });
    expect(await store.hit(key, t0 + 5_000, r)).toEqual({ allowed: true });
    // Interval says 5000 more; the window says wait until t0 + 60000.
    expect(await store.hit(key, t0 + 6_000, r)).toEqual({ allowed: false, retryAfterMs: 54_000 });
    expect(await store.hit(key, t0 + 59_999, r)).toEqual({ allowed: false, retryAfterMs: 1 });
    expect(await store.hit(key, t0 + 60_000, r)).toEqual({ allowed: true });
    expect(await store.hit(key, t0 + 61_000, r)).toEqual({ allowed: false, retryAfterMs: 4_000 });
  });

  it("starts afresh once every send has rolled out of the window", async () => {
    const key = fresh("rollover@example.com");
    const r = rules({ minIntervalMs: 1_000, maxPerWindow: 2, windowMs: 60_000 });
    await store.hit(key, t0, r);
    await store.hit(key, t0 + 1_000, r);
    expect((await store.hit(key, t0 + 2_000, r)).allowed).toBe(false);
    const later = t0 + 1_000 + 60_000;
    expect(await store.hit(key, later, r)).toEqual({ allowed: true });
    expect(await store.hit(key, later + 1_000, r)).toEqual({ allowed: true });
    // Old sends are pruned, so the item stays small.
    const item = await getItem(`throttle#${sha256(key)}`);
    expect(item?.sends?.L?.map((v) => Number(v.N))).toEqual([later, later + 1_000]);
  });

  it("counts a lagging clock as the latest recorded send time", async () => {
    const key = fresh("skew@example.com");
    const r = rules({ minIntervalMs: 1_000, maxPerWindow: 5, windowMs: 60_000 });
    expect(await store.hit(key, t0 + 10_000, r)).toEqual({ allowed: true });
    // 9 s behind: wait the 9 s of skew plus the full interval.
    expect(await store.hit(key, t0 + 1_000, r)).toEqual({ allowed: false, retryAfterMs: 10_000 });
    // No interval (the daily cap's rules): a clock 1 ms behind is not a reason to refuse.
    const day = fresh("skew-day@example.com");
    const dayRules = rules({ minIntervalMs: 0, maxPerWindow: 10, windowMs: 86_400_000 });
    expect(await store.hit(day, t0, dayRules)).toEqual({ allowed: true });
    expect(await store.hit(day, t0 - 1, dayRules)).toEqual({ allowed: true });
  });

  it("lets exactly maxPerWindow of 20 concurrent hits through", async () => {
    const key = fresh("burst@example.com");
    const r = rules({ minIntervalMs: 0, maxPerWindow: 5, windowMs: 60_000 });
    const decisions = await Promise.all(Array.from({ length: 20 }, () => store.hit(key, t0, r)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
    for (const d of decisions.filter((d) => !d.allowed)) {
      expect(d).toEqual({ allowed: false, retryAfterMs: 60_000 });
    }
    expect((await store.hit(key, t0 + 59_999, r)).allowed).toBe(false);
  });

  it("lets exactly one of 20 concurrent hits through when minIntervalMs > 0", async () => {
    const key = fresh("burst-interval@example.com");
    const r = rules({ minIntervalMs: 30_000, maxPerWindow: 5, windowMs: 900_000 });
    // An earlier send, so the racers update an existing item rather than create it.
    expect(await store.hit(key, t0 - 60_000, r)).toEqual({ allowed: true });
    const decisions = await Promise.all(Array.from({ length: 20 }, () => store.hit(key, t0, r)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(1);
    expect(decisions.filter((d) => !d.allowed)).toEqual(
      Array.from({ length: 19 }, () => ({ allowed: false, retryAfterMs: 30_000 })),
    );
  });

  it("keeps concurrent keys independent", async () => {
    const r = rules({ minIntervalMs: 30_000 });
    const keys = Array.from({ length: 10 }, (_, i) => fresh(`k${i}@example.com`));
    const decisions = await Promise.all(keys.map((key) => store.hit(key, t0, r)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
  });

  it("stores a ttl and a hashed key, never the raw email", async () => {
    // Prepare
    const email = `${fresh("dana.private")}@secret-domain.example`;
    const r = rules({ minIntervalMs: 30_000, windowMs: 900_000 });
    // Act
    await store.hit(email, t0, r);
    await store.hit(email, t0 + 40_000, r);
    // Assess
    const item = await getItem(`throttle#${sha256(email)}`);
    expect(item?.ttl?.N).toBe(`${Math.ceil((t0 + 40_000 + 900_000) / 1000)}`);
    const everything = JSON.stringify(await table.scan());
    expect(everything).not.toContain("dana");
    expect(everything).not.toContain("secret-domain");
  });

  it("refuses malformed rules", async () => {
    const key = fresh("rules@example.com");
    await expect(store.hit(key, t0, rules({ maxPerWindow: 0 }))).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
      details: { field: "rules.maxPerWindow" },
    });
    await expect(store.hit(key, t0, rules({ windowMs: 1.5 }))).rejects.toMatchObject({
      details: { field: "rules.windowMs" },
    });
    await expect(store.hit(key, t0, rules({ minIntervalMs: -1 }))).rejects.toMatchObject({
      details: { field: "rules.minIntervalMs" },
    });
  });
});

/**
 * The throttle's specification, written the slow, obvious way: every send is
 * kept forever, a clock behind the latest send counts as that send's time,
 * and retryAfterMs is found by trying every later millisecond.
 */
class ReferenceThrottle {
  private readonly sends: number[] = [];
  constructor(private readonly rules: ThrottleRules) {}

  private allowedAt(now: number): { ok: boolean; at: number } {
    const at = Math.max(now, ...this.sends);
    const tooSoon = this.sends.some((t) => at - t < this.rules.minIntervalMs);
    const inWindow = this.sends.filter((t) => at - t < this.rules.windowMs).length;
    return { ok: !tooSoon && inWindow < this.rules.maxPerWindow, at };
  }

  hit(now: number): ThrottleDecision {
    const { ok, at } = this.allowedAt(now);
    if (ok) {
      this.sends.push(at);
      return { allowed: true };
    }
    for (let wait = 1; ; wait++) {
      if (this.allowedAt(now + wait).ok) return { allowed: false, retryAfterMs: wait };
    }
  }
}

describe("send throttle against a reference model", () => {
  it("makes the same decisions, retryAfterMs included, over random sequences", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          minIntervalMs: fc.integer({ min: 0, max: 300 }),
          maxPerWindow: fc.integer({ min: 1, max: 5 }),
          windowMs: fc.integer({ min: 1, max: 1_000 }),
        }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 400 }), fc.integer({ min: -50, max: 0 })), {
          minLength: 1,
          maxLength: 25,
          size: "max",
        }),
        async (r, steps) => {
          const key = fresh("model@example.com");
          const model = new ReferenceThrottle(r);
          let now = 1_000_000;
          for (const step of steps) {
            now += step;
            expect(await store.hit(key, now, r)).toEqual(model.hit(now));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
