import {
  isValidCodeFormat,
  isValidEmail,
  normalizeCodeInput,
  normalizeEmail,
  parseChallengeParameters,
  validateUsername,
} from "@cognito-passcode/shared";
import { type ErrorContext, errorType, mapError, snapshotError } from "./errors.js";
import { createFetchTransport } from "./fetch-transport.js";
import { decodeJwtPayload } from "./jwt.js";
import { type PasscodeEvent, transition } from "./machine.js";
import { checkClientOptions, type PasscodeClientOptions } from "./options.js";
import { randomPassword } from "./password.js";
import { createTokenStore } from "./storage.js";
import type { AuthStep, TransportTokens } from "./transport.js";
import type { PasscodeClient, PasscodeSnapshot, PasscodeTokens, PasscodeUser } from "./types.js";

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
  const autoSignUp = options.autoSignUp ?? true;
  const now = options.now ?? Date.now;
  const margin = options.refreshMarginMs ?? 60_000;
  const usernameClaim = options.usernameAttribute ?? "custom:username";
  const store = createTokenStore(
    options.storage,
    `cognito-passcode.${options.clientId}.refreshToken`,
  );

  const initial: PasscodeSnapshot = Object.freeze({
    status: options.storage ? "restoring" : "signedOut",
  });
  let snapshot = initial;
  const listeners = new Set<() => void>();
  // Bumped whenever in-flight results must be dropped (reset, sign-out, a new operation).
  let epoch = 0;
  let pending: Promise<PasscodeSnapshot> | undefined;
  let refreshing: Promise<PasscodeTokens | null> | undefined;
  let session: { username: string; session: string } | undefined;
  let held: Held | undefined;
  const knownUsers = new Set<string>();

  const resolved = () => Promise.resolve(snapshot);

  function dispatch(event: PasscodeEvent): PasscodeSnapshot {
    const next = transition(snapshot, event);
    if (next === snapshot) return snapshot;
    if (next.status !== "signedIn") held = undefined;
    if (next.status === "signedIn" || next.status === "signedOut") session = undefined;
    snapshot = Object.freeze(next);
    for (const listener of [...listeners]) listener();
    return snapshot;
  }

  function track(mine: number, work: (live: Live) => Promise<unknown>) {
    const live = () => mine === epoch;
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

  function start(event: PasscodeEvent, work: (live: Live) => Promise<unknown>) {
    if (transition(snapshot, event) === snapshot) return resolved();
    const mine = ++epoch;
    dispatch(event);
    return track(mine, work);
  }

  function fail(error: unknown, ctx: ErrorContext): void {
    const mapped = mapError(error, { ...ctx, now: now() });
    dispatch({ type: "failed", ...mapped });
  }

  const hold = (issued: TransportTokens, refreshToken: string): Held => ({
    refreshToken,
    tokens: Object.freeze({
      idToken: issued.idToken,
      accessToken: issued.accessToken,
      expiresAt: now() + issued.expiresIn * 1000,
    }),
  });

  function userFrom(idToken: string, fallback: { email?: string; username?: string }) {
    const claims = decodeJwtPayload(idToken) ?? {};
    const text = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
    const user: PasscodeUser = {
      sub: text(claims.sub) ?? "",
      email: text(claims.email) ?? fallback.email ?? "",
      username: text(claims[usernameClaim]) ?? fallback.username ?? null,
    };
    return { user, hasUsername: text(claims[usernameClaim]) !== undefined };
  }

  async function signIn(
    issued: TransportTokens,
    live: Live,
    fallback: { email?: string; username?: string; refreshToken?: string },
  ): Promise<void> {
    let t = issued;
    let refreshToken = issued.refreshToken ?? fallback.refreshToken;
    let { user, hasUsername } = userFrom(t.idToken, fallback);
    if (!refreshToken) {
      dispatch({ type: "failed", error: snapshotError("SERVICE_ERROR"), sessionEnded: true });
      return;
    }
    // Tokens issued right after the username step may predate the attribute: refresh once.
    if (fallback.username !== undefined && !hasUsername) {
      try {
        t = await transport.refresh({ refreshToken });
        if (!live()) return;
        refreshToken = t.refreshToken ?? refreshToken;
        user = userFrom(t.idToken, fallback).user;
      } catch {
        if (!live()) return;
      }
    }
    const next = hold(t, refreshToken);
    held = next;
    if (dispatch({ type: "signedIn", user, tokens: next.tokens }).status !== "signedIn") {
      held = undefined;
      return;
    }
    knownUsers.add(normalizeEmail(user.email));
    await store.write(refreshToken);
    // Signed out while the write was queued: the sign-out's removal runs after it.
  }

  async function accept(step: AuthStep, username: string, live: Live, chosen?: string) {
    if (step.type === "tokens") {
      return signIn(step.tokens, live, {
        email: username,
        ...(chosen ? { username: chosen } : {}),
      });
    }
    const challenge = parseChallengeParameters(step.parameters);
    if (!challenge) {
      dispatch({ type: "failed", error: snapshotError("SERVICE_ERROR"), sessionEnded: true });
      return;
    }
    session = { username, session: step.session };
    dispatch({ type: "challenge", challenge });
  }

  async function sendCode(username: string, live: Live): Promise<void> {
    try {
      if (autoSignUp && !knownUsers.has(username)) {
        try {
          await transport.signUp({ username, password: randomPassword() });
        } catch (error) {
          if (errorType(error) !== "UsernameExistsException") throw error;
        }
        if (!live()) return;
        knownUsers.add(username);
      }
      const step = await transport.initiateAuth({ username });
      if (live()) await accept(step, username, live);
    } catch (error) {
      if (live()) fail(error, { step: "initiate" });
    }
  }

  async function answer(value: string, ctx: ErrorContext, live: Live, chosen?: string) {
    const current = session;
    try {
      if (!current) throw new Error("no session");
      const step = await transport.respondToAuthChallenge({ ...current, answer: value });
      if (live()) await accept(step, current.username, live, chosen);
    } catch (error) {
      if (live()) fail(error, ctx);
    }
  }

  async function restore(live: Live): Promise<void> {
    const refreshToken = await store.read();
    if (!live()) return;
    if (!refreshToken) {
      dispatch({ type: "signedOut" });
      return;
    }
    try {
      const issued = await transport.refresh({ refreshToken });
      if (live()) await signIn(issued, live, { refreshToken });
    } catch (error) {
      if (!live()) return;
      const mapped = mapError(error, { step: "refresh" });
      // Keep the token through a network failure: the next page load retries.
      if (mapped.sessionEnded) await store.write(undefined);
      if (live()) dispatch({ type: "failed", ...mapped });
    }
  }

  async function refresh(current: Held, mine: number): Promise<PasscodeTokens | null> {
    try {
      const issued = await transport.refresh({ refreshToken: current.refreshToken });
      if (mine !== epoch || held !== current) return held?.tokens ?? null;
      const next = hold(issued, issued.refreshToken ?? current.refreshToken);
      held = next;
      const { user } = userFrom(issued.idToken, {});
      if (dispatch({ type: "signedIn", user, tokens: next.tokens }).status !== "signedIn") {
        return null;
      }
      if (next.refreshToken !== current.refreshToken) await store.write(next.refreshToken);
      return next.tokens;
    } catch (error) {
      if (mine !== epoch) return null;
      const mapped = mapError(error, { step: "refresh" });
      if (mapped.sessionEnded) {
        epoch++;
        dispatch({ type: "signedOut", error: mapped.error });
        await store.write(undefined);
        return null;
      }
      dispatch({ type: "failed", ...mapped });
      return now() < current.tokens.expiresAt ? current.tokens : null;
    }
  }

  function getTokens(): Promise<PasscodeTokens | null> {
    if (snapshot.status === "restoring" && pending) return pending.then(getTokens);
    const current = held;
    if (snapshot.status !== "signedIn" || !current) return Promise.resolve(null);
    if (now() < current.tokens.expiresAt - margin) return Promise.resolve(current.tokens);
    if (!refreshing) {
      const merged = refresh(current, epoch).finally(() => {
        if (refreshing === merged) refreshing = undefined;
      });
      refreshing = merged;
    }
    return refreshing;
  }

  async function signOut(opts?: { global?: boolean }): Promise<PasscodeSnapshot> {
    const current = held;
    epoch++;
    pending = undefined;
    refreshing = undefined;
    const mine = epoch;
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

  if (options.storage) track(++epoch, restore);

  return {
    getSnapshot: () => snapshot,
    getInitialSnapshot: () => initial,
    subscribe(listener) {
      const entry = () => listener();
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },
    requestCode(email) {
      if (pending) return pending;
      if (snapshot.status !== "signedOut" && snapshot.status !== "awaitingCode") return resolved();
      if (!isValidEmail(email)) {
        dispatch({ type: "rejected", error: snapshotError("INVALID_EMAIL") });
        return resolved();
      }
      const username = normalizeEmail(email);
      return start({ type: "sendCode", email: username }, (live) => sendCode(username, live));
    },
    resendCode() {
      if (pending) return pending;
      const s = snapshot;
      if (s.status !== "awaitingCode") return resolved();
      return start({ type: "sendCode", email: s.email, resend: true }, (live) =>
        sendCode(s.email, live),
      );
    },
    submitCode(code) {
      if (pending) return pending;
      const s = snapshot;
      if (s.status !== "awaitingCode" || s.attemptsLeft < 1) return resolved();
      const value = normalizeCodeInput(String(code ?? ""));
      if (!isValidCodeFormat(value, s.codeLength)) {
        dispatch({ type: "rejected", error: snapshotError("INVALID_CODE_FORMAT") });
        return resolved();
      }
      const ctx: ErrorContext = {
        step: "code",
        attemptsLeft: s.attemptsLeft,
        expiresAt: s.expiresAt,
      };
      return start({ type: "submit" }, (live) => answer(value, ctx, live));
    },
    submitUsername(name) {
      if (pending) return pending;
      const s = snapshot;
      if (s.status !== "awaitingUsername" || s.attemptsLeft < 1) return resolved();
      const checked = validateUsername(name, {
        minLength: Math.min(s.minLength, 64),
        maxLength: Math.min(s.maxLength, 64),
      });
      if (!checked.ok) {
        dispatch({
          type: "rejected",
          error: snapshotError("USERNAME_INVALID", checked.message),
        });
        return resolved();
      }
      const ctx: ErrorContext = { step: "username", attemptsLeft: s.attemptsLeft };
      return start({ type: "submit" }, (live) =>
        answer(checked.username, ctx, live, checked.username),
      );
    },
    reset() {
      if (snapshot.status === "signedIn" || snapshot.status === "restoring") return snapshot;
      epoch++;
      pending = undefined;
      return dispatch({ type: "signedOut" });
    },
    signOut,
    getTokens,
  };
}
