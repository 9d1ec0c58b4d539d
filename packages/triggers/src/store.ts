/**
 * The answer of {@link UsernameRegistry.claim} and {@link UsernameRegistry.move}.
 *
 * - `claimed`: the owner now holds `username` (newly, or it already did).
 * - `taken`: another owner holds the name; nothing changed.
 * - `owns-other`: the owner already holds a different name, returned in
 *   `username`; nothing changed. An owner holds at most one name, ever.
 */
export type ClaimResult =
  | { status: "claimed"; username: string }
  | { status: "taken" }
  | { status: "owns-other"; username: string };

/**
 * Where usernames are claimed. Two records per claim, kept as inverse maps:
 * `username#<name>` names its owner (the user's `sub`) and `owner#<sub>`
 * names the owner's one name. A name has at most one owner and an owner at
 * most one name; every write changes both records in one atomic step.
 * `dynamoDbStore` implements it with DynamoDB transactions, `memoryStore` in
 * memory; any implementation must keep both rules under concurrency.
 */
export interface UsernameRegistry {
  /**
   * Claims `username` (already normalised) for `owner` (the user's `sub`):
   * one atomic write of both records, which succeeds only when the name is
   * free or already this owner's, and the owner holds no name or this one.
   * Of many concurrent claims for one name, at most one owner wins; of many
   * concurrent claims by one owner for different names, at most one name is
   * claimed and the others answer `owns-other` with it. Idempotent: a claim
   * of the name the owner holds answers `claimed` again. When both rules are
   * broken, `owns-other` wins.
   */
  claim(username: string, owner: string): Promise<ClaimResult>;
  /**
   * Releases `username` (both records) if, and only if, `owner` holds it;
   * otherwise does nothing. A claim from before owner records (a
   * `username#<name>` naming `owner` while `owner#<sub>` names another name)
   * is released as {@link UsernameRegistry.releaseExtra} would: never while
   * the owner record names it, so a rename racing the release cannot leave
   * one record without the other.
   */
  release(username: string, owner: string): Promise<void>;
  /**
   * Releases a claim from before owner records: deletes `username#<username>`
   * if, and only if, it names `owner` and, at that same moment, the owner
   * record `owner#<owner>` does not name `username` (missing, or naming
   * another name). One atomic check and delete (in `dynamoDbStore` one
   * `TransactWriteItems`: the Delete and a ConditionCheck on the owner
   * record); otherwise does nothing. Never touches the owner record. The
   * orphan sweep uses it for a live user's extra claims, so a
   * `renameUsername` onto that name between the sweep's check and its
   * release keeps the name with its owner.
   */
  releaseExtra(username: string, owner: string): Promise<void>;
  /** Who holds `username`, if anyone. */
  ownerOf(username: string): Promise<string | undefined>;
  /** The one name `owner` holds, if any. */
  usernameOf(owner: string): Promise<string | undefined>;
  /**
   * Renames in one atomic write: `owner` ends up holding `to` and no longer
   * `from`. `taken` when another owner holds `to`; `owns-other` when the
   * owner holds a name that is neither `from` nor `to`; nothing changes in
   * either case. `from` is deleted only if `owner` holds it, so a move by an
   * owner who holds nothing is a claim of `to`; `from === to` is a claim.
   */
  move(owner: string, from: string, to: string): Promise<ClaimResult>;
  /**
   * Every claim, in no particular order (for the orphan sweep,
   * `releaseOrphanedUsernames`). Not a snapshot: claims made or released
   * while iterating may or may not appear. In `dynamoDbStore` this is a full
   * table Scan (every item is read and billed, throttle counters included).
   * `createdAt` (epoch ms) is when the owner first claimed the name, where
   * the store knows it.
   */
  claims(): AsyncIterable<{ username: string; owner: string; createdAt?: number }>;
}

/** The send throttle's rules, in milliseconds. */
export interface ThrottleRules {
  /** Least time between two sends to one key. */
  minIntervalMs: number;
  /** Most sends to one key within `windowMs`. */
  maxPerWindow: number;
  /** Length of the counting window. */
  windowMs: number;
}

/** The answer of {@link ThrottleStore.hit}. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Where the send throttle counts sends. `hit` both checks and records, in one
 * atomic step, so two concurrent requests cannot both slip under the limit.
 *
 * Create makes up to two hits per code request, on two keys for one
 * mailbox: the short window on `email#<tag>`, then, only if that allowed the
 * send, the daily cap on `email#<tag>#day` with a 24-hour window and no
 * interval. `<tag>` is a hash of the canonical mailbox (`canonicalMailbox`
 * from `@cognito-passcode/shared`: lower-case, `+tag` dropped, dots dropped
 * and `googlemail.com` folded for Gmail), so every variant of one inbox
 * shares one budget; a send to an address is a send to its mailbox, so this
 * bounds each address too. The same hits are made on the fake path (unknown
 * users, non-email identifiers, addresses outside the allowed domains).
 *
 * Verify makes one hit per answer it is about to check, on the code's own
 * attempt counter `attempt#<salt>` (`maxPerWindow` = `code.maxAttempts`,
 * the code's lifetime as window, no interval), and refuses the answer when
 * the hit is refused; unknown users' answers make the same hit. Keys are
 * opaque: count each one apart.
 */
export interface ThrottleStore {
  /** Records a send to `key` at `nowMs` if the rules allow it; otherwise says when to retry. */
  hit(key: string, nowMs: number, rules: ThrottleRules): Promise<ThrottleDecision>;
}

/** One store for both: what `dynamoDbStore` and `memoryStore` return. */
export interface PasscodeStore extends UsernameRegistry, ThrottleStore {}
