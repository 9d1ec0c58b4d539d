import { canonicalMailbox } from "@cognito-passcode/shared";
import { CognitoError } from "./cognito-error.js";

const HOUR = 60 * 60_000;

/** One limit: at most `limit` events in any rolling `windowMs`. */
export interface RollingLimit {
  readonly limit: number;
  readonly windowMs: number;
}

/**
 * The local stack's attempt limits on codes. Cognito does not publish its own
 * (it answers `LimitExceededException: Attempt limit exceeded, please try
 * after some time.`); these figures are guesses that keep a six-digit code out
 * of a script's reach and never bother a person typing:
 * - `verifyFailuresPerUser`: wrong VerifyUserAttribute answers per user and
 *   address (across every code re-issued for it);
 * - `verifyFailuresPerAddress`: wrong answers for one address by every user
 *   but its owner, together;
 * - `codeSendsPerUser` / `codeSendsPerAddress`: email verification codes sent
 *   (GetUserAttributeVerificationCode, UpdateUserAttributes) per user and
 *   address, and per address to every user but its owner, together;
 * - `confirmFailuresPerUser`: wrong ConfirmSignUp codes per user.
 * Addresses are counted by mailbox (`canonicalMailbox`). A mailbox's owner —
 * the user whose verified email it is, else the first user sent a code for it
 * (the claim lasts until an hour after that user's last send) — is held only
 * to the per-user limits, so other accounts cannot spend its budget; the
 * shared limits bound everyone else. So at most `verifyFailuresPerAddress`
 * plus two claimants' `verifyFailuresPerUser` wrong answers (40) are checked
 * per mailbox in any hour from accounts that do not hold it verified, 30
 * while one claim lasts. Counters live in memory: a restart clears them.
 */
export const ATTEMPT_LIMITS = Object.freeze({
  verifyFailuresPerUser: Object.freeze({ limit: 10, windowMs: HOUR }),
  verifyFailuresPerAddress: Object.freeze({ limit: 20, windowMs: HOUR }),
  codeSendsPerUser: Object.freeze({ limit: 5, windowMs: HOUR }),
  codeSendsPerAddress: Object.freeze({ limit: 10, windowMs: HOUR }),
  confirmFailuresPerUser: Object.freeze({ limit: 5, windowMs: HOUR }),
} satisfies Record<string, RollingLimit>);

/** Cognito's answer when a caller has used up an attempt limit. */
export const attemptLimitExceeded = () =>
  new CognitoError("LimitExceededException", "Attempt limit exceeded, please try after some time.");

/** Keys with events, beyond which stale keys are swept. */
const SWEEP_AT = 10_000;

/** Events per key in a rolling window; keeps at most `limit` timestamps per key. */
class RollingCounter {
  readonly #events = new Map<string, number[]>();
  readonly #limit: RollingLimit;

  constructor(limit: RollingLimit) {
    this.#limit = limit;
  }

  /** True when `key` already had `limit` events in the window ending at `now`. */
  full(key: string, now: number): boolean {
    return this.#recent(key, now).length >= this.#limit.limit;
  }

  /** Records one event of `key` at `now`. */
  add(key: string, now: number): void {
    const events = this.#recent(key, now);
    events.push(now);
    if (events.length > this.#limit.limit) events.splice(0, events.length - this.#limit.limit);
    this.#events.set(key, events);
    if (this.#events.size > SWEEP_AT) {
      for (const [other, list] of this.#events) {
        if (list.at(-1)! <= now - this.#limit.windowMs) this.#events.delete(other);
      }
    }
  }

  #recent(key: string, now: number): number[] {
    const events = (this.#events.get(key) ?? []).filter(
      (at) => at > now - this.#limit.windowMs && at <= now,
    );
    if (events.length === 0) this.#events.delete(key);
    else this.#events.set(key, events);
    return events;
  }
}

/**
 * A limit per user and mailbox and one per mailbox shared by every user but
 * the mailbox's owner (who is held to the per-user limit only), checked and
 * counted together. Addresses are counted by mailbox (`canonicalMailbox`).
 */
class MailboxLimits {
  readonly #perUser: RollingCounter;
  readonly #perMailbox: RollingCounter;

  constructor(perUser: RollingLimit, perMailbox: RollingLimit) {
    this.#perUser = new RollingCounter(perUser);
    this.#perMailbox = new RollingCounter(perMailbox);
  }

  /** Throws `LimitExceededException` when the per-user limit, or for a non-`owner` the shared one, is used up. */
  check(username: string, address: string, now: number, owner: boolean): void {
    const mailbox = canonicalMailbox(address);
    if (
      this.#perUser.full(`${username}\n${mailbox}`, now) ||
      (!owner && this.#perMailbox.full(mailbox, now))
    ) {
      throw attemptLimitExceeded();
    }
  }

  /** Counts one event against the per-user limit and, for a non-`owner`, the shared one. */
  record(username: string, address: string, now: number, owner: boolean): void {
    const mailbox = canonicalMailbox(address);
    this.#perUser.add(`${username}\n${mailbox}`, now);
    if (!owner) this.#perMailbox.add(mailbox, now);
  }
}

/**
 * The pool's attempt counters (see {@link ATTEMPT_LIMITS}). Each `check*`
 * throws `LimitExceededException` when a limit is used up; each `record*`
 * counts one event. Callers check before they compare a code, so a caller
 * over the limit learns nothing about the code, right or wrong.
 */
export class AttemptLimits {
  readonly #verify = new MailboxLimits(
    ATTEMPT_LIMITS.verifyFailuresPerUser,
    ATTEMPT_LIMITS.verifyFailuresPerAddress,
  );
  readonly #sends = new MailboxLimits(
    ATTEMPT_LIMITS.codeSendsPerUser,
    ATTEMPT_LIMITS.codeSendsPerAddress,
  );
  readonly #confirmPerUser = new RollingCounter(ATTEMPT_LIMITS.confirmFailuresPerUser);
  /** Per mailbox: the user first sent a code for it, and when they were last sent one. */
  readonly #claims = new Map<string, { username: string; at: number }>();

  /**
   * The user holding the live claim on the mailbox of `address` at `now`, if
   * any. A claim lives until an hour after its holder's last send, whatever
   * they do meanwhile, so owners cannot be rotated faster than one an hour.
   */
  #claimant(address: string, now: number): string | undefined {
    const mailbox = canonicalMailbox(address);
    const claim = this.#claims.get(mailbox);
    if (claim === undefined) return undefined;
    if (claim.at <= now - ATTEMPT_LIMITS.codeSendsPerAddress.windowMs) {
      this.#claims.delete(mailbox);
      return undefined;
    }
    return claim.username;
  }

  /** Whether `username` answering for `address` is its owner: `verifiedHolder`, or the claimant. */
  #answersAsOwner(username: string, address: string, now: number, verifiedHolder: boolean) {
    return verifiedHolder || this.#claimant(address, now) === username;
  }

  /** Whether a send to `address` for `username` is the owner's: `verifiedHolder`, the claimant, or nobody's claim yet. */
  #sendsAsOwner(username: string, address: string, now: number, verifiedHolder: boolean) {
    const claimant = this.#claimant(address, now);
    return verifiedHolder || claimant === undefined || claimant === username;
  }

  /**
   * Refuses a VerifyUserAttribute answer for `address` by `username` over a
   * limit that applies to them (`verifiedHolder`: the address is their
   * verified email).
   */
  checkVerify(username: string, address: string, now: number, verifiedHolder = false): void {
    const owner = this.#answersAsOwner(username, address, now, verifiedHolder);
    this.#verify.check(username, address, now, owner);
  }

  /** Counts one wrong VerifyUserAttribute answer. */
  recordVerifyFailure(
    username: string,
    address: string,
    now: number,
    verifiedHolder = false,
  ): void {
    const owner = this.#answersAsOwner(username, address, now, verifiedHolder);
    this.#verify.record(username, address, now, owner);
  }

  /**
   * Refuses sending another email verification code to `address` for
   * `username` over a limit that applies to them.
   */
  checkSend(username: string, address: string, now: number, verifiedHolder = false): void {
    const owner = this.#sendsAsOwner(username, address, now, verifiedHolder);
    this.#sends.check(username, address, now, owner);
  }

  /**
   * Counts one email verification code sent. A send to a mailbox nobody has a
   * live claim on claims it for `username`; the claimant's sends renew it.
   */
  recordSend(username: string, address: string, now: number, verifiedHolder = false): void {
    const owner = this.#sendsAsOwner(username, address, now, verifiedHolder);
    this.#sends.record(username, address, now, owner);
    if (owner && !verifiedHolder) {
      this.#claims.set(canonicalMailbox(address), { username, at: now });
      if (this.#claims.size > SWEEP_AT) {
        for (const [mailbox, claim] of this.#claims) {
          if (claim.at <= now - ATTEMPT_LIMITS.codeSendsPerAddress.windowMs) {
            this.#claims.delete(mailbox);
          }
        }
      }
    }
  }

  /** Refuses a ConfirmSignUp answer for `username` over the limit. */
  checkConfirm(username: string, now: number): void {
    if (this.#confirmPerUser.full(username, now)) throw attemptLimitExceeded();
  }

  /** Counts one wrong ConfirmSignUp code. */
  recordConfirmFailure(username: string, now: number): void {
    this.#confirmPerUser.add(username, now);
  }
}
