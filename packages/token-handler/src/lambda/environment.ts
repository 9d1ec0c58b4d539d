import type { LambdaHandlerOptions, LambdaHttpEvent, LambdaHttpResult } from "../lambda.js";
import { createLambdaHandler } from "../lambda.js";
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
} as const);

const KNOWN: ReadonlySet<string> = new Set(Object.values(ENVIRONMENT_KEYS));
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;

/** The configuration the environment gives, keys not yet read. */
export interface TokenHandlerEnvironment {
  options: Omit<LambdaHandlerOptions, "cookieKeys">;
  cookieSecretArn: string;
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
  return {
    cookieSecretArn,
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

/**
 * The prebuilt handler's function: configuration checked now (at cold start,
 * so a bad variable stops the function from initialising), the cookie keys
 * read from Secrets Manager now and awaited by the first request (a failed
 * read fails that request with a Cognito-shaped 500 and is retried on the next).
 */
export function createEnvironmentHandler(
  env: Readonly<Record<string, string | undefined>> = process.env,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  const config = readTokenHandlerEnvironment(env);
  // Checks every option except the keys now, with a placeholder key that never serves.
  createLambdaHandler({
    ...config.options,
    cookieKeys: ["placeholder-key-checked-at-start-0123456789"],
  });
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
