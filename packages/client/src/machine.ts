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
  /** A request failed; `sessionEnded` when the sign-in session cannot be used again. */
  | { readonly type: "failed"; readonly error: SnapshotError; readonly sessionEnded: boolean }
  /** Input was refused before any request. */
  | { readonly type: "rejected"; readonly error: SnapshotError }
  /** Signed out, reset, or a stored session could not be restored. */
  | { readonly type: "signedOut"; readonly error?: SnapshotError };

/** The snapshot's fields without `status` and `error`: what a next screen carries over. */
function details<T extends PasscodeSnapshot>(s: T): Omit<T, "status" | "error"> {
  const { status: _status, error: _error, ...rest } = s;
  return rest;
}

const CAN_SIGN_IN: readonly string[] = [
  "restoring",
  "sendingCode",
  "verifyingCode",
  "submittingUsername",
  "signedIn",
];
const CAN_REJECT: readonly string[] = ["signedOut", "awaitingCode", "awaitingUsername"];

const protocolError = (): PasscodeSnapshot => ({
  status: "signedOut",
  error: snapshotError("SERVICE_ERROR"),
});

function validUser(user: PasscodeUser | undefined): boolean {
  return (
    !!user &&
    typeof user.sub === "string" &&
    user.sub.length > 0 &&
    typeof user.email === "string" &&
    (user.username === null || typeof user.username === "string")
  );
}

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
  if (status === "sendingCode") return protocolError();
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
    case "restoring":
      return { status: "signedOut", error };
    case "sendingCode":
      return s.resendOf
        ? { status: "awaitingCode", ...s.resendOf, error }
        : { status: "signedOut", error };
    case "verifyingCode":
      return sessionEnded
        ? { ...details(s), status: "awaitingCode", attemptsLeft: 0, error }
        : { ...details(s), status: "awaitingCode", error };
    case "submittingUsername":
      return sessionEnded
        ? { status: "signedOut", error }
        : { ...details(s), status: "awaitingUsername", error };
    case "signedIn":
      return sessionEnded ? { status: "signedOut", error } : { ...s, error };
    default:
      return s;
  }
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
      if (!CAN_SIGN_IN.includes(s.status)) return s;
      const { tokens, user } = event;
      if (!tokens?.idToken || !tokens.accessToken || !validUser(user)) return protocolError();
      if (
        s.status === "signedIn" &&
        !s.error &&
        s.user.sub === user.sub &&
        s.user.email === user.email &&
        s.user.username === user.username
      ) {
        return s;
      }
      return {
        status: "signedIn",
        user: { sub: user.sub, email: user.email, username: user.username },
      };
    }
    case "failed":
      return onFailed(s, event.error, event.sessionEnded);
    case "rejected":
      return CAN_REJECT.includes(s.status) ? { ...s, error: event.error } : s;
    case "signedOut":
      if (s.status === "signedOut" && !s.error && !event.error) return s;
      return event.error ? { status: "signedOut", error: event.error } : { status: "signedOut" };
    default:
      return s;
  }
}
