import type { PasscodeTriggersOptions } from "@cognito-passcode/triggers";
import type { TriggerHandler, TriggerName } from "./trigger-runner.js";

/** Where the stack writes what it does. Every method is optional; the default is silent. */
export interface LocalStackLogger {
  debug?(message: string, data?: Record<string, unknown>): void;
  info?(message: string, data?: Record<string, unknown>): void;
  warn?(message: string, data?: Record<string, unknown>): void;
  error?(message: string, data?: Record<string, unknown>): void;
}

/** Cognito's password policy (checked on SignUp; the password is never used afterwards). */
export interface PasswordPolicy {
  /** @default 8 */
  minimumLength?: number;
  /** @default true */
  requireUppercase?: boolean;
  /** @default true */
  requireLowercase?: boolean;
  /** @default true */
  requireNumbers?: boolean;
  /** @default true */
  requireSymbols?: boolean;
}

/** User-pool settings the local stack emulates. */
export interface LocalPoolSettings {
  /**
   * Custom attributes in the pool schema, without the `custom:` prefix.
   * @default ["username"]
   */
  customAttributes?: readonly string[];
  /** Cognito's password policy, checked on SignUp. @default Cognito's default policy */
  passwordPolicy?: PasswordPolicy;
  /**
   * Attributes Cognito verifies by sending a code on SignUp (when PreSignUp does
   * not auto-confirm). `[]` turns the confirmation email off.
   * @default ["email"]
   */
  autoVerifiedAttributes?: readonly "email"[];
  /**
   * Cognito's `UserAttributeUpdateSettings.AttributesRequireVerificationBeforeUpdate`.
   * With `["email"]`, a change of a verified email (UpdateUserAttributes, or
   * AdminUpdateUserAttributes without `email_verified=true`) keeps the old
   * address in force and holds the new one pending: a code goes to the new
   * address, and VerifyUserAttribute with that code applies it. `[]` applies
   * every change at once and marks the new address unverified, as a pool
   * without the setting does (keep it for testing the library's own defences).
   * @default ["email"]
   */
  attributesRequireVerificationBeforeUpdate?: readonly "email"[];
}

/** App-client settings the local stack emulates (names as in `CreateUserPoolClient`). */
export interface LocalClientSettings {
  /** @default ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"] */
  explicitAuthFlows?: readonly string[];
  /** @default "ENABLED" */
  preventUserExistenceErrors?: "ENABLED" | "LEGACY";
  /** Attributes the client may read (GetUser, the ID token). @default every attribute */
  readAttributes?: readonly string[];
  /**
   * Attributes the client may write with SignUp (`UserAttributes`) and
   * UpdateUserAttributes; anything else is refused with Cognito's
   * `NotAuthorizedException: A client attempted to write unauthorized attribute`.
   * Admin operations are not limited by it. A list that names the attribute
   * the triggers hold the username in (`triggers.username.attribute`,
   * `custom:username` unless configured; set it too when your own `handlers`
   * keep the username elsewhere), `sub` or a `*_verified` flag is a
   * `CONFIGURATION_ERROR` at start: only the Verify trigger may write the
   * username, and only a code or an admin may verify an address.
   * @default every standard attribute except `sub` and the `*_verified` flags, and every custom attribute except the one the triggers hold the username in (`triggers.username.attribute`, `custom:username` unless configured)
   */
  writeAttributes?: readonly string[];
  /**
   * Accepts a `writeAttributes` that names the username attribute or a
   * `*_verified` flag (never `sub`), to test how triggers defend an app client
   * misconfigured that way. Never for an app: the stack logs a warning at start.
   * @default false
   */
  allowUnsafeWriteAttributes?: boolean;
  /** Lifetime of a sign-in session, 3 to 15 minutes. @default 3 */
  authSessionValidityMinutes?: number;
  /** ID token lifetime, 5 to 1440 minutes. @default 60 */
  idTokenValidityMinutes?: number;
  /** Access token lifetime, 5 to 1440 minutes. @default 60 */
  accessTokenValidityMinutes?: number;
  /** Refresh token lifetime, 60 to 5256000 minutes. @default 43200 (30 days) */
  refreshTokenValidityMinutes?: number;
  /** Whether RevokeToken works and tokens carry `origin_jti`. @default true */
  enableTokenRevocation?: boolean;
  /**
   * Refresh-token rotation, Cognito's `RefreshTokenRotation` (`Feature`,
   * `RetryGracePeriodSeconds`) on the app client. When enabled,
   * GetTokensFromRefreshToken returns a new refresh token each time; the one
   * presented keeps working for `retryGracePeriodSeconds` after its first use
   * (0: single use), then answers `RefreshTokenReuseException`; every rotated
   * token expires when the sign-in's first refresh token would have; and
   * InitiateAuth's REFRESH_TOKEN_AUTH (and REFRESH_TOKEN) is refused with
   * `InvalidParameterException`. See docs/local-stack.md for what AWS
   * documents and what the stack guesses.
   * @default { enabled: false }
   * @example
   * ```ts
   * await startLocalStack({ client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 10 } } });
   * ```
   */
  refreshTokenRotation?: LocalRefreshTokenRotation;
}

/** Refresh-token rotation of the app client (Cognito's `RefreshTokenRotationType`). */
export interface LocalRefreshTokenRotation {
  /** Cognito's `Feature`: `true` is `"ENABLED"`, `false` `"DISABLED"`. */
  enabled: boolean;
  /**
   * Cognito's `RetryGracePeriodSeconds`, 0 to 60: how long a refresh token
   * still works after its first use by GetTokensFromRefreshToken, so a client
   * can retry a refresh whose answer it lost. AWS documents no default; the
   * stack takes 0 (single use), the value that turns the grace period off.
   * @default 0
   */
  retryGracePeriodSeconds?: number;
}

/** Which browser pages may call the Cognito endpoint (CORS). */
export interface LocalCorsSettings {
  /**
   * Origins (`scheme://host[:port]`, e.g. `http://localhost:5173`) whose pages
   * may call the endpoint from a browser. Each is answered with its own
   * `Access-Control-Allow-Origin`, never `*`; a request or preflight from any
   * other origin is refused with 403 and no CORS headers. Requests without an
   * `Origin` header (the AWS SDK in Node, curl) are not affected.
   * @default [] (no browser page may call the stack)
   */
  origins?: readonly string[];
}

/** AWS credentials: the only ones the stack accepts on the operations Cognito signs with IAM. */
export interface LocalStackCredentials {
  /** 16 to 128 letters, digits or `_`. */
  accessKeyId: string;
  /** At least 16 characters. */
  secretAccessKey: string;
}

/**
 * Passkeys in the stack's own triggers (the `passkeys` option of
 * `createPasscodeTriggers`, with the store filled in: the stack's
 * `dynamoDbStore` on its embedded dynalite, the table of the username registry
 * and the throttle). Turning them on also runs the Pre Token Generation
 * trigger, which adds the ID-token claim `passcode_amr`.
 *
 * @example
 * ```ts
 * await startLocalStack({
 *   cors: { origins: ["http://localhost:5173"] },
 *   triggers: { passkeys: { rpId: "localhost", origins: ["http://localhost:5173"] } },
 * });
 * ```
 */
export interface LocalPasskeySettings {
  /** The WebAuthn relying-party id: the pages' host name or a registrable suffix of it, never an IP address (`localhost` locally). */
  rpId: string;
  /** The exact origins of the pages that run the ceremonies (`http://localhost:5173`); at least one. */
  origins: readonly string[];
  /** The relying party's name that authenticators show. @default the `rpId` */
  rpName?: string;
  /** Once a user has a passkey, a right code no longer signs them in (`PASSKEY_REQUIRED`). @default false */
  required?: boolean;
  /** Failed assertions before the sign-in fails (1 to 10). @default 3 */
  maxAttempts?: number;
  /** Enrolment settings. */
  enrol?: {
    /** Failed registrations before the "given up" step (1 to 5). @default 2 */ maxAttempts?: number;
  };
  /** Passkeys per user (1 to 20). @default 10 */
  maxPerUser?: number;
  /** Ceremony timeout, 30,000 to 600,000 ms; keep it below the session validity. @default 120000 */
  timeoutMs?: number;
}

/**
 * The trigger options of {@link LocalStackOptions}: those of
 * `createPasscodeTriggers`, each optional, with `passkeys` as
 * {@link LocalPasskeySettings} (the stack supplies the store).
 */
export type LocalTriggersOptions = Omit<Partial<PasscodeTriggersOptions>, "passkeys"> & {
  /** Passkeys on (the settings) or off (`false`, the default). */
  passkeys?: false | LocalPasskeySettings;
};

/** One replacement trigger: an in-process function, or `"path/to/module.js#exportName"`. */
export type LocalTriggerHandlerOption = TriggerHandler | string;

/** Options of {@link startLocalStack}; every field has a default. */
export interface LocalStackOptions {
  /** Port of the Cognito endpoint; `0` picks a free one. @default 0; with `dataDir`, the port the folder's last run used when it is free (the issuer contains it) */
  port?: number;
  /**
   * Port of the embedded SES: its web inbox at `/` and the JSON of every email at `/store`.
   * Fix it when a script or a browser tab should find the inbox at the same address every start.
   * A port in use fails the start with a `CONFIGURATION_ERROR` naming `inboxPort`.
   * @default 0 (a free port, another on every start)
   */
  inboxPort?: number;
  /** Interface every server listens on. @default "127.0.0.1" */
  host?: string;
  /** @default "us-east-1" */
  region?: string;
  /** @default an AWS-shaped id, `${region}_` and 9 random letters and digits; with `dataDir`, the one kept in the folder */
  userPoolId?: string;
  /** @default 26 random lower-case letters and digits; with `dataDir`, the one kept in the folder */
  clientId?: string;
  /**
   * Which browser pages may call the Cognito endpoint. Every server of the
   * stack also refuses (403) a request whose `Host` is not a loopback name
   * (`localhost`, `*.localhost`, `127.0.0.1`, `[::1]`) or the `host` it listens
   * on, which defeats DNS rebinding.
   * @default { origins: [] }
   */
  cors?: LocalCorsSettings;
  /**
   * The credentials admin operations (`Admin*`, `ListUsers`) must be signed
   * with (AWS Signature Version 4, service `cognito-idp`, the stack's region);
   * `stack.credentials` holds them. Give them to the AWS SDK as usual.
   * @default drawn at random per start (`LOCAL` and 15 letters and digits, a 40-character secret); with `dataDir`, kept in the folder
   */
  credentials?: LocalStackCredentials;
  /** User-pool settings. */
  pool?: LocalPoolSettings;
  /** App-client settings. */
  client?: LocalClientSettings;
  /**
   * Merged over the trigger options the stack builds: `email.from`, `ses` on the
   * embedded SES, `cognito` on the stack itself, the username registry and the
   * throttle on `dynamoDbStore` in the embedded dynalite, and a `codeSecret`
   * drawn at random per start. `throttle: false` and `username: false` work as
   * in `createPasscodeTriggers`. `passkeys` ({@link LocalPasskeySettings}) turns
   * passkeys on with the same `dynamoDbStore` as their store, and the Pre Token
   * Generation trigger with them.
   */
  triggers?: LocalTriggersOptions;
  /**
   * Replaces individual triggers with your own (in-process functions or module paths).
   * `preTokenGeneration` runs Cognito's Pre Token Generation trigger (event
   * version 1, `V1_0`) whenever the stack issues tokens, the stack's own only
   * when `triggers.passkeys` is on.
   * When `verifyAuthChallenge` is replaced, the stack cannot tell which attribute
   * your Verify writes the username to: set `triggers.username.attribute` to it,
   * else the stack assumes `custom:username` (keeps it out of the default
   * `client.writeAttributes`) and logs a warning at start.
   */
  handlers?: Partial<Record<TriggerName, LocalTriggerHandlerOption>>;
  /**
   * Keeps users, refresh tokens (as digests, with their expiry and revocation),
   * passkeys (with `triggers.passkeys`) and the signing key in this folder
   * across restarts. The username registry is rebuilt from the users;
   * sessions, the throttle and emails are not kept.
   * @default in memory only
   */
  dataDir?: string;
  /** The base clock, epoch milliseconds; `stack.clock.advance` shifts it. @default Date.now */
  now?: () => number;
  /** How long a trigger may run. Cognito's limit is 5 seconds. @default 5000 */
  triggerTimeoutMs?: number;
  /** @default silent */
  logger?: LocalStackLogger;
}
