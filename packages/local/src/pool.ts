import type { AttemptLimits } from "./attempt-limits.js";
import type { AuthSessions } from "./auth-sessions.js";
import type { LocalClock } from "./clock.js";
import { CognitoError, invalidParameter, memberMissing } from "./cognito-error.js";
import type { ResolvedConfig } from "./resolve-options.js";
import type { TokenService } from "./tokens.js";
import type { TriggerEvent, TriggerRunner } from "./trigger-runner.js";
import type { UserContextLog } from "./user-context-data.js";
import type { LocalUser, UserStore } from "./users.js";

/** Everything an operation can reach: the pool's state and services. */
export interface PoolContext {
  config: ResolvedConfig;
  clock: LocalClock;
  users: UserStore;
  tokens: TokenService;
  sessions: AuthSessions;
  triggers: TriggerRunner;
  /** Every attribute name in the pool schema. */
  knownAttributes: ReadonlySet<string>;
  /** Sends an email through the embedded SES, recorded in the stack's mailbox. */
  sendMail(to: string, subject: string, text: string): Promise<void>;
  /** A secret for deriving stable fake values (unknown users' USERNAME). */
  secret: Buffer;
  /** Attempt counters on verification and confirmation codes (in memory). */
  limits: AttemptLimits;
  /** The `UserContextData` the last call of each operation carried, for tests. */
  userContext: UserContextLog;
}

/** What an operation knows about the HTTP request. */
export interface RequestInfo {
  /** The `Authorization` header, if any. */
  authorization: string | undefined;
  /** The `X-Amz-User-Agent` or `User-Agent` header, if any. */
  userAgent: string | undefined;
}

/** An operation: the parsed JSON request in, the JSON answer out (or a thrown `CognitoError`). */
export type Operation = (
  pool: PoolContext,
  input: Record<string, unknown>,
  request: RequestInfo,
) => Promise<Record<string, unknown>>;

/** A required string member, or Cognito's validation error naming it (camel-cased). */
export function requireString(input: Record<string, unknown>, member: string): string {
  const value = input[member];
  if (typeof value !== "string" || value.length === 0) {
    throw memberMissing(member[0]!.toLowerCase() + member.slice(1));
  }
  return value;
}

/** Checks `ClientId` against the stack's app client. */
export function requireClient(pool: PoolContext, input: Record<string, unknown>): string {
  const clientId = requireString(input, "ClientId");
  if (clientId !== pool.config.clientId) {
    throw new CognitoError(
      "ResourceNotFoundException",
      `User pool client ${clientId} does not exist.`,
    );
  }
  return clientId;
}

/** Checks that the app client allows `flow` (its `ALLOW_<flow>` explicit auth flow). */
export function requireAuthFlow(pool: PoolContext, flow: string): void {
  if (!pool.config.explicitAuthFlows.has(`ALLOW_${flow}`)) {
    throw invalidParameter(`${flow} flow not enabled for this client`);
  }
}

/** Checks `UserPoolId` against the stack's pool. */
export function requirePool(pool: PoolContext, input: Record<string, unknown>): void {
  const id = requireString(input, "UserPoolId");
  if (id !== pool.config.userPoolId) {
    throw new CognitoError("ResourceNotFoundException", `User pool ${id} does not exist.`);
  }
}

/**
 * Admin operations need a SigV4 `Authorization` header. The HTTP layer has
 * already verified the signature (see `verifyAdminSignature`) before any
 * operation in `SIGNED_OPERATIONS` runs; this is the operations' own guard.
 */
export function requireSigV4(request: RequestInfo): void {
  if (!request.authorization) {
    throw new CognitoError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  if (!request.authorization.startsWith("AWS4-HMAC-SHA256 ")) {
    throw new CognitoError(
      "IncompleteSignatureException",
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
}

/** A request member read as a string map: its string entries, or `{}` when it is not an object. */
export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) return out;
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string") out[key] = item;
  }
  return out;
}

/** `ClientMetadata` as Cognito passes it to triggers: a string map, or nothing. */
export function clientMetadata(input: Record<string, unknown>): Record<string, string> | undefined {
  const value = input.ClientMetadata;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  return stringMap(value);
}

/** The `userAttributes` Cognito puts in trigger events: every attribute, plus the status. */
export function triggerAttributes(user: LocalUser): Record<string, string> {
  return { ...user.attributes, "cognito:user_status": user.status };
}

/**
 * Cognito's `callerContext.awsSdkVersion`: the SDK named in the user agent
 * (`aws-sdk-js-3.700.0`), or `aws-sdk-unknown-unknown` as Cognito reports for
 * callers it does not recognise.
 */
export function sdkVersion(userAgent: string | undefined): string {
  const match = /aws-sdk-([a-z]+)[/-](\d[\w.-]*)/i.exec(userAgent ?? "");
  return match ? `aws-sdk-${match[1]!.toLowerCase()}-${match[2]}` : "aws-sdk-unknown-unknown";
}

/** A Cognito-shaped trigger event. */
export function triggerEvent(
  pool: PoolContext,
  triggerSource: string,
  userName: string,
  request: Record<string, unknown>,
  caller: { userAgent?: string | undefined; clientId?: string } = {},
): TriggerEvent {
  return {
    version: "1",
    region: pool.config.region,
    userPoolId: pool.config.userPoolId,
    userName,
    callerContext: {
      awsSdkVersion: sdkVersion(caller.userAgent),
      clientId: caller.clientId ?? pool.config.clientId,
    },
    triggerSource,
    request,
    response: {},
  };
}
