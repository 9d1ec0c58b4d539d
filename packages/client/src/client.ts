import {
  classifyUsername,
  isValidCodeFormat,
  isValidEmail,
  normalizeCodeInput,
  normalizeEmail,
  parseChallengeParameters,
} from "@cognito-passcode/shared";
import { type ErrorContext, errorType, mapError, snapshotError } from "./errors.js";
import { createFetchTransport } from "./fetch-transport.js";
import { busy, type PasscodeEvent, transition } from "./machine.js";
import { checkClientOptions, configurationError, type PasscodeClientOptions } from "./options.js";
import { randomPassword } from "./password.js";
import { createSession, type Live } from "./session.js";
import type { AuthStep } from "./transport.js";
import type {
  AnswerOptions,
  AwaitingCodeSnapshot,
  AwaitingUsernameSnapshot,
  PasscodeClient,
  PasscodeSnapshot,
  SignedOutSnapshot,
  SnapshotError,
} from "./types.js";

/**
 * Creates the sign-in client: a small store whose snapshot is the screen to
 * show (email form, code form, username form, signed in), plus the token
 * lifecycle (session.ts). Safe to call during server rendering (no I/O in
 * memory mode, without `storage` or `tokenHandler`, nor in cookie mode with a
 * relative `tokenHandler`: no restore where there is no `location`).
 * Throws a `CONFIGURATION_ERROR` `PasscodeError` naming the bad option.
 *
 * @example
 * ```ts
 * const client = createPasscodeClient({ clientId: "abc123", region: "eu-west-1" });
 * await client.requestCode("alice@example.com");
 * await client.submitCode("123456");
 * if (client.getSnapshot().status === "awaitingUsername") await client.submitUsername("alice");
 * const tokens = await client.getTokens();
 * ```
 */
export function createPasscodeClient(options: PasscodeClientOptions): PasscodeClient {
  checkClientOptions(options);
  const transport = options.transport ?? createFetchTransport(options);
  const { autoSignUp = true, now = Date.now } = options;
  let snapshot: PasscodeSnapshot;
  const listeners = new Set<() => void>();
  // Bumped whenever in-flight results must be dropped (reset, sign-out, a new operation).
  let epoch = 0;
  let pending: Promise<PasscodeSnapshot> | undefined;
  let session: { username: string; session: string } | undefined;
  /**
   * Aborted by reset() and signOut(): every sign-in and refresh request
   * carries its signal (and `./passkeys`' browser dialog), and a restore's
   * wait before its next try ends on it.
   */
  let aborter = new AbortController();
  const knownUsers = new Set<string>();
  /** The username chosen in this sign-in. */
  let chosen: string | undefined;
  /** The app asked for passkey enrolment in this sign-in (`enrolPasskey`): sent on every answer. */
  let enrol: boolean | undefined;
  const host = {
    transport,
    knownUsers,
    dispatch,
    run,
    stop,
    snapshot: () => snapshot,
    signal: () => aborter.signal,
    epoch: () => epoch,
    pending: () => pending,
  };
  // The token lifecycle (refresh, restore, storage, rotation, cookie mode, tabs): session.ts.
  const life = createSession(options, host);
  // The passkey ceremonies and screens, when the app passed `passkeys()` (./passkeys).
  const plug = options.passkeys?.connect({
    ...host,
    options,
    flow,
    refuse,
    getTokens: life.getTokens,
    sendCode,
    answer,
    enrolling,
  });
  const initial: PasscodeSnapshot = Object.freeze({
    status: life.shared ? "restoring" : "signedOut",
  });
  snapshot = initial;

  function dispatch(event: PasscodeEvent): PasscodeSnapshot {
    const next = plug?.transition(snapshot, event) ?? transition(snapshot, event);
    if (next === snapshot) return snapshot;
    if (next.status !== "signedIn") life.forget();
    if (next.status === "signedIn" || next.status === "signedOut") session = undefined;
    snapshot = Object.freeze(next);
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (error) {
        // An app's listener bug must not steer sign-in: report it, out of band.
        setTimeout(() => {
          throw error;
        });
      }
    }
    return snapshot;
  }

  /**
   * Runs `work` as the one operation in flight (after showing `event`): later
   * flow calls get its outcome instead of sending a second request.
   */
  function run(work: (live: Live) => Promise<unknown>, event?: PasscodeEvent) {
    const mine = ++epoch;
    const live = () => mine === epoch;
    if (event) dispatch(event);
    const done = work(live)
      .catch(() => {
        // A bug or a transport that broke its contract: fail closed.
        if (live()) dispatch({ type: "signedOut", error: snapshotError("SERVICE_ERROR") });
      })
      .then(() => {
        if (live()) pending = undefined;
        return snapshot;
      });
    if (live()) pending = done;
    return done;
  }

  function fail(error: unknown, ctx: ErrorContext): void {
    dispatch({ type: "failed", ...mapError(error, { ...ctx, now: now() }) });
  }

  /**
   * Takes the service's answer to a request: tokens, or the next challenge.
   * `sent`: the ClientMetadata of the answer this follows (none after
   * InitiateAuth). Without `./passkeys` (or before the app asked for
   * enrolment) a `PASSKEY` challenge answering `requestCode`'s InitiateAuth
   * is answered with the switch to a code and an `ENROL` challenge with a
   * skip, once each.
   */
  async function accept(
    step: AuthStep,
    username: string,
    live: Live,
    ctx: ErrorContext,
    sent?: Readonly<Record<string, string>>,
  ): Promise<void> {
    if (step.type === "tokens") {
      return life.signIn(step.tokens, live, {
        email: username,
        ...(chosen && { username: chosen }),
      });
    }
    const c = parseChallengeParameters(step.parameters);
    if (!c) return void life.broken();
    session = { username, session: step.session };
    // The answer `value` with ClientMetadata `key` = `value`, unless it was the answer just sent.
    const auto = (value: string, key: string) =>
      sent?.[key] === value ? void life.broken() : answer(value, ctx, live, { [key]: value });
    // The switch answers InitiateAuth's PASSKEY only: after any answer (the switch,
    // a skip) a PASSKEY fails closed, or a service alternating PASSKEY and ENROL
    // had the client answer for ever.
    if (c.step === "PASSKEY" && snapshot.status === "sendingCode") {
      return sent ? void life.broken() : auto("code", "passcode:method");
    }
    if (c.step === "ENROL" && !(plug && enrol)) return auto("skip", "passcode:enrolPasskey");
    if (plug) return plug.challenge(c, live);
    dispatch({ type: "challenge", challenge: c });
  }

  async function sendCode(username: string, live: Live, signUp = autoSignUp): Promise<void> {
    chosen = undefined;
    try {
      if (signUp && !knownUsers.has(username)) {
        try {
          await transport.signUp({ username, password: randomPassword(), signal: aborter.signal });
        } catch (error) {
          if (errorType(error) !== "UsernameExistsException") throw error;
        }
        if (!live()) return;
        knownUsers.add(username);
      }
      const step = await transport.initiateAuth({ username, signal: aborter.signal });
      if (live()) await accept(step, username, live, { step: "initiate" });
    } catch (error) {
      if (live()) fail(error, { step: "initiate" });
    }
  }

  /** Answers the current challenge with `value`, and `meta` (plus the enrolment flag) as ClientMetadata. */
  async function answer(
    value: string,
    ctx: ErrorContext,
    live: Live,
    meta?: Readonly<Record<string, string>>,
  ) {
    const current = session;
    const clientMetadata: Record<string, string> = {
      ...(enrol && { "passcode:enrolPasskey": "true" }),
      ...plug?.metadata(),
      ...meta,
    };
    try {
      if (!current) throw new Error("no session");
      const step = await transport.respondToAuthChallenge({
        ...current,
        answer: value,
        signal: aborter.signal,
        // Only when there is some: a plain code answer is what it always was.
        ...(Object.keys(clientMetadata).length && { clientMetadata }),
      });
      if (live()) await accept(step, current.username, live, ctx, clientMetadata);
    } catch (error) {
      if (live()) fail(error, ctx);
    }
  }

  /** Input refused before any request: show why, send nothing. */
  function refuse(error: SnapshotError) {
    return dispatch({ type: "rejected", error });
  }

  /** Drops every operation in flight and stops its requests (their late answers are dropped anyway). */
  function stop() {
    epoch++;
    pending = undefined;
    aborter.abort();
    aborter = new AbortController();
  }

  /**
   * A flow method: waits for a restore to end, joins the request in flight
   * while the snapshot is busy (one request, one outcome), and refuses with
   * `INVALID_STATE` (cause: the state) when `allowed` says the current
   * snapshot does not take it.
   */
  function flow<A extends unknown[], S extends PasscodeSnapshot>(
    allowed: (s: PasscodeSnapshot) => s is S,
    act: (s: S, ...args: A) => Promise<PasscodeSnapshot> | PasscodeSnapshot,
  ) {
    return async (...args: A): Promise<PasscodeSnapshot> => {
      // Runs synchronously up to its first await unless restoring: a second
      // call in the same tick sees `pending` and joins it.
      // (A loop: another tab's sign-in may start a second restore.)
      while (snapshot.status === "restoring" && pending) await pending;
      // Join a request only while its screen is busy: a call made from the
      // listener that shows its outcome must act, not get that outcome back.
      if (pending && busy(snapshot.status)) return pending;
      const s = snapshot;
      return allowed(s) ? act(s, ...args) : refuse(snapshotError("INVALID_STATE", s.status));
    };
  }

  const codeScreen = (s: PasscodeSnapshot): s is AwaitingCodeSnapshot =>
    s.status === "awaitingCode";

  /** A passkey method without `./passkeys`, or `enrolPasskey` without it: a setup fault. */
  const off = (): Promise<never> =>
    Promise.reject(configurationError("passkeys", "must be passkeys()"));

  /** Keeps the app's `enrolPasskey` for this and every later answer; refused without `./passkeys`. */
  function enrolling(opts?: AnswerOptions) {
    if (opts?.enrolPasskey && !plug) return true;
    enrol = opts?.enrolPasskey ?? enrol;
  }

  if (life.shared) run(life.restore);

  return {
    getSnapshot: () => snapshot,
    getInitialSnapshot: () => initial,
    subscribe(listener) {
      // A wrapper per call, so subscribing one function twice needs two unsubscribes.
      const entry = () => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    requestCode: flow(
      (s): s is SignedOutSnapshot | AwaitingCodeSnapshot =>
        s.status === "signedOut" || codeScreen(s),
      (_s, email: string) => {
        if (!isValidEmail(email)) return refuse(snapshotError("INVALID_EMAIL"));
        const username = normalizeEmail(email);
        enrol = undefined;
        return run((live) => sendCode(username, live), { type: "sendCode", email: username });
      },
    ),
    resendCode: flow(codeScreen, (s) =>
      run((live) => sendCode(s.email, live), { type: "sendCode", email: s.email, resend: true }),
    ),
    submitCode: flow(
      (s): s is AwaitingCodeSnapshot => codeScreen(s) && s.attemptsLeft > 0,
      (s, code: string, opts?: AnswerOptions) => {
        const value = normalizeCodeInput(String(code ?? ""));
        if (!isValidCodeFormat(value, s.codeLength)) {
          return refuse(snapshotError("INVALID_CODE_FORMAT"));
        }
        if (enrolling(opts)) return off();
        const ctx: ErrorContext = {
          step: "code",
          attemptsLeft: s.attemptsLeft,
          expiresAt: s.expiresAt,
        };
        return run((live) => answer(value, ctx, live), { type: "submit" });
      },
    ),
    submitUsername: flow(
      (s): s is AwaitingUsernameSnapshot => s.status === "awaitingUsername" && s.attemptsLeft > 0,
      (s, name: string, opts?: AnswerOptions) => {
        // The service's bounds, capped at what shared's policy accepts.
        const checked = classifyUsername(
          name,
          Math.min(s.minLength, 64),
          Math.min(s.maxLength, 64),
        );
        if (!checked.ok) return refuse(snapshotError("USERNAME_INVALID", checked.reason));
        if (enrolling(opts)) return off();
        const ctx: ErrorContext = { step: "username", attemptsLeft: s.attemptsLeft };
        const { username } = checked;
        chosen = username;
        return run((live) => answer(username, ctx, live), { type: "submit" });
      },
    ),
    reset() {
      const { status } = snapshot;
      if (status === "signedIn" || status === "restoring") {
        return refuse(snapshotError("INVALID_STATE", status));
      }
      stop();
      return dispatch({ type: "signedOut" });
    },
    signOut: life.signOut,
    getTokens: life.getTokens,
    signInWithPasskey: off,
    retryPasskey: off,
    switchToCode: off,
    enrolPasskey: off,
    skipEnrolment: off,
    listPasskeys: off,
    renamePasskey: off,
    removePasskey: off,
    ...plug?.methods,
  };
}
