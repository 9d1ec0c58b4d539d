import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { isAllowedHost } from "./host-check.js";
import { closeServer, endpointOf, listen } from "./net.js";

/** A running {@link startTransactionFront}. */
export interface TransactionFront {
  /** Where DynamoDB clients should point (`http://host:port`). */
  endpoint: string;
  /** Stops the front (not the DynamoDB behind it). */
  stop(): Promise<void>;
}

type Json = Record<string, unknown>;
type Item = Record<string, unknown>;

/** One answer: an HTTP status and a JSON body in DynamoDB's shape. */
interface Answer {
  status: number;
  body: Json;
}

const TARGET_PREFIX = "DynamoDB_20120810.";
const ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#";
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_ACTIONS = 100;
const WRITES = new Set(
  ["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"].map(
    (operation) => `${TARGET_PREFIX}${operation}`,
  ),
);
const ACTIONS = ["Put", "Update", "Delete", "ConditionCheck"] as const;
type ActionName = (typeof ACTIONS)[number];

/**
 * Puts an HTTP front before a DynamoDB emulator (dynalite, which has no
 * transactions) that adds `TransactWriteItems` by serialisation: every
 * request through the front, of every client, waits in one queue and runs
 * alone, so a transaction is atomic against everything else that goes
 * through the same endpoint (not against clients of the emulator's own port,
 * which the embedded stack does not expose).
 *
 * A `TransactWriteItems` (Put, Update, Delete, ConditionCheck; at most 100
 * actions, at most one per item, else `ValidationException` as DynamoDB
 * answers) reads each item's old image, then applies the actions in order as
 * the single-item calls with their conditions (a ConditionCheck as a write of
 * the old image, or a delete of the missing item, under its condition). When a
 * condition fails, the actions already applied are undone by restoring their
 * old images, the remaining conditions are evaluated, and the answer is
 * DynamoDB's `TransactionCanceledException` with one `CancellationReasons`
 * entry per action (`None` or `ConditionalCheckFailed`, with the old `Item`
 * when the action asked for `ReturnValuesOnConditionCheckFailure: ALL_OLD`).
 * This is an emulation: it never answers `TransactionConflict` (nothing runs
 * concurrently), ignores `ClientRequestToken`, and other errors of an action
 * (validation, missing table) are undone the same way and passed through as
 * the emulator gave them.
 *
 * The front answers only requests whose `Host` passes {@link isAllowedHost}
 * (a loopback name or the host it listens on, the same check as the Cognito
 * endpoint's), and answers no CORS preflight: no web page in the developer's
 * browser can reach the table.
 *
 * @param target the emulator's endpoint, e.g. `http://127.0.0.1:4567`
 * @param host the interface the front listens on (port 0)
 * @param onWrite told after each write that succeeded (PutItem, UpdateItem,
 *   DeleteItem, BatchWriteItem, TransactWriteItems) with its request body
 */
export async function startTransactionFront(
  target: string,
  host: string,
  onWrite?: (body: string) => void,
): Promise<TransactionFront> {
  let tail: Promise<unknown> = Promise.resolve();
  const serially = <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };

  const server = createServer((req, res) => {
    const send = (answer: Answer | Forwarded) => {
      if ("raw" in answer) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.raw);
        return;
      }
      const body = Buffer.from(JSON.stringify(answer.body));
      res.writeHead(answer.status, {
        "content-type": "application/x-amz-json-1.0",
        "content-length": body.length,
        "x-amzn-requestid": randomUUID(),
      });
      res.end(body);
    };
    if (!isAllowedHost(req.headers.host, host) || req.method !== "POST") {
      res.writeHead(403).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const operation = req.headers["x-amz-target"];
      serially<Answer | Forwarded>(() =>
        operation === `${TARGET_PREFIX}TransactWriteItems`
          ? transactWriteItems(target, body, req.headers)
          : forward(target, req.url ?? "/", req.headers, body),
      ).then(
        (answer) => {
          send(answer);
          if (onWrite && answer.status === 200 && WRITES.has(String(operation))) {
            onWrite(body.toString("utf8"));
          }
        },
        (error: unknown) =>
          send({
            status: 500,
            body: {
              __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
              message: `transaction front: ${(error as Error).message}`,
            },
          }),
      );
    });
  });
  await listen(server, 0, host);
  return {
    endpoint: endpointOf(server, host),
    stop: () => closeServer(server),
  };
}

/** An emulator answer passed through as it came (minus CORS). */
interface Forwarded {
  status: number;
  headers: Record<string, string | string[]>;
  raw: Buffer;
}

function forward(
  target: string,
  path: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
): Promise<Forwarded> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, target);
    const out = httpRequest(
      url,
      { method: "POST", headers: { ...headers, host: url.host, "content-length": body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const kept: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined && !name.startsWith("access-control-")) kept[name] = value;
          }
          resolve({ status: res.statusCode ?? 500, headers: kept, raw: Buffer.concat(chunks) });
        });
        res.on("error", reject);
      },
    );
    out.on("error", reject);
    out.end(body);
  });
}

/**
 * The headers of one DynamoDB JSON call to dynalite, which checks that a
 * SigV4 signature is present, not that it is valid.
 */
export function dynaliteHeaders(operation: string, region: string): Record<string, string> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
  return {
    "content-type": "application/x-amz-json-1.0",
    "x-amz-target": `${TARGET_PREFIX}${operation}`,
    "x-amz-date": date,
    authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/${region}/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=${"0".repeat(64)}`,
  };
}

/** One single-item call to the emulator. */
async function call(target: string, operation: string, input: Json): Promise<Answer> {
  const forwarded = await forward(
    target,
    "/",
    dynaliteHeaders(operation, "us-east-1"),
    Buffer.from(JSON.stringify(input)),
  );
  const text = forwarded.raw.toString("utf8");
  return { status: forwarded.status, body: text ? (JSON.parse(text) as Json) : {} };
}

function validation(message: string): Answer {
  return {
    status: 400,
    body: { __type: `com.amazon.coral.validate#ValidationException`, message },
  };
}

const isConditionFailure = (answer: Answer) =>
  answer.status !== 200 &&
  String(answer.body.__type ?? "").endsWith("#ConditionalCheckFailedException");

interface Action {
  kind: ActionName;
  params: Json;
  tableName: string;
  key: Item;
  old?: Item;
}

async function transactWriteItems(
  target: string,
  body: Buffer,
  headers: IncomingHttpHeaders,
): Promise<Answer> {
  if (!headers.authorization) {
    return {
      status: 400,
      body: {
        __type: "com.amazon.coral.service#MissingAuthenticationTokenException",
        message: "Request is missing Authentication Token",
      },
    };
  }
  let input: Json;
  try {
    input = JSON.parse(body.toString("utf8")) as Json;
  } catch {
    return { status: 400, body: { __type: "com.amazon.coral.service#SerializationException" } };
  }
  const items = input?.TransactItems;
  if (!Array.isArray(items) || items.length === 0) {
    return validation(
      "1 validation error detected: Value null at 'transactItems' failed to satisfy constraint: Member must not be null",
    );
  }
  if (items.length > MAX_ACTIONS) {
    return validation(
      `1 validation error detected: Value at 'transactItems' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ACTIONS}`,
    );
  }

  const actions: Action[] = [];
  const seen = new Set<string>();
  const schemas = new Map<string, string[]>();
  for (const entry of items as Json[]) {
    const kinds = ACTIONS.filter((kind) => entry?.[kind] !== undefined);
    if (kinds.length !== 1) {
      return validation("TransactItems can only contain one of Check, Put, Update or Delete");
    }
    const kind = kinds[0]!;
    const params = entry[kind] as Json;
    const tableName = params?.TableName;
    if (typeof tableName !== "string") {
      return validation(
        "1 validation error detected: Value null at 'transactItems.1.member.tableName' failed to satisfy constraint: Member must not be null",
      );
    }
    let keyNames = schemas.get(tableName);
    if (!keyNames) {
      const described = await call(target, "DescribeTable", { TableName: tableName });
      if (described.status !== 200) return described;
      const table = described.body.Table as { KeySchema?: { AttributeName: string }[] };
      keyNames = (table.KeySchema ?? []).map((k) => k.AttributeName);
      schemas.set(tableName, keyNames);
    }
    const source = (kind === "Put" ? params.Item : params.Key) as Item | undefined;
    const key: Item = {};
    for (const name of keyNames) {
      if (source?.[name] === undefined) {
        return validation("The provided key element does not match the schema");
      }
      key[name] = source[name];
    }
    const identity = JSON.stringify([tableName, keyNames.map((name) => key[name])]);
    if (seen.has(identity)) {
      return validation("Transaction request cannot include multiple operations on one item");
    }
    seen.add(identity);
    actions.push({ kind, params, tableName, key });
  }

  for (const action of actions) {
    const read = await call(target, "GetItem", {
      TableName: action.tableName,
      Key: action.key,
      ConsistentRead: true,
    });
    if (read.status !== 200) return read;
    action.old = read.body.Item as Item | undefined;
  }

  for (let i = 0; i < actions.length; i++) {
    const answer = await apply(target, actions[i]!);
    if (answer.status === 200) continue;
    await undo(target, actions.slice(0, i));
    if (!isConditionFailure(answer)) return answer;
    const reasons: Json[] = actions.map(() => ({ Code: "None" }));
    reasons[i] = conditionFailed(actions[i]!);
    // Like DynamoDB, report every condition that fails, not only the first.
    for (let j = i + 1; j < actions.length; j++) {
      const { ConditionExpression } = actions[j]!.params;
      if (ConditionExpression === undefined) continue;
      const check = await checkCondition(target, actions[j]!);
      if (isConditionFailure(check)) reasons[j] = conditionFailed(actions[j]!);
      else if (check.status !== 200) return check;
    }
    return {
      status: 400,
      body: {
        __type: `${ERROR_PREFIX}TransactionCanceledException`,
        Message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(", ")}]`,
        CancellationReasons: reasons,
      },
    };
  }
  return { status: 200, body: {} };
}

function conditionFailed(action: Action): Json {
  const wantsItem = action.params.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
  return {
    Code: "ConditionalCheckFailed",
    Message: "The conditional request failed",
    ...(wantsItem && action.old ? { Item: action.old } : {}),
  };
}

/** The parameters the single-item call shares with the transaction action. */
function common(action: Action): Json {
  const { ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } =
    action.params;
  return {
    TableName: action.tableName,
    ...(ConditionExpression === undefined ? {} : { ConditionExpression }),
    ...(ExpressionAttributeNames === undefined ? {} : { ExpressionAttributeNames }),
    ...(ExpressionAttributeValues === undefined ? {} : { ExpressionAttributeValues }),
  };
}

function apply(target: string, action: Action): Promise<Answer> {
  switch (action.kind) {
    case "Put":
      return call(target, "PutItem", { ...common(action), Item: action.params.Item });
    case "Update":
      return call(target, "UpdateItem", {
        ...common(action),
        Key: action.key,
        UpdateExpression: action.params.UpdateExpression,
      });
    case "Delete":
      return call(target, "DeleteItem", { ...common(action), Key: action.key });
    case "ConditionCheck":
      return checkCondition(target, action);
  }
}

/**
 * Evaluates an action's condition without changing its item (the queue keeps
 * it unchanged meanwhile): a write of the old image, or a delete of the
 * missing item, under the condition alone.
 */
function checkCondition(target: string, action: Action): Promise<Answer> {
  const condition = String(action.params.ConditionExpression);
  const { ExpressionAttributeNames: names, ExpressionAttributeValues: values } = action.params;
  const input: Json = {
    TableName: action.tableName,
    ConditionExpression: condition,
    ...usedIn(condition, "ExpressionAttributeNames", names),
    ...usedIn(condition, "ExpressionAttributeValues", values),
  };
  return action.old
    ? call(target, "PutItem", { ...input, Item: action.old })
    : call(target, "DeleteItem", { ...input, Key: action.key });
}

/** The entries of an expression map the condition names (DynamoDB refuses unused ones). */
function usedIn(condition: string, field: string, map: unknown): Json {
  if (typeof map !== "object" || map === null) return {};
  const used = Object.entries(map).filter(([token]) =>
    new RegExp(`${token.replace(/[^\w]/g, "\\$&")}(?![\\w])`).test(condition),
  );
  return used.length > 0 ? { [field]: Object.fromEntries(used) } : {};
}

/** Restores the old images of applied actions, last first. */
async function undo(target: string, applied: Action[]): Promise<void> {
  for (const action of [...applied].reverse()) {
    const answer = action.old
      ? await call(target, "PutItem", { TableName: action.tableName, Item: action.old })
      : await call(target, "DeleteItem", { TableName: action.tableName, Key: action.key });
    if (answer.status !== 200) {
      throw new Error(`could not undo a transaction action: ${JSON.stringify(answer.body)}`);
    }
  }
}
