import {
  checkPasskey,
  checkPasskeyName,
  checkPasskeyUse,
  passkeyIdKey,
  requirePasskeyText,
  sortPasskeys,
} from "./passkey-records.js";
import type {
  ClaimResult,
  PasscodeStore,
  StoredPasskey,
  ThrottleDecision,
  ThrottleRules,
} from "./store.js";
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
  // Passkeys: owner -> account (credentials keyed by the id's hash), the id
  // claims (hash -> owner) and the consumed challenges.
  const accounts = new Map<
    string,
    {
      userHandle: string;
      version: number;
      createdAt: number;
      credentials: Map<string, StoredPasskey>;
    }
  >();
  const idClaims = new Map<string, string>();
  const signIns = new Map<
    string,
    { owner: string; amr: string; expiresAt: number; taken?: true }
  >();
  let latestSignIn = 0;

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
    async getPasskeys(owner) {
      requirePasskeyText("owner", owner);
      const account = accounts.get(owner);
      if (account === undefined) return undefined;
      return {
        userHandle: account.userHandle,
        version: account.version,
        passkeys: sortPasskeys([...account.credentials.values()].map(copyPasskey)),
      };
    },
    async addPasskey(owner, userHandle, passkey, { max, expectedVersion }) {
      requirePasskeyText("owner", owner);
      requirePasskeyText("userHandle", userHandle);
      checkPasskey(passkey, max, expectedVersion);
      const key = passkeyIdKey(passkey.id);
      const account = accounts.get(owner);
      if (expectedVersion !== undefined && (account?.version ?? 0) !== expectedVersion) {
        return { status: "conflict" };
      }
      if (account?.credentials.has(key) || idClaims.has(key)) return { status: "duplicate" };
      if ((account?.credentials.size ?? 0) >= max) return { status: "limit" };
      const next = account ?? {
        userHandle,
        version: 0,
        createdAt: Date.now(),
        credentials: new Map<string, StoredPasskey>(),
      };
      next.credentials.set(key, copyPasskey(passkey));
      next.version += 1;
      accounts.set(owner, next);
      idClaims.set(key, owner);
      return { status: "added" };
    },
    async usePasskey(owner, id, use) {
      requirePasskeyText("owner", owner);
      checkPasskeyUse(use);
      const { counter, backedUp, at } = use;
      const stored = accounts.get(owner);
      const passkey = stored?.credentials.get(passkeyIdKey(id));
      if (stored === undefined || passkey === undefined) return false;
      if (!(counter > passkey.counter || (counter === 0 && passkey.counter === 0))) return false;
      passkey.counter = counter;
      passkey.backedUp = backedUp;
      passkey.lastUsedAt = at;
      stored.version += 1;
      return true;
    },
    async renamePasskey(owner, id, name) {
      requirePasskeyText("owner", owner);
      checkPasskeyName(name);
      const stored = accounts.get(owner);
      const passkey = stored?.credentials.get(passkeyIdKey(id));
      if (stored === undefined || passkey === undefined) return false;
      passkey.name = name;
      stored.version += 1;
      return true;
    },
    async removePasskey(owner, id) {
      requirePasskeyText("owner", owner);
      const key = passkeyIdKey(id);
      const stored = accounts.get(owner);
      if (stored === undefined || !stored.credentials.delete(key)) return false;
      stored.version += 1;
      if (idClaims.get(key) === owner) idClaims.delete(key);
      return true;
    },
    async removeAllPasskeys(owner) {
      requirePasskeyText("owner", owner);
      const stored = accounts.get(owner);
      if (stored === undefined) return 0;
      accounts.delete(owner);
      for (const key of stored.credentials.keys()) {
        if (idClaims.get(key) === owner) idClaims.delete(key);
      }
      return stored.credentials.size;
    },
    async recordPasskeySignIn(challengeKey, { owner, amr, expiresAt }) {
      requirePasskeyText("challengeKey", challengeKey);
      requirePasskeyText("owner", owner);
      // As DynamoDB's TTL would, eventually: forget records that expired a
      // day before the latest one recorded. Measured on the records' own
      // times, not the wall clock, so callers with a made-up clock (tests)
      // never see a record forgotten while a replay could still matter.
      latestSignIn = Math.max(latestSignIn, expiresAt);
      if (signIns.size >= SIGN_IN_PRUNE_SIZE) {
        for (const [key, record] of signIns) {
          if (record.expiresAt + SIGN_IN_RECORD_KEEP_MS < latestSignIn) signIns.delete(key);
        }
      }
      if (signIns.has(challengeKey)) return false;
      signIns.set(challengeKey, { owner, amr, expiresAt });
      return true;
    },
    async takePasskeySignIn(challengeKey, owner, nowMs) {
      requirePasskeyText("challengeKey", challengeKey);
      requirePasskeyText("owner", owner);
      const record = signIns.get(challengeKey);
      if (record === undefined || record.owner !== owner || record.taken) return undefined;
      // Kept, marked taken, so the challenge is never recorded again (as dynamoDbStore does).
      record.taken = true;
      return nowMs <= record.expiresAt ? record.amr : undefined;
    },
    async *passkeyOwners() {
      for (const [owner, account] of [...accounts]) yield { owner, createdAt: account.createdAt };
    },
  };
}

/** How long a consumed challenge's record outlives its expiry in memory (DynamoDB's TTL deletes within days). */
const SIGN_IN_RECORD_KEEP_MS = 24 * 60 * 60 * 1000;
/** How many consumed-challenge records memory holds before it looks for old ones to forget. */
const SIGN_IN_PRUNE_SIZE = 1000;

function copyPasskey(passkey: StoredPasskey): StoredPasskey {
  return { ...passkey, transports: [...passkey.transports] };
}
