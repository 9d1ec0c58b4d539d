import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { SESClient } from "@aws-sdk/client-ses";
import type { UsernamePolicyOptions } from "@cognito-passcode/shared";
import type { PasscodeLogger } from "./logger.js";
import type { PasskeyStore, ThrottleStore, UsernameRegistry } from "./store.js";

/** What a custom {@link EmailOptions.render} receives. */
export interface EmailRenderInput {
  /** The one-time code, as digits. Put it in the email; never log it. */
  code: string;
  /** Whole minutes until the code expires (at least 1). */
  expiresInMinutes: number;
  /** {@link EmailOptions.appName}, when set. Escape it if you put it in HTML. */
  appName?: string;
  /**
   * The user's `locale` attribute, when it is a well-formed language tag
   * (`pt-BR`, `en_US`); otherwise left out. Users can set it themselves, so
   * match it against the locales you support rather than using it as a path.
   */
  locale?: string;
}

/** The email a render function returns. */
export interface EmailContent {
  /** Subject line (plain text). */
  subject: string;
  /** HTML part. Escape every user-influenced value. */
  html: string;
  /** Plain-text part. */
  text: string;
}

/** One email to send, as {@link PasscodeTriggersOptions.deliver} receives it. */
export interface EmailMessage extends EmailContent {
  /** The recipient's address. */
  to: string;
}

/** Sends one email; resolves once it is accepted, rejects if it was not. */
export type DeliverEmail = (
  message: EmailMessage,
  options: { signal: AbortSignal },
) => Promise<void>;

/** How the code is generated and checked. */
export interface CodeOptions {
  /**
   * Number of digits, an integer from 6 to 10.
   * @default 6
   */
  length?: number;
  /**
   * Seconds the code stays valid, an integer from 60 to 900.
   * @default 180
   */
  ttlSeconds?: number;
  /**
   * Answers allowed per code, an integer from 1 to 10. Define counts them in
   * Cognito's session; with a throttle store, Verify also counts them per
   * code in the store, so answers sent in parallel on one session cannot be
   * checked more than this many times.
   * @default 3
   */
  maxAttempts?: number;
}

/** The email that carries the code. */
export interface EmailOptions {
  /** The sender, `no-reply@example.com` or `Acme <no-reply@example.com>`. Required. */
  from: string;
  /** Your product's name, shown in the subject and body (escaped). */
  appName?: string;
  /** Reply-To address or addresses. */
  replyTo?: string | readonly string[];
  /** SES configuration set to send through (for event publishing). */
  configurationSetName?: string;
  /**
   * Builds the email yourself (may be async). Escape every value you put in HTML.
   * @default a clean HTML and text email with the code, its expiry, and "if this wasn't you, ignore it"
   */
  render?: (input: EmailRenderInput) => EmailContent | Promise<EmailContent>;
  /**
   * Milliseconds to wait for the send before giving up with `DELIVERY_FAILED`,
   * an integer from 500 to 4500. Cognito retries a trigger that takes more
   * than 5 seconds; answering first keeps a slow send from being repeated.
   * @default 3000
   */
  sendTimeoutMs?: number;
}

/** The username step: a unique `@username` chosen once, after the first code. */
export interface UsernameOptions {
  /** Where claims live; `dynamoDbStore(...)` or `memoryStore()`. */
  registry: UsernameRegistry;
  /**
   * The user attribute that holds the normalised username. Only Verify writes
   * it: leave it out of the app client's WriteAttributes so users cannot set
   * or change it themselves; PreSignUp also refuses a sign-up, admin create or
   * federated sign-in that carries it (`NOT_AUTHORIZED reason=username-attribute`).
   * Must be a custom attribute, `custom:<name>` (1 to 20 letters, digits or
   * `_`); a standard one such as `preferred_username` throws
   * `CONFIGURATION_ERROR`: every app client may write standard attributes by
   * default, and other systems read them as names.
   * @default "custom:username"
   */
  attribute?: string;
  /**
   * Length bounds, reserved names and staff words (look-alikes of both are
   * refused too; see `UsernamePolicyOptions`). The browser client checks the
   * bounds it reads from the challenge; reserved names and staff words stay
   * here, and a refused name reaches it as `USERNAME_UNAVAILABLE`.
   */
  policy?: UsernamePolicyOptions;
  /**
   * Username answers allowed per sign-in, an integer from 1 to 20.
   * @default 5
   */
  maxAttempts?: number;
}

/** The per-email send throttle. */
export interface ThrottleOptions {
  /** Where sends are counted; `dynamoDbStore(...)` or `memoryStore()`. */
  store: ThrottleStore;
  /**
   * Least seconds between two codes to one address, an integer from 0 to 3600.
   * @default 30
   */
  minIntervalSeconds?: number;
  /**
   * Most codes to one address per window, an integer from 1 to 1000.
   * @default 5
   */
  maxPerWindow?: number;
  /**
   * Length of the counting window in seconds, an integer from 60 to 86400.
   * @default 900
   */
  windowSeconds?: number;
  /**
   * Most codes to one address in any 24 hours (a sliding day, counted apart
   * from the window above), an integer from 1 to 10000. With the default and
   * `code.maxAttempts` = 3, an attacker gets at most 30 guesses per address
   * per day. The cost: someone who knows an address can use up its codes and
   * keep that user from signing in for up to a day; raise it if you prefer
   * availability. Only sends the other rules allowed count against it.
   * @default 10
   */
  maxPerDay?: number;
}

/**
 * Passkeys (WebAuthn) in the sign-in loop. With this option the first
 * challenge of every sign-in is `PASSKEY` (request options with an empty
 * `allowCredentials`, the same for every identifier); the client answers
 * with an assertion or switches to an email code (`passcode:method=code`),
 * and may ask to enrol a passkey after a proof (`passcode:enrolPasskey=true`).
 * Update every client before turning it on: clients released before passkeys
 * cannot answer a `PASSKEY` challenge and fail closed.
 */
export interface PasskeysOptions {
  /**
   * The WebAuthn relying party id: the registrable domain of your pages or a
   * suffix of it (`example.com`), lower-case; `localhost` locally. Never an IP
   * address (WebAuthn refuses those). Every origin's host must be this or a
   * sub-domain of it.
   */
  rpId: string;
  /** The name a browser shows in its passkey dialogs (1 to 100 characters, no control characters). */
  rpName: string;
  /**
   * The exact origins your pages run on (`https://app.example.com`; `http` only
   * for `localhost` and `*.localhost`), at least one. An assertion or
   * registration made on any other origin is refused.
   */
  origins: readonly string[];
  /** Where credentials and single-use challenges live: `dynamoDbStore(...)` or `memoryStore()`. */
  store: PasskeyStore;
  /**
   * Refused assertions per sign-in before it fails, an integer from 1 to 10.
   * Switching to a code does not count.
   * @default 3
   */
  maxAttempts?: number;
  /** Enrolment after a proof. */
  enrol?: {
    /**
     * Refused registrations per sign-in, an integer from 1 to 5. After the
     * last, one more `ENROL` challenge with `attemptsLeft` 0 and no options
     * comes, and any answer to it gets tokens without a passkey.
     * @default 2
     */
    maxAttempts?: number;
  };
  /**
   * Most passkeys one user may hold, an integer from 1 to 20. At the limit the
   * `ENROL` challenge carries `reason=PASSKEY_LIMIT` and no options.
   * @default 10
   */
  maxPerUser?: number;
  /**
   * How long the browser's ceremony may take, in milliseconds, an integer
   * from 30,000 to 600,000; a challenge expires 10 seconds after it. Keep it
   * below the app client's `AuthSessionValidity` (3 minutes by default).
   * @default 120000
   */
  timeoutMs?: number;
  /**
   * When true, a right email code for a user who already has a passkey (and
   * whose address is already verified) fails with `PASSKEY_REQUIRED`: such a
   * user signs in with the passkey only. Recovery is an admin action
   * (`removePasskeys`), never the code alone.
   * @default false
   */
  required?: boolean;
}

/** Options for `createPasscodeTriggers` and every single handler factory. */
export interface PasscodeTriggersOptions {
  /** The email that carries the code. */
  email: EmailOptions;
  /** Code length, lifetime and attempts. */
  code?: CodeOptions;
  /**
   * The username step, or `false` to skip it.
   * @default false
   */
  username?: UsernameOptions | false;
  /**
   * The per-email send throttle, or `false` to send without one. Required, so
   * that no deployment runs unthrottled by omission: leaving it out throws
   * `CONFIGURATION_ERROR` from `createPasscodeTriggers`,
   * `createCreateAuthChallengeHandler` and `createVerifyAuthChallengeHandler`.
   * Verify keeps each code's attempt counter in the same store (one hit per
   * answer). Pass `false` only where nothing can flood a mailbox or answer in
   * parallel (tests, local tools); production wants a store.
   * @example `throttle: { store: dynamoDbStore({ tableName }) }`
   */
  throttle: ThrottleOptions | false;
  /** Sign-up rules for the PreSignUp trigger. */
  signUp?: {
    /**
     * Only these email domains may sign up (compared lower-case, exact), and
     * sign in: Create sends no code to a user whose current email is outside
     * them (the caller sees what an unknown user sees), Verify refuses every
     * answer and Define fails the sign-in.
     */
    allowedEmailDomains?: readonly string[];
  };
  /**
   * A secret of at least 32 characters, 8 of them distinct (a repeated
   * letter or short pattern is refused), the same for every instance of Create
   * and Verify, kept in a secret store (an AWS Secrets Manager secret read
   * once per cold start; generate one with `openssl rand -base64 48`).
   * Required by `createPasscodeTriggers`, `createCreateAuthChallengeHandler`
   * and `createVerifyAuthChallengeHandler`, which throw `CONFIGURATION_ERROR`
   * without it; Define, PreSignUp and PostAuthentication ignore it, so their
   * functions need no access to the secret.
   *
   * It keys the stored code digest (HMAC-SHA256), so reading the private
   * session does not let anyone brute-force a 6-digit code, and the
   * placeholder masked email Create shows for an identifier that is not an
   * address (a UUID typed as USERNAME), so the placeholder for one identifier
   * is the same on every instance, as a real user's mask is. Rotating it
   * invalidates the codes in flight and changes every placeholder once.
   * @example `codeSecret: await readSecret("passcode/code-secret")`
   */
  codeSecret?: string;
  /** An SES client to send with. Built once, on first send, when neither this nor `deliver` is given. */
  ses?: SESClient;
  /** Sends the email yourself instead of through SES. */
  deliver?: DeliverEmail;
  /**
   * A Cognito client for AdminUpdateUserAttributes and AdminUserGlobalSignOut
   * (Verify). Built once, on first use, when not given.
   */
  cognito?: CognitoIdentityProviderClient;
  /**
   * The clock, epoch milliseconds.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Where logs go.
   * @default one JSON line per entry on the console
   */
  logger?: PasscodeLogger;
  /**
   * Mean delay, in milliseconds (0 to 5000), spent on Create's fake path (an
   * unknown user, an identifier that is not an address, an email outside
   * `signUp.allowedEmailDomains`) in place of sending an email, jittered by ±25 %.
   * @default the running mean of this instance's real sends, starting at 150 ms
   */
  unknownUserDelayMs?: number;
  /**
   * Passkeys in the sign-in loop (see {@link PasskeysOptions}), or `false`
   * (the default) for email codes only. Read by Define, Create and Verify.
   * @default false
   */
  passkeys?: PasskeysOptions | false;
}
