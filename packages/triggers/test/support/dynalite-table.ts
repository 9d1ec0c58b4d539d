import type { AddressInfo } from "node:net";
import {
  type AttributeValue,
  CreateTableCommand,
  DynamoDBClient,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
// The local stack's transaction front: dynalite has no TransactWriteItems.
import { startTransactionFront } from "../../../local/src/dynamodb-transactions.js";

/** A dynalite server in this process with the cognito-passcode table created. */
export interface DynaliteTable {
  /** A real DynamoDB client pointed at dynalite. */
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  /** Every item in the table (a full Scan). */
  scan(): Promise<Record<string, AttributeValue>[]>;
  /** Destroys the client and stops the server. */
  stop(): Promise<void>;
}

/**
 * Starts dynalite on 127.0.0.1 (port 0) behind the local stack's transaction
 * front (which adds `TransactWriteItems` by serialising every request), and
 * creates the table the design names: partition key `pk` (string), no sort key.
 */
export async function startDynaliteTable(tableName = "cognito-passcode"): Promise<DynaliteTable> {
  const server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const front = await startTransactionFront(`http://127.0.0.1:${port}`, "127.0.0.1");
  const endpoint = front.endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  return {
    client,
    tableName,
    endpoint,
    async scan() {
      const items: Record<string, AttributeValue>[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page = await client.send(
          new ScanCommand({ TableName: tableName, ExclusiveStartKey: start, ConsistentRead: true }),
        );
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      return items;
    },
    async stop() {
      client.destroy();
      await front.stop();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
