import { normalizeEmail } from "@cognito-passcode/shared";
import { mapError, snapshotError } from "./errors.js";
import type { PasscodeEvent } from "./machine.js";
import { configurationError, type PasscodeClientOptions } from "./options.js";
import { createTokenStore, text } from "./storage.js";
import { checkTokens } from "./tokens.js";
import type { Transport, TransportTokens } from "./transport.js";
import type {
  PasscodeSnapshot,
  PasscodeStatus,
  PasscodeTokens,
  PasscodeUser,
  TabMessage,
} from "./types.js";

/** True while the operation that asked is still the one the client wants the outcome of. */
export type Live = () => boolean;

/** What the token lifecycle needs from the client's store (client.ts). */
export interface SessionHost {
  readonly transport: Transport;
  /** Addresses seen signed in (no sign-up needed for them). */
  readonly knownUsers: Set<string>;
  /** Applies `event` through the pure transition and tells the listeners. */
  dispatch(event: PasscodeEvent): PasscodeSnapshot;
  snapshot(): PasscodeSnapshot;
  /** The signal of the requests in flight (aborted by `stop`). */
  signal(): AbortSignal;
  /** Bumped by every new operation and by `stop`: results of older ones are dropped. */
  epoch(): number;
  /** The operation in flight (the restore, while `restoring`). */
  pending(): Promise<PasscodeSnapshot> | undefined;
  /** Drops everything in flight: a new epoch, aborted requests, no pending operation. */
  stop(): void;
  /** Runs `work` as the one operation in flight, after showing `event`. */
  run(work: (live: Live) => Promise<unknown>, event?: PasscodeEvent): Promise<PasscodeSnapshot>;
}

/** The signed-in session: the tokens handed out, and the refresh token kept back (none in cookie mode). */
interface Held {
  readonly tokens: PasscodeTokens;
  readonly refreshToken: string | undefined;
}

/**
 * What a tab does when another tab of the same client says `message`
 * (pure). `shared`: storage or cookie mode, where the tabs hold one session.
 * A sign-out elsewhere ends a session here: locally when it is the shared
 * one (the other tab revoked it), with revocation when this tab's own
 * (memory mode). A sign-in elsewhere makes a signed-out or restoring tab
 * restore the shared session (again: the restore in flight is dropped), and
 * a signed-in tab refresh at once: the shared session may now be another
 * user's, which ends this one. Anything else, e.g. a sign-in in progress
 * here, is left alone.
 */
export function tabReaction(
  status: PasscodeStatus,
  message: TabMessage,
  shared: boolean,
): "restore" | "refresh" | "signOutLocally" | "signOut" | undefined {
  if (message === "signedOut") {
    if (status !== "signedIn" && status !== "restoring") return undefined;
    return shared ? "signOutLocally" : "signOut";
  }
  if (message !== "signedIn" || !shared) return undefined;
  // While restoring too: a restore that started before the sign-in may not see its session.
  if (status === "signedOut" || status === "restoring") return "restore";
  // Signed in here: the shared session may now be someone else's. A refresh
  // at once tells (another user's tokens end this session; see machine.ts).
  return status === "signedIn" ? "refresh" : undefined;
}

/**
 * The token lifecycle: holding the tokens a sign-in or refresh brings,
 * refresh (merged within a tab and, with `tabs`, one tab at a time), restore
 * from storage or through the token handler's cookie, refresh-token rotation
 * (the newest refresh token is the one held and stored), sign-out with
 * revocation, and the messages of the other tabs. Every change of screen goes
 * through `host.dispatch`, the pure transition.
 *
 * Modes: memory (no `storage`, no `tokenHandler`), storage (the refresh token
 * in `storage`), cookie (`tokenHandler`: the handler keeps it in an httpOnly
 * cookie; this module never sees it).
 *
 * @throws `CONFIGURATION_ERROR` for `storage` together with `tokenHandler`.
 */
export function createSession(options: PasscodeClientOptions, host: SessionHost) {
  const {
    clientId,
    storage,
    tokenHandler,
    tabs,
    now = Date.now,
    refreshMarginMs = 60_000,
    usernameAttribute = "custom:username",
  } = options;
  const { transport } = host;
  const cookie = !!tokenHandler;
  // In production builds too: a refresh token must never reach storage in cookie mode.
  if (cookie && storage) throw configurationError("storage", "cannot be used with tokenHandler");
  /** Storage or cookie mode: the session outlives the page, and the tabs share it. */
  const shared = cookie || !!storage;
  /**
   * Cookie mode with a relative handler URL where there is no page (a server
   * render): nothing to resolve it against and no cookie, so no restore; the
   * snapshot stays `restoring`, flow calls say `INVALID_STATE`. Absolute URLs
   * restore anywhere (non-browser hosts, Node). Deno without `--location`
   * throws on any read of `location`: no page either.
   */
  let server = cookie && !/^[\w+.-]+:/.test(tokenHandler);
  try {
    server &&= typeof location === "undefined";
  } catch {}
  const store = createTokenStore(storage, `cognito-passcode.${clientId}.refreshToken`);
  let held: Held | undefined;
  let refreshing: Promise<PasscodeTokens | null> | undefined;
  /** Sign-ins here and (with `tabs`) in the other tabs: what a sign-out waiting for the lock must leave. */
  let signIns = 0;
  const link = tabs?.connect(clientId, (message) => {
    if (message === "signedIn") signIns++;
    const act = tabReaction(host.snapshot().status, message, shared);
    if (act === "restore") void host.run(restore, { type: "restore" });
    else if (act === "refresh") void getTokens(true);
    else if (act === "signOut") void signOut(undefined, true);
    else if (act) {
      refreshing = undefined;
      host.stop();
      host.dispatch({ type: "signedOut" });
    }
  });

  /** The service answered something the protocol does not allow: fail closed. */
  const broken = () =>
    host.dispatch({ type: "failed", error: snapshotError("SERVICE_ERROR"), sessionEnded: true });

  /**
   * Holds `issued` and shows the signed-in user. `known` fills what the ID
   * token lacks: the refresh token sent (a refresh that does not rotate
   * returns none), the email typed, the username just chosen. A sign-in
   * (`known.email`) is announced to the other tabs once stored.
   */
  async function signIn(
    issued: TransportTokens,
    live: Live,
    known: { refreshToken?: string | undefined; email?: string; username?: string },
  ): Promise<void> {
    let tokens = issued;
    let checked: ReturnType<typeof checkTokens>;
    try {
      checked = checkTokens(tokens);
    } catch {
      // Whatever the transport: tokens Cognito would never issue are neither held nor stored.
      return void broken();
    }
    // The newest refresh token: a rotated one replaces the one sent. Cookie mode holds none.
    let refreshToken = cookie ? undefined : (tokens.refreshToken ?? known.refreshToken);
    if (!cookie && !refreshToken) return void broken();
    // Tokens issued right after the username step may predate the attribute: refresh once.
    if (known.username && !text(checked.claims[usernameAttribute])) {
      try {
        const again = await transport.refresh({ refreshToken, signal: host.signal() });
        checked = checkTokens(again);
        tokens = again;
        if (!cookie) refreshToken = again.refreshToken ?? refreshToken;
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
    // A refresh that rotated the token spent the stored one: the new one is
    // queued for storage before anyone hears of it, also when the tokens are
    // another user's (another tab's session, which this one then leaves). A
    // listener that signs out when told queues its removal (and, with
    // `tabs`, the take it revokes, lock or no lock) after this write, so it
    // removes and revokes the new token.
    const fresh = refreshToken !== known.refreshToken;
    const rotated = fresh && !known.email && store.write(refreshToken);
    // `dispatch` forgets `held` unless signed in; an event that does not apply leaves it.
    // It answers the snapshot after the listeners: `signedOut` if one signed out.
    if (host.dispatch({ type: "signedIn", user, tokens: next.tokens }).status !== "signedIn") {
      held = undefined;
      await rotated;
      return;
    }
    host.knownUsers.add(normalizeEmail(user.email));
    // Counted before the write: a sign-out waiting for the lock then leaves the new token.
    if (known.email) signIns++;
    // A sign-out while this write is queued removes the token after it.
    await (rotated || (fresh && store.write(refreshToken)));
    // Not after a sign-out in the meantime: the other tabs heard "signedOut" already.
    if (known.email && live()) link?.post("signedIn");
  }

  /**
   * Refreshes with `refreshToken` (none in cookie mode), for a restore and for
   * `getTokens`. With `tabs`, inside the cross-tab lock, reading storage first
   * (another tab may have rotated the token), and storing the answer before
   * the lock is released. A refused token signs out with `SESSION_EXPIRED`
   * (a refused restore in cookie mode: no session, no error) and removes it
   * from storage unless another tab stored a newer one since; a network failure keeps both (the next call or page load
   * retries). After a network failure it waits each of `retryMs` in turn and
   * tries again.
   */
  async function renew(
    refreshToken: string | undefined,
    live: Live,
    retryMs: number[] = [],
  ): Promise<void> {
    const signal = host.signal();
    // The token sent (set before any refusal can come back).
    let sent: string | undefined;
    const attempt = async () => {
      sent = (link && (await store.read())) || refreshToken;
      // A sign-out while this tab waited for the lock: send nothing.
      if (!live()) return;
      const issued = await transport.refresh({ refreshToken: sent, signal });
      // A malformed answer fails like any other refresh (SERVICE_ERROR), not as a sign-in would.
      checkTokens(issued);
      if (live()) await signIn(issued, live, { refreshToken: sent });
    };
    try {
      await (link ? link.lock(attempt) : attempt());
    } catch (error) {
      if (!live()) return;
      const mapped = mapError(error, { step: "refresh" });
      const wait = retryMs.shift();
      if (wait !== undefined && mapped.error.code === "NETWORK_ERROR") {
        // A sign-out during the wait ends it at once.
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
      host.dispatch(
        // Cookie mode: a page load with no (or a dead) cookie is a visitor, not an error.
        cookie && mapped.sessionEnded && host.snapshot().status === "restoring"
          ? { type: "signedOut" }
          : { type: "failed", ...mapped },
      );
      // Only the refused token: another tab (without `tabs`) may have stored a newer one since.
      if (mapped.sessionEnded) await store.drop(sent);
    }
  }

  async function restore(live: Live): Promise<void> {
    const refreshToken = await store.read();
    // A server render with a relative `tokenHandler`: left `restoring` (see `server`).
    if (!live() || server) return;
    // A page often loads while the connection is still coming up: retry a
    // network failure after 1 s and 3 s more before showing the email form.
    if (refreshToken || cookie) await renew(refreshToken, live, [1000, 3000]);
    else host.dispatch({ type: "signedOut" });
  }

  /** Valid tokens or null; `force`: refresh even when they are fresh (another tab signed in). */
  async function getTokens(force?: boolean): Promise<PasscodeTokens | null> {
    // Runs synchronously up to the first await: the answer matches the snapshot of the call.
    // A sign-out during a restore's wait moves the epoch on: null, never a later session's tokens.
    let mine = host.epoch();
    // A loop, as for the flow calls: another tab's sign-in may start a second
    // restore, whose outcome is the answer (the epoch it runs in is the call's).
    while (host.snapshot().status === "restoring" && host.pending()) {
      await host.pending();
      if (host.snapshot().status === "restoring") mine = host.epoch();
    }
    const current = held;
    if (mine !== host.epoch() || host.snapshot().status !== "signedIn" || !current) return null;
    if (!force && now() < current.tokens.expiresAt - refreshMarginMs) return current.tokens;
    if (!refreshing) {
      const merged = renew(
        current.refreshToken,
        () => mine === host.epoch() && held === current,
      ).then(() => {
        if (refreshing === merged) refreshing = undefined;
        // The new tokens; or, after a network failure, the old ones while they last.
        // A sign-out in between (epoch moved on) gives null, never the next session's tokens.
        const h = held;
        return mine === host.epoch() && h && now() < h.tokens.expiresAt ? h.tokens : null;
      });
      refreshing = merged;
    }
    return refreshing;
  }

  /**
   * Signs out locally at once, tells the other tabs (unless `quiet`: a tab
   * that heard of a sign-out), removes the stored token, then revokes: the
   * refresh token held, or the stored one (with `tabs`, under the tabs' lock,
   * so after a refresh another tab has in flight, and the token stored last
   * first: the newest), or in cookie mode the handler's (no token sent),
   * after a GlobalSignOut with `global`.
   */
  async function signOut(opts?: { global?: boolean }, quiet?: boolean): Promise<PasscodeSnapshot> {
    const current = held;
    // A server-side client has no cookie to revoke.
    const restoring = !server && host.snapshot().status === "restoring";
    host.stop();
    refreshing = undefined;
    const mine = host.epoch();
    host.dispatch({ type: "signedOut" });
    if (!quiet) link?.post("signedOut");
    // Also revoke a stored token no session holds yet (sign-out while restoring).
    // Taken at once: a page closed before the revocation below still ends the session.
    const stored = store.take();
    const seen = signIns;
    // Under the tabs' lock: a refresh another tab has in flight may rotate the
    // token (store it, or set the cookie) first; this revokes what it left,
    // unless a sign-in since (here or in another tab) owns it now.
    const revoke = async () => {
      const later = seen !== signIns;
      if (later && cookie) return;
      const refreshToken = link
        ? ((later ? undefined : await store.take()) ?? (await stored) ?? current?.refreshToken)
        : (current?.refreshToken ?? (await stored));
      if (!refreshToken && !(cookie && (current || restoring))) return;
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
        // Cookie mode while restoring: there may have been no cookie to revoke.
        if (!globalDone && mine === host.epoch() && (current || !cookie)) {
          host.dispatch({ type: "signedOut", error: mapError(error, { step: "signOut" }).error });
        }
      }
      await stored;
    };
    await (link ? link.lock(revoke) : revoke());
    return host.snapshot();
  }

  return {
    /** Storage or cookie mode: the client starts `restoring`. */
    shared,
    restore,
    signIn,
    getTokens: () => getTokens(),
    signOut: (opts?: { global?: boolean }) => signOut(opts),
    broken,
    /** Called when the snapshot leaves `signedIn`: the tokens are gone. */
    forget() {
      held = undefined;
    },
  };
}
