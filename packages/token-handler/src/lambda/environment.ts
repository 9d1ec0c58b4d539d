import type { LambdaHandlerOptions, LambdaHttpEvent, LambdaHttpResult } from "../lambda.js";
import { createLambdaHandler } from "../lambda.js";
import type { PasskeyManagementStore, PasskeyNotifier } from "../passkeys.js";
import { readCookieKeys } from "../secrets-manager.js";

/** The variables the prebuilt handler (`lambda/index.mjs`) reads. */
export const ENVIRONMENT_KEYS = Object.freeze({
  /** Required. The app client id. */
  clientId: "PASSCODE_CLIENT_ID",
  /** Required. Comma-separated exact origins allowed to call the handler. */
  allowedOrigins: "PASSCODE_ALLOWED_ORIGINS",
  /** Required. The Secrets Manager secret holding the cookie key (or a JSON array of keys, first encrypts). */
  cookieSecretArn: "PASSCODE_COOKIE_SECRET_ARN",
  /** Cookie lifetime cap in days (default 30). */
  refreshTokenValidityDays: "PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS",
  /** `true` to read the caller's address from CloudFront-Viewer-Address (default `false`). */
  trustCloudFrontViewerAddress: "PASSCODE_TRUST_CLOUDFRONT_VIEWER_ADDRESS",
  /**
   * The user pool id: turns on the passkey management operations. The four
   * passkey variables are set together or not at all.
   */
  userPoolId: "PASSCODE_USER_POOL_ID",
  /** The DynamoDB table of the passkeys (the triggers' `PASSCODE_TABLE_NAME`). */
  passkeyTable: "PASSCODE_PASSKEY_TABLE",
  /** The From address of the "passkey removed" email (as the triggers' `PASSCODE_EMAIL_FROM`). */
  emailFrom: "PASSCODE_EMAIL_FROM",
  /** The product name in that email (as the triggers' `PASSCODE_APP_NAME`). */
  appName: "PASSCODE_APP_NAME",
} as const);

/** The variables of the passkey group: all set, or none. */
const PASSKEY_GROUP = [
  ENVIRONMENT_KEYS.userPoolId,
  ENVIRONMENT_KEYS.passkeyTable,
  ENVIRONMENT_KEYS.emailFrom,
  ENVIRONMENT_KEYS.appName,
] as const;
const TABLE =
  /^[A-Za-z0-9_.-]{3,255}$|^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[A-Za-z0-9_.-]{3,255}$/;

const KNOWN: ReadonlySet<string> = new Set(Object.values(ENVIRONMENT_KEYS));
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** The passkey settings the environment gives (the store and the notifier are built from them). */
export interface PasskeyEnvironment {
  /** `PASSCODE_USER_POOL_ID`. */
  userPoolId: string;
  /** `PASSCODE_PASSKEY_TABLE`. */
  tableName: string;
  /** `PASSCODE_EMAIL_FROM`. */
  emailFrom: string;
  /** `PASSCODE_APP_NAME`. */
  appName: string;
  /**
   * The tokens' issuer when Cognito is the local stack
   * (`AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER` an `http:` loopback URL:
   * `<endpoint>/<userPoolId>`); otherwise Cognito's own, left unset.
   */
  issuer?: string;
}

/** The configuration the environment gives, keys not yet read. */
export interface TokenHandlerEnvironment {
  options: Omit<LambdaHandlerOptions, "cookieKeys" | "passkeys">;
  cookieSecretArn: string;
  /** Set when the passkey variables are. */
  passkeys?: PasskeyEnvironment;
}

/**
 * Reads and checks the environment (a missing, malformed or unknown
 * `PASSCODE_` variable throws, naming it). The region is `AWS_REGION`; the
 * AWS SDKs' `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, when set, replaces
 * the regional Cognito endpoint.
 */
export function readTokenHandlerEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): TokenHandlerEnvironment {
  for (const key of Object.keys(env)) {
    if (key.startsWith("PASSCODE_") && !KNOWN.has(key)) {
      throw new Error(`${key} is not a variable the token handler reads (misspelled?)`);
    }
  }
  const text = (key: string) => env[key]?.trim() || undefined;
  const required = (key: string) => {
    const value = text(key);
    if (value === undefined) throw new Error(`Missing environment variable ${key}`);
    return value;
  };
  const cookieSecretArn = required(ENVIRONMENT_KEYS.cookieSecretArn);
  if (!SECRET_ARN.test(cookieSecretArn)) {
    throw new Error(`${ENVIRONMENT_KEYS.cookieSecretArn} must be a Secrets Manager secret ARN`);
  }
  const origins = required(ENVIRONMENT_KEYS.allowedOrigins)
    .split(",")
    .map((o) => o.trim());
  if (origins.some((o) => o === "")) {
    throw new Error(`${ENVIRONMENT_KEYS.allowedOrigins} has an empty item`);
  }
  const days = text(ENVIRONMENT_KEYS.refreshTokenValidityDays);
  if (days !== undefined && !/^\d{1,4}(\.\d{1,6})?$/.test(days)) {
    throw new Error(`${ENVIRONMENT_KEYS.refreshTokenValidityDays} must be a number of days`);
  }
  const trust = text(ENVIRONMENT_KEYS.trustCloudFrontViewerAddress) ?? "false";
  if (trust !== "true" && trust !== "false") {
    throw new Error(`${ENVIRONMENT_KEYS.trustCloudFrontViewerAddress} must be true or false`);
  }
  const region = required("AWS_REGION");
  // The AWS SDKs' own variable for a service endpoint (a VPC endpoint, the local stack).
  const endpoint = text("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER");
  const passkeys = readPasskeyEnvironment(text, endpoint);
  return {
    cookieSecretArn,
    ...(passkeys ? { passkeys } : {}),
    options: {
      clientId: required(ENVIRONMENT_KEYS.clientId),
      region,
      ...(endpoint ? { endpoint } : {}),
      allowedOrigins: origins,
      ...(days === undefined ? {} : { refreshTokenValidityDays: Number(days) }),
      trustCloudFrontViewerAddress: trust === "true",
    },
  };
}

function readPasskeyEnvironment(
  text: (key: string) => string | undefined,
  endpoint: string | undefined,
): PasskeyEnvironment | undefined {
  const set = PASSKEY_GROUP.filter((key) => text(key) !== undefined);
  if (set.length === 0) return undefined;
  const missing = PASSKEY_GROUP.filter((key) => text(key) === undefined);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(", ")} must be set with ${set.join(", ")} (the passkey variables go together)`,
    );
  }
  const userPoolId = text(ENVIRONMENT_KEYS.userPoolId)!;
  if (!/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) {
    throw new Error(
      `${ENVIRONMENT_KEYS.userPoolId} must be a user pool id, e.g. eu-west-1_AbC123xyz`,
    );
  }
  const tableName = text(ENVIRONMENT_KEYS.passkeyTable)!;
  if (!TABLE.test(tableName)) {
    throw new Error(`${ENVIRONMENT_KEYS.passkeyTable} must be a DynamoDB table name or ARN`);
  }
  let issuer: string | undefined;
  let url: URL | undefined;
  try {
    url = endpoint ? new URL(endpoint) : undefined;
  } catch {}
  // Real Cognito is never plain http on a loopback address: that is the local stack.
  if (url?.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)) {
    issuer = `${url.origin}/${userPoolId}`;
  }
  return {
    userPoolId,
    tableName,
    emailFrom: text(ENVIRONMENT_KEYS.emailFrom)!,
    appName: text(ENVIRONMENT_KEYS.appName)!,
    ...(issuer ? { issuer } : {}),
  };
}

/**
 * Builds the passkey store and the removal notifier from the passkey
 * variables. The prebuilt bundle's is triggers' `dynamoDbStore` and
 * `createPasskeyNotifier` (SES), bundled at build time.
 */
export type PasskeyBackend = (settings: PasskeyEnvironment) => {
  store: PasskeyManagementStore;
  notify?: PasskeyNotifier;
};

/**
 * The handler's options from the environment, every one checked now except
 * the cookie keys (still in Secrets Manager), the passkey store and notifier
 * built by `passkeyBackend` when the passkey variables are set. Throws,
 * naming the variable or option.
 */
export function environmentOptions(
  env: Readonly<Record<string, string | undefined>>,
  passkeyBackend?: PasskeyBackend,
): { options: Omit<LambdaHandlerOptions, "cookieKeys">; cookieSecretArn: string } {
  const environment = readTokenHandlerEnvironment(env);
  const settings = environment.passkeys;
  if (settings && !passkeyBackend) {
    throw new Error(`${ENVIRONMENT_KEYS.userPoolId} is set, but this build has no passkey store`);
  }
  const backend = settings && passkeyBackend ? passkeyBackend(settings) : undefined;
  const options: Omit<LambdaHandlerOptions, "cookieKeys"> = {
    ...environment.options,
    ...(settings && backend
      ? {
          passkeys: {
            userPoolId: settings.userPoolId,
            store: backend.store,
            ...(backend.notify ? { notify: backend.notify } : {}),
            ...(settings.issuer ? { issuer: settings.issuer } : {}),
          },
        }
      : {}),
  };
  // Checks every option except the keys now, with a placeholder key that never serves.
  createLambdaHandler({ ...options, cookieKeys: ["placeholder-key-checked-at-start-0123456789"] });
  return { options, cookieSecretArn: environment.cookieSecretArn };
}

/**
 * The prebuilt handler's function: configuration checked now (at cold start,
 * so a bad variable stops the function from initialising), the cookie keys
 * read from Secrets Manager now and awaited by the first request (a failed
 * read fails that request with a Cognito-shaped 500 and is retried on the next).
 * With the passkey variables set, `passkeyBackend` builds the store and the
 * notifier (once, now).
 */
export function createEnvironmentHandler(
  env: Readonly<Record<string, string | undefined>> = process.env,
  passkeyBackend?: PasskeyBackend,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  const config = environmentOptions(env, passkeyBackend);
  let pending: Promise<(event: LambdaHttpEvent) => Promise<LambdaHttpResult>> | undefined;
  const ready = () => {
    pending ??= readCookieKeys(config.cookieSecretArn)
      .then((cookieKeys) => createLambdaHandler({ ...config.options, cookieKeys }))
      .catch((error: unknown) => {
        pending = undefined;
        throw error;
      });
    return pending;
  };
  ready().catch(() => {});
  return async (event) => {
    let handle: (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;
    try {
      handle = await ready();
    } catch (error) {
      // The service's message can name the secret and the account: only the
      // error's name is logged, and the page gets a generic answer.
      console.error(
        JSON.stringify({
          level: "error",
          message: "cookie secret read failed",
          error: error instanceof Error ? error.name : "Error",
        }),
      );
      return {
        statusCode: 500,
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "cache-control": "no-store",
          "x-amzn-errortype": "InternalErrorException",
        },
        cookies: [],
        body: JSON.stringify({
          __type: "InternalErrorException",
          message: "The token handler is not ready",
        }),
        isBase64Encoded: false,
      };
    }
    return handle(event);
  };
}
