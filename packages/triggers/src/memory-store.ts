import type { PasscodeStore, ThrottleDecision, ThrottleRules } from "./store.js";
import { planSend } from "./throttle-window.js";

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
      // dynamoDbStore's rule, on times kept in memory.
      const plan = planSend(sends.get(key) ?? [], nowMs, rules);
      if (!plan.allowed) return plan;
      sends.set(key, plan.sends);
      return { allowed: true };
    },
  };
}
