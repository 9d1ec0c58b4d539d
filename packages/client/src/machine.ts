import type { PasscodeChallenge } from "@cognito-passcode/shared";
import { snapshotError } from "./errors.js";
import type { PasscodeSnapshot, PasscodeUser, SnapshotError } from "./types.js";

/**
 * Everything that can happen to the client, as input to {@link transition}.
 * The client turns method calls and transport results into these events.
 */
export type PasscodeEvent =
  /** A code is being requested for `email`; `resend` keeps the current code screen to fall back to. */
  | { readonly type: "sendCode"; readonly email: string; readonly resend?: boolean }
  /** An answer (code or username) was sent. */
  | { readonly type: "submit" }
  /** The service asked for the next answer. */
  | { readonly type: "challenge"; readonly challenge: PasscodeChallenge }
  /** The service issued tokens for `user`. */
  | {
      readonly type: "signedIn";
      readonly user: PasscodeUser;
      readonly tokens: { readonly idToken: string; readonly accessToken: string };
    }
  /** `./passkeys`: `signInWithPasskey(email)` sent InitiateAuth (the core ignores it). */
  | { readonly type: "startPasskey"; readonly email: string }
  /** `./passkeys`: a WebAuthn ceremony starts from a click (the core ignores it). */
  | { readonly type: "ceremony" }
  /** A request failed; `sessionEnded` when the sign-in session cannot be used again. */
  | { readonly type: "failed"; readonly error: SnapshotError; readonly sessionEnded: boolean }
  /** Input, or a call in a state that does not allow it, was refused before any request (ignored while a request is in flight). */
  | { readonly type: "rejected"; readonly error: SnapshotError }
  /** Signed out with a session to restore (another tab signed in): back to `restoring`. */
  | { readonly type: "restore" }
  /** Signed out, reset, or a stored session could not be restored. */
  | { readonly type: "signedOut"; readonly error?: SnapshotError };

/** The snapshot's fields without `status` and `error`: what a next screen carries over. */
function details<T extends PasscodeSnapshot>(s: T): Omit<T, "status" | "error"> {
  const { status: _status, error: _error, ...rest } = s;
  return rest;
}

/**
 * A request is in flight: its outcome decides the next screen (`sendingCode`,
 * `verifyingCode`, `submittingUsername`, and `./passkeys`' `startingPasskey`,
 * `verifyingPasskey`, `verifyingEnrolment`). A browser's passkey dialog is
 * not a request: calls made while it is open are not joined to it.
 */
export const busy = (status: string): boolean => /^(send|verify|submitt|start)ing/.test(status);

const protocolError = (): PasscodeSnapshot => ({
  status: "signedOut",
  error: snapshotError("SERVICE_ERROR"),
});

function onChallenge(s: PasscodeSnapshot, c: PasscodeChallenge): PasscodeSnapshot {
  const { status } = s;
  if (status !== "sendingCode" && status !== "verifyingCode" && status !== "submittingUsername") {
    return s;
  }
  if (c.step === "CODE") {
    if (status === "submittingUsername") return protocolError();
    const next: PasscodeSnapshot = {
      status: "awaitingCode",
      email: s.email,
      maskedEmail: c.maskedEmail,
      codeLength: c.codeLength,
      expiresAt: c.expiresAt,
      attemptsLeft: c.attemptsLeft,
    };
    // A second CODE challenge in the same session means the answer was wrong.
    return status === "verifyingCode" ? { ...next, error: snapshotError("CODE_MISMATCH") } : next;
  }
  if (status === "sendingCode" || c.step !== "USERNAME") return protocolError();
  const next: PasscodeSnapshot = {
    status: "awaitingUsername",
    minLength: c.minLength,
    maxLength: c.maxLength,
    attemptsLeft: c.attemptsLeft,
  };
  return status === "submittingUsername" || c.rejected
    ? { ...next, error: snapshotError(c.reason ?? "USERNAME_UNAVAILABLE") }
    : next;
}

function onFailed(
  s: PasscodeSnapshot,
  error: SnapshotError,
  sessionEnded: boolean,
): PasscodeSnapshot {
  switch (s.status) {
    case "sendingCode":
      // A failed resend returns to the code screen it started from.
      if (s.resendOf) return { status: "awaitingCode", ...s.resendOf, error };
      break;
    case "verifyingCode":
      // The code screen stays; a dead session leaves no attempts (offer a resend).
      return {
        ...details(s),
        status: "awaitingCode",
        error,
        ...(sessionEnded && { attemptsLeft: 0 }),
      };
    case "submittingUsername":
      if (!sessionEnded) return { ...details(s), status: "awaitingUsername", error };
      break;
    case "signedIn":
      if (!sessionEnded) return { ...s, error };
      break;
    case "restoring":
      break;
    default:
      return s;
  }
  return { status: "signedOut", error };
}

/**
 * The client's transition function: the next snapshot for `event` in
 * `snapshot`. Pure: no I/O, no clock, never throws. Events that do not apply
 * return `snapshot` itself, so identity tells whether anything changed.
 * Only a `signedIn` event carrying tokens and a user with a `sub` can reach
 * `signedIn`; a challenge out of protocol order fails closed to `signedOut`
 * with `SERVICE_ERROR`.
 */
export function transition(snapshot: PasscodeSnapshot, event: PasscodeEvent): PasscodeSnapshot {
  const s = snapshot;
  switch (event.type) {
    case "sendCode":
      if (s.status === "signedOut") return { status: "sendingCode", email: event.email };
      if (s.status === "awaitingCode") {
        return event.resend
          ? { status: "sendingCode", email: s.email, resendOf: details(s) }
          : { status: "sendingCode", email: event.email };
      }
      return s;
    case "submit":
      if (s.status === "awaitingCode" && s.attemptsLeft > 0) {
        return { ...details(s), status: "verifyingCode" };
      }
      if (s.status === "awaitingUsername" && s.attemptsLeft > 0) {
        return { ...details(s), status: "submittingUsername" };
      }
      return s;
    case "challenge":
      return onChallenge(s, event.challenge);
    case "signedIn": {
      // Tokens come only as the answer to a request in flight (or a refresh):
      // never to a screen waiting for the user, nor during a passkey dialog.
      if (!busy(s.status) && s.status !== "signedIn" && s.status !== "restoring") return s;
      const { tokens, user: u } = event;
      if (
        !tokens?.idToken ||
        !tokens.accessToken ||
        !u?.sub ||
        typeof u.sub !== "string" ||
        typeof u.email !== "string" ||
        (u.username !== null && typeof u.username !== "string")
      ) {
        return protocolError();
      }
      // A refresh that brings another user's tokens (another tab signed in as
      // them): end this session rather than switch users under the app.
      if (s.status === "signedIn" && s.user.sub !== u.sub) {
        return { status: "signedOut", error: snapshotError("SESSION_EXPIRED") };
      }
      const user = { sub: u.sub, email: u.email, username: u.username };
      // Same user, no error: keep the snapshot object (a refresh changes nothing on screen).
      if (s.status === "signedIn" && !s.error && JSON.stringify(s.user) === JSON.stringify(user)) {
        return s;
      }
      // A refresh keeps how the session began; a restore cannot tell; a
      // sign-in here proved a code (./passkeys' transition says "passkey").
      return {
        ...(s.status === "signedIn"
          ? details(s)
          : s.status === "restoring"
            ? {}
            : { method: "code" }),
        status: "signedIn",
        user,
      };
    }
    case "failed":
      return onFailed(s, event.error, event.sessionEnded);
    case "rejected":
      // The same refusal again changes nothing: an app acting on every change cannot loop.
      return busy(s.status) || JSON.stringify(s.error) === JSON.stringify(event.error)
        ? s
        : { ...s, error: event.error };
    case "restore":
      return s.status === "signedOut" ? { status: "restoring" } : s;
    case "signedOut":
      if (s.status === "signedOut" && !s.error && !event.error) return s;
      return event.error ? { status: "signedOut", error: event.error } : { status: "signedOut" };
    default:
      return s;
  }
}
