/**
 * Reads the trigger configuration from the Lambda environment. The library
 * itself never reads `process.env`; this example does, once, at cold start,
 * and fails closed: a missing or malformed variable stops the function from
 * initialising instead of running with a silent default.
 */
export interface TriggerEnvironment {
  /** The DynamoDB table that holds the username registry and the send throttle. */
  tableName: string;
  /** The From address of the code email; must belong to the SES identity. */
  emailFrom: string;
  /** The product name shown in the email. */
  appName: string;
  /** Digits per code. */
  codeLength: number;
  /** Code lifetime in seconds. */
  codeTtlSeconds: number;
  /** Wrong answers allowed per code. */
  maxAttempts: number;
  /**
   * ARN of the Secrets Manager secret that keys the code digest
   * (`codeSecret`). Set only on the functions that make or check digests.
   */
  codeSecretArn?: string;
}

/** The variables the stack sets on every trigger function. */
export const ENVIRONMENT_KEYS = Object.freeze({
  tableName: "PASSCODE_TABLE_NAME",
  emailFrom: "PASSCODE_EMAIL_FROM",
  appName: "PASSCODE_APP_NAME",
  codeLength: "PASSCODE_CODE_LENGTH",
  codeTtlSeconds: "PASSCODE_CODE_TTL_SECONDS",
  maxAttempts: "PASSCODE_MAX_ATTEMPTS",
  codeSecretArn: "PASSCODE_CODE_SECRET_ARN",
} as const);

/** The variables the stack sets on the username sweep function. */
export const SWEEP_ENVIRONMENT_KEYS = Object.freeze({
  tableName: "PASSCODE_TABLE_NAME",
  userPoolId: "PASSCODE_USER_POOL_ID",
} as const);

function required(env: Readonly<Record<string, string | undefined>>, key: string): string {
  const value = env[key]?.trim();
  if (!value) throw new Error(`Missing environment variable ${key}`);
  return value;
}

function integer(
  env: Readonly<Record<string, string | undefined>>,
  key: string,
  fallback: number,
): number {
  const raw = env[key]?.trim();
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d{1,6}$/.test(raw)) throw new Error(`${key} must be a positive integer`);
  return Number(raw);
}

/** Parses and checks the environment; throws naming the first bad variable. */
export function readTriggerEnvironment(
  env: Readonly<Record<string, string | undefined>>,
): TriggerEnvironment {
  const codeSecretArn = env[ENVIRONMENT_KEYS.codeSecretArn]?.trim();
  if (
    codeSecretArn &&
    !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:/.test(codeSecretArn)
  ) {
    throw new Error(`${ENVIRONMENT_KEYS.codeSecretArn} must be a Secrets Manager secret ARN`);
  }
  return {
    ...(codeSecretArn ? { codeSecretArn } : {}),
    tableName: required(env, ENVIRONMENT_KEYS.tableName),
    emailFrom: required(env, ENVIRONMENT_KEYS.emailFrom),
    appName: required(env, ENVIRONMENT_KEYS.appName),
    codeLength: integer(env, ENVIRONMENT_KEYS.codeLength, 6),
    codeTtlSeconds: integer(env, ENVIRONMENT_KEYS.codeTtlSeconds, 180),
    maxAttempts: integer(env, ENVIRONMENT_KEYS.maxAttempts, 3),
  };
}
