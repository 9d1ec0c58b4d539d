import type { PasscodeStore, ThrottleDecision, ThrottleRules } from "./store.js";

/** An in-memory {@link PasscodeStore}, with a look inside for tests. */
export interface MemoryStore extends PasscodeStore {
  /** Every claim, normalised name to owner. */
  readonly claims: ReadonlyMap<string, string>;
}

/**
 * A {@link PasscodeStore} held in memory: for tests, local tools and the local
 * stack, not for production (each Lambda instance would have its own).
 * Atomic by construction: each operation checks and writes without awaiting
 * in between. Every call returns a new, independent store.
 */
export function memoryStore(): MemoryStore {
  const claims = new Map<string, string>();
  const sends = new Map<string, number[]>();
  return {
    claims,
    async claim(username, owner) {
      const holder = claims.get(username);
      if (holder !== undefined && holder !== owner) return "taken";
      claims.set(username, owner);
      return "claimed";
    },
    async release(username, owner) {
      if (claims.get(username) === owner) claims.delete(username);
    },
    async ownerOf(username) {
      return claims.get(username);
    },
    async hit(key: string, nowMs: number, rules: ThrottleRules): Promise<ThrottleDecision> {
      const all = sends.get(key) ?? [];
      // As dynamoDbStore: a clock behind the latest send counts as that send's
      // time, so recorded times never go backwards; waits are told on the caller's clock.
      const latest = all[all.length - 1];
      const now = latest !== undefined && latest > nowMs ? latest : nowMs;
      const recent = all.filter((t) => t > now - rules.windowMs);
      let until = 0;
      const last = recent[recent.length - 1];
      if (last !== undefined && now - last < rules.minIntervalMs)
        until = last + rules.minIntervalMs;
      if (recent.length >= rules.maxPerWindow) {
        until = Math.max(until, recent[recent.length - rules.maxPerWindow]! + rules.windowMs);
      }
      sends.set(key, recent);
      if (until > now) return { allowed: false, retryAfterMs: until - nowMs };
      recent.push(now);
      return { allowed: true };
    },
  };
}
