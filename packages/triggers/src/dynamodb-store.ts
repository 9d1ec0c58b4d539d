import { createHash } from "node:crypto";
import type {
  AttributeValue,
  CancellationReason,
  DynamoDBClient,
  TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
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
 * conditional writes and transactions so that Lambdas racing each other
 * cannot both win. The Lambda role needs `dynamodb:GetItem`, `PutItem`,
 * `UpdateItem` and `DeleteItem` on the table (a transaction is authorised
 * per action); the orphan sweep also needs `dynamodb:Scan`, and releasing a
 * claim from before owner records `dynamodb:ConditionCheckItem`.
 *
 * Items (every `pk` starts with `keyPrefix`):
 * - a username claim, two items written together: `pk =
 *   "username#<normalised name>"` with `owner` (the user's `sub`), and `pk =
 *   "owner#<sub>"` with `username` (the normalised name); both with
 *   `createdAt` (epoch ms) and no `ttl`: claims are permanent until released.
 *   `claim`, `release`, `releaseExtra` and `move` are each one
 *   `TransactWriteItems` (`releaseExtra`: a Delete and a ConditionCheck on
 *   the owner record; `release` of a claim from before owner records: its
 *   full transaction, then `releaseExtra`'s) whose
 *   conditions keep the two items inverse maps (one owner per name, one name
 *   per owner), so sessions and Lambdas racing each other cannot break
 *   either rule. A claim costs one transaction of two writes (4 write
 *   units); a transaction cancelled by a concurrent one on the same items
 *   (`TransactionConflict`) is retried. `claims()` is a full table Scan, for
 *   the occasional orphan sweep, never for a sign-in.
 * - a throttle counter: `pk = "throttle#<SHA-256 hex of the key>"`, `sends`
 *   (list of send times, epoch ms, ascending), `version`, `ttl`. Create keeps
 *   two per mailbox (the short window and the daily cap), keyed by a tag of
 *   the canonical mailbox, and Verify one per code (its attempt counter,
 *   keyed by the code's salt, gone after the code's lifetime); the key is
 *   hashed again so no raw address or tag lands in the table. This is pseudonymisation, not anonymity: someone who
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

  const usernameKey = (username: string): Item => ({
    pk: { S: `${keyPrefix}username#${requireText("username", username)}` },
  });
  const ownerKey = (owner: string): Item => ({
    pk: { S: `${keyPrefix}owner#${requireText("owner", owner)}` },
  });

  /**
   * One TransactWriteItems. Resolves `undefined` when it was applied, or the
   * cancellation reasons when a condition failed. DynamoDB also cancels a
   * transaction that races another one on the same items
   * (`TransactionConflict`, nothing written); that is retried after a short,
   * random pause.
   */
  const transact = async (
    items: TransactWriteItem[],
  ): Promise<CancellationReason[] | undefined> => {
    const { sdk, client } = await connect();
    for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
      try {
        await client.send(new sdk.TransactWriteItemsCommand({ TransactItems: items }));
        return undefined;
      } catch (error) {
        const reasons = cancellationReasons(error);
        if (!reasons) throw error;
        if (reasons.some((r) => r.Code === "ConditionalCheckFailed")) return reasons;
        if (!reasons.some((r) => r.Code === "TransactionConflict")) throw error;
        await new Promise((resolve) =>
          setTimeout(resolve, 10 + Math.random() * 40 * (attempt + 1)),
        );
      }
    }
    throw new PasscodeError(
      "SERVICE_ERROR",
      "Username registry: too many concurrent writes to one name or owner",
    );
  };

  const claimWrite = (username: string, owner: string, now: string): TransactWriteItem => ({
    // An update, not a put: a re-claim by the owner keeps the first createdAt.
    Update: {
      TableName: tableName,
      Key: usernameKey(username),
      UpdateExpression: "SET #owner = :owner, #createdAt = if_not_exists(#createdAt, :now)",
      ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
      ExpressionAttributeNames: { "#owner": "owner", "#createdAt": "createdAt" },
      ExpressionAttributeValues: { ":owner": { S: owner }, ":now": { N: now } },
    },
  });
  const ownerWrite = (
    owner: string,
    to: string,
    now: string,
    from?: string,
  ): TransactWriteItem => ({
    Update: {
      TableName: tableName,
      Key: ownerKey(owner),
      UpdateExpression: "SET #username = :to, #createdAt = if_not_exists(#createdAt, :now)",
      ConditionExpression:
        from === undefined
          ? "attribute_not_exists(pk) OR #username = :to"
          : "attribute_not_exists(pk) OR #username IN (:from, :to)",
      ExpressionAttributeNames: { "#username": "username", "#createdAt": "createdAt" },
      ExpressionAttributeValues: {
        ":to": { S: to },
        ":now": { N: now },
        ...(from === undefined ? {} : { ":from": { S: from } }),
      },
      // The failed item comes back with the cancellation: the name the owner holds.
      ReturnValuesOnConditionCheckFailure: "ALL_OLD",
    },
  });

  const getAttribute = async (Key: Item, name: string): Promise<string | undefined> => {
    const { sdk, client } = await connect();
    const { Item } = await client.send(
      new sdk.GetItemCommand({
        TableName: tableName,
        Key,
        ConsistentRead: true,
        ProjectionExpression: "#name",
        ExpressionAttributeNames: { "#name": name },
      }),
    );
    return Item?.[name]?.S;
  };

  /**
   * Deletes `username#<username>` while it names `owner` and `owner#<owner>`
   * does not name it, in one transaction. Resolves the cancellation reasons
   * when a condition failed: `[0]` the name is not the owner's, `[1]` the
   * owner record names it.
   */
  const releaseExtraClaim = (username: string, owner: string) =>
    transact([
      {
        Delete: {
          TableName: tableName,
          Key: usernameKey(username),
          ConditionExpression: "#owner = :owner",
          ExpressionAttributeNames: { "#owner": "owner" },
          ExpressionAttributeValues: { ":owner": { S: owner } },
        },
      },
      {
        ConditionCheck: {
          TableName: tableName,
          Key: ownerKey(owner),
          ConditionExpression: "attribute_not_exists(pk) OR #username <> :username",
          ExpressionAttributeNames: { "#username": "username" },
          ExpressionAttributeValues: { ":username": { S: username } },
        },
      },
    ]);

  const ownsOther = async (reason: CancellationReason, owner: string) => {
    const held = reason.Item?.username?.S ?? (await store.usernameOf(owner));
    return held === undefined ? undefined : ({ status: "owns-other", username: held } as const);
  };

  const store: PasscodeStore = {
    async claim(username, owner) {
      usernameKey(username);
      ownerKey(owner);
      for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        const now = `${Date.now()}`;
        const reasons = await transact([
          claimWrite(username, owner, now),
          ownerWrite(owner, username, now),
        ]);
        if (!reasons) return { status: "claimed", username };
        if (failed(reasons[1])) {
          const result = await ownsOther(reasons[1]!, owner);
          // Released in between: try again.
          if (result) return result;
          continue;
        }
        return { status: "taken" };
      }
      throw new PasscodeError("SERVICE_ERROR", "Username registry: the owner's name kept changing");
    },

    async release(username, owner) {
      const Key = usernameKey(username);
      const ownerRecord = ownerKey(owner);
      for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        const reasons = await transact([
          {
            Delete: {
              TableName: tableName,
              Key,
              ConditionExpression: "#owner = :owner",
              ExpressionAttributeNames: { "#owner": "owner" },
              ExpressionAttributeValues: { ":owner": { S: owner } },
            },
          },
          {
            Delete: {
              TableName: tableName,
              Key: ownerRecord,
              ConditionExpression: "attribute_not_exists(pk) OR #username = :username",
              ExpressionAttributeNames: { "#username": "username" },
              ExpressionAttributeValues: { ":username": { S: username } },
            },
          },
        ]);
        // Not held, or held by someone else: releasing is a no-op by contract.
        if (!reasons || failed(reasons[0])) return;
        // The owner record names another name: this claim predates owner
        // records (an older version of this store), so it goes alone, but
        // only while the owner record still does not name it. A rename onto
        // it in between makes it the owner's one name: release both then.
        const extra = await releaseExtraClaim(username, owner);
        if (!extra || failed(extra[0])) return;
      }
      throw new PasscodeError("SERVICE_ERROR", "Username registry: the owner's name kept changing");
    },

    async releaseExtra(username, owner) {
      await releaseExtraClaim(username, owner);
    },

    async ownerOf(username) {
      return getAttribute(usernameKey(username), "owner");
    },

    async usernameOf(owner) {
      return getAttribute(ownerKey(owner), "username");
    },

    async move(owner, from, to) {
      if (from === to) return store.claim(to, owner);
      const fromKey = usernameKey(from);
      usernameKey(to);
      ownerKey(owner);
      const now = `${Date.now()}`;
      const reasons = await transact([
        {
          Delete: {
            TableName: tableName,
            Key: fromKey,
            ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
            ExpressionAttributeNames: { "#owner": "owner" },
            ExpressionAttributeValues: { ":owner": { S: owner } },
          },
        },
        claimWrite(to, owner, now),
        ownerWrite(owner, to, now, from),
      ]);
      if (!reasons) return { status: "claimed", username: to };
      if (failed(reasons[2])) {
        return (await ownsOther(reasons[2]!, owner)) ?? store.move(owner, from, to);
      }
      if (failed(reasons[1])) return { status: "taken" };
      // Someone else holds `from`: it is not the owner's to delete.
      return store.claim(to, owner);
    },

    async *claims() {
      const { sdk, client } = await connect();
      const prefix = `${keyPrefix}username#`;
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await client.send(
          new sdk.ScanCommand({
            TableName: tableName,
            ConsistentRead: true,
            FilterExpression: "begins_with(pk, :prefix)",
            ProjectionExpression: "pk, #owner, #createdAt",
            ExpressionAttributeNames: { "#owner": "owner", "#createdAt": "createdAt" },
            ExpressionAttributeValues: { ":prefix": { S: prefix } },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          const pk = item.pk?.S;
          const owner = item.owner?.S;
          if (!pk?.startsWith(prefix) || !owner) continue;
          const createdAt = Number(item.createdAt?.N);
          yield {
            username: pk.slice(prefix.length),
            owner,
            ...(Number.isFinite(createdAt) ? { createdAt } : {}),
          };
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
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
  return store;
}

/** How often a write that lost a transaction race is tried in all. */
const TRANSACTION_ATTEMPTS = 8;

function failed(reason: CancellationReason | undefined): boolean {
  return reason?.Code === "ConditionalCheckFailed";
}

function cancellationReasons(error: unknown): CancellationReason[] | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { name, CancellationReasons } = error as {
    name?: unknown;
    CancellationReasons?: unknown;
  };
  if (name !== "TransactionCanceledException") return undefined;
  return Array.isArray(CancellationReasons) ? (CancellationReasons as CancellationReason[]) : [];
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
