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
import { BUSY, type PasscodeEvent, transition } from "./machine.js";
import { checkClientOptions, type PasscodeClientOptions } from "./options.js";
import { randomPassword } from "./password.js";
import { createTokenStore, text } from "./storage.js";
import { checkTokens } from "./tokens.js";
import type { AuthStep, TransportTokens } from "./transport.js";
import type {
  AwaitingCodeSnapshot,
  AwaitingUsernameSnapshot,
  PasscodeClient,
  PasscodeSnapshot,
  PasscodeTokens,
  PasscodeUser,
  SignedOutSnapshot,
  SnapshotError,
} from "./types.js";

/** The signed-in session: the tokens handed out, and the refresh token kept back. */
interface Held {
  readonly tokens: PasscodeTokens;
  readonly refreshToken: string;
}

type Live = () => boolean;

/**
 * Creates the sign-in client: a small store whose snapshot is the screen to
 * show (email form, code form, username form, signed in), plus the token
 * lifecycle. Safe to call during server rendering (no I/O without `storage`).
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
  const {
    storage,
    autoSignUp = true,
    now = Date.now,
    refreshMarginMs = 60_000,
    usernameAttribute = "custom:username",
  } = options;
  const store = createTokenStore(storage, `cognito-passcode.${options.clientId}.refreshToken`);

  const initial: PasscodeSnapshot = Object.freeze({
    status: storage ? "restoring" : "signedOut",
  });
  let snapshot = initial;
  const listeners = new Set<() => void>();
  // Bumped whenever in-flight results must be dropped (reset, sign-out, a new operation).
  let epoch = 0;
  let pending: Promise<PasscodeSnapshot> | undefined;
  let refreshing: Promise<PasscodeTokens | null> | undefined;
  let session: { username: string; session: string } | undefined;
  let held: Held | undefined;
  /**
   * Aborted by reset() and signOut(): every sign-in and refresh request
   * carries its signal, and a restore's wait before its next try ends on it.
   */
  let aborter = new AbortController();
  const knownUsers = new Set<string>();

  function dispatch(event: PasscodeEvent): PasscodeSnapshot {
    const next = transition(snapshot, event);
    if (next === snapshot) return snapshot;
    if (next.status !== "signedIn") held = undefined;
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

  /** The service answered something the protocol does not allow: fail closed. */
  const broken = () =>
    dispatch({ type: "failed", error: snapshotError("SERVICE_ERROR"), sessionEnded: true });

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
   * Holds `issued` and shows the signed-in user. `known` fills what the ID
   * token lacks: the refresh token (a refresh need not rotate it), the email
   * typed, the username just chosen.
   */
  async function signIn(
    issued: TransportTokens,
    live: Live,
    known: { refreshToken?: string; email?: string; username?: string },
  ): Promise<void> {
    let tokens = issued;
    let checked: ReturnType<typeof checkTokens>;
    try {
      checked = checkTokens(tokens);
    } catch {
      // Whatever the transport: tokens Cognito would never issue are neither held nor stored.
      return void broken();
    }
    let refreshToken = tokens.refreshToken ?? known.refreshToken;
    if (!refreshToken) return void broken();
    // Tokens issued right after the username step may predate the attribute: refresh once.
    if (known.username && !text(checked.claims[usernameAttribute])) {
      try {
        const again = await transport.refresh({ refreshToken, signal: aborter.signal });
        checked = checkTokens(again);
        tokens = again;
        refreshToken = again.refreshToken ?? refreshToken;
      } catch {
        // Keep the first tokens; the username we sent was accepted.
      }
      if (!live()) return;
    }
    const { claims, lifetime } = checked;
    const user: PasscodeUser = {
      sub: claims.sub as string,
      email: text(claims.email) ?? known.email ?? "",
      username: text(claims[usernameAttribute]) ?? known.username ?? null,
    };
    const next: Held = {
      refreshToken,
      tokens: Object.freeze({
        idToken: tokens.idToken,
        accessToken: tokens.accessToken,
        expiresAt: now() + lifetime * 1000,
      }),
    };
    held = next;
    // `dispatch` keeps `held` only while signed in; an event that does not apply leaves it.
    if (dispatch({ type: "signedIn", user, tokens: next.tokens }).status !== "signedIn") {
      held = undefined;
      return;
    }
    knownUsers.add(normalizeEmail(user.email));
    // A sign-out while this write is queued removes the token after it.
    if (refreshToken !== known.refreshToken) await store.write(refreshToken);
  }

  async function accept(step: AuthStep, username: string, live: Live, chosen?: string) {
    if (step.type === "tokens") {
      return signIn(step.tokens, live, { email: username, ...(chosen && { username: chosen }) });
    }
    const challenge = parseChallengeParameters(step.parameters);
    if (!challenge) return void broken();
    session = { username, session: step.session };
    dispatch({ type: "challenge", challenge });
  }

  async function sendCode(username: string, live: Live): Promise<void> {
    try {
      if (autoSignUp && !knownUsers.has(username)) {
        try {
          await transport.signUp({ username, password: randomPassword(), signal: aborter.signal });
        } catch (error) {
          if (errorType(error) !== "UsernameExistsException") throw error;
        }
        if (!live()) return;
        knownUsers.add(username);
      }
      const step = await transport.initiateAuth({ username, signal: aborter.signal });
      if (live()) await accept(step, username, live);
    } catch (error) {
      if (live()) fail(error, { step: "initiate" });
    }
  }

  async function answer(value: string, ctx: ErrorContext, live: Live, chosen?: string) {
    const current = session;
    try {
      if (!current) throw new Error("no session");
      const step = await transport.respondToAuthChallenge({
        ...current,
        answer: value,
        signal: aborter.signal,
      });
      if (live()) await accept(step, current.username, live, chosen);
    } catch (error) {
      if (live()) fail(error, ctx);
    }
  }

  /**
   * REFRESH_TOKEN_AUTH with `refreshToken`, for a restore and for `getTokens`.
   * A refused token signs out with `SESSION_EXPIRED` and leaves storage; a
   * network failure keeps both (the next call or page load retries). After a
   * network failure it waits each of `retryMs` in turn and tries again.
   */
  async function renew(refreshToken: string, live: Live, retryMs: number[] = []): Promise<void> {
    let issued: TransportTokens;
    try {
      issued = await transport.refresh({ refreshToken, signal: aborter.signal });
      // A malformed answer fails like any other refresh (SERVICE_ERROR), not as a sign-in would.
      checkTokens(issued);
    } catch (error) {
      if (!live()) return;
      const mapped = mapError(error, { step: "refresh" });
      const wait = retryMs.shift();
      if (wait !== undefined && mapped.error.code === "NETWORK_ERROR") {
        // A sign-out during the wait ends it at once.
        const { signal } = aborter;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          signal.addEventListener("abort", () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (live()) await renew(refreshToken, live, retryMs);
        return;
      }
      dispatch({ type: "failed", ...mapped });
      if (mapped.sessionEnded) await store.write(undefined);
      return;
    }
    if (live()) await signIn(issued, live, { refreshToken });
  }

  async function restore(live: Live): Promise<void> {
    const refreshToken = await store.read();
    if (!live()) return;
    // A page often loads while the connection is still coming up: retry a
    // network failure after 1 s and 3 s more before showing the email form.
    if (refreshToken) await renew(refreshToken, live, [1000, 3000]);
    else dispatch({ type: "signedOut" });
  }

  async function getTokens(): Promise<PasscodeTokens | null> {
    // Runs synchronously up to the first await: the answer matches the snapshot of the call.
    // A sign-out during a restore's wait moves `epoch` on: null, never a later session's tokens.
    const mine = epoch;
    if (snapshot.status === "restoring" && pending) await pending;
    const current = held;
    if (mine !== epoch || snapshot.status !== "signedIn" || !current) return null;
    if (now() < current.tokens.expiresAt - refreshMarginMs) return current.tokens;
    if (!refreshing) {
      const merged = renew(current.refreshToken, () => mine === epoch && held === current).then(
        () => {
          if (refreshing === merged) refreshing = undefined;
          // The new tokens; or, after a network failure, the old ones while they last.
          // A sign-out in between (epoch moved on) gives null, never the next session's tokens.
          const h = held;
          return mine === epoch && h && now() < h.tokens.expiresAt ? h.tokens : null;
        },
      );
      refreshing = merged;
    }
    return refreshing;
  }

  async function signOut(opts?: { global?: boolean }): Promise<PasscodeSnapshot> {
    const current = held;
    const mine = ++epoch;
    pending = refreshing = undefined;
    abort();
    dispatch({ type: "signedOut" });
    // Also revoke a stored token no session holds yet (sign-out while restoring).
    const stored = store.take();
    const refreshToken = current?.refreshToken ?? (await stored);
    if (!refreshToken) return snapshot;
    let globalDone = false;
    try {
      if (opts?.global) {
        let accessToken =
          current && now() < current.tokens.expiresAt ? current.tokens.accessToken : undefined;
        accessToken ??= (await transport.refresh({ refreshToken })).accessToken;
        await transport.globalSignOut({ accessToken });
        globalDone = true;
      }
      await transport.revokeToken({ refreshToken });
    } catch (error) {
      // After a global sign-out the refresh token is already dead; revocation may refuse it.
      if (!globalDone && mine === epoch) {
        dispatch({ type: "signedOut", error: mapError(error, { step: "signOut" }).error });
      }
    }
    await stored;
    return snapshot;
  }

  /** Input refused before any request: show why, send nothing. */
  function refuse(error: SnapshotError) {
    return dispatch({ type: "rejected", error });
  }

  /** Stops every request in flight (their late answers are dropped anyway). */
  function abort() {
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
      if (snapshot.status === "restoring") await pending;
      // Join a request only while its screen is busy: a call made from the
      // listener that shows its outcome must act, not get that outcome back.
      if (pending && BUSY.includes(snapshot.status)) return pending;
      const s = snapshot;
      return allowed(s) ? act(s, ...args) : refuse(snapshotError("INVALID_STATE", s.status));
    };
  }

  const codeScreen = (s: PasscodeSnapshot): s is AwaitingCodeSnapshot =>
    s.status === "awaitingCode";

  if (storage) run(restore);

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
        return run((live) => sendCode(username, live), { type: "sendCode", email: username });
      },
    ),
    resendCode: flow(codeScreen, (s) =>
      run((live) => sendCode(s.email, live), { type: "sendCode", email: s.email, resend: true }),
    ),
    submitCode: flow(
      (s): s is AwaitingCodeSnapshot => codeScreen(s) && s.attemptsLeft > 0,
      (s, code: string) => {
        const value = normalizeCodeInput(String(code ?? ""));
        if (!isValidCodeFormat(value, s.codeLength)) {
          return refuse(snapshotError("INVALID_CODE_FORMAT"));
        }
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
      (s, name: string) => {
        // The service's bounds, capped at what shared's policy accepts.
        const checked = classifyUsername(
          name,
          Math.min(s.minLength, 64),
          Math.min(s.maxLength, 64),
        );
        if (!checked.ok) return refuse(snapshotError("USERNAME_INVALID", checked.reason));
        const ctx: ErrorContext = { step: "username", attemptsLeft: s.attemptsLeft };
        const { username } = checked;
        return run((live) => answer(username, ctx, live, username), { type: "submit" });
      },
    ),
    reset() {
      const { status } = snapshot;
      if (status === "signedIn" || status === "restoring") {
        return refuse(snapshotError("INVALID_STATE", status));
      }
      epoch++;
      pending = undefined;
      abort();
      return dispatch({ type: "signedOut" });
    },
    signOut,
    getTokens,
  };
}
