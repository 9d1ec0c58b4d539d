import { createHash } from "node:crypto";
import type { AttributeValue, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { PasscodeError } from "@cognito-passcode/shared";
import { fail, once } from "./resolve-options.js";
import type { PasscodeStore, ThrottleRules } from "./store.js";
import { horizon, planSend } from "./throttle-window.js";

/** Options for {@link dynamoDbStore}. */
export interface DynamoDbStoreOptions {
  /**
   * The table's name (or ARN). Partition key `pk` (string), no sort key, TTL
   * enabled on the attribute `ttl` (epoch seconds). Deployers create it.
   */
  tableName: string;
  /**
   * The DynamoDB client to use (region, credentials, retries are yours).
   * @default a `DynamoDBClient` with the runtime's default region and
   * credentials, built once per `dynamoDbStore` call, on first use.
   */
  client?: DynamoDBClient;
  /**
   * Prepended to every `pk`, so several user pools (or apps) can share one
   * table. At most 64 characters.
   * @default ""
   */
  keyPrefix?: string;
}

type Sdk = typeof import("@aws-sdk/client-dynamodb");
type Item = Record<string, AttributeValue>;

const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const TABLE_ARN = /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

/**
 * The username registry and the send throttle on one DynamoDB table, with
 * conditional writes so that Lambdas racing each other cannot both win.
 *
 * Items (every `pk` starts with `keyPrefix`):
 * - a username claim: `pk = "username#<normalised name>"`, `owner` (the
 *   user's `sub`), `createdAt` (epoch ms). No `ttl`: claims are permanent
 *   until released.
 * - a throttle counter: `pk = "throttle#<SHA-256 hex of the key>"`, `sends`
 *   (list of send times, epoch ms, ascending), `version`, `ttl`. Create keeps
 *   two per address (the short window and the daily cap), keyed by a tag of
 *   the normalised email; the key is hashed again so no raw address or tag
 *   lands in the table. This is pseudonymisation, not anonymity: someone who
 *   can read the table and guesses an address can hash it and find its items.
 *
 * The throttle is a sliding window: a send at `now` is allowed when the last
 * recorded send is at least `minIntervalMs` old and fewer than `maxPerWindow`
 * recorded sends are younger than `windowMs`. `hit` reads the item
 * (consistently), decides, and records an allowed send with a write
 * conditioned on the version it read, retrying on a lost race; a refusal
 * writes nothing. A `nowMs` earlier than the latest recorded send (clock skew
 * between Lambdas) counts as that latest time, so recorded times never go
 * backwards and the rules hold exactly over them. `ttl` is set to when the
 * item stops mattering (latest send plus the longer of the window and the
 * interval); decisions never rely on TTL deletion, which DynamoDB may delay.
 *
 * `@aws-sdk/client-dynamodb` is loaded on first use, so importing this
 * package does not need it unless a `dynamoDbStore` is used.
 *
 * @example
 * ```ts
 * const store = dynamoDbStore({ tableName: "passcode" });
 * createPasscodeTriggers({
 *   email: { from: "no-reply@example.com" },
 *   username: { registry: store },
 *   throttle: { store },
 * });
 * ```
 */
export function dynamoDbStore(options: DynamoDbStoreOptions): PasscodeStore {
  if (typeof options !== "object" || options === null) {
    fail("options", "must be an object");
  }
  const { tableName, keyPrefix = "" } = options;
  if (typeof tableName !== "string" || !(TABLE_NAME.test(tableName) || TABLE_ARN.test(tableName))) {
    fail("tableName", "must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or ARN");
  }
  if (typeof keyPrefix !== "string" || keyPrefix.length > 64) {
    fail("keyPrefix", "must be a string of at most 64 characters");
  }
  const given = options.client;
  if (given !== undefined && typeof (given as { send?: unknown }).send !== "function") {
    fail("client", "must be a DynamoDBClient");
  }

  const connect = once(async (): Promise<{ sdk: Sdk; client: DynamoDBClient }> => {
    const sdk = await import("@aws-sdk/client-dynamodb").catch((cause: unknown) => {
      throw new PasscodeError(
        "CONFIGURATION_ERROR",
        "dynamoDbStore needs the @aws-sdk/client-dynamodb package",
        { cause, details: { field: "client" } },
      );
    });
    return { sdk, client: given ?? new sdk.DynamoDBClient({}) };
  });

  const usernameKey = (username: string) => ({
    pk: { S: `${keyPrefix}username#${requireText("username", username)}` },
  });

  return {
    async claim(username, owner) {
      const Key = usernameKey(username);
      requireText("owner", owner);
      const { sdk, client } = await connect();
      try {
        // An update, not a put: a re-claim by the owner keeps the first createdAt.
        await client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key,
            UpdateExpression: "SET #owner = :owner, #createdAt = if_not_exists(#createdAt, :now)",
            ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner", "#createdAt": "createdAt" },
            ExpressionAttributeValues: { ":owner": { S: owner }, ":now": { N: `${Date.now()}` } },
          }),
        );
        return "claimed";
      } catch (error) {
        if (isConditionFailure(error)) return "taken";
        throw error;
      }
    },

    async release(username, owner) {
      const Key = usernameKey(username);
      requireText("owner", owner);
      const { sdk, client } = await connect();
      try {
        await client.send(
          new sdk.DeleteItemCommand({
            TableName: tableName,
            Key,
            ConditionExpression: "#owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: { ":owner": { S: owner } },
          }),
        );
      } catch (error) {
        // Not held, or held by someone else: releasing is a no-op by contract.
        if (!isConditionFailure(error)) throw error;
      }
    },

    async ownerOf(username) {
      const Key = usernameKey(username);
      const { sdk, client } = await connect();
      const { Item } = await client.send(
        new sdk.GetItemCommand({
          TableName: tableName,
          Key,
          ConsistentRead: true,
          ProjectionExpression: "#owner",
          ExpressionAttributeNames: { "#owner": "owner" },
        }),
      );
      return Item?.owner?.S;
    },

    async hit(key, nowMs, rules) {
      checkRules(rules);
      if (!Number.isSafeInteger(nowMs) || nowMs < 0) {
        throw new TypeError("nowMs must be a non-negative integer (epoch milliseconds)");
      }
      const pk = `${keyPrefix}throttle#${sha256Hex(requireText("key", key))}`;
      const { sdk, client } = await connect();
      // Every lost race means another caller recorded a send, and at most
      // maxPerWindow sends fit in a window, so this bound is rarely reached.
      const attempts = Math.min(rules.maxPerWindow + 3, 50);
      for (let attempt = 0; attempt < attempts; attempt++) {
        const { Item } = await client.send(
          new sdk.GetItemCommand({
            TableName: tableName,
            Key: { pk: { S: pk } },
            ConsistentRead: true,
          }),
        );
        const version = Item?.version?.N;
        const plan = planSend(readSends(Item), nowMs, rules);
        if (!plan.allowed) return { allowed: false, retryAfterMs: plan.retryAfterMs };
        const latest = plan.sends[plan.sends.length - 1]!;
        const item: Item = {
          pk: { S: pk },
          sends: { L: plan.sends.map((t) => ({ N: `${t}` })) },
          version: { N: `${version === undefined ? 1 : Number(version) + 1}` },
          ttl: { N: `${Math.ceil((latest + horizon(rules)) / 1000)}` },
        };
        try {
          await client.send(
            new sdk.PutItemCommand({
              TableName: tableName,
              Item: item,
              ...(version === undefined
                ? { ConditionExpression: "attribute_not_exists(pk)" }
                : {
                    ConditionExpression: "#version = :version",
                    ExpressionAttributeNames: { "#version": "version" },
                    ExpressionAttributeValues: { ":version": { N: version } },
                  }),
            }),
          );
          return { allowed: true };
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      }
      throw new PasscodeError(
        "SERVICE_ERROR",
        "Throttle store: too many concurrent sends to one key",
      );
    },
  };
}

function readSends(item: Item | undefined): number[] {
  const list = item?.sends?.L ?? [];
  return list.map((value) => Number(value.N)).filter(Number.isFinite);
}

function checkRules(rules: ThrottleRules): void {
  const check = (field: keyof ThrottleRules, min: number) => {
    const value = rules?.[field];
    if (!Number.isSafeInteger(value) || (value as number) < min) {
      fail(`rules.${field}`, `must be an integer of at least ${min}`);
    }
  };
  check("minIntervalMs", 0);
  check("maxPerWindow", 1);
  check("windowMs", 1);
}

function requireText(name: string, value: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024) {
    throw new TypeError(`${name} must be a non-empty string of at most 1024 characters`);
  }
  return value;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function isConditionFailure(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name === "ConditionalCheckFailedException"
  );
}
