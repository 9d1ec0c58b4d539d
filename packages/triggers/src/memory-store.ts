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
      const recent = (sends.get(key) ?? []).filter((t) => t > nowMs - rules.windowMs);
      let retryAfterMs = 0;
      const last = recent[recent.length - 1];
      if (last !== undefined && nowMs - last < rules.minIntervalMs) {
        retryAfterMs = last + rules.minIntervalMs - nowMs;
      }
      if (recent.length >= rules.maxPerWindow) {
        retryAfterMs = Math.max(
          retryAfterMs,
          recent[recent.length - rules.maxPerWindow]! + rules.windowMs - nowMs,
        );
      }
      if (retryAfterMs > 0) {
        sends.set(key, recent);
        return { allowed: false, retryAfterMs };
      }
      recent.push(nowMs);
      sends.set(key, recent);
      return { allowed: true };
    },
  };
}
