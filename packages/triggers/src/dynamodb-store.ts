import { createHash } from "node:crypto";
import type {
  AttributeValue,
  CancellationReason,
  DynamoDBClient,
  TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { PasscodeError } from "@cognito-passcode/shared";
import {
  checkPasskey,
  checkPasskeyName,
  checkPasskeyUse,
  passkeyIdKey,
  requirePasskeyText,
  sortPasskeys,
} from "./passkey-records.js";
import { fail, once } from "./resolve-options.js";
import type {
  PasscodeStore,
  PasskeyAccount,
  PasskeyStore,
  StoredPasskey,
  ThrottleRules,
} from "./store.js";
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
 * The username registry, the send throttle and the passkey store on one
 * DynamoDB table, with conditional writes and transactions so that Lambdas
 * racing each other cannot both win. The Lambda role needs
 * `dynamodb:GetItem`, `PutItem`, `UpdateItem` and `DeleteItem` on the table
 * (a transaction is authorised per action); the orphan sweep also needs
 * `dynamodb:Scan`, and releasing a claim from before owner records
 * `dynamodb:ConditionCheckItem`.
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
 * - passkeys ({@link PasskeyStore}): `pk = "passkeys#<sub>"` with
 *   `userHandle`, `version`, `createdAt` and `credentials` (a map keyed by
 *   the base64url SHA-256 of each credential id: id, COSE public key,
 *   counter, transports, device type, backed up, AAGUID, name, created and
 *   last used times); `pk = "passkey#<SHA-256 of the credential id>"` with
 *   `owner`, written in the same transaction as the add (so no id is
 *   registered twice, across users); `pk = "passkey-auth#<challenge key>"`
 *   with `owner`, `amr`, `expiresAt` and `ttl`, the single-use record of a
 *   verified assertion (a taken one stays, marked `taken`, until its ttl).
 *   An add is a consistent read and one transaction conditioned on the
 *   version read; a sign-in one `UpdateItem` conditioned on the counter
 *   rule; removals are transactions with the claims. No `ttl` on credentials
 *   or claims.
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
      "DynamoDB store: too many concurrent writes to one name, owner or passkey account",
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

  /** Deletes a credential id's claim if it is missing or names `owner`. */
  const claimDelete = (hash: string, owner: string): TransactWriteItem => ({
    Delete: {
      TableName: tableName,
      Key: passkeyClaimKey(hash),
      ConditionExpression: "attribute_not_exists(pk) OR #owner = :owner",
      ExpressionAttributeNames: { "#owner": "owner" },
      ExpressionAttributeValues: { ":owner": { S: owner } },
    },
  });

  /** Every item whose `pk` starts with `prefix` (a full, consistent Scan), with `pk` and `attributes`. */
  async function* scanPrefix(prefix: string, attributes: string[]): AsyncIterable<Item> {
    const { sdk, client } = await connect();
    const names = Object.fromEntries(attributes.map((name, i) => [`#a${i}`, name]));
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await client.send(
        new sdk.ScanCommand({
          TableName: tableName,
          ConsistentRead: true,
          FilterExpression: "begins_with(pk, :prefix)",
          ProjectionExpression: ["pk", ...Object.keys(names)].join(", "),
          ...(attributes.length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: { ":prefix": { S: prefix } },
          ExclusiveStartKey,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.pk?.S?.startsWith(prefix) && item.pk.S.length > prefix.length) yield item;
      }
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  const ownsOther = async (reason: CancellationReason, owner: string) => {
    const held = reason.Item?.username?.S ?? (await store.usernameOf(owner));
    return held === undefined ? undefined : ({ status: "owns-other", username: held } as const);
  };

  const passkeysKey = (owner: string): Item => ({
    pk: { S: `${keyPrefix}passkeys#${requirePasskeyText("owner", owner)}` },
  });
  const passkeyClaimKey = (hash: string): Item => ({ pk: { S: `${keyPrefix}passkey#${hash}` } });
  const signInKey = (challengeKey: string): Item => ({
    pk: { S: `${keyPrefix}passkey-auth#${requirePasskeyText("challengeKey", challengeKey)}` },
  });

  /** The owner's passkey item, read strongly consistent. */
  const readPasskeys = async (owner: string): Promise<Item | undefined> => {
    const { sdk, client } = await connect();
    const { Item } = await client.send(
      new sdk.GetItemCommand({
        TableName: tableName,
        Key: passkeysKey(owner),
        ConsistentRead: true,
      }),
    );
    return Item;
  };

  /** Whether a credential id's claim exists (anyone's), read strongly consistent. */
  const claimed = async (hash: string): Promise<boolean> => {
    const { sdk, client } = await connect();
    const { Item } = await client.send(
      new sdk.GetItemCommand({
        TableName: tableName,
        Key: passkeyClaimKey(hash),
        ConsistentRead: true,
        ProjectionExpression: "pk",
      }),
    );
    return Item !== undefined;
  };

  /** One conditional single-item write; `false` when its condition failed, else the item's old attributes (if asked for). */
  const conditional = async (
    write: (sdk: Sdk, client: DynamoDBClient) => Promise<{ Attributes?: Item }>,
  ): Promise<Item | false> => {
    const { sdk, client } = await connect();
    try {
      return (await write(sdk, client)).Attributes ?? {};
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  };

  const store: PasscodeStore = {
    async getPasskeys(owner) {
      return decodeAccount(await readPasskeys(owner));
    },

    async addPasskey(owner, userHandle, passkey, { max, expectedVersion }) {
      const key = passkeysKey(owner);
      requirePasskeyText("userHandle", userHandle);
      checkPasskey(passkey, max, expectedVersion);
      const hash = passkeyIdKey(passkey.id);
      for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        const item = await readPasskeys(owner);
        const version = item === undefined ? 0 : Number(item.version?.N ?? 0);
        const credentials = item?.credentials?.M ?? {};
        if (expectedVersion !== undefined && version !== expectedVersion)
          return { status: "conflict" };
        if (credentials[hash] !== undefined) return { status: "duplicate" };
        if (Object.keys(credentials).length >= max) {
          // As memoryStore: an id another owner holds is a duplicate before the limit.
          return (await claimed(hash)) ? { status: "duplicate" } : { status: "limit" };
        }
        const now = `${Date.now()}`;
        const reasons = await transact([
          {
            Put: {
              TableName: tableName,
              Item: { ...passkeyClaimKey(hash), owner: { S: owner }, createdAt: { N: now } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: tableName,
              Item: {
                ...key,
                userHandle: item?.userHandle ?? { S: userHandle },
                createdAt: item?.createdAt ?? { N: now },
                version: { N: `${version + 1}` },
                credentials: { M: { ...credentials, [hash]: encodePasskey(passkey) } },
              },
              ...(item === undefined
                ? { ConditionExpression: "attribute_not_exists(pk)" }
                : {
                    ConditionExpression: "#version = :version",
                    ExpressionAttributeNames: { "#version": "version" },
                    ExpressionAttributeValues: { ":version": { N: `${version}` } },
                  }),
            },
          },
        ]);
        if (!reasons) return { status: "added" };
        if (failed(reasons[0])) return { status: "duplicate" };
        if (expectedVersion !== undefined) return { status: "conflict" };
      }
      throw new PasscodeError(
        "SERVICE_ERROR",
        "Passkey store: too many concurrent changes to one user",
      );
    },

    async usePasskey(owner, id, use) {
      const Key = passkeysKey(owner);
      checkPasskeyUse(use);
      const zero = use.counter === 0;
      const answer = await conditional((sdk, client) =>
        client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key,
            UpdateExpression:
              "SET #c.#k.#counter = :counter, #c.#k.#backedUp = :backedUp, #c.#k.#lastUsedAt = :at, #version = #version + :one",
            // WebAuthn 6.1.1: both 0, or the new counter above the stored one.
            ConditionExpression: zero
              ? "attribute_exists(#c.#k) AND #c.#k.#counter = :counter"
              : "attribute_exists(#c.#k) AND #c.#k.#counter < :counter",
            ExpressionAttributeNames: {
              "#c": "credentials",
              "#k": passkeyIdKey(id),
              "#counter": "counter",
              "#backedUp": "backedUp",
              "#lastUsedAt": "lastUsedAt",
              "#version": "version",
            },
            ExpressionAttributeValues: {
              ":counter": { N: `${use.counter}` },
              ":backedUp": { BOOL: use.backedUp },
              ":at": { N: `${use.at}` },
              ":one": { N: "1" },
            },
          }),
        ),
      );
      return answer !== false;
    },

    async renamePasskey(owner, id, name) {
      const Key = passkeysKey(owner);
      checkPasskeyName(name);
      const answer = await conditional((sdk, client) =>
        client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key,
            UpdateExpression: "SET #c.#k.#name = :name, #version = #version + :one",
            ConditionExpression: "attribute_exists(#c.#k)",
            ExpressionAttributeNames: {
              "#c": "credentials",
              "#k": passkeyIdKey(id),
              "#name": "name",
              "#version": "version",
            },
            ExpressionAttributeValues: { ":name": { S: name }, ":one": { N: "1" } },
          }),
        ),
      );
      return answer !== false;
    },

    async removePasskey(owner, id) {
      const Key = passkeysKey(owner);
      const hash = passkeyIdKey(id);
      let claim = true;
      for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        const item = await readPasskeys(owner);
        if (item?.credentials?.M?.[hash] === undefined) return false;
        const version = item.version?.N ?? "0";
        const reasons = await transact([
          {
            Update: {
              TableName: tableName,
              Key,
              UpdateExpression: "REMOVE #c.#k SET #version = #version + :one",
              ConditionExpression: "#version = :version",
              ExpressionAttributeNames: { "#c": "credentials", "#k": hash, "#version": "version" },
              ExpressionAttributeValues: { ":version": { N: version }, ":one": { N: "1" } },
            },
          },
          ...(claim ? [claimDelete(hash, owner)] : []),
        ]);
        if (!reasons) return true;
        // The id's claim names someone else (never written so): leave it.
        if (claim && failed(reasons[1])) claim = false;
      }
      throw new PasscodeError(
        "SERVICE_ERROR",
        "Passkey store: too many concurrent changes to one user",
      );
    },

    async removeAllPasskeys(owner) {
      const Key = passkeysKey(owner);
      const foreign = new Set<string>();
      for (let attempt = 0; attempt < TRANSACTION_ATTEMPTS; attempt++) {
        const item = await readPasskeys(owner);
        if (item === undefined) return 0;
        const hashes = Object.keys(item.credentials?.M ?? {});
        const claims = hashes.filter((hash) => !foreign.has(hash));
        const reasons = await transact([
          {
            Delete: {
              TableName: tableName,
              Key,
              ConditionExpression: "#version = :version",
              ExpressionAttributeNames: { "#version": "version" },
              ExpressionAttributeValues: { ":version": { N: item.version?.N ?? "0" } },
            },
          },
          ...claims.map((hash) => claimDelete(hash, owner)),
        ]);
        if (!reasons) return hashes.length;
        claims.forEach((hash, i) => {
          if (failed(reasons[i + 1])) foreign.add(hash);
        });
      }
      throw new PasscodeError(
        "SERVICE_ERROR",
        "Passkey store: too many concurrent changes to one user",
      );
    },

    async recordPasskeySignIn(challengeKey, record) {
      const Key = signInKey(challengeKey);
      requirePasskeyText("owner", record?.owner);
      if (typeof record.amr !== "string" || record.amr.length > 64) {
        throw new TypeError("amr must be a string of at most 64 characters");
      }
      if (!Number.isSafeInteger(record.expiresAt) || record.expiresAt < 0) {
        throw new TypeError("expiresAt must be epoch milliseconds");
      }
      const answer = await conditional((sdk, client) =>
        client.send(
          new sdk.PutItemCommand({
            TableName: tableName,
            Item: {
              ...Key,
              owner: { S: record.owner },
              amr: { S: record.amr },
              expiresAt: { N: `${record.expiresAt}` },
              ttl: { N: `${Math.ceil(record.expiresAt / 1000)}` },
            },
            ConditionExpression: "attribute_not_exists(pk)",
          }),
        ),
      );
      return answer !== false;
    },

    async takePasskeySignIn(challengeKey, owner, nowMs) {
      const Key = signInKey(challengeKey);
      requirePasskeyText("owner", owner);
      // Marked taken rather than deleted: the item stays (until its ttl) as
      // the challenge's tombstone, so recordPasskeySignIn keeps refusing it.
      const old = await conditional((sdk, client) =>
        client.send(
          new sdk.UpdateItemCommand({
            TableName: tableName,
            Key,
            UpdateExpression: "SET #taken = :taken",
            ConditionExpression: "#owner = :owner AND attribute_not_exists(#taken)",
            ExpressionAttributeNames: { "#owner": "owner", "#taken": "taken" },
            ExpressionAttributeValues: { ":owner": { S: owner }, ":taken": { BOOL: true } },
            ReturnValues: "ALL_OLD",
          }),
        ),
      );
      if (old === false) return undefined;
      const expiresAt = Number(old.expiresAt?.N);
      const amr = old.amr?.S;
      return Number.isFinite(expiresAt) && nowMs <= expiresAt ? amr : undefined;
    },

    async *passkeyOwners() {
      const prefix = `${keyPrefix}passkeys#`;
      for await (const item of scanPrefix(prefix, ["createdAt"])) {
        const createdAt = Number(item.createdAt?.N);
        yield {
          owner: (item.pk?.S ?? "").slice(prefix.length),
          ...(Number.isFinite(createdAt) ? { createdAt } : {}),
        };
      }
    },

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
      const prefix = `${keyPrefix}username#`;
      for await (const item of scanPrefix(prefix, ["owner", "createdAt"])) {
        const owner = item.owner?.S;
        if (!owner) continue;
        const createdAt = Number(item.createdAt?.N);
        yield {
          username: (item.pk?.S ?? "").slice(prefix.length),
          owner,
          ...(Number.isFinite(createdAt) ? { createdAt } : {}),
        };
      }
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

function encodePasskey(passkey: StoredPasskey): AttributeValue {
  return {
    M: {
      id: { S: passkey.id },
      publicKey: { S: passkey.publicKey },
      counter: { N: `${passkey.counter}` },
      transports: { L: passkey.transports.map((t) => ({ S: t })) },
      deviceType: { S: passkey.deviceType },
      backedUp: { BOOL: passkey.backedUp },
      aaguid: { S: passkey.aaguid },
      name: { S: passkey.name },
      createdAt: { N: `${passkey.createdAt}` },
      ...(passkey.lastUsedAt === undefined ? {} : { lastUsedAt: { N: `${passkey.lastUsedAt}` } }),
    },
  };
}

/** A stored credential, or `undefined` when the entry is not one (it is then left out: fail closed). */
function decodePasskey(value: AttributeValue | undefined): StoredPasskey | undefined {
  const m = value?.M;
  if (m === undefined) return undefined;
  const counter = Number(m.counter?.N);
  const createdAt = Number(m.createdAt?.N);
  const lastUsedAt = m.lastUsedAt?.N === undefined ? undefined : Number(m.lastUsedAt.N);
  const deviceType = m.deviceType?.S;
  if (
    typeof m.id?.S !== "string" ||
    typeof m.publicKey?.S !== "string" ||
    !Number.isSafeInteger(counter) ||
    !Number.isSafeInteger(createdAt) ||
    (deviceType !== "singleDevice" && deviceType !== "multiDevice") ||
    (lastUsedAt !== undefined && !Number.isSafeInteger(lastUsedAt))
  ) {
    return undefined;
  }
  return {
    id: m.id.S,
    publicKey: m.publicKey.S,
    counter,
    transports: (m.transports?.L ?? []).flatMap((t) => (t.S === undefined ? [] : [t.S])),
    deviceType,
    backedUp: m.backedUp?.BOOL === true,
    aaguid: m.aaguid?.S ?? "",
    name: m.name?.S ?? "",
    createdAt,
    ...(lastUsedAt === undefined ? {} : { lastUsedAt }),
  };
}

function decodeAccount(item: Item | undefined): PasskeyAccount | undefined {
  if (item === undefined) return undefined;
  const passkeys = Object.values(item.credentials?.M ?? {}).flatMap((value) => {
    const passkey = decodePasskey(value);
    return passkey === undefined ? [] : [passkey];
  });
  return {
    userHandle: item.userHandle?.S ?? "",
    version: Number(item.version?.N ?? 0),
    passkeys: sortPasskeys(passkeys),
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
