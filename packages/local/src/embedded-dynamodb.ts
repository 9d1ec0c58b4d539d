import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { DataFile } from "./data-file.js";
import { dynaliteHeaders, startTransactionFront } from "./dynamodb-transactions.js";
import { guardServer } from "./host-check.js";
import { lazyClient } from "./lazy-client.js";
import { closeServer, endpointOf, listen } from "./net.js";

/**
 * The embedded dynalite, in memory, with the passcode table created, behind
 * the transaction front ({@link startTransactionFront}): dynalite has no
 * `TransactWriteItems`, which the username registry needs, so the front adds
 * it by serialising every request. `endpoint` is the front's; dynalite's own
 * port is not handed out.
 */
export interface EmbeddedDynamoDb {
  /** The front's endpoint, for any DynamoDB client. */
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  stop(): Promise<void>;
}

/** The table the stack creates: partition key `pk` (string), TTL on `ttl` (not enforced by dynalite). */
export const TABLE_NAME = "cognito-passcode";

/**
 * The items `passkeys.json` keeps: passkey accounts (`passkeys#<sub>`) and
 * credential claims (`passkey#<hash>`). Not sign-in records
 * (`passkey-auth#`, minutes long), throttle counters (memory only, as the
 * attempt limits) or username claims (rebuilt from the users at start).
 */
const KEPT = /^passkeys?#/;

/** What the table keeps in a data folder, and whom to tell when a save fails. */
export interface KeptTable {
  dataDir: string;
  onError: (error: unknown) => void;
}

/**
 * Starts dynalite and its transaction front on `host`, port 0, and creates the
 * passcode table. With `keep`, the table's passkey items are read from
 * `<dataDir>/passkeys.json` before anything else can reach it, and written
 * back (a scan through the front, so never half a transaction) after each
 * write that names a passkey item, and before the stop.
 */
export async function startEmbeddedDynamoDb(
  host: string,
  region: string,
  keep?: KeptTable,
): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite answers any Origin with `Access-Control-Allow-Origin: *`: keep browser pages out.
  guardServer(server, host);
  await listen(server, 0, host);
  let front: Awaited<ReturnType<typeof startTransactionFront>>;
  // Set once the saved items are back, so restoring them writes nothing.
  let file: DataFile | undefined;
  try {
    front = await startTransactionFront(
      endpointOf(server, host),
      host,
      keep && ((body) => body.includes("passkey") && file?.save()),
    );
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  const endpoint = front.endpoint;
  const client = lazyClient<DynamoDBClient>(async () => {
    const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
    return new DynamoDBClient({
      endpoint,
      region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });
  try {
    await createTable(endpoint, region);
    if (keep) {
      const kept = new DataFile(
        keep.dataDir,
        "passkeys.json",
        async () => JSON.stringify({ version: 1, items: await keptItems(endpoint, region) }),
        keep.onError,
      );
      const saved = await kept.read().catch((error: Error) => {
        throw new Error(`passkeys.json in the data folder cannot be read: ${error.message}`);
      });
      await restoreItems(endpoint, region, saved);
      file = kept;
    }
  } catch (error) {
    await front.stop();
    await closeServer(server);
    throw error;
  }
  return {
    endpoint,
    client,
    tableName: TABLE_NAME,
    async stop() {
      await file?.flush();
      client.destroy();
      await front.stop();
      await closeServer(server);
    },
  };
}

/**
 * Creates the table with one plain JSON request (dynalite checks that a
 * signature is present, not that it is valid), which spares loading the
 * DynamoDB SDK before the first request needs it.
 */
async function createTable(endpoint: string, region: string): Promise<void> {
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: dynaliteHeaders("CreateTable", region),
    body: JSON.stringify({
      TableName: TABLE_NAME,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  });
  if (!response.ok) {
    throw new Error(
      `could not create the ${TABLE_NAME} table in dynalite: ${await response.text()}`,
    );
  }
}

/** One DynamoDB JSON call through the front; its parsed answer, or an error naming `what`. */
async function dynamoCall(
  endpoint: string,
  region: string,
  operation: string,
  input: unknown,
  what: string,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: dynaliteHeaders(operation, region),
    body: JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${what}: ${operation} answered ${response.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

type DynamoItem = { pk?: { S?: string } } & Record<string, unknown>;

/** Every item {@link KEPT} names, in DynamoDB's JSON, scanned page by page. */
async function keptItems(endpoint: string, region: string): Promise<DynamoItem[]> {
  const items: DynamoItem[] = [];
  let start: unknown;
  do {
    const page = await dynamoCall(
      endpoint,
      region,
      "Scan",
      {
        TableName: TABLE_NAME,
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      },
      "could not read the passkeys to save",
    );
    for (const item of (page.Items ?? []) as DynamoItem[]) {
      if (KEPT.test(item.pk?.S ?? "")) items.push(item);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Puts back what `passkeys.json` kept; refuses a file this version did not write. */
async function restoreItems(endpoint: string, region: string, saved: unknown): Promise<void> {
  if (saved === undefined) return;
  const { version, items } = (saved ?? {}) as { version?: unknown; items?: unknown };
  const valid =
    version === 1 &&
    Array.isArray(items) &&
    items.every(
      (item: DynamoItem) =>
        typeof item === "object" && item !== null && KEPT.test(item.pk?.S ?? ""),
    );
  if (!valid) {
    throw new Error(
      "passkeys.json in the data folder is not a file this version wrote (version 1, passkey items only); move it away to start without the passkeys",
    );
  }
  for (const item of items as DynamoItem[]) {
    await dynamoCall(
      endpoint,
      region,
      "PutItem",
      { TableName: TABLE_NAME, Item: item },
      "could not restore passkeys.json",
    );
  }
}
