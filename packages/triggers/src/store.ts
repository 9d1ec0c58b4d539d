/**
 * Where the username registry keeps its claims. `dynamoDbStore` implements it
 * with conditional writes; any implementation must make `claim` atomic.
 */
export interface UsernameRegistry {
  /**
   * Claims `username` (already normalised) for `owner` (the user's `sub`).
   * Atomic: of many concurrent claims for one name by different owners,
   * exactly one returns `"claimed"`. Idempotent: a claim by the current owner
   * returns `"claimed"` again.
   */
  claim(username: string, owner: string): Promise<"claimed" | "taken">;
  /** Releases `username` if, and only if, `owner` holds it. */
  release(username: string, owner: string): Promise<void>;
  /** Who holds `username`, if anyone. */
  ownerOf(username: string): Promise<string | undefined>;
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
 * Create makes up to two hits per code, on two keys for one address: the
 * short window on `email#<tag>`, then, only if that allowed the send, the
 * daily cap on `email#<tag>#day` with a 24-hour window and no interval. Keys
 * are opaque: count each one apart.
 */
export interface ThrottleStore {
  /** Records a send to `key` at `nowMs` if the rules allow it; otherwise says when to retry. */
  hit(key: string, nowMs: number, rules: ThrottleRules): Promise<ThrottleDecision>;
}

/** One store for both: what `dynamoDbStore` and `memoryStore` return. */
export interface PasscodeStore extends UsernameRegistry, ThrottleStore {}
