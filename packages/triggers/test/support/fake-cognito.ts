import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";

/** A user as the fake pool stores it. */
export interface FakeUser {
  /** Cognito's username (for email-as-username pools, a UUID equal to `sub`). */
  username: string;
  /** Attributes by name; `sub` is required. */
  attributes: Record<string, string>;
}

/** An error the fake answers with instead of running an operation. */
export interface FakeFailure {
  type: string;
  message: string;
  status?: number;
}

/** A tiny Cognito user-pool admin endpoint: just what `renameUsername` and the triggers call. */
export interface FakeCognito {
  endpoint: string;
  /** A real SDK client pointed at the fake (no retries). */
  client: CognitoIdentityProviderClient;
  userPoolId: string;
  /** Replaces all users. */
  reset(users: FakeUser[]): void;
  /** The user whose username or `sub` is `id`, as stored now. */
  user(id: string): FakeUser | undefined;
  /** Answers the next call of `operation` with `failure`. */
  failNext(operation: string, failure: FakeFailure): void;
  /** Operations served so far, in order. */
  readonly calls: string[];
  stop(): Promise<void>;
}

const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";
const STANDARD_ATTRIBUTES = new Set(["sub", "email", "email_verified", "name", "locale"]);

class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Starts a fake Cognito admin endpoint on 127.0.0.1 (port 0) speaking the
 * real wire protocol (POST /, `X-Amz-Target`, JSON 1.1, `{__type, message}`
 * errors), for `AdminGetUser`, `AdminUpdateUserAttributes` and
 * `AdminUserGlobalSignOut` (which only checks that the user exists). The pool's
 * schema holds the standard attributes plus `customAttributes`; like Cognito,
 * writing another attribute, or `sub`, is an `InvalidParameterException`.
 */
export async function startFakeCognito(
  customAttributes: readonly string[] = ["custom:username"],
  userPoolId = "us-east-1_FakePool1",
): Promise<FakeCognito> {
  const users = new Map<string, FakeUser>();
  const failures = new Map<string, FakeFailure>();
  const calls: string[] = [];
  const schema = new Set([...STANDARD_ATTRIBUTES, ...customAttributes]);

  const find = (id: unknown): FakeUser => {
    for (const user of users.values()) {
      const { sub, email } = user.attributes;
      if (user.username === id || sub === id || email === id) return user;
    }
    throw new CognitoError("UserNotFoundException", "User does not exist.");
  };

  const operations: Record<string, (body: Record<string, unknown>) => unknown> = {
    AdminGetUser(body) {
      const user = find(body.Username);
      return {
        Username: user.username,
        UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
        UserCreateDate: 1_700_000_000,
        UserLastModifiedDate: 1_700_000_000,
        Enabled: true,
        UserStatus: "CONFIRMED",
      };
    },
    AdminUpdateUserAttributes(body) {
      const user = find(body.Username);
      const updates = body.UserAttributes as { Name: string; Value?: string }[];
      for (const { Name } of updates) {
        if (!schema.has(Name) || Name === "sub") {
          throw new CognitoError(
            "InvalidParameterException",
            `Attribute does not exist in the schema.`,
          );
        }
      }
      for (const { Name, Value } of updates) user.attributes[Name] = Value ?? "";
      return {};
    },
    AdminUserGlobalSignOut(body) {
      find(body.Username);
      return {};
    },
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const target = String(request.headers["x-amz-target"] ?? "");
    const operationName = target.slice(TARGET_PREFIX.length);
    const answer = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, {
        "content-type": "application/x-amz-json-1.1",
        "x-amzn-requestid": randomUUID(),
        ...(errorType ? { "x-amzn-errortype": errorType } : {}),
      });
      response.end(JSON.stringify(payload));
    };
    try {
      const operation = operations[operationName];
      if (
        request.method !== "POST" ||
        !target.startsWith(TARGET_PREFIX) ||
        !String(request.headers["content-type"]).startsWith("application/x-amz-json-1.1") ||
        !operation
      ) {
        throw new CognitoError("UnknownOperationException", `Unknown operation ${target}`);
      }
      if (!String(request.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256")) {
        throw new CognitoError("MissingAuthenticationTokenException", "Missing signature", 403);
      }
      calls.push(operationName);
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
      if (body.UserPoolId !== userPoolId) {
        throw new CognitoError(
          "ResourceNotFoundException",
          `User pool ${body.UserPoolId} does not exist.`,
        );
      }
      const failure = failures.get(operationName);
      if (failure) {
        failures.delete(operationName);
        throw new CognitoError(failure.type, failure.message, failure.status);
      }
      answer(200, operation(body));
    } catch (error) {
      if (!(error instanceof CognitoError)) throw error;
      answer(error.status, { __type: error.type, message: error.message }, error.type);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      response.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new CognitoIdentityProviderClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });

  return {
    endpoint,
    client,
    userPoolId,
    calls,
    reset(next) {
      users.clear();
      failures.clear();
      calls.length = 0;
      for (const user of next) {
        users.set(user.username, { username: user.username, attributes: { ...user.attributes } });
      }
    },
    user(id) {
      try {
        return find(id);
      } catch {
        return undefined;
      }
    },
    failNext(operation, failure) {
      failures.set(operation, failure);
    },
    stop() {
      client.destroy();
      server.closeAllConnections();
      return new Promise((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
