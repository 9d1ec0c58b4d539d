import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import {
  adminCreateUser,
  adminDeleteUser,
  adminGetUser,
  adminUpdateUserAttributes,
  adminUserGlobalSignOut,
} from "./admin-operations.js";
import { verifyAdminSignature } from "./admin-signature.js";
import { CognitoError } from "./cognito-error.js";
import { initiateAuth, respondToAuthChallenge } from "./custom-auth.js";
import { isAllowedHost } from "./host-check.js";
import { listUsers } from "./list-users.js";
import { SERIALIZATION_EXCEPTION, validateInput } from "./model-validation.js";
import type { Operation, PoolContext } from "./pool.js";
import { getTokensFromRefreshToken } from "./refresh-tokens.js";
import { confirmSignUp, signUp } from "./sign-up.js";
import {
  deleteUser,
  getUser,
  getUserAttributeVerificationCode,
  globalSignOut,
  revokeToken,
  updateUserAttributes,
  verifyUserAttribute,
} from "./user-operations.js";

const TARGET_PREFIX = "AWSCognitoIdentityProviderService.";
const MAX_BODY = 1024 * 1024;

const OPERATIONS: Readonly<Record<string, Operation>> = Object.freeze({
  SignUp: signUp,
  ConfirmSignUp: confirmSignUp,
  InitiateAuth: initiateAuth,
  RespondToAuthChallenge: respondToAuthChallenge,
  GetUser: getUser,
  UpdateUserAttributes: updateUserAttributes,
  GetUserAttributeVerificationCode: getUserAttributeVerificationCode,
  VerifyUserAttribute: verifyUserAttribute,
  DeleteUser: deleteUser,
  GlobalSignOut: globalSignOut,
  RevokeToken: revokeToken,
  GetTokensFromRefreshToken: getTokensFromRefreshToken,
  AdminGetUser: adminGetUser,
  AdminCreateUser: adminCreateUser,
  AdminUpdateUserAttributes: adminUpdateUserAttributes,
  AdminDeleteUser: adminDeleteUser,
  AdminUserGlobalSignOut: adminUserGlobalSignOut,
  ListUsers: listUsers,
});

/** The operations the local stack answers, by name. */
export const SUPPORTED_OPERATIONS: readonly string[] = Object.freeze(Object.keys(OPERATIONS));

/**
 * The operations Cognito authorizes with IAM, so callers sign them with SigV4
 * (every `Admin*` operation, and `ListUsers`); the others are public and go
 * unsigned from browsers.
 */
export const SIGNED_OPERATIONS: ReadonlySet<string> = new Set(
  SUPPORTED_OPERATIONS.filter((name) => name.startsWith("Admin") || name === "ListUsers"),
);

const CORS_HEADERS = {
  "Access-Control-Allow-Methods": "POST, GET, OPTIONS",
  "Access-Control-Allow-Headers":
    "x-amz-target, content-type, x-amz-user-agent, authorization, amz-sdk-invocation-id, amz-sdk-request, amz-sdk-retry, x-amz-date, x-amz-security-token, x-amz-content-sha256, cache-control",
  "Access-Control-Expose-Headers": "x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date",
  "Access-Control-Max-Age": "86400",
};

/** Extra GET documents (JWKS, OpenID configuration) keyed by path. */
export type Documents = (path: string) => Record<string, unknown> | undefined;

/** The CORS headers for `origin` when the stack is configured to answer it, else none. */
type CorsHeaders = Record<string, string>;

/**
 * The Cognito endpoint: `POST /` with `X-Amz-Target`, CORS for the configured
 * origins, and the GET documents under the issuer. Refuses (403) a request
 * whose `Host` is not a loopback name or whose `Origin` is not configured, and
 * checks the SigV4 signature of the operations Cognito signs with IAM.
 */
export function createCognitoServer(pool: PoolContext, documents: Documents): Server {
  const server = createServer((req, res) => {
    const origin = header(req, "origin");
    const hostAllowed = isAllowedHost(req.headers.host, pool.config.host);
    if (!hostAllowed || (origin !== undefined && !pool.config.corsOrigins.has(origin))) {
      // Grant nothing: a rebound name or a foreign page learns only "403".
      req.resume();
      const message = hostAllowed
        ? "Origin not allowed: start the local stack with --cors-origin <origin> (cors.origins) to let a page call it"
        : "Host not allowed: the local stack only answers loopback host names";
      send(
        res,
        { Vary: "Origin" },
        403,
        { __type: "AccessDeniedException", message },
        "AccessDeniedException",
        message,
      );
      return;
    }
    const cors: CorsHeaders =
      origin === undefined
        ? { Vary: "Origin" }
        : { ...CORS_HEADERS, "Access-Control-Allow-Origin": origin, Vary: "Origin" };
    handle(pool, documents, req, res, cors).catch((error: unknown) => {
      pool.config.logger.error("unhandled error in the Cognito endpoint", {
        error: (error as Error)?.message,
      });
      if (!res.headersSent) {
        send(
          res,
          cors,
          500,
          { __type: "InternalErrorException", message: "Internal error" },
          "InternalErrorException",
        );
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5000;
  return server;
}

async function handle(
  pool: PoolContext,
  documents: Documents,
  req: IncomingMessage,
  res: ServerResponse,
  cors: CorsHeaders,
): Promise<void> {
  if (req.method === "OPTIONS") {
    // Echo what an allowed page asks for: SDKs add amz-sdk-* headers over time.
    const asked = req.headers["access-control-request-headers"];
    const granted = "Access-Control-Allow-Origin" in cors;
    res.writeHead(204, {
      ...cors,
      ...(granted && typeof asked === "string" ? { "Access-Control-Allow-Headers": asked } : {}),
      "Content-Length": "0",
    });
    res.end();
    return;
  }
  const path = (req.url ?? "/").split("?")[0]!;
  if (req.method === "GET" || req.method === "HEAD") {
    const doc = documents(path);
    if (doc) {
      const body = JSON.stringify(doc);
      res.writeHead(200, {
        ...cors,
        "Content-Type": "application/json",
        "Content-Length": Buffer.byteLength(body),
        "Cache-Control": "no-store",
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    res.writeHead(404, { ...cors, "Content-Type": "text/plain" });
    res.end("Not found");
    return;
  }
  if (req.method !== "POST" || path !== "/") {
    send(res, cors, 404, { __type: "UnknownOperationException" }, "UnknownOperationException");
    return;
  }

  const body = await readBody(req);
  if (body === undefined) {
    send(
      res,
      cors,
      413,
      { __type: "RequestEntityTooLargeException", message: "Request is too large" },
      "RequestEntityTooLargeException",
    );
    return;
  }
  const target = String(req.headers["x-amz-target"] ?? "");
  const name = target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : "";
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation) {
    // Observed from Cognito (a Coral JSON service) for an operation it does not know.
    send(
      res,
      cors,
      400,
      { __type: "com.amazon.coral.service#UnknownOperationException" },
      "UnknownOperationException",
    );
    return;
  }
  if (SIGNED_OPERATIONS.has(name)) {
    try {
      await verifyAdminSignature(
        { method: req.method, url: req.url ?? "/", headers: req.headers, body },
        pool.config.credentials,
        pool.config.region,
      );
    } catch (error) {
      if (!(error instanceof CognitoError)) throw error;
      const { status, type, message } = error;
      send(res, cors, status, { __type: type, message }, type, message);
      pool.config.logger.debug(`${name} ${status} ${type}`);
      return;
    }
  }
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body.toString("utf8"));
  } catch {
    input = undefined;
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    send(
      res,
      cors,
      400,
      { __type: "com.amazon.coral.service#SerializationException" },
      "SerializationException",
    );
    return;
  }
  const started = Date.now();
  try {
    // As Cognito: the model's type and constraint checks run before any lookup.
    validateInput(name, input as Record<string, unknown>);
    // What arrived, even when the operation then refuses the call.
    pool.userContext.record(name, input as Record<string, unknown>);
    const output = await operation(pool, input as Record<string, unknown>, {
      authorization: header(req, "authorization"),
      userAgent: header(req, "x-amz-user-agent") ?? header(req, "user-agent"),
    });
    send(res, cors, 200, output);
    pool.config.logger.debug(`${name} 200`, { ms: Date.now() - started });
  } catch (error) {
    if (error instanceof CognitoError) {
      // Coral's own deserialiser names its exception in full and capitalises `Message`.
      const payload =
        error.type === SERIALIZATION_EXCEPTION
          ? { __type: `com.amazon.coral.service#${error.type}`, Message: error.message }
          : { __type: error.type, message: error.message };
      send(res, cors, error.status, payload, error.type, error.message);
      pool.config.logger.debug(`${name} ${error.status} ${error.type}`, {
        ms: Date.now() - started,
      });
      return;
    }
    pool.config.logger.error(`${name} failed`, { error: (error as Error)?.message });
    send(
      res,
      cors,
      500,
      { __type: "InternalErrorException", message: "Internal error" },
      "InternalErrorException",
    );
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function send(
  res: ServerResponse,
  cors: CorsHeaders,
  status: number,
  payload: Record<string, unknown>,
  errorType?: string,
  errorMessage?: string,
): void {
  const body = JSON.stringify(payload);
  const headers: Record<string, string | number> = {
    ...cors,
    "Content-Type": "application/x-amz-json-1.1",
    "Content-Length": Buffer.byteLength(body),
    "x-amzn-RequestId": randomUUID(),
    Date: new Date().toUTCString(),
  };
  if (errorType) {
    // Cognito sends the type with a trailing colon, e.g. `NotAuthorizedException:`.
    headers["x-amzn-ErrorType"] = `${errorType}:`;
    if (errorMessage) headers["x-amzn-ErrorMessage"] = encodeHeader(errorMessage);
  }
  res.writeHead(status, headers);
  res.end(body);
}

function encodeHeader(value: string): string {
  // Header values must be Latin-1 without control characters.
  return value.replace(/[^\x20-\x7e]/g, "?");
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(tooLarge ? undefined : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
