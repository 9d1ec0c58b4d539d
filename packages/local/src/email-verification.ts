import { createHash, randomInt, timingSafeEqual } from "node:crypto";
import { maskEmail } from "@cognito-passcode/shared";
import { isEmailChange } from "./attributes.js";
import { CognitoError, invalidParameter } from "./cognito-error.js";
import type { PoolContext } from "./pool.js";
import type { LocalUser } from "./users.js";

/** Cognito's verification codes and links are valid for 24 hours. */
const CODE_VALIDITY_MS = 24 * 60 * 60 * 1000;
/** Wrong answers after which the stack forgets a code (Cognito's limit is not documented). */
const MAX_FAILURES = 5;

/** Cognito's `CodeDeliveryDetailsType` for an email. */
export interface EmailCodeDelivery {
  Destination: string;
  DeliveryMedium: "EMAIL";
  AttributeName: "email";
}

const codeMismatch = () =>
  new CognitoError(
    "CodeMismatchException",
    "Invalid verification code provided, please try again.",
  );

function codeDigest(address: string, code: string): Buffer {
  return createHash("sha256").update(`${address.toLowerCase()}\n${code}`).digest();
}

/**
 * Whether `address` is `user`'s verified email: such a user is held only to
 * the per-user attempt limits (see `ATTEMPT_LIMITS`), whatever other accounts
 * do. Nobody else is exempt from the shared ones, not even the first to ask.
 */
function holdsVerified(user: LocalUser, address: string): boolean {
  return (
    user.attributes.email_verified === "true" &&
    user.attributes.email?.toLowerCase() === address.toLowerCase()
  );
}

/** The only attribute the local stack verifies; anything else is refused. */
export function requireEmailAttribute(name: string): void {
  if (name !== "email") {
    throw invalidParameter(`The local stack verifies only the email attribute, not ${name}`);
  }
}

/**
 * Emails a fresh six-digit code to `address` through the embedded SES and keeps
 * its digest, bound to that address, on the user (replacing any earlier code).
 * Throws `LimitExceededException` when the user has had its codes for the
 * address for the hour (`ATTEMPT_LIMITS.codeSendsPerUser`), or, unless the
 * address is the user's verified email, when every account but its verified
 * holder, together, has had the mailbox's (`codeSendsPerAddress`).
 */
export async function sendEmailVerificationCode(
  pool: PoolContext,
  user: LocalUser,
  address: string,
): Promise<EmailCodeDelivery> {
  const now = pool.clock.now();
  const verified = holdsVerified(user, address);
  pool.limits.checkSend(user.username, address, now, verified);
  pool.limits.recordSend(user.username, address, now, verified);
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  pool.users.update(
    user,
    (u) => {
      u.emailVerification = {
        digest: codeDigest(address, code).toString("hex"),
        address,
        expiresAt: now + CODE_VALIDITY_MS,
        failures: 0,
      };
    },
    now,
  );
  // Cognito's default verification email, as SignUp sends it.
  await pool.sendMail(address, "Your verification code", `Your verification code is ${code}.`);
  return { Destination: maskEmail(address), DeliveryMedium: "EMAIL", AttributeName: "email" };
}

/**
 * Applies `changes` (already checked against the schema and, for users, the
 * app client's WriteAttributes) to `user`, treating a new `email` as Cognito
 * does:
 * - with `email_verified=true` in the same call, the new address applies at
 *   once, verified, and no code is sent (the admin "pinned" write);
 * - with `pool.attributesRequireVerificationBeforeUpdate` on and the current
 *   email verified, the current address stays in force, the new one is held
 *   pending and a code goes to it; VerifyUserAttribute applies it;
 * - otherwise the new address applies at once, unverified, and a code goes to
 *   it when the pool auto-verifies email.
 * `cancelsPending`: setting the current address again drops a pending change
 * (UpdateUserAttributes); an admin write of the current address leaves it.
 * A change that would send a code over the send limits is refused whole
 * (`LimitExceededException`) before anything changes.
 * Returns the deliveries, for `CodeDeliveryDetailsList`.
 */
export async function applyAttributeChanges(
  pool: PoolContext,
  user: LocalUser,
  changes: Record<string, string>,
  cancelsPending: boolean,
): Promise<EmailCodeDelivery[]> {
  const now = pool.clock.now();
  const newEmail = changes.email;
  if (!isEmailChange(pool.users, user, newEmail)) {
    pool.users.update(
      user,
      (u) => {
        Object.assign(u.attributes, changes);
        if (newEmail !== undefined && cancelsPending) u.pendingEmail = undefined;
      },
      now,
    );
    return [];
  }
  if (changes.email_verified === "true") {
    pool.users.update(
      user,
      (u) => {
        Object.assign(u.attributes, changes);
        u.pendingEmail = undefined;
        u.emailVerification = undefined;
      },
      now,
    );
    return [];
  }
  if (
    pool.config.emailRequiresVerificationBeforeUpdate &&
    user.attributes.email_verified === "true"
  ) {
    pool.limits.checkSend(user.username, newEmail, now, false);
    // `email_verified` in the same call speaks of the new address, which is unverified by definition.
    const { email: _pending, email_verified: _flag, ...rest } = changes;
    pool.users.update(
      user,
      (u) => {
        Object.assign(u.attributes, rest);
        u.pendingEmail = newEmail;
      },
      now,
    );
    return [await sendEmailVerificationCode(pool, user, newEmail)];
  }
  if (pool.config.autoVerifyEmail) pool.limits.checkSend(user.username, newEmail, now, false);
  pool.users.update(
    user,
    (u) => {
      Object.assign(u.attributes, changes, { email_verified: "false" });
      u.pendingEmail = undefined;
      u.emailVerification = undefined;
    },
    now,
  );
  return pool.config.autoVerifyEmail ? [await sendEmailVerificationCode(pool, user, newEmail)] : [];
}

/**
 * Checks `code` against the user's outstanding email code. A code counts only
 * for the address it was sent to, and only while that address is still the
 * one to verify (the pending one, else the current one). On a right code the
 * address becomes the user's email, verified.
 *
 * Wrong answers count per user and address and, for every user but the one
 * whose verified email the address is, per address across users (the first
 * to ask included), whatever code was outstanding
 * (`ATTEMPT_LIMITS.verifyFailuresPerUser`, `verifyFailuresPerAddress`): over
 * a limit that applies the answer is refused with
 * `LimitExceededException` before the code is compared, so re-requesting
 * codes buys no extra guesses. A code is also forgotten after five wrong answers.
 */
export function verifyEmailCode(pool: PoolContext, user: LocalUser, code: string): void {
  const now = pool.clock.now();
  const record = user.emailVerification;
  const target = user.pendingEmail ?? user.attributes.email;
  if (target === undefined) throw codeMismatch();
  const verified = holdsVerified(user, target);
  pool.limits.checkVerify(user.username, target, now, verified);
  const mismatch = () => {
    pool.limits.recordVerifyFailure(user.username, target, now, verified);
    return codeMismatch();
  };
  if (!record || record.address.toLowerCase() !== target.toLowerCase()) {
    throw mismatch();
  }
  if (record.expiresAt <= now) {
    pool.users.update(
      user,
      (u) => {
        u.emailVerification = undefined;
      },
      now,
    );
    throw new CognitoError(
      "ExpiredCodeException",
      "Invalid code provided, please request a code again.",
    );
  }
  const right = timingSafeEqual(codeDigest(target, code), Buffer.from(record.digest, "hex"));
  if (!right) {
    pool.users.update(
      user,
      (u) => {
        const failures = record.failures + 1;
        u.emailVerification = failures >= MAX_FAILURES ? undefined : { ...record, failures };
      },
      now,
    );
    throw mismatch();
  }
  const holder = pool.users.findByEmail(target);
  if (holder && holder.username !== user.username) {
    throw new CognitoError(
      "AliasExistsException",
      "An account with the given email already exists.",
    );
  }
  pool.users.update(
    user,
    (u) => {
      u.attributes.email = target;
      u.attributes.email_verified = "true";
      u.pendingEmail = undefined;
      u.emailVerification = undefined;
    },
    now,
  );
}
