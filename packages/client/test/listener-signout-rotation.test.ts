// A listener that signs out inside the signedIn notification of a restore
// whose refresh rotated the refresh token (rt-old to rt-new): the sign-out
// must revoke the rotated token, the only one that still works, and leave
// none stored, whatever the tabs' lock. Adversarial reviews of the session of
// 2026-12-05/06; each case failed on the code it was written against, the fix
// commit says why.
import { createPasscodeClient } from "@cognito-passcode/client";
import {
  type LeaseStorage,
  type SharedTabs,
  shareAcrossTabs,
  type TabLocks,
} from "@cognito-passcode/client/tabs";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "./helpers/memory-storage.js";
import { scriptedTransport, tokensFor } from "./helpers/scripted-transport.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const KEY = "cognito-passcode.c1.refreshToken";
const opened: { close(): void }[] = [];

afterEach(() => {
  for (const tabs of opened.splice(0)) tabs.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within(ms: number, check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
}

function leaseStorage(): LeaseStorage {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

/** A lease storage that throws (storage disabled): withLease runs the task unlocked. */
const throwingLease: LeaseStorage = {
  getItem: () => {
    throw new Error("SecurityError");
  },
  setItem: () => {
    throw new Error("SecurityError");
  },
  removeItem: () => {
    throw new Error("SecurityError");
  },
};

/** A FIFO exclusive lock, as the Web Locks API grants one name. */
function fifoLocks(): TabLocks {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    request<T>(_name: string, callback: () => Promise<T>): Promise<T> {
      const run = queue.then(callback);
      queue = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
  };
}

/**
 * A stored session (rt-old) restored by a client whose listener signs out as
 * soon as it is told of the sign-in; the restore's refresh answers rt-new and
 * the sign-out's revocation succeeds. Resolves once that sign-out has ended:
 * the storage, the script, the revocation and the sign-out's promise.
 */
async function signOutOnRotatedRestore(
  storage: ReturnType<typeof memoryStorage>,
  tabs: SharedTabs | undefined,
) {
  // Prepare: a stored session; the restore's refresh rotates rt-old to rt-new
  storage.items.set(KEY, "rt-old");
  const script = scriptedTransport();
  if (tabs) opened.push(tabs);
  const client = createPasscodeClient({
    clientId: "c1",
    transport: script.transport,
    autoSignUp: false,
    storage,
    ...(tabs ? { tabs } : {}),
  });
  let out: Promise<unknown> | undefined;
  client.subscribe(() => {
    if (!out && client.getSnapshot().status === "signedIn") out = client.signOut();
  });
  await within(1000, () => script.calls.length > 0);
  // Act
  script.take("refresh").resolve(tokensFor(claims, 3600, "rt-new"));
  await within(1000, () => script.calls.some((c) => c.op === "revokeToken"));
  const revoke = script.take("revokeToken");
  revoke.resolve(undefined);
  await out;
  return { client, script, revoke, out };
}

// Adversarial review (session of 2026-12-05, second pass) of 9d175ac/fd07ab8,
// with `tabs`: 9d175ac skipped the rotated token's write, and the tabs
// sign-out revokes what it takes from storage under the lock (the old token),
// so the new one stayed valid and unrevoked (fixed in 4c8a22a; failed
// before: expected 'rt-old' to be 'rt-new').
describe("a listener that signs out when told of a restore that rotated the token (tabs)", () => {
  it("revokes the rotated refresh token, the only one that still works, and leaves none stored", async () => {
    const storage = memoryStorage();
    const { client, revoke, out } = await signOutOnRotatedRestore(
      storage,
      shareAcrossTabs({ leaseStorage: leaseStorage(), locks: null }),
    );
    // Assess
    expect(out).toBeDefined();
    expect(client.getSnapshot().status).toBe("signedOut");
    expect(storage.items.has(KEY)).toBe(false);
    expect(revoke.input.refreshToken).toBe("rt-new");
  });
});

// Second-look review (session of 2026-12-06) of 4c8a22a: with `tabs`, the
// rotated refresh token's write is kept after a listener's sign-out so that
// the sign-out, which revokes what it takes from storage under the tabs'
// lock, takes and revokes it. That holds only while the lock really orders
// the sign-out's take after the write. `shareAcrossTabs()` runs its task
// unlocked where there is no lock (no Web Locks API and no localStorage:
// Node, a non-browser host; or a lease storage that throws): there the
// sign-out's takes ran before the kept write, revoked the old token and left
// the new one, valid, in storage, so the next page load restored the session
// the user had just signed out of (fixed in a27f183). Every lock kind must
// end the same way: the rotated token revoked, nothing stored.
const LOCKS = {
  "no tabs": () => undefined,
  "tabs, Web Locks": () => shareAcrossTabs({ locks: fifoLocks(), leaseStorage: null }),
  "tabs, the lease fallback": () => shareAcrossTabs({ locks: null, leaseStorage: leaseStorage() }),
  "tabs, no lock at all (no Web Locks, no localStorage)": () =>
    shareAcrossTabs({ locks: null, leaseStorage: null }),
  "tabs, a lease storage that throws": () =>
    shareAcrossTabs({ locks: null, leaseStorage: throwingLease }),
} as const;

describe("a listener that signs out when told of a restore that rotated the refresh token", () => {
  const cases = (Object.keys(LOCKS) as (keyof typeof LOCKS)[]).flatMap((kind) =>
    (["sync", "async"] as const).map((mode) => [kind, mode] as const),
  );
  it.each(cases)(
    "%s, %s storage: revokes the rotated token and leaves none stored",
    async (kind, mode) => {
      const storage = memoryStorage(mode === "async");
      const { client, script, revoke, out } = await signOutOnRotatedRestore(storage, LOCKS[kind]());
      await sleep(20);
      // Assess
      expect(out).toBeDefined();
      expect(client.getSnapshot().status).toBe("signedOut");
      expect(revoke.input.refreshToken).toBe("rt-new");
      expect(storage.items.get(KEY)).toBeUndefined();
      expect(script.calls.map((c) => c.op)).toEqual([]);
    },
  );
});
