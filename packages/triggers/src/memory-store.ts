import type { ClaimResult, PasscodeStore, ThrottleDecision, ThrottleRules } from "./store.js";
import { planSend } from "./throttle-window.js";

/** An in-memory {@link PasscodeStore}, with a look inside for tests. */
export interface MemoryStore extends PasscodeStore {
  /** Every claim, normalised name to owner (the `username#<name>` records). */
  readonly names: ReadonlyMap<string, string>;
  /** Every claim, owner to name (the `owner#<sub>` records); always the inverse of `names`. */
  readonly owners: ReadonlyMap<string, string>;
}

/**
 * A {@link PasscodeStore} held in memory: for tests, local tools and the local
 * stack, not for production (each Lambda instance would have its own).
 * Atomic by construction: each operation checks and writes without awaiting
 * in between, so the registry's rules (one owner per name, one name per
 * owner) hold under any interleaving. Every call returns a new, independent
 * store.
 */
export function memoryStore(): MemoryStore {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  const claimedAt = new Map<string, number>();
  const sends = new Map<string, number[]>();

  const take = (username: string, owner: string): ClaimResult => {
    if (names.get(username) !== owner) claimedAt.set(username, Date.now());
    names.set(username, owner);
    owners.set(owner, username);
    return { status: "claimed", username };
  };

  return {
    names,
    owners,
    async claim(username, owner) {
      const held = owners.get(owner);
      if (held !== undefined && held !== username) return { status: "owns-other", username: held };
      const holder = names.get(username);
      if (holder !== undefined && holder !== owner) return { status: "taken" };
      return take(username, owner);
    },
    async release(username, owner) {
      if (names.get(username) !== owner) return;
      names.delete(username);
      claimedAt.delete(username);
      if (owners.get(owner) === username) owners.delete(owner);
    },
    async releaseExtra(username, owner) {
      if (names.get(username) !== owner || owners.get(owner) === username) return;
      names.delete(username);
      claimedAt.delete(username);
    },
    async ownerOf(username) {
      return names.get(username);
    },
    async usernameOf(owner) {
      return owners.get(owner);
    },
    async move(owner, from, to) {
      const held = owners.get(owner);
      if (held !== undefined && held !== from && held !== to) {
        return { status: "owns-other", username: held };
      }
      const holder = names.get(to);
      if (holder !== undefined && holder !== owner) return { status: "taken" };
      if (from !== to && names.get(from) === owner) {
        names.delete(from);
        claimedAt.delete(from);
      }
      return take(to, owner);
    },
    async *claims() {
      // A copy, so claims released while iterating do not upset the walk.
      for (const [username, owner] of [...names]) {
        yield { username, owner, createdAt: claimedAt.get(username) };
      }
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
