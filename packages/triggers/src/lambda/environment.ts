/**
 * The environment contract of the prebuilt Lambda handler (the file
 * `lambda/index.mjs` of @cognito-passcode/triggers, not an import
 * specifier: it is outside the exports map): the variable names the CDK
 * construct, the SAM and Terraform recipes and getting-started all set, and
 * the parser that reads them once per cold start and fails closed (a missing
 * or malformed variable stops the function from initialising instead of
 * running with a silent default).
 */

/** The variables the trigger functions read. Only the first three are required. */
export const ENVIRONMENT_KEYS = Object.freeze({
  /** Required. The DynamoDB table of the username registry, the send throttle and the attempt counters. */
  tableName: "PASSCODE_TABLE_NAME",
  /** Required. The From address of the code email (`no-reply@example.com` or `Acme <no-reply@example.com>`). */
  emailFrom: "PASSCODE_EMAIL_FROM",
  /** Required. The product name shown in the email. */
  appName: "PASSCODE_APP_NAME",
  /** Digits per code, 6 to 10 (default 6). */
  codeLength: "PASSCODE_CODE_LENGTH",
  /** Code lifetime in seconds, 60 to 900 (default 180). */
  codeTtlSeconds: "PASSCODE_CODE_TTL_SECONDS",
  /** Wrong answers allowed per code, 1 to 10 (default 3). */
  maxAttempts: "PASSCODE_MAX_ATTEMPTS",
  /**
   * ARN of the Secrets Manager secret that keys the code digests
   * (`codeSecret`). Needed by Create, Verify and the all-in-one `handler`;
   * set it only on the functions that serve them.
   */
  codeSecretArn: "PASSCODE_CODE_SECRET_ARN",
  /**
   * The custom attribute that holds the username, `custom:<name>` (default
   * `custom:username`), or `off` to skip the username step.
   */
  usernameAttribute: "PASSCODE_USERNAME_ATTRIBUTE",
  /** Shortest username allowed (the library's default when unset). */
  usernameMinLength: "PASSCODE_USERNAME_MIN_LENGTH",
  /** Longest username allowed (the library's default when unset). */
  usernameMaxLength: "PASSCODE_USERNAME_MAX_LENGTH",
  /** Username answers allowed per sign-in, 1 to 20 (default 5). */
  usernameMaxAttempts: "PASSCODE_USERNAME_MAX_ATTEMPTS",
  /** Comma-separated email domains that alone may sign up and sign in (default: any). */
  allowedEmailDomains: "PASSCODE_ALLOWED_EMAIL_DOMAINS",
  /** Comma-separated Reply-To addresses of the code email (default: none). */
  emailReplyTo: "PASSCODE_EMAIL_REPLY_TO",
  /** Least seconds between two codes to one address, 0 to 3600 (default 30). */
  throttleMinIntervalSeconds: "PASSCODE_THROTTLE_MIN_INTERVAL_SECONDS",
  /** Most codes to one address per window, 1 to 1000 (default 5). */
  throttleMaxPerWindow: "PASSCODE_THROTTLE_MAX_PER_WINDOW",
  /** Length of the throttle window in seconds, 60 to 86400 (default 900). */
  throttleWindowSeconds: "PASSCODE_THROTTLE_WINDOW_SECONDS",
  /** Most codes to one address in any 24 hours, 1 to 10000 (default 10). */
  throttleMaxPerDay: "PASSCODE_THROTTLE_MAX_PER_DAY",
  /**
   * The WebAuthn relying party id (`example.com`: the page's registrable
   * domain or a suffix of it, never an IP address). Unset: passkeys are off
   * and the other `PASSCODE_PASSKEY_` variables must be unset too. The
   * passkeys are stored in `PASSCODE_TABLE_NAME`.
   */
  passkeyRpId: "PASSCODE_PASSKEY_RP_ID",
  /** The relying party name the browser may show (default: `PASSCODE_APP_NAME`). */
  passkeyRpName: "PASSCODE_PASSKEY_RP_NAME",
  /**
   * Comma-separated exact origins of the pages that use passkeys
   * (`https://app.example.com`); required with `PASSCODE_PASSKEY_RP_ID`.
   */
  passkeyOrigins: "PASSCODE_PASSKEY_ORIGINS",
  /**
   * `true`: once a user has a passkey, a right code no longer signs them in
   * (`PASSKEY_REQUIRED`); `false` (default).
   */
  passkeyRequired: "PASSCODE_PASSKEY_REQUIRED",
} as const);

/** The variables the scheduled username sweep (`lambda/username-sweep.mjs`) reads; both required. */
export const SWEEP_ENVIRONMENT_KEYS = Object.freeze({
  /** The registry table. */
  tableName: "PASSCODE_TABLE_NAME",
  /** The user pool whose users own the names. */
  userPoolId: "PASSCODE_USER_POOL_ID",
  /** As for the triggers: `custom:<name>` (default `custom:username`). */
  usernameAttribute: "PASSCODE_USERNAME_ATTRIBUTE",
} as const);

/** The trigger configuration, as {@link readTriggerEnvironment} parsed it. */
export interface TriggerEnvironment {
  /** `PASSCODE_TABLE_NAME`. */
  tableName: string;
  /** `PASSCODE_EMAIL_FROM`. */
  emailFrom: string;
  /** `PASSCODE_APP_NAME`. */
  appName: string;
  /** `PASSCODE_CODE_LENGTH`. */
  codeLength: number;
  /** `PASSCODE_CODE_TTL_SECONDS`. */
  codeTtlSeconds: number;
  /** `PASSCODE_MAX_ATTEMPTS`. */
  maxAttempts: number;
  /** `PASSCODE_CODE_SECRET_ARN`, when set. */
  codeSecretArn?: string;
  /** The username attribute, or `false` when the username step is off. */
  usernameAttribute: string | false;
  /** `PASSCODE_USERNAME_MIN_LENGTH`, when set. */
  usernameMinLength?: number;
  /** `PASSCODE_USERNAME_MAX_LENGTH`, when set. */
  usernameMaxLength?: number;
  /** `PASSCODE_USERNAME_MAX_ATTEMPTS`, when set. */
  usernameMaxAttempts?: number;
  /** `PASSCODE_ALLOWED_EMAIL_DOMAINS`, when set. */
  allowedEmailDomains?: string[];
  /** `PASSCODE_EMAIL_REPLY_TO`, when set. */
  emailReplyTo?: string[];
  /** Passkeys, when `PASSCODE_PASSKEY_RP_ID` is set. */
  passkeys?: {
    /** `PASSCODE_PASSKEY_RP_ID`. */
    rpId: string;
    /** `PASSCODE_PASSKEY_RP_NAME`, or `PASSCODE_APP_NAME` when unset. */
    rpName: string;
    /** `PASSCODE_PASSKEY_ORIGINS`. */
    origins: string[];
    /** `PASSCODE_PASSKEY_REQUIRED` (`false` when unset). */
    required: boolean;
  };
  /** The throttle settings that were set. */
  throttle: {
    minIntervalSeconds?: number;
    maxPerWindow?: number;
    windowSeconds?: number;
    maxPerDay?: number;
  };
}

/** The environment as Lambda gives it: `process.env` or a copy. */
export type Environment = Readonly<Record<string, string | undefined>>;

const KNOWN_KEYS: ReadonlySet<string> = new Set([
  ...Object.values(ENVIRONMENT_KEYS),
  ...Object.values(SWEEP_ENVIRONMENT_KEYS),
]);
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const CUSTOM_ATTRIBUTE = /^custom:[A-Za-z0-9_]{1,20}$/;

function text(env: Environment, key: string): string | undefined {
  const value = env[key]?.trim();
  return value ? value : undefined;
}

function required(env: Environment, key: string): string {
  const value = text(env, key);
  if (value === undefined) throw new Error(`Missing environment variable ${key}`);
  return value;
}

function integer(env: Environment, key: string): number | undefined {
  const raw = text(env, key);
  if (raw === undefined) return undefined;
  if (!/^\d{1,6}$/.test(raw)) throw new Error(`${key} must be a whole number`);
  return Number(raw);
}

function list(env: Environment, key: string): string[] | undefined {
  const raw = text(env, key);
  if (raw === undefined) return undefined;
  const items = raw.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) throw new Error(`${key} has an empty item`);
  return items;
}

function passkeys(env: Environment, appName: string): TriggerEnvironment["passkeys"] {
  const rpId = text(env, ENVIRONMENT_KEYS.passkeyRpId);
  if (rpId === undefined) {
    // Passkeys off: a stray setting would suggest they are on. Refuse it.
    for (const key of [
      ENVIRONMENT_KEYS.passkeyRpName,
      ENVIRONMENT_KEYS.passkeyOrigins,
      ENVIRONMENT_KEYS.passkeyRequired,
    ]) {
      if (text(env, key) !== undefined) {
        throw new Error(`${key} is set but ${ENVIRONMENT_KEYS.passkeyRpId} is not`);
      }
    }
    return undefined;
  }
  const origins = list(env, ENVIRONMENT_KEYS.passkeyOrigins);
  if (origins === undefined) {
    throw new Error(`Missing environment variable ${ENVIRONMENT_KEYS.passkeyOrigins}`);
  }
  const mandatory = text(env, ENVIRONMENT_KEYS.passkeyRequired);
  if (mandatory !== undefined && mandatory !== "true" && mandatory !== "false") {
    throw new Error(`${ENVIRONMENT_KEYS.passkeyRequired} must be true or false`);
  }
  return {
    rpId,
    rpName: text(env, ENVIRONMENT_KEYS.passkeyRpName) ?? appName,
    origins,
    required: mandatory === "true",
  };
}

/**
 * Parses the username attribute variable: `custom:<name>`, `off`, or unset
 * (`custom:username`). Throws for anything else, a standard attribute included.
 */
export function readUsernameAttribute(env: Environment): string | false {
  const raw = text(env, ENVIRONMENT_KEYS.usernameAttribute);
  if (raw === undefined) return "custom:username";
  if (raw === "off") return false;
  if (!CUSTOM_ATTRIBUTE.test(raw)) {
    throw new Error(
      `${ENVIRONMENT_KEYS.usernameAttribute} must be custom:<name> (1 to 20 letters, digits or _) or off`,
    );
  }
  return raw;
}

/**
 * Parses and checks the trigger environment ({@link ENVIRONMENT_KEYS});
 * throws naming the first bad variable, a `PASSCODE_` variable it does not
 * read included (the sweep's {@link SWEEP_ENVIRONMENT_KEYS} are allowed).
 * Ranges are checked by the handler factories the values go to, also at
 * start-up.
 */
export function readTriggerEnvironment(env: Environment): TriggerEnvironment {
  // A misspelled variable would leave its setting at the default without a
  // word (PASSCODE_ALLOWED_EMAIL_DOMAIN: any domain may sign up): refuse it.
  for (const key of Object.keys(env)) {
    if (key.startsWith("PASSCODE_") && !KNOWN_KEYS.has(key)) {
      throw new Error(`${key} is not a variable the handler reads (misspelled?)`);
    }
  }
  const codeSecretArn = text(env, ENVIRONMENT_KEYS.codeSecretArn);
  if (codeSecretArn !== undefined && !SECRET_ARN.test(codeSecretArn)) {
    throw new Error(`${ENVIRONMENT_KEYS.codeSecretArn} must be a Secrets Manager secret ARN`);
  }
  const optional = <K extends string, V>(key: K, value: V | undefined) =>
    (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;
  const appName = required(env, ENVIRONMENT_KEYS.appName);
  return {
    tableName: required(env, ENVIRONMENT_KEYS.tableName),
    emailFrom: required(env, ENVIRONMENT_KEYS.emailFrom),
    appName,
    codeLength: integer(env, ENVIRONMENT_KEYS.codeLength) ?? 6,
    codeTtlSeconds: integer(env, ENVIRONMENT_KEYS.codeTtlSeconds) ?? 180,
    maxAttempts: integer(env, ENVIRONMENT_KEYS.maxAttempts) ?? 3,
    ...optional("codeSecretArn", codeSecretArn),
    usernameAttribute: readUsernameAttribute(env),
    ...optional("usernameMinLength", integer(env, ENVIRONMENT_KEYS.usernameMinLength)),
    ...optional("usernameMaxLength", integer(env, ENVIRONMENT_KEYS.usernameMaxLength)),
    ...optional("usernameMaxAttempts", integer(env, ENVIRONMENT_KEYS.usernameMaxAttempts)),
    ...optional(
      "allowedEmailDomains",
      list(env, ENVIRONMENT_KEYS.allowedEmailDomains)?.map((d) => d.toLowerCase()),
    ),
    ...optional("emailReplyTo", list(env, ENVIRONMENT_KEYS.emailReplyTo)),
    ...optional("passkeys", passkeys(env, appName)),
    throttle: {
      ...optional("minIntervalSeconds", integer(env, ENVIRONMENT_KEYS.throttleMinIntervalSeconds)),
      ...optional("maxPerWindow", integer(env, ENVIRONMENT_KEYS.throttleMaxPerWindow)),
      ...optional("windowSeconds", integer(env, ENVIRONMENT_KEYS.throttleWindowSeconds)),
      ...optional("maxPerDay", integer(env, ENVIRONMENT_KEYS.throttleMaxPerDay)),
    },
  };
}
