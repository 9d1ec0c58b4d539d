import type { PasscodeSnapshot } from "@cognito-passcode/client";
import { isPasscodeErrorCode } from "@cognito-passcode/shared";

const FIELDS: Record<PasscodeSnapshot["status"], readonly string[]> = {
  restoring: [],
  signedOut: [],
  sendingCode: ["email", "resendOf"],
  awaitingCode: ["email", "maskedEmail", "codeLength", "expiresAt", "attemptsLeft"],
  verifyingCode: ["email", "maskedEmail", "codeLength", "expiresAt", "attemptsLeft"],
  awaitingUsername: ["minLength", "maxLength", "attemptsLeft"],
  submittingUsername: ["minLength", "maxLength", "attemptsLeft"],
  signedIn: ["user", "method", "passkeyEnrolled"],
  startingPasskey: ["email"],
  authenticatingPasskey: ["email", "attemptsLeft"],
  awaitingPasskey: ["email", "attemptsLeft"],
  verifyingPasskey: ["email", "attemptsLeft"],
  awaitingEnrolment: ["attemptsLeft", "reason"],
  enrollingPasskey: ["attemptsLeft", "reason"],
  verifyingEnrolment: ["attemptsLeft", "reason"],
};

const nat = (v: unknown) => typeof v === "number" && Number.isInteger(v) && v >= 0;

/** Returns why `s` is not a valid snapshot, or `undefined` when it is. */
export function snapshotProblem(s: PasscodeSnapshot): string | undefined {
  if (!s || typeof s !== "object") return "not an object";
  const allowed = FIELDS[s.status];
  if (!allowed) return `unknown status ${String((s as { status?: unknown }).status)}`;
  for (const key of Object.keys(s)) {
    if (key !== "status" && key !== "error" && !allowed.includes(key)) {
      return `${s.status} carries ${key}`;
    }
  }
  if (s.error !== undefined) {
    if (!isPasscodeErrorCode(s.error.code)) return "bad error code";
    if (typeof s.error.message !== "string" || s.error.message === "") return "bad message";
    if (s.error.retryAfterMs !== undefined && !nat(s.error.retryAfterMs)) return "bad retryAfterMs";
  }
  switch (s.status) {
    case "sendingCode":
      if (typeof s.email !== "string" || s.email === "") return "sendingCode without email";
      return undefined;
    case "awaitingCode":
    case "verifyingCode":
      if (typeof s.email !== "string" || s.email === "") return "no email";
      if (typeof s.maskedEmail !== "string") return "no maskedEmail";
      if (!nat(s.codeLength) || s.codeLength < 1) return "bad codeLength";
      if (!nat(s.expiresAt)) return "bad expiresAt";
      if (!nat(s.attemptsLeft)) return "bad attemptsLeft";
      if (s.status === "verifyingCode" && s.attemptsLeft < 1) return "verifying with no attempts";
      return undefined;
    case "awaitingUsername":
    case "submittingUsername":
      if (!nat(s.minLength) || !nat(s.maxLength) || s.minLength > s.maxLength || s.minLength < 1) {
        return "bad bounds";
      }
      if (!nat(s.attemptsLeft)) return "bad attemptsLeft";
      return undefined;
    case "signedIn":
      if (!s.user || typeof s.user.sub !== "string" || s.user.sub === "") return "no sub";
      if (typeof s.user.email !== "string") return "no email";
      if (s.user.username !== null && typeof s.user.username !== "string") return "bad username";
      if (s.method !== undefined && s.method !== "code" && s.method !== "passkey")
        return "bad method";
      if (s.passkeyEnrolled !== undefined && s.passkeyEnrolled !== true)
        return "bad passkeyEnrolled";
      return undefined;
    case "startingPasskey":
    case "authenticatingPasskey":
    case "awaitingPasskey":
    case "verifyingPasskey":
      if (typeof s.email !== "string" || s.email === "") return "no email";
      if (s.status !== "startingPasskey" && !nat(s.attemptsLeft)) return "bad attemptsLeft";
      return undefined;
    case "awaitingEnrolment":
    case "enrollingPasskey":
    case "verifyingEnrolment":
      if (!nat(s.attemptsLeft)) return "bad attemptsLeft";
      if (s.reason !== undefined && s.reason !== "PASSKEY_LIMIT") return "bad reason";
      if (s.status === "enrollingPasskey" && (s.attemptsLeft < 1 || s.reason)) {
        return "enrolling with nothing to register";
      }
      return undefined;
    default:
      return undefined;
  }
}
