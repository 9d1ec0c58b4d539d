import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { closeServer, urlHost } from "./net.js";

/** The embedded dynalite, in memory, with the passcode table created. */
export interface EmbeddedDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  tableName: string;
  stop(): Promise<void>;
}

/** The table the stack creates: partition key `pk` (string), TTL on `ttl` (not enforced by dynalite). */
export const TABLE_NAME = "cognito-passcode";

/** Starts dynalite on `host`, port 0, and creates the passcode table. */
export async function startEmbeddedDynamoDb(
  host: string,
  region: string,
): Promise<EmbeddedDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://${urlHost(host)}:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: TABLE_NAME,
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
  } catch (error) {
    client.destroy();
    await closeServer(server);
    throw error;
  }
  return {
    endpoint,
    client,
    tableName: TABLE_NAME,
    async stop() {
      client.destroy();
      await closeServer(server);
    },
  };
}
