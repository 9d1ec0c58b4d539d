import type { PasscodeErrorCode } from "@cognito-passcode/shared";

/**
 * An error the UI can show. `code` is stable (switch on it); `message` is the
 * code itself; `errorMessage(error, bounds)` from `@cognito-passcode/client`
 * (or shared) gives an English text, `DEFAULT_ERROR_MESSAGES[code]` one per code.
 */
export interface SnapshotError {
  /** The stable error code, from `@cognito-passcode/shared`. */
  readonly code: PasscodeErrorCode;
  /** The code itself. Never the service's own text, which may carry an address. */
  readonly message: string;
  /**
   * For debugging, not for display: the Cognito exception name behind the
   * error when the service (or `fetch`) gave one, e.g. `{ code:
   * "SERVICE_ERROR", cause: "ResourceNotFoundException" }` for a wrong client
   * id, `"TypeError"` or `"TimeoutError"` for a `NETWORK_ERROR`; for a
   * `USERNAME_INVALID` the client found, the rule the name broke (shared's
   * `UsernameRejection`, e.g. `"TOO_SHORT"`), which `errorMessage` turns into
   * English. Never the service's free text.
   */
  readonly cause?: string;
  /** For `THROTTLED`: milliseconds to wait before asking for a new code. */
  readonly retryAfterMs?: number;
}

/** What the code screen shows: where the code went, how long it is, how long it lives. */
export interface CodeDetails {
  /** The email address the user typed, normalised (trimmed, lower-cased). */
  readonly email: string;
  /** The address as the service masked it, e.g. `a***@e***.com`. */
  readonly maskedEmail: string;
  /** Number of digits in the code. */
  readonly codeLength: number;
  /** When the code expires, epoch milliseconds (the service's clock). */
  readonly expiresAt: number;
  /**
   * Answers left for this code. `0` means this code can no longer be used
   * (too many attempts, expired, or the session ended): offer `resendCode()`.
   */
  readonly attemptsLeft: number;
}

/** What the username screen shows: the policy bounds and the answers left. */
export interface UsernameDetails {
  /** Shortest allowed username. */
  readonly minLength: number;
  /** Longest allowed username. */
  readonly maxLength: number;
  /** Answers left for this step. */
  readonly attemptsLeft: number;
}

/** The signed-in user, read from the ID token (for display, not for trust). */
export interface PasscodeUser {
  /** Cognito's stable user id (`sub` claim). */
  readonly sub: string;
  /** The user's email address (`email` claim). */
  readonly email: string;
  /** The chosen username, or `null` when the pool has no username step. */
  readonly username: string | null;
}

interface WithError {
  /** Set when the last action failed; cleared by the next action. */
  readonly error?: SnapshotError;
}

/**
 * A session is being restored: from `storage`, or through the token
 * handler's cookie (`tokenHandler`); also when another tab signed in (with
 * `tabs`). When the service cannot be reached, the restore tries twice more,
 * after 1 s and 3 s, before going to `signedOut` with `NETWORK_ERROR` (the
 * stored token is kept for the next page load). In cookie mode a refused
 * restore (no session) goes to `signedOut` with no error.
 */
export interface RestoringSnapshot extends WithError {
  readonly status: "restoring";
}
/** Nobody is signed in: show the email form. */
export interface SignedOutSnapshot extends WithError {
  readonly status: "signedOut";
}
/** A code is being requested. */
export interface SendingCodeSnapshot extends WithError {
  readonly status: "sendingCode";
  /** The normalised email the code is being sent to. */
  readonly email: string;
  /** On a resend: the code screen to return to if the resend fails. */
  readonly resendOf?: CodeDetails;
}
/** A code was sent: show the code form. */
export interface AwaitingCodeSnapshot extends CodeDetails, WithError {
  readonly status: "awaitingCode";
}
/** The code is being checked. */
export interface VerifyingCodeSnapshot extends CodeDetails, WithError {
  readonly status: "verifyingCode";
}
/** First sign-in: show the username form. */
export interface AwaitingUsernameSnapshot extends UsernameDetails, WithError {
  readonly status: "awaitingUsername";
}
/** The username is being claimed. */
export interface SubmittingUsernameSnapshot extends UsernameDetails, WithError {
  readonly status: "submittingUsername";
}
/** Signed in: tokens are available from `getTokens()`. */
export interface SignedInSnapshot extends WithError {
  readonly status: "signedIn";
  /** Who is signed in. */
  readonly user: PasscodeUser;
  /**
   * How this client signed the user in: `"code"` (an email code) or
   * `"passkey"` (a verified passkey, `@cognito-passcode/client/passkeys`).
   * Absent on a session restored from storage, the token handler's cookie or
   * another tab: a refresh does not say how the session began. For
   * display; an API that needs a passkey checks the ID token's
   * `passcode_amr` claim on the server.
   */
  readonly method?: "code" | "passkey";
  /** `true` when this sign-in also registered a passkey (the server stored it). */
  readonly passkeyEnrolled?: true;
}

/** What the passkey screens carry: the address, and the assertions left. */
export interface PasskeyDetails {
  /** The normalised email address the sign-in is for. */
  readonly email: string;
  /** Assertions the server still takes in this sign-in. */
  readonly attemptsLeft: number;
}
/** `signInWithPasskey`: InitiateAuth is in flight (`./passkeys`). */
export interface StartingPasskeySnapshot extends WithError {
  readonly status: "startingPasskey";
  /** The normalised email address. */
  readonly email: string;
}
/** The browser's passkey dialog is open (`navigator.credentials.get`). */
export interface AuthenticatingPasskeySnapshot extends PasskeyDetails, WithError {
  readonly status: "authenticatingPasskey";
}
/**
 * Waiting for the user: the ceremony was cancelled (`PASSKEY_CANCELLED`),
 * the server refused the assertion (`PASSKEY_REJECTED`), or the browser
 * wants a fresh click. Offer `retryPasskey()` and `switchToCode()`.
 */
export interface AwaitingPasskeySnapshot extends PasskeyDetails, WithError {
  readonly status: "awaitingPasskey";
}
/** The assertion is being sent. */
export interface VerifyingPasskeySnapshot extends PasskeyDetails, WithError {
  readonly status: "verifyingPasskey";
}
/** What the enrolment screens carry. */
export interface EnrolmentDetails {
  /** Registrations the server still takes; `0` after the last one was refused (skip to sign in). */
  readonly attemptsLeft: number;
  /** `PASSKEY_LIMIT`: the user has the most passkeys allowed (skip to sign in). */
  readonly reason?: "PASSKEY_LIMIT";
}
/**
 * Waiting for the user before the tokens: the registration was cancelled,
 * refused or not possible. Offer `enrolPasskey()` (a new click) and
 * `skipEnrolment()`.
 */
export interface AwaitingEnrolmentSnapshot extends EnrolmentDetails, WithError {
  readonly status: "awaitingEnrolment";
}
/** The browser's dialog to create a passkey is open (`navigator.credentials.create`). */
export interface EnrollingPasskeySnapshot extends EnrolmentDetails, WithError {
  readonly status: "enrollingPasskey";
}
/** The registration (or the skip) is being sent. */
export interface VerifyingEnrolmentSnapshot extends EnrolmentDetails, WithError {
  readonly status: "verifyingEnrolment";
}

/**
 * The client's state: the screen to show. An immutable discriminated union on
 * `status`; `getSnapshot()` returns the same object until something changes.
 */
export type PasscodeSnapshot =
  | RestoringSnapshot
  | SignedOutSnapshot
  | SendingCodeSnapshot
  | AwaitingCodeSnapshot
  | VerifyingCodeSnapshot
  | AwaitingUsernameSnapshot
  | SubmittingUsernameSnapshot
  | SignedInSnapshot
  | StartingPasskeySnapshot
  | AuthenticatingPasskeySnapshot
  | AwaitingPasskeySnapshot
  | VerifyingPasskeySnapshot
  | AwaitingEnrolmentSnapshot
  | EnrollingPasskeySnapshot
  | VerifyingEnrolmentSnapshot;

/** Every value of {@link PasscodeSnapshot}'s `status`. */
export type PasscodeStatus = PasscodeSnapshot["status"];

/** Tokens as `getTokens()` hands them out. */
export interface PasscodeTokens {
  /** The Cognito ID token (JWT). */
  readonly idToken: string;
  /** The Cognito access token (JWT). */
  readonly accessToken: string;
  /** When these tokens expire, epoch milliseconds (the client's clock). */
  readonly expiresAt: number;
}

/**
 * Storage for the refresh token: anything with `getItem`, `setItem` and
 * `removeItem`, synchronous or asynchronous. `localStorage` and
 * `sessionStorage` fit as they are.
 */
export interface PasscodeStorage {
  /** Reads a value; `null` or `undefined` when absent. */
  getItem(key: string): string | null | undefined | Promise<string | null | undefined>;
  /** Writes a value. */
  setItem(key: string, value: string): void | Promise<void>;
  /** Deletes a value. */
  removeItem(key: string): void | Promise<void>;
}

/**
 * The client returned by `createPasscodeClient`. Every method is bound, so
 * `useSyncExternalStore(client.subscribe, client.getSnapshot,
 * client.getInitialSnapshot)` works as is.
 *
 * The flow methods (`requestCode`, `resendCode`, `submitCode`,
 * `submitUsername`, `signOut`) **never reject** for flow errors: they resolve
 * to the snapshot after the action, and failures land in `snapshot.error`.
 * Called in a state where they do not apply, they do nothing and resolve to
 * the current snapshot. Called while a request is in flight, they send
 * nothing and resolve with that request's outcome.
 */
export interface PasscodeClient {
  /** The current snapshot; the same object until something changes. */
  getSnapshot(): PasscodeSnapshot;
  /** The snapshot this client started with (for server rendering and hydration). */
  getInitialSnapshot(): PasscodeSnapshot;
  /**
   * Calls `listener` after every change; returns a function that unsubscribes.
   * A listener that throws does not disturb the client: its error is rethrown
   * from a timer, where the page's error handling sees it.
   */
  subscribe(listener: () => void): () => void;
  /**
   * Sends a code to `email` (signing the user up first, unless they are known
   * or `autoSignUp` is off). Applies in `signedOut` and `awaitingCode`.
   * An invalid address sets `INVALID_EMAIL` without any request.
   */
  requestCode(email: string): Promise<PasscodeSnapshot>;
  /**
   * Sends a new code to the same address (a new session). Applies in
   * `awaitingCode`; if the resend fails (e.g. `THROTTLED`), the previous code
   * screen comes back with the error.
   */
  resendCode(): Promise<PasscodeSnapshot>;
  /**
   * Answers the code. Spaces and hyphens are ignored; anything but
   * `codeLength` digits sets `INVALID_CODE_FORMAT` without any request.
   * `{ enrolPasskey: true }` asks to register a passkey before the tokens
   * (sent with this and every later answer of the sign-in; needs the
   * `passkeys` option, else it rejects with `CONFIGURATION_ERROR`).
   */
  submitCode(code: string, options?: AnswerOptions): Promise<PasscodeSnapshot>;
  /**
   * Claims a username (first sign-in). Checked first with `checkUsername`
   * against the bounds the service sent (`USERNAME_INVALID` without any
   * request); reserved names are refused by the service
   * (`USERNAME_UNAVAILABLE`), whose reserved list the client cannot know.
   * `enrolPasskey` as for {@link PasscodeClient.submitCode}.
   */
  submitUsername(username: string, options?: AnswerOptions): Promise<PasscodeSnapshot>;
  /** Abandons a sign-in in progress and returns to `signedOut`. No effect when signed in. */
  reset(): PasscodeSnapshot;
  /**
   * Signs out: forgets the tokens, clears storage, revokes the refresh token
   * (RevokeToken; in cookie mode the token handler revokes the cookie's and
   * expires it) and, with `global: true`, first signs out every session of
   * the user (GlobalSignOut). Local sign-out always happens; a failed
   * revocation is reported in `snapshot.error`. With `tabs`, the other tabs
   * sign out too (locally: the session was revoked once, here).
   */
  signOut(options?: { global?: boolean }): Promise<PasscodeSnapshot>;
  /**
   * Valid tokens, or `null` when signed out. Refreshes them first when they
   * expire within the refresh margin; concurrent calls share one refresh. A
   * refused refresh signs out with `SESSION_EXPIRED` and resolves `null`.
   * Never rejects.
   */
  getTokens(): Promise<PasscodeTokens | null>;
  /**
   * Signs in with a passkey (`./passkeys`): InitiateAuth (never SignUp), then
   * the browser's passkey dialog at once (`authenticatingPasskey`). A
   * cancelled dialog leaves `awaitingPasskey` with `PASSKEY_CANCELLED`.
   * Applies in `signedOut`, `awaitingCode`, `awaitingPasskey` and
   * `authenticatingPasskey` (a dialog still open is aborted). Without the
   * `passkeys` option: rejects with `CONFIGURATION_ERROR`, as every passkey
   * method does.
   */
  signInWithPasskey(email: string, options?: AnswerOptions): Promise<PasscodeSnapshot>;
  /**
   * `awaitingPasskey`: opens the passkey dialog again (call it from a click).
   * While the dialog is open (`authenticatingPasskey`), a second call gets
   * the first one's outcome.
   */
  retryPasskey(): Promise<PasscodeSnapshot>;
  /** `awaitingPasskey` or `authenticatingPasskey`: asks for an email code instead (`sendingCode`, then `awaitingCode`). */
  switchToCode(): Promise<PasscodeSnapshot>;
  /**
   * `awaitingEnrolment` with registrations left: opens the dialog to create a
   * passkey again (from a click). While it is open (`enrollingPasskey`), a
   * second call gets the first one's outcome.
   */
  enrolPasskey(): Promise<PasscodeSnapshot>;
  /** `awaitingEnrolment`: signs in without registering a passkey. */
  skipEnrolment(): Promise<PasscodeSnapshot>;
  /**
   * The signed-in user's passkeys, from the token handler (`managementUrl`).
   * Rejects with a `PasscodeError`: `INVALID_STATE` when not signed in,
   * `SESSION_EXPIRED` when the handler refuses the session, `NETWORK_ERROR`,
   * `SERVICE_ERROR`.
   */
  listPasskeys(): Promise<PasskeyInfo[]>;
  /** Renames one of the user's passkeys (1 to 64 characters). Rejects as {@link PasscodeClient.listPasskeys}. */
  renamePasskey(id: string, name: string): Promise<void>;
  /**
   * Removes one of the user's passkeys. The handler wants a sign-in in the
   * last 10 minutes: an older one rejects with `SESSION_EXPIRED` (sign in
   * again). Then tells the browser's passkey provider the credential is gone
   * (`PublicKeyCredential.signalUnknownCredential`, where it exists).
   */
  removePasskey(id: string): Promise<void>;
}

/** Options of `submitCode`, `submitUsername` and `signInWithPasskey`. */
export interface AnswerOptions {
  /**
   * Register a passkey before the tokens (`awaitingEnrolment` /
   * `enrollingPasskey`): needs the client's `passkeys` option.
   */
  enrolPasskey?: boolean;
}

/** One of the user's passkeys, as `listPasskeys()` gives it. */
export interface PasskeyInfo {
  /** The credential id (base64url). */
  readonly id: string;
  /** The label, e.g. "Chrome on macOS". */
  readonly name: string;
  /** When it was registered, epoch milliseconds. */
  readonly createdAt: number;
  /** When it last signed in, epoch milliseconds. */
  readonly lastUsedAt?: number;
  /** True for a passkey synced across devices (backed up by its provider). */
  readonly synced: boolean;
  /** How the browser reaches it (`internal`, `hybrid`, `usb`, ...). */
  readonly transports: readonly string[];
}

/** What one tab tells the others: a sign-in, or a sign-out. */
export type TabMessage = "signedIn" | "signedOut";

/**
 * The client's link to the app's other tabs, from {@link PasscodeTabs.connect}.
 */
export interface TabLink {
  /**
   * Runs `task` while no other tab of this client id runs one: the client
   * refreshes only inside it, so two tabs never spend the same refresh token.
   */
  lock<T>(task: () => Promise<T>): Promise<T>;
  /** Tells every other tab of this client id. */
  post(message: TabMessage): void;
}

/**
 * Shares one session across the tabs of a page (the client's `tabs` option).
 * `shareAcrossTabs()` from `@cognito-passcode/client/tabs` is the
 * implementation; the client only calls `connect`, once, when it is created.
 */
export interface PasscodeTabs {
  /** Joins the tabs of client `clientId`; `receive` hears the other tabs' messages. */
  connect(clientId: string, receive: (message: TabMessage) => void): TabLink;
}
