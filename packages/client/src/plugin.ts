/**
 * The seam between the core client and its optional passkey plug-in
 * (`@cognito-passcode/client/passkeys`). Types only: nothing here reaches a
 * bundle.
 */
import type { PasscodeChallenge } from "@cognito-passcode/shared";
import type { ErrorContext } from "./errors.js";
import type { PasscodeEvent } from "./machine.js";
import type { PasscodeClientOptions } from "./options.js";
import type { Live, SessionHost } from "./session.js";
import type {
  AnswerOptions,
  PasscodeClient,
  PasscodeSnapshot,
  PasscodeTokens,
  SnapshotError,
} from "./types.js";

/** What the core client gives its passkey plug-in (internal; the shape may change between minor versions). */
export interface PasskeyHost extends SessionHost {
  /** The client's options (`tokenHandler`, `fetch`, `timeoutMs` for the management calls). */
  readonly options: PasscodeClientOptions;
  /** The core's flow-method wrapper: waits for a restore, joins a busy request, refuses with `INVALID_STATE`. */
  flow<A extends unknown[], S extends PasscodeSnapshot>(
    allowed: (s: PasscodeSnapshot) => s is S,
    act: (s: S, ...args: A) => Promise<PasscodeSnapshot> | PasscodeSnapshot,
  ): (...args: A) => Promise<PasscodeSnapshot>;
  /** Shows `error` on the current screen without any request. */
  refuse(error: SnapshotError): PasscodeSnapshot;
  /** Valid tokens or `null` (the client's `getTokens`). */
  getTokens(): Promise<PasscodeTokens | null>;
  /** InitiateAuth for `username` (SignUp first when `signUp`), then the challenge or tokens. */
  sendCode(username: string, live: Live, signUp?: boolean): Promise<void>;
  /** Answers the current challenge; `meta` goes into ClientMetadata with the enrolment flag. */
  answer(
    value: string,
    ctx: ErrorContext,
    live: Live,
    meta?: Readonly<Record<string, string>>,
  ): Promise<void>;
  /**
   * Sets the app's `enrolPasskey` for this and every later answer of the
   * sign-in (unchanged when absent); `true` without a plug-in (never here).
   */
  enrolling(options?: AnswerOptions): true | undefined;
}

/** What the passkey plug-in adds to the client's object: {@link PasscodeClient}'s passkey methods. */
export type PasskeyMethods = Pick<
  PasscodeClient,
  | "signInWithPasskey"
  | "retryPasskey"
  | "switchToCode"
  | "enrolPasskey"
  | "skipEnrolment"
  | "listPasskeys"
  | "renamePasskey"
  | "removePasskey"
>;

/** The plug-in, connected to one client. */
export interface PasskeyLink {
  /** The transition for the passkey screens; `undefined` leaves the event to the core's. */
  transition(snapshot: PasscodeSnapshot, event: PasscodeEvent): PasscodeSnapshot | undefined;
  /** A challenge the core does not answer itself (shows it; runs a ceremony it starts). */
  challenge(challenge: PasscodeChallenge, live: Live): Promise<void>;
  /**
   * ClientMetadata for every answer of this sign-in (the last assertion's
   * `passcode:passkeyChallenge`): Pre Token Generation sees only the answer
   * that gets tokens, which may be a USERNAME or ENROL answer after the proof.
   */
  metadata(): Readonly<Record<string, string>>;
  /** The methods it adds. */
  readonly methods: PasskeyMethods;
}

/**
 * The client's `passkeys` option: `passkeys()` from
 * `@cognito-passcode/client/passkeys`. The client calls `connect` once, when
 * it is created.
 */
export interface PasscodePasskeys {
  /** Connects the plug-in to a client (internal). */
  connect(host: PasskeyHost): PasskeyLink;
}
