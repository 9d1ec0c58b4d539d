import { randomInt } from "node:crypto";
import { PasscodeError } from "@cognito-passcode/shared";
import type {
  LocalPasskeySettings,
  LocalStackCredentials,
  LocalStackLogger,
  LocalStackOptions,
  PasswordPolicy,
} from "./options.js";

/** Attributes every pool has (the OIDC standard set Cognito supports, plus its own). */
export const STANDARD_ATTRIBUTES: readonly string[] = Object.freeze([
  "address",
  "birthdate",
  "email",
  "email_verified",
  "family_name",
  "gender",
  "given_name",
  "locale",
  "middle_name",
  "name",
  "nickname",
  "phone_number",
  "phone_number_verified",
  "picture",
  "preferred_username",
  "profile",
  "sub",
  "updated_at",
  "website",
  "zoneinfo",
]);

const VERIFIED_FLAGS = new Set(["email_verified", "phone_number_verified"]);
const KNOWN_FLOWS = new Set([
  "ALLOW_CUSTOM_AUTH",
  "ALLOW_REFRESH_TOKEN_AUTH",
  "ALLOW_USER_PASSWORD_AUTH",
  "ALLOW_USER_SRP_AUTH",
  "ALLOW_ADMIN_USER_PASSWORD_AUTH",
  "ALLOW_USER_AUTH",
]);

/** The stack's settings with every default filled and checked. */
export interface ResolvedConfig {
  port: number;
  /** The embedded SES's port; 0: a free one. */
  inboxPort: number;
  host: string;
  region: string;
  userPoolId: string;
  clientId: string;
  customAttributes: readonly string[];
  passwordPolicy: Required<PasswordPolicy>;
  autoVerifyEmail: boolean;
  /** `pool.attributesRequireVerificationBeforeUpdate` includes `"email"`. */
  emailRequiresVerificationBeforeUpdate: boolean;
  /** The attribute the triggers hold the username in, which no app client may write by default. */
  usernameAttribute: string;
  explicitAuthFlows: ReadonlySet<string>;
  preventUserExistenceErrors: boolean;
  readAttributes: ReadonlySet<string>;
  writeAttributes: ReadonlySet<string>;
  authSessionValidityMs: number;
  idTokenValidityMs: number;
  accessTokenValidityMs: number;
  refreshTokenValidityMs: number;
  enableTokenRevocation: boolean;
  /** `client.refreshTokenRotation` with its default grace period filled. */
  refreshTokenRotation: { enabled: boolean; retryGracePeriodSeconds: number };
  triggerTimeoutMs: number;
  /** Origins answered with CORS headers (exact `scheme://host[:port]`). */
  corsOrigins: ReadonlySet<string>;
  /** The only credentials admin operations may be signed with. */
  credentials: Readonly<LocalStackCredentials>;
  /** `triggers.passkeys` checked, `rpName` filled; undefined when passkeys are off. */
  passkeys: ResolvedPasskeys | undefined;
  dataDir: string | undefined;
  baseNow: () => number;
  logger: Required<LocalStackLogger>;
}

/** `triggers.passkeys` after the stack's checks (the triggers check the rest). */
export type ResolvedPasskeys = LocalPasskeySettings & {
  rpName: string;
  origins: string[];
  required: boolean;
};

/** A `CONFIGURATION_ERROR` naming the option. */
export function configError(field: string, why: string): PasscodeError {
  return new PasscodeError("CONFIGURATION_ERROR", `${field} ${why}`, { details: { field } });
}

function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function intIn(field: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw configError(field, `must be an integer from ${min} to ${max}, got ${String(v)}`);
  }
  return v;
}

function bool(field: string, value: unknown, fallback: boolean): boolean {
  const v = value ?? fallback;
  if (typeof v !== "boolean") throw configError(field, "must be a boolean");
  return v;
}

function stringList(field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string")) {
    throw configError(field, "must be an array of strings");
  }
  return [...value] as string[];
}

const MINUTE = 60_000;
const NOOP = () => {};

/**
 * The attribute the triggers hold the username in: `triggers.username.attribute`,
 * else `custom:username` (also when `triggers.username` is `false`, so the
 * default app client still cannot write the attribute the library would use).
 */
function usernameAttributeOf(triggers: LocalStackOptions["triggers"]): string {
  const step = triggers?.username;
  const attribute = step ? (step as { attribute?: unknown }).attribute : undefined;
  if (attribute === undefined) return "custom:username";
  if (typeof attribute !== "string" || attribute.length === 0) {
    throw configError("triggers.username.attribute", "must be a non-empty string");
  }
  return attribute;
}

/** `client.refreshTokenRotation`: off unless `enabled` is `true`; the grace period 0 to 60 seconds. */
function refreshTokenRotation(value: unknown): ResolvedConfig["refreshTokenRotation"] {
  const field = "client.refreshTokenRotation";
  if (value === undefined) return { enabled: false, retryGracePeriodSeconds: 0 };
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw configError(field, "must be { enabled: boolean, retryGracePeriodSeconds?: 0-60 }");
  }
  const { enabled, retryGracePeriodSeconds } = value as Record<string, unknown>;
  if (typeof enabled !== "boolean") throw configError(`${field}.enabled`, "must be a boolean");
  return {
    enabled,
    retryGracePeriodSeconds: intIn(
      `${field}.retryGracePeriodSeconds`,
      retryGracePeriodSeconds,
      0,
      0,
      60,
    ),
  };
}

/** `cors.origins`, each checked to be a bare `http(s)://host[:port]` origin. */
function corsOrigins(cors: LocalStackOptions["cors"]): Set<string> {
  if (cors !== undefined && (typeof cors !== "object" || cors === null)) {
    throw configError("cors", "must be an object");
  }
  const origins = new Set<string>();
  for (const origin of stringList("cors.origins", cors?.origins) ?? []) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw configError(
        "cors.origins",
        `has ${JSON.stringify(origin)}, which is not an origin like http://localhost:5173 (scheme, host and port only, lower case, no path)`,
      );
    }
    origins.add(origin);
  }
  return origins;
}

/**
 * `triggers.passkeys`: off when absent or `false`; else `rpId` a host name
 * (never an IP address: WebAuthn refuses them), `origins` one or more exact
 * origins on that RP id (`https:`, or `http:` on `localhost` and
 * `*.localhost`, the only hosts where a page on plain HTTP may use WebAuthn),
 * `rpName` defaulting to the RP id, `required` a boolean.
 */
export function resolvePasskeys(value: unknown): ResolvedPasskeys | undefined {
  const field = "triggers.passkeys";
  if (value === undefined || value === false) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw configError(field, "must be false or { rpId, origins, rpName?, required? }");
  }
  const settings = value as Record<string, unknown>;
  const { rpId, rpName, required } = settings;
  if (
    typeof rpId !== "string" ||
    !/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/.test(rpId)
  ) {
    throw configError(
      `${field}.rpId`,
      "must be a lower-case host name such as localhost or example.com",
    );
  }
  if (/^\d+(?:\.\d+){3}$/.test(rpId)) {
    throw configError(
      `${field}.rpId`,
      "cannot be an IP address (WebAuthn refuses them); use localhost",
    );
  }
  const origins = stringList(`${field}.origins`, settings.origins);
  if (!origins || origins.length === 0) {
    throw configError(
      `${field}.origins`,
      "must list at least one origin, e.g. http://localhost:5173",
    );
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    const host = parsed?.hostname ?? "";
    const local = host === "localhost" || host.endsWith(".localhost");
    if (
      !parsed ||
      parsed.origin !== origin ||
      !(parsed.protocol === "https:" || (parsed.protocol === "http:" && local))
    ) {
      throw configError(
        `${field}.origins`,
        `has ${JSON.stringify(origin)}, which is not an exact origin on https (or http on localhost), like http://localhost:5173`,
      );
    }
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw configError(
        `${field}.origins`,
        `has ${JSON.stringify(origin)}, whose host is not ${rpId} or a subdomain of it (the RP id)`,
      );
    }
  }
  if (rpName !== undefined && (typeof rpName !== "string" || rpName.trim().length === 0)) {
    throw configError(`${field}.rpName`, "must be a non-empty string");
  }
  return {
    ...(settings as unknown as LocalPasskeySettings),
    rpId,
    origins,
    rpName: rpName ?? rpId,
    required: bool(`${field}.required`, required, false),
  };
}

/** `credentials`, or a fresh random pair: `LOCAL` and 15 letters and digits, a 40-character secret. */
export function resolveCredentials(
  credentials: LocalStackOptions["credentials"],
): LocalStackCredentials {
  if (credentials === undefined) {
    const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    const secret = `${upper}abcdefghijklmnopqrstuvwxyz+/`;
    return {
      accessKeyId: `LOCAL${randomString(upper, 15)}`,
      secretAccessKey: randomString(secret, 40),
    };
  }
  if (typeof credentials !== "object" || credentials === null) {
    throw configError("credentials", "must be { accessKeyId, secretAccessKey }");
  }
  const { accessKeyId, secretAccessKey } = credentials;
  if (typeof accessKeyId !== "string" || !/^\w{16,128}$/.test(accessKeyId)) {
    throw configError("credentials.accessKeyId", "must be 16 to 128 letters, digits or _");
  }
  if (
    typeof secretAccessKey !== "string" ||
    secretAccessKey.length < 16 ||
    /[^\x21-\x7e]/.test(secretAccessKey)
  ) {
    throw configError(
      "credentials.secretAccessKey",
      "must be at least 16 printable characters without spaces",
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** Fills the defaults of {@link LocalStackOptions} and checks every field once. */
export function resolveOptions(options: LocalStackOptions = {}): ResolvedConfig {
  if (typeof options !== "object" || options === null) {
    throw configError("options", "must be an object");
  }
  const port = intIn("port", options.port, 0, 0, 65535);
  const inboxPort = intIn("inboxPort", options.inboxPort, 0, 0, 65535);
  const host = options.host ?? "127.0.0.1";
  if (typeof host !== "string" || host.length === 0) throw configError("host", "must be a string");
  const region = options.region ?? "us-east-1";
  if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw configError("region", "must look like an AWS region, e.g. us-east-1");
  }
  const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const userPoolId = options.userPoolId ?? `${region}_${randomString(alnum, 9)}`;
  if (typeof userPoolId !== "string" || !/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) {
    throw configError("userPoolId", "must look like a user pool id, e.g. us-east-1_AbC123xyz");
  }
  const clientId = options.clientId ?? randomString("abcdefghijklmnopqrstuvwxyz0123456789", 26);
  if (typeof clientId !== "string" || !/^[\w+]{1,128}$/.test(clientId)) {
    throw configError("clientId", "must be 1-128 letters, digits, _ or +");
  }

  const pool = options.pool ?? {};
  const customNames = stringList("pool.customAttributes", pool.customAttributes) ?? ["username"];
  for (const name of customNames) {
    if (!/^[A-Za-z0-9_]{1,20}$/.test(name)) {
      throw configError("pool.customAttributes", `has an invalid name ${JSON.stringify(name)}`);
    }
  }
  const customAttributes = customNames.map((name) => `custom:${name}`);
  const policy = pool.passwordPolicy ?? {};
  const passwordPolicy: Required<PasswordPolicy> = {
    minimumLength: intIn("pool.passwordPolicy.minimumLength", policy.minimumLength, 8, 6, 99),
    requireUppercase: bool("pool.passwordPolicy.requireUppercase", policy.requireUppercase, true),
    requireLowercase: bool("pool.passwordPolicy.requireLowercase", policy.requireLowercase, true),
    requireNumbers: bool("pool.passwordPolicy.requireNumbers", policy.requireNumbers, true),
    requireSymbols: bool("pool.passwordPolicy.requireSymbols", policy.requireSymbols, true),
  };
  const verified = stringList("pool.autoVerifiedAttributes", pool.autoVerifiedAttributes) ?? [
    "email",
  ];
  if (verified.some((name) => name !== "email")) {
    throw configError("pool.autoVerifiedAttributes", 'may only contain "email"');
  }
  const beforeUpdate = stringList(
    "pool.attributesRequireVerificationBeforeUpdate",
    pool.attributesRequireVerificationBeforeUpdate,
  ) ?? ["email"];
  if (beforeUpdate.some((name) => name !== "email")) {
    throw configError("pool.attributesRequireVerificationBeforeUpdate", 'may only contain "email"');
  }

  const allAttributes = new Set([...STANDARD_ATTRIBUTES, ...customAttributes]);
  const usernameAttribute = usernameAttributeOf(options.triggers);
  if (!allAttributes.has(usernameAttribute) && usernameAttribute !== "custom:username") {
    throw configError(
      "triggers.username.attribute",
      `names ${JSON.stringify(usernameAttribute)}, which is not in the pool schema (add it to pool.customAttributes)`,
    );
  }
  const client = options.client ?? {};
  const flows = stringList("client.explicitAuthFlows", client.explicitAuthFlows) ?? [
    "ALLOW_CUSTOM_AUTH",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ];
  for (const flow of flows) {
    if (!KNOWN_FLOWS.has(flow)) {
      throw configError("client.explicitAuthFlows", `has an unknown flow ${JSON.stringify(flow)}`);
    }
  }
  const prevent = client.preventUserExistenceErrors ?? "ENABLED";
  if (prevent !== "ENABLED" && prevent !== "LEGACY") {
    throw configError("client.preventUserExistenceErrors", 'must be "ENABLED" or "LEGACY"');
  }
  const checkAttrs = (field: string, list: string[] | undefined) => {
    for (const name of list ?? []) {
      if (!allAttributes.has(name)) {
        throw configError(field, `names ${JSON.stringify(name)}, which is not in the pool schema`);
      }
    }
    return list;
  };
  const readList = checkAttrs(
    "client.readAttributes",
    stringList("client.readAttributes", client.readAttributes),
  );
  const writeList = checkAttrs(
    "client.writeAttributes",
    stringList("client.writeAttributes", client.writeAttributes),
  );
  if (writeList?.includes("sub")) {
    throw configError("client.writeAttributes", "cannot include sub");
  }
  const allowUnsafeWrite = bool(
    "client.allowUnsafeWriteAttributes",
    client.allowUnsafeWriteAttributes,
    false,
  );
  // Fail closed: a client that writes the username or a verified flag is the
  // insecure configuration the triggers guard against, never a silent default.
  const unsafeWrite = (writeList ?? []).filter(
    (name) => name === usernameAttribute || VERIFIED_FLAGS.has(name),
  );
  if (unsafeWrite.length > 0 && !allowUnsafeWrite) {
    throw configError(
      "client.writeAttributes",
      `names ${unsafeWrite.map((name) => JSON.stringify(name)).join(", ")}: no app client may write the attribute the triggers hold the username in (${usernameAttribute}) or a *_verified flag (set client.allowUnsafeWriteAttributes only to test a misconfigured client)`,
    );
  }
  const defaultWrite = [...allAttributes].filter(
    (name) => name !== "sub" && !VERIFIED_FLAGS.has(name) && name !== usernameAttribute,
  );
  // Cognito always lets a client read `sub`, whatever ReadAttributes says.
  const readAttributes = new Set([...(readList ?? allAttributes), "sub"]);

  const dataDir = options.dataDir;
  if (dataDir !== undefined && (typeof dataDir !== "string" || dataDir.length === 0)) {
    throw configError("dataDir", "must be a non-empty path");
  }
  if (options.now !== undefined && typeof options.now !== "function") {
    throw configError("now", "must be a function returning epoch milliseconds");
  }
  const logger = options.logger ?? {};
  if (typeof logger !== "object" || logger === null)
    throw configError("logger", "must be an object");
  const bind = (name: keyof LocalStackLogger) => {
    const fn = logger[name];
    if (fn !== undefined && typeof fn !== "function") {
      throw configError(`logger.${name}`, "must be a function");
    }
    return fn ? fn.bind(logger) : NOOP;
  };

  // With its own Verify, the stack cannot see which attribute that handler
  // writes the username to; it guards custom:username and says so.
  if (
    options.handlers?.verifyAuthChallenge !== undefined &&
    (options.triggers?.username || undefined)?.attribute === undefined
  ) {
    bind("warn")(
      `handlers.verifyAuthChallenge replaces the Verify trigger and triggers.username.attribute is not set: the stack assumes your triggers hold the username in ${usernameAttribute} and keeps that attribute out of the default client.writeAttributes; set triggers.username.attribute to the attribute your handler writes`,
    );
  }
  if (unsafeWrite.length > 0) {
    bind("warn")(
      `client.writeAttributes lets users write ${unsafeWrite.join(", ")} (client.allowUnsafeWriteAttributes): an insecure app client, for tests only`,
    );
  }

  return {
    port,
    inboxPort,
    host,
    region,
    userPoolId,
    clientId,
    customAttributes,
    passwordPolicy,
    autoVerifyEmail: verified.includes("email"),
    emailRequiresVerificationBeforeUpdate: beforeUpdate.includes("email"),
    usernameAttribute,
    explicitAuthFlows: new Set(flows),
    preventUserExistenceErrors: prevent === "ENABLED",
    readAttributes,
    writeAttributes: new Set(writeList ?? defaultWrite),
    authSessionValidityMs:
      intIn("client.authSessionValidityMinutes", client.authSessionValidityMinutes, 3, 3, 15) *
      MINUTE,
    idTokenValidityMs:
      intIn("client.idTokenValidityMinutes", client.idTokenValidityMinutes, 60, 5, 1440) * MINUTE,
    accessTokenValidityMs:
      intIn("client.accessTokenValidityMinutes", client.accessTokenValidityMinutes, 60, 5, 1440) *
      MINUTE,
    refreshTokenValidityMs:
      intIn(
        "client.refreshTokenValidityMinutes",
        client.refreshTokenValidityMinutes,
        43_200,
        60,
        5_256_000,
      ) * MINUTE,
    enableTokenRevocation: bool("client.enableTokenRevocation", client.enableTokenRevocation, true),
    refreshTokenRotation: refreshTokenRotation(client.refreshTokenRotation),
    triggerTimeoutMs: intIn("triggerTimeoutMs", options.triggerTimeoutMs, 5000, 1, 900_000),
    corsOrigins: corsOrigins(options.cors),
    credentials: resolveCredentials(options.credentials),
    passkeys: resolvePasskeys(options.triggers?.passkeys),
    dataDir,
    baseNow: options.now ?? Date.now,
    logger: {
      debug: bind("debug"),
      info: bind("info"),
      warn: bind("warn"),
      error: bind("error"),
    },
  };
}
