import { request } from "node:http";
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedDynamoDb, startEmbeddedDynamoDb } from "../src/embedded-dynamodb.js";
import { isAllowedHost } from "../src/host-check.js";

let db: EmbeddedDynamoDb;
let client: DynamoDBClient;
let unique = 0;
const fresh = (prefix: string) => `${prefix}-${++unique}`;

beforeAll(async () => {
  db = await startEmbeddedDynamoDb("127.0.0.1", "us-east-1");
  client = new DynamoDBClient({
    endpoint: db.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
});

afterAll(async () => {
  client?.destroy();
  await db?.stop();
});

const TableName = "cognito-passcode";
const key = (pk: string) => ({ pk: { S: pk } });

async function put(pk: string, fields: Record<string, AttributeValue> = {}) {
  await client.send(new PutItemCommand({ TableName, Item: { ...key(pk), ...fields } }));
}
async function get(pk: string) {
  const { Item } = await client.send(
    new GetItemCommand({ TableName, Key: key(pk), ConsistentRead: true }),
  );
  return Item;
}
const transact = (TransactItems: TransactWriteItem[]) =>
  client.send(new TransactWriteItemsCommand({ TransactItems }));
const cancelled = (items: TransactWriteItem[]) =>
  transact(items).then(
    () => {
      throw new Error("expected the transaction to be cancelled");
    },
    (error: { name: string; message: string; CancellationReasons?: unknown }) => error,
  );

/** Moves `amount` from one balance to another, iff the first holds enough. */
const transfer = (from: string, to: string, amount = 1): TransactWriteItem[] => [
  {
    Update: {
      TableName,
      Key: key(from),
      UpdateExpression: "SET balance = balance - :n",
      ConditionExpression: "balance >= :n",
      ExpressionAttributeValues: { ":n": { N: `${amount}` } },
    },
  },
  {
    Update: {
      TableName,
      Key: key(to),
      UpdateExpression: "SET balance = balance + :n",
      ExpressionAttributeValues: { ":n": { N: `${amount}` } },
    },
  },
];

const balance = async (pk: string) => Number((await get(pk))?.balance?.N);

describe("the transaction front before dynalite", () => {
  it("applies every action of a transaction, or none, and readers never see half of one", async () => {
    // Prepare: 20 units in a, none in b
    const [a, b] = [fresh("a"), fresh("b")];
    await put(a, { balance: { N: "20" } });
    await put(b, { balance: { N: "0" } });
    let reading = true;
    const sums: number[] = [];
    const reader = (async () => {
      // One BatchGetItem reads both items in one request: it sees a transfer whole or not at all.
      while (reading) {
        const { Responses } = await client.send(
          new BatchGetItemCommand({
            RequestItems: { [TableName]: { Keys: [key(a), key(b)], ConsistentRead: true } },
          }),
        );
        const items = Responses?.[TableName] ?? [];
        sums.push(items.reduce((total, item) => total + Number(item.balance?.N), 0));
      }
    })();
    // Act: 40 racing transfers of one unit
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, () => transact(transfer(a, b))),
    );
    reading = false;
    await reader;
    // Assess
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(20);
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(refused).toHaveLength(20);
    for (const o of refused) {
      expect((o as PromiseRejectedResult).reason).toMatchObject({
        name: "TransactionCanceledException",
      });
    }
    expect([await balance(a), await balance(b)]).toEqual([0, 20]);
    expect(sums.length).toBeGreaterThan(0);
    expect(new Set(sums)).toEqual(new Set([20]));
  });

  it("restores the old images of the actions it applied before a condition failed", async () => {
    // Prepare
    const [created, deleted, updated, guard] = [fresh("c"), fresh("d"), fresh("u"), fresh("g")];
    await put(deleted, { note: { S: "keep me" }, n: { N: "7" } });
    await put(updated, { balance: { N: "5" } });
    await put(guard, { state: { S: "locked" } });
    // Act: three actions succeed, the last one's condition fails
    const error = await cancelled([
      { Put: { TableName, Item: { ...key(created), fresh: { BOOL: true } } } },
      { Delete: { TableName, Key: key(deleted) } },
      {
        Update: {
          TableName,
          Key: key(updated),
          UpdateExpression: "SET balance = :zero REMOVE note",
          ExpressionAttributeValues: { ":zero": { N: "0" } },
        },
      },
      {
        ConditionCheck: {
          TableName,
          Key: key(guard),
          ConditionExpression: "#s = :open",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":open": { S: "open" } },
        },
      },
    ]);
    // Assess
    expect(error.name).toBe("TransactionCanceledException");
    expect(await get(created)).toBeUndefined();
    expect(await get(deleted)).toEqual({ ...key(deleted), note: { S: "keep me" }, n: { N: "7" } });
    expect(await get(updated)).toEqual({ ...key(updated), balance: { N: "5" } });
    expect(await get(guard)).toEqual({ ...key(guard), state: { S: "locked" } });
  });

  it("answers DynamoDB's cancellation reasons: one per action, every failed condition, the old item on ALL_OLD", async () => {
    // Prepare
    const [free, heldA, heldB, missing] = [fresh("f"), fresh("h"), fresh("h"), fresh("m")];
    await put(heldA, { owner: { S: "someone" } });
    await put(heldB, { owner: { S: "someone" } });
    const claim = (pk: string, returnOld: boolean): TransactWriteItem => ({
      Put: {
        TableName,
        Item: { ...key(pk), owner: { S: "me" } },
        ConditionExpression: "attribute_not_exists(pk) OR #owner = :me",
        ExpressionAttributeNames: { "#owner": "owner" },
        ExpressionAttributeValues: { ":me": { S: "me" } },
        ...(returnOld ? { ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const } : {}),
      },
    });
    // Act
    const error = await cancelled([
      claim(free, false),
      claim(heldA, true),
      claim(heldB, false),
      {
        ConditionCheck: {
          TableName,
          Key: key(missing),
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ]);
    // Assess
    expect(error.message).toBe(
      "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ConditionalCheckFailed, None]",
    );
    expect(error.CancellationReasons).toEqual([
      { Code: "None" },
      {
        Code: "ConditionalCheckFailed",
        Message: "The conditional request failed",
        Item: { ...key(heldA), owner: { S: "someone" } },
      },
      { Code: "ConditionalCheckFailed", Message: "The conditional request failed" },
      { Code: "None" },
    ]);
    expect(await get(free)).toBeUndefined();
    expect(await get(missing)).toBeUndefined();
  });

  it("runs a ConditionCheck that holds without changing its item", async () => {
    const [checked, written] = [fresh("k"), fresh("w")];
    await put(checked, { state: { S: "open" } });
    await transact([
      {
        ConditionCheck: {
          TableName,
          Key: key(checked),
          ConditionExpression: "#s = :open",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":open": { S: "open" } },
        },
      },
      { Put: { TableName, Item: { ...key(written), ok: { BOOL: true } } } },
    ]);
    expect(await get(checked)).toEqual({ ...key(checked), state: { S: "open" } });
    expect(await get(written)).toEqual({ ...key(written), ok: { BOOL: true } });
  });

  it("refuses two actions on one item and more than 100 actions with ValidationException, writing nothing", async () => {
    const twice = fresh("t");
    const sameItem = await cancelled([
      { Put: { TableName, Item: key(twice) } },
      { Delete: { TableName, Key: key(twice) } },
    ]);
    const tooMany = await cancelled(
      Array.from({ length: 101 }, (_, i) => ({ Put: { TableName, Item: key(`${twice}-${i}`) } })),
    );
    expect(sameItem).toMatchObject({
      name: "ValidationException",
      message: "Transaction request cannot include multiple operations on one item",
    });
    expect(tooMany.name).toBe("ValidationException");
    expect(tooMany.message).toContain("Member must have length less than or equal to 100");
    expect(await get(twice)).toBeUndefined();
    expect(await get(`${twice}-0`)).toBeUndefined();
  });

  it("answers only loopback Host names, no CORS preflight, and passes no CORS header on", async () => {
    const target = "DynamoDB_20120810.ListTables";
    const headers = { "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": target };
    // fetch sets Host itself; a DNS-rebound page's request carries the attacker's name.
    const rebound = await post({ ...headers, Host: "attacker.example" });
    const preflight = await fetch(`${db.endpoint}/`, {
      method: "OPTIONS",
      headers: { Origin: "https://attacker.example", "Access-Control-Request-Method": "POST" },
    });
    const plain = await client.send(new GetItemCommand({ TableName, Key: key(fresh("x")) }));
    const direct = await fetch(`${db.endpoint}/`, {
      method: "POST",
      headers: {
        ...headers,
        Origin: "https://attacker.example",
        Authorization:
          "AWS4-HMAC-SHA256 Credential=a/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
        "X-Amz-Date": "20260101T000000Z",
      },
      body: "{}",
    });
    expect(rebound).toBe(403);
    expect(preflight.status).toBe(403);
    expect(plain.$metadata.httpStatusCode).toBe(200);
    expect(direct.headers.get("access-control-allow-origin")).toBeNull();
  });

  /** A POST of `{}` to the front with exactly `headers` (Host as given, unlike fetch): the status. */
  function post(headers: Record<string, string>): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const url = new URL(db.endpoint);
      const out = request(
        { host: url.hostname, port: url.port, method: "POST", path: "/", headers },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      out.on("error", reject);
      out.end("{}");
    });
  }

  /** A ListTables to the front with `host` as the raw Host header: the status. */
  function withHost(host: string): Promise<number> {
    return post({
      "Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": "DynamoDB_20120810.ListTables",
      // dynalite reads the key id but checks no signature.
      "X-Amz-Date": "20260101T000000Z",
      Authorization:
        "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=00",
      Host: host,
    });
  }

  it.each([
    "localhost:99999999",
    "localhost:65536",
    "localhost:",
    "localhost:80:80",
    "localhost:8o",
    "127.0.0.1:99999999",
    "127.0.0.1.attacker.example",
    "localhost.attacker.example",
    "localhost@attacker.example",
    "[::1]x",
    "[::1]:99999999",
    "127.0.0.256",
  ])("refuses the Host %j, as the Cognito endpoint does", async (host) => {
    expect(isAllowedHost(host, "127.0.0.1")).toBe(false);
    expect(await withHost(host)).toBe(403);
  });

  it.each([
    "localhost",
    "LOCALHOST:1234",
    "127.0.0.1",
    "127.1.2.3:80",
    "[::1]:443",
    "app.localhost",
  ])("serves the loopback Host %j", async (host) => {
    expect(await withHost(host)).toBe(200);
  });

  it("property: the front admits exactly the Host headers the Cognito endpoint admits", async () => {
    const piece = fc.constantFrom(
      "localhost",
      "127.0.0.1",
      "[::1]",
      "::1",
      ".",
      ":",
      "0",
      "65535",
      "99999999",
      "attacker.example",
      "@",
      "x",
      "[",
      "]",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 4 }), async (pieces) => {
        const host = pieces.join("");
        const status = await withHost(host).catch(() => 0);
        fc.pre(status !== 0); // Node refused to send it
        expect(status).toBe(isAllowedHost(host, "127.0.0.1") ? 200 : 403);
      }),
      { numRuns: 200 },
    );
  });
});
