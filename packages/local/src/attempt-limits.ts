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
 *   but its verified holder, together;
 * - `codeSendsPerUser` / `codeSendsPerAddress`: email verification codes sent
 *   (GetUserAttributeVerificationCode, UpdateUserAttributes) per user and
 *   address, and per address to every user but its verified holder, together;
 * - `confirmFailuresPerUser`: wrong ConfirmSignUp codes per user.
 * Addresses are counted by mailbox (`canonicalMailbox`). The user whose
 * verified email an address is is held only to the per-user limits, so other
 * accounts cannot spend its budget; every other account, the first to ask
 * for the address included, counts against the shared limits. So at most
 * `verifyFailuresPerAddress` (20) wrong answers are checked per mailbox in
 * any hour from accounts that do not hold it verified. A user changing to an
 * address whose shared budget others have spent waits for the window to move
 * on (up to an hour). Counters live in memory: a restart clears them.
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
 * the address's verified holder (who is held to the per-user limit only),
 * checked and counted together. Addresses are counted by mailbox (`canonicalMailbox`).
 */
class MailboxLimits {
  readonly #perUser: RollingCounter;
  readonly #perMailbox: RollingCounter;

  constructor(perUser: RollingLimit, perMailbox: RollingLimit) {
    this.#perUser = new RollingCounter(perUser);
    this.#perMailbox = new RollingCounter(perMailbox);
  }

  /** Throws `LimitExceededException` when the per-user limit, or, unless `verifiedHolder`, the shared one, is used up. */
  check(username: string, address: string, now: number, verifiedHolder: boolean): void {
    const mailbox = canonicalMailbox(address);
    if (
      this.#perUser.full(`${username}\n${mailbox}`, now) ||
      (!verifiedHolder && this.#perMailbox.full(mailbox, now))
    ) {
      throw attemptLimitExceeded();
    }
  }

  /** Counts one event against the per-user limit and, unless `verifiedHolder`, the shared one. */
  record(username: string, address: string, now: number, verifiedHolder: boolean): void {
    const mailbox = canonicalMailbox(address);
    this.#perUser.add(`${username}\n${mailbox}`, now);
    if (!verifiedHolder) this.#perMailbox.add(mailbox, now);
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

  /**
   * Refuses a VerifyUserAttribute answer for `address` by `username` over a
   * limit that applies to them (`verifiedHolder`: the address is their
   * verified email).
   */
  checkVerify(username: string, address: string, now: number, verifiedHolder = false): void {
    this.#verify.check(username, address, now, verifiedHolder);
  }

  /** Counts one wrong VerifyUserAttribute answer. */
  recordVerifyFailure(
    username: string,
    address: string,
    now: number,
    verifiedHolder = false,
  ): void {
    this.#verify.record(username, address, now, verifiedHolder);
  }

  /**
   * Refuses sending another email verification code to `address` for
   * `username` over a limit that applies to them.
   */
  checkSend(username: string, address: string, now: number, verifiedHolder = false): void {
    this.#sends.check(username, address, now, verifiedHolder);
  }

  /** Counts one email verification code sent to `address` for `username`. */
  recordSend(username: string, address: string, now: number, verifiedHolder = false): void {
    this.#sends.record(username, address, now, verifiedHolder);
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
