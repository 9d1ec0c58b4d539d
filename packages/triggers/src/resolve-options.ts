import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { SESClient } from "@aws-sdk/client-ses";
import {
  isValidEmail,
  normalizeEmail,
  PasscodeError,
  resolveUsernamePolicy,
  type UsernamePolicy,
} from "@cognito-passcode/shared";
import { consoleJsonLogger, type PasscodeLogger } from "./logger.js";
import type {
  DeliverEmail,
  EmailOptions,
  PasscodeTriggersOptions,
  ThrottleOptions,
} from "./options.js";
import type { PasskeyStore, ThrottleRules, ThrottleStore, UsernameRegistry } from "./store.js";

// Each handler factory validates, once, the parts of the options it uses;
// createPasscodeTriggers validates them all. Keeping the parts apart lets a
// bundler leave out of, say, Define everything that only Create needs.

/** Throws the `CONFIGURATION_ERROR` for a bad option: `<field> <why>`, naming the field in its details. */
export function fail(field: string, why: string): never {
  throw new PasscodeError("CONFIGURATION_ERROR", `${field} ${why}`, { details: { field } });
}

function int(field: string, value: unknown, fallback: number, min: number, max: number): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(field, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

/** Fails unless `value` is undefined or has a method `method` (or is a function, when `method` is empty). */
function fn(field: string, value: unknown, method = ""): void {
  const target = method ? (value as Record<string, unknown> | null)?.[method] : value;
  if (value !== undefined && typeof target !== "function") {
    fail(field, method ? `must have a ${method} method` : "must be a function");
  }
}

function obj(field: string, value: unknown): void {
  if (typeof value !== "object" || !value) fail(field, "must be an object");
}

/** Loads a module once; a failed load is forgotten so the next call can retry. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/** What every handler gets: logger and clock. */
export interface BaseSettings {
  logger: PasscodeLogger;
  now: () => number;
}

/** Validates the options object, `logger` and `now`. */
export function resolveBase(options: PasscodeTriggersOptions): BaseSettings {
  obj("options", options);
  fn("now", options.now);
  const logger = options.logger;
  if (logger !== undefined) {
    obj("logger", logger);
    for (const level of ["debug", "info", "warn", "error"] as const) {
      fn(`logger.${level}`, logger[level] ?? 0);
    }
  }
  return { logger: logger ?? consoleJsonLogger(), now: options.now ?? Date.now };
}

/** Code length, lifetime and attempts. */
export interface CodeSettings {
  length: number;
  ttlMs: number;
  maxAttempts: number;
}

/** Validates `code`. */
export function resolveCode(options: PasscodeTriggersOptions): CodeSettings {
  const code = options.code ?? {};
  obj("code", code);
  return {
    length: int("code.length", code.length, 6, 6, 10),
    ttlMs: int("code.ttlSeconds", code.ttlSeconds, 180, 60, 900) * 1000,
    maxAttempts: int("code.maxAttempts", code.maxAttempts, 3, 1, 10),
  };
}

/** The username step, when on. */
export interface UsernameSettings {
  registry: UsernameRegistry;
  attribute: string;
  maxAttempts: number;
}

/** Validates `username` (all but its policy; see {@link resolvePolicy}). */
export function resolveUsername(options: PasscodeTriggersOptions): UsernameSettings | false {
  const username = options.username;
  if (username === undefined || username === false) return false;
  obj("username", username);
  fn("username.registry", username.registry ?? 0, "claim");
  const attribute = username.attribute ?? "custom:username";
  // A custom attribute only: standard ones (preferred_username, nickname, ...)
  // are writable by a default app client and read by other systems as names.
  // Cognito allows 1 to 20 characters after the prefix.
  if (typeof attribute !== "string" || !/^custom:\w{1,20}$/.test(attribute)) {
    fail(
      "username.attribute",
      "must be a custom attribute (custom:<name>, 1 to 20 letters, digits or _) " +
        "that no app client may write",
    );
  }
  return {
    registry: username.registry,
    attribute,
    maxAttempts: int("username.maxAttempts", username.maxAttempts, 5, 1, 20),
  };
}

/** The username length bounds Create publishes. */
export interface PolicyBounds {
  minLength: number;
  maxLength: number;
}

/**
 * Validates only the length bounds of `username.policy`, with shared's rules,
 * for Create, which publishes them but never checks a name (so a Create-only
 * bundle leaves out the reserved list and the validator).
 */
export function resolvePolicyBounds(options: PasscodeTriggersOptions): PolicyBounds {
  const policy = options.username ? options.username.policy || {} : {};
  const minLength = int("username.policy.minLength", policy.minLength, 3, 1, 64);
  return {
    minLength,
    maxLength: int("username.policy.maxLength", policy.maxLength, 30, minLength, 64),
  };
}

/** Validates `username.policy` (only meaningful when the step is on). */
export function resolvePolicy(options: PasscodeTriggersOptions): UsernamePolicy {
  const username = options.username;
  return resolveUsernamePolicy(username ? username.policy : undefined, "username.policy.");
}

/** The email and how it is sent. */
export interface EmailSettings {
  from: string;
  appName?: string;
  replyTo: string[];
  configurationSetName?: string;
  render?: EmailOptions["render"];
  sendTimeoutMs: number;
  deliver?: DeliverEmail;
  /** The SES client and module, loaded and built once, on first send. */
  ses$: () => Promise<{ client: SESClient; sdk: typeof import("@aws-sdk/client-ses") }>;
  /** How long an unknown user's Create waits in place of a send. */
  unknownUserDelay: () => number;
  /** Feeds a real send's duration into {@link unknownUserDelay}. */
  recordSendDuration: (ms: number) => void;
}

function text(field: string, value: unknown, max: number): string | undefined {
  // Control characters could break out of an email header.
  if (
    value !== undefined &&
    (typeof value !== "string" ||
      !value ||
      value.length > max ||
      [...value].some((c) => c < " " || c === "\u007f"))
  ) {
    fail(field, `must be 1 to ${max} characters, no control characters`);
  }
  return value;
}

/** `addr` or `Display Name <addr>`. */
function isValidSender(from: unknown): boolean {
  if (typeof from !== "string") return false;
  const angle = /^[^<>"\r\n]*<([^<>\s]+)>$/.exec(from.trim());
  return isValidEmail(angle ? angle[1]! : from);
}

/** Validates `email`, `ses`, `deliver` and `unknownUserDelayMs`. */
export function resolveEmail(options: PasscodeTriggersOptions): EmailSettings {
  const email = options.email;
  if (email === undefined) fail("email.from", "is required");
  obj("email", email);
  if (!isValidSender(email.from)) fail("email.from", "must be an email address");
  const replyTo = email.replyTo === undefined ? [] : [email.replyTo].flat();
  if (replyTo.some((address) => typeof address !== "string" || !isValidEmail(address))) {
    fail("email.replyTo", "must be email addresses");
  }
  fn("email.render", email.render);
  fn("deliver", options.deliver);
  fn("ses", options.ses, "send");
  const fixedDelay =
    options.unknownUserDelayMs === undefined
      ? undefined
      : int("unknownUserDelayMs", options.unknownUserDelayMs, 0, 0, 5000);
  // Running mean of this instance's real sends: an unknown user's fake send
  // should take about as long as a real one.
  let meanSendMs = 150;
  return {
    from: email.from,
    appName: text("email.appName", email.appName, 100),
    replyTo: replyTo as string[],
    configurationSetName: text("email.configurationSetName", email.configurationSetName, 64),
    render: email.render,
    sendTimeoutMs: int("email.sendTimeoutMs", email.sendTimeoutMs, 3000, 500, 4500),
    deliver: options.deliver,
    ses$: once(async () => {
      const sdk = await import("@aws-sdk/client-ses");
      return { client: options.ses ?? new sdk.SESClient({}), sdk };
    }),
    unknownUserDelay: () => (fixedDelay ?? meanSendMs) * (0.75 + Math.random() / 2),
    recordSendDuration(ms) {
      meanSendMs = meanSendMs * 0.8 + Math.min(ms, 3000) * 0.2;
    },
  };
}

/** The send throttle, resolved. */
export interface ThrottleSettings {
  store: ThrottleStore;
  /** The short window: least interval and most sends per window. */
  rules: ThrottleRules;
  /**
   * The daily cap as rules for its own key: `maxPerDay` sends in any 24
   * hours, no interval; checked after {@link rules} allow a send.
   */
  day: ThrottleRules;
}

/**
 * Validates that `throttle` is given (a store, or an explicit `false`) and its
 * store: all Verify needs for its per-code attempt counter, so a Verify-only
 * bundle leaves out the send rules.
 */
export function resolveThrottleStore(
  options: PasscodeTriggersOptions,
): { store: ThrottleStore } | false {
  const throttle = options.throttle;
  if (throttle === undefined) {
    fail("throttle", "is required: pass { store: dynamoDbStore(...) }, or false for no throttle");
  }
  if (throttle === false) return false;
  obj("throttle", throttle);
  fn("throttle.store", throttle.store ?? 0, "hit");
  return { store: throttle.store };
}

/** Validates `throttle`, which must be given: omitting it fails closed rather than sending unthrottled. */
export function resolveThrottle(options: PasscodeTriggersOptions): ThrottleSettings | false {
  const resolved = resolveThrottleStore(options);
  if (!resolved) return false;
  const throttle = options.throttle as ThrottleOptions;
  return {
    store: resolved.store,
    rules: {
      minIntervalMs:
        int("throttle.minIntervalSeconds", throttle.minIntervalSeconds, 30, 0, 3600) * 1000,
      maxPerWindow: int("throttle.maxPerWindow", throttle.maxPerWindow, 5, 1, 1000),
      windowMs: int("throttle.windowSeconds", throttle.windowSeconds, 900, 60, 86400) * 1000,
    },
    day: {
      minIntervalMs: 0,
      maxPerWindow: int("throttle.maxPerDay", throttle.maxPerDay, 10, 1, 10000),
      windowMs: 86_400_000,
    },
  };
}

/** How to get a `codeSecret`, for its `CONFIGURATION_ERROR`. */
const GET_A_CODE_SECRET =
  "generate one (`openssl rand -base64 48`, or a generated AWS Secrets Manager secret), " +
  "keep it in a secret store and pass the same value to Create and Verify";

/**
 * Validates `codeSecret`, which Create and Verify require: it keys the code
 * digests (without a key a 6-digit digest falls to a million guesses) and the
 * placeholder mask of an identifier that is not an address (without one key
 * on every instance the placeholder would vary while a real user's mask does
 * not, telling a user's sub from a non-user). At least 32 characters: so that
 * even a hex string carries 128 bits, and a password-like value is refused.
 * And at least 8 distinct characters: a long run of one letter or a short
 * pattern repeated (`"x".repeat(32)`) is as guessable as its pattern; a
 * random secret has 8 distinct ones (32 random hex digits: all but about 1
 * in 28 million; base64 of 48 random bytes, as the local stack draws: all
 * but 1 in 10^52).
 */
export function resolveCodeSecret(options: PasscodeTriggersOptions): string {
  const secret: unknown = options.codeSecret;
  if (secret === undefined || secret === "") {
    fail("codeSecret", `is required: ${GET_A_CODE_SECRET}`);
  }
  if (typeof secret !== "string" || secret.length < 32) {
    fail("codeSecret", `must be a string of at least 32 characters: ${GET_A_CODE_SECRET}`);
  }
  if (new Set(secret).size < 8) {
    fail("codeSecret", `must have at least 8 distinct characters: ${GET_A_CODE_SECRET}`);
  }
  return secret;
}

/** Validates `signUp.allowedEmailDomains`. */
export function resolveAllowedDomains(
  options: PasscodeTriggersOptions,
): ReadonlySet<string> | undefined {
  const domains = options.signUp?.allowedEmailDomains;
  if (domains === undefined) return undefined;
  if (
    !Array.isArray(domains) ||
    domains.length === 0 ||
    domains.some((d) => typeof d !== "string" || !isValidEmail(`a@${d}`))
  ) {
    fail("signUp.allowedEmailDomains", "must be a non-empty array of domains");
  }
  return new Set(domains.map(normalizeEmail));
}

/**
 * True when `email` is inside `signUp.allowedEmailDomains`: always when no
 * list is set; otherwise only when its domain (after the last `@`, with a
 * local part before it) is on the list (exact, lower-case). Create sends,
 * Verify accepts and Define issues tokens only inside the list, so an account
 * that moved its email out of the allowed domains cannot sign in. It does not
 * validate the address (Create checks that with `isValidEmail` before
 * sending), which keeps the validator out of Define's and Verify's bundles.
 */
export function inAllowedDomains(email: string, domains: ReadonlySet<string> | undefined): boolean {
  if (!domains) return true;
  const value = normalizeEmail(email);
  const at = value.lastIndexOf("@");
  return at > 0 && domains.has(value.slice(at + 1));
}

/** The Cognito client and module, loaded and built once, on first use. */
export type CognitoGetter = () => Promise<{
  client: CognitoIdentityProviderClient;
  sdk: typeof import("@aws-sdk/client-cognito-identity-provider");
}>;

/** Validates `cognito` and returns its lazy getter. */
export function resolveCognito(options: PasscodeTriggersOptions): CognitoGetter {
  fn("cognito", options.cognito, "send");
  return once(async () => {
    const sdk = await import("@aws-sdk/client-cognito-identity-provider");
    return { client: options.cognito ?? new sdk.CognitoIdentityProviderClient({}), sdk };
  });
}

/** `passkeys`, validated, with its defaults. */
export interface PasskeySettings {
  rpId: string;
  rpName: string;
  origins: readonly string[];
  store: PasskeyStore;
  /** Refused assertions per sign-in. */
  maxAttempts: number;
  /** Refused registrations per sign-in before the "given up" challenge. */
  enrolMaxAttempts: number;
  maxPerUser: number;
  timeoutMs: number;
  required: boolean;
  /**
   * Sends the "passkey added" email (best effort; Verify logs a failure).
   * Built on first use from `email`, `deliver` and `ses`.
   */
  notify: (notice: { to: string; kind: "added"; name: string; when: number }) => Promise<void>;
}

/** A DNS name of lower-case labels (`localhost`, `example.com`), not an IPv4 address. */
const RP_ID =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** True when `origin` is exactly a scheme, host and optional port whose host is `rpId` or under it. */
function isOriginFor(origin: unknown, rpId: string): boolean {
  if (typeof origin !== "string") return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const host = url.hostname;
  const local = host === "localhost" || host.endsWith(".localhost");
  return (
    url.origin === origin &&
    (url.protocol === "https:" || (url.protocol === "http:" && local)) &&
    (host === rpId || host.endsWith(`.${rpId}`))
  );
}

/**
 * Validates `passkeys` (`false` or absent: off). Throws `CONFIGURATION_ERROR`
 * naming the field: `rpId` a lower-case DNS name (not an IP address),
 * `rpName` 1 to 100 characters, `origins` a non-empty array of exact origins
 * (`https`, or `http` on `localhost`) on `rpId` or its sub-domains, `store`
 * with the passkey methods, `maxAttempts` 1..10 (3), `enrol.maxAttempts`
 * 1..5 (2), `maxPerUser` 1..20 (10), `timeoutMs` 30,000..600,000 (120,000),
 * `required` a boolean (false).
 */
export function resolvePasskeys(options: PasscodeTriggersOptions): PasskeySettings | false {
  const passkeys = options.passkeys;
  if (passkeys === undefined || passkeys === false) return false;
  obj("passkeys", passkeys);
  const rpId: unknown = passkeys.rpId;
  if (typeof rpId !== "string" || !RP_ID.test(rpId) || /^[\d.]+$/.test(rpId)) {
    fail("passkeys.rpId", "must be a lower-case domain name (not an IP address), e.g. example.com");
  }
  const rpName = text("passkeys.rpName", passkeys.rpName ?? "", 100);
  const origins: unknown = passkeys.origins;
  if (
    !Array.isArray(origins) ||
    origins.length === 0 ||
    origins.some((origin) => !isOriginFor(origin, rpId))
  ) {
    fail(
      "passkeys.origins",
      `must be a non-empty array of exact origins (https://host[:port]; http only on localhost) ` +
        `whose host is ${rpId} or under it`,
    );
  }
  obj("passkeys.store", passkeys.store);
  for (const method of [
    "getPasskeys",
    "addPasskey",
    "usePasskey",
    "removeAllPasskeys",
    "recordPasskeySignIn",
  ]) {
    fn("passkeys.store", passkeys.store, method);
  }
  const enrol = passkeys.enrol ?? {};
  obj("passkeys.enrol", enrol);
  const required = passkeys.required ?? false;
  if (typeof required !== "boolean") fail("passkeys.required", "must be a boolean");
  const { email, deliver, ses } = options;
  // Built on the first "added" email: a bundle that never sends one never loads it.
  const notifier = once(async () => {
    const { createPasskeyNotifier } = await import("./passkey-notice.js");
    return createPasskeyNotifier({
      email,
      ...(deliver ? { deliver } : {}),
      ...(ses ? { ses } : {}),
    });
  });
  return {
    rpId,
    rpName: rpName as string,
    origins: [...(origins as string[])],
    store: passkeys.store,
    maxAttempts: int("passkeys.maxAttempts", passkeys.maxAttempts, 3, 1, 10),
    enrolMaxAttempts: int("passkeys.enrol.maxAttempts", enrol.maxAttempts, 2, 1, 5),
    maxPerUser: int("passkeys.maxPerUser", passkeys.maxPerUser, 10, 1, 20),
    timeoutMs: int("passkeys.timeoutMs", passkeys.timeoutMs, 120_000, 30_000, 600_000),
    required,
    notify: async (notice) => (await notifier())(notice),
  };
}
