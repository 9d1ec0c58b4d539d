import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
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

/** Starts dynalite and its transaction front on `host`, port 0, and creates the passcode table. */
export async function startEmbeddedDynamoDb(
  host: string,
  region: string,
): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // dynalite answers any Origin with `Access-Control-Allow-Origin: *`: keep browser pages out.
  guardServer(server, host);
  await listen(server, 0, host);
  let front: Awaited<ReturnType<typeof startTransactionFront>>;
  try {
    front = await startTransactionFront(endpointOf(server, host), host);
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
