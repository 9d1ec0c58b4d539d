import {
  createPasscodeClient,
  type PasscodeClient,
  type PasscodeClientOptions,
} from "@cognito-passcode/client";
import {
  type LeaseStorage,
  shareAcrossTabs,
  type TabLocks,
  withLease,
} from "@cognito-passcode/client/tabs";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { memoryStorage } from "./helpers/memory-storage.js";
import { codeStep, scriptedTransport, tokensFor } from "./helpers/scripted-transport.js";

/**
 * Two "tabs" in one Node process: two clients, each with its own
 * `shareAcrossTabs()`, talking through Node's real BroadcastChannel. Node 20
 * has no Web Locks API, so the lock is the fallback lease, in a storage both
 * tabs share (as `localStorage` is shared by a browser's tabs).
 */

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const KEY = "cognito-passcode.c1.refreshToken";
const opened: { close(): void }[] = [];

afterEach(() => {
  for (const tabs of opened.splice(0)) tabs.close();
});

/** A synchronous Map-backed storage, shared like localStorage. */
function leaseStorage(): LeaseStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `localStorage` as tabs see it: a tab reads its own writes at once, the
 * others' only `lagMs` later (each tab's storage area is a copy the browser
 * syncs). One view per tab; `items` is what every tab sees in the end.
 */
function laggingStorage() {
  const items = new Map<string, string>();
  const view = (lagMs: number): LeaseStorage => {
    // This tab's writes the others do not see yet (null: a removal).
    const own = new Map<string, string | null>();
    const write = (k: string, v: string | null) => {
      own.set(k, v);
      setTimeout(() => {
        if (v === null) items.delete(k);
        else items.set(k, v);
        if (own.get(k) === v) own.delete(k);
      }, lagMs);
    };
    return {
      getItem: (k) => (own.has(k) ? own.get(k)! : (items.get(k) ?? null)),
      setItem: (k, v) => write(k, v),
      removeItem: (k) => write(k, null),
    };
  };
  return { items, view };
}

/** Waits until `check()` holds, for at most `ms`; resolves with the time it took. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
  return Date.now() - start;
}

function tab(
  shared: { storage?: ReturnType<typeof memoryStorage>; lease: LeaseStorage },
  extra: Partial<PasscodeClientOptions> = {},
) {
  const script = scriptedTransport();
  let time = Date.UTC(2030, 0, 1);
  const tabs = shareAcrossTabs({ leaseStorage: shared.lease, locks: null });
  opened.push(tabs);
  const client = createPasscodeClient({
    clientId: "c1",
    transport: script.transport,
    autoSignUp: false,
    now: () => time,
    tabs,
    ...(shared.storage && { storage: shared.storage }),
    ...extra,
  });
  return { client, script, advance: (ms: number) => (time += ms) };
}

async function signIn(t: ReturnType<typeof tab>, refreshToken = "rt-1") {
  await within(1000, () => t.client.getSnapshot().status !== "restoring");
  const requested = t.client.requestCode("alice@example.com");
  t.script.take("initiateAuth").resolve(codeStep());
  await requested;
  const submitted = t.client.submitCode("123456");
  t.script
    .take("respondToAuthChallenge")
    .resolve({ type: "tokens", tokens: tokensFor(claims, 3600, refreshToken) });
  return submitted;
}

const status = (c: PasscodeClient) => c.getSnapshot().status;

/** What a token handler answers a restore when the browser holds no cookie. */
const noCookie = () => Object.assign(new Error("no cookie"), { name: "NotAuthorizedException" });

/** Two tabs over one stored session: A signs in with `refreshToken`, B hears of it and restores. */
async function twoSignedInTabs(refreshToken?: string) {
  const shared = { storage: memoryStorage(), lease: leaseStorage() };
  const a = tab(shared);
  const b = tab(shared);
  await signIn(a, refreshToken);
  await within(1000, () => b.script.calls.length > 0);
  b.script.take("refresh").resolve(tokensFor(claims, 3600, ""));
  await within(1000, () => status(b.client) === "signedIn");
  return { shared, a, b };
}

describe("shareAcrossTabs: two tabs, a real BroadcastChannel, the lease fallback", () => {
  it("a sign-out in one tab signs the other out within 1 s, with no second revocation", async () => {
    // Prepare: both tabs signed in to the one stored session.
    const { shared, a, b } = await twoSignedInTabs();
    // Act
    const out = a.client.signOut();
    // Assess
    const took = await within(1000, () => status(b.client) === "signedOut");
    expect(took).toBeLessThan(1000);
    expect(b.client.getSnapshot()).toEqual({ status: "signedOut" });
    expect(await b.client.getTokens()).toBeNull();
    await within(1000, () => a.script.calls.length > 0);
    a.script.take("revokeToken").resolve(undefined);
    await out;
    await sleep(20);
    expect(b.script.calls.map((c) => c.op)).toEqual([]);
    expect(shared.storage.items.size).toBe(0);
  });

  it("a sign-in in one tab makes a signed-out tab restore the session from shared storage", async () => {
    const shared = { storage: memoryStorage(), lease: leaseStorage() };
    const a = tab(shared);
    const b = tab(shared);
    await within(1000, () => status(b.client) === "signedOut");
    await signIn(a, "rt-a");
    // B hears of it and restores with the stored token.
    await within(1000, () => b.script.calls.some((c) => c.op === "refresh"));
    expect(status(b.client)).toBe("restoring");
    const refresh = b.script.take("refresh");
    expect(refresh.input.refreshToken).toBe("rt-a");
    refresh.resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => status(b.client) === "signedIn");
  });

  it("in cookie mode too: a signed-out tab restores through the cookie when another signs in", async () => {
    const lease = leaseStorage();
    const a = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    const b = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    for (const t of [a, b]) {
      await within(1000, () => t.script.calls.length > 0);
      t.script.take("refresh").reject(noCookie());
    }
    await within(1000, () => status(b.client) === "signedOut");
    await signIn(a, "");
    await within(1000, () => b.script.calls.some((c) => c.op === "refresh"));
    const refresh = b.script.take("refresh");
    expect(refresh.input.refreshToken).toBeUndefined();
    refresh.resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => status(b.client) === "signedIn");
  });

  it.each([
    ["cookie", false],
    ["storage", true],
  ] as const)(
    "%s mode: a signed-in tab hears another tab sign in as someone else, refreshes, and ends its session instead of handing out the old user's tokens",
    async (_mode, withStorage) => {
      // Prepare: B is on the code screen for bob when A signs in as alice.
      const shared = { lease: leaseStorage(), ...(withStorage && { storage: memoryStorage() }) };
      const extra = withStorage ? {} : { tokenHandler: "https://app.example.com/auth" };
      const a = tab(shared, extra);
      const b = tab(shared, extra);
      if (!withStorage) {
        for (const t of [a, b]) {
          await within(1000, () => t.script.calls.length > 0);
          t.script.take("refresh").reject(noCookie());
        }
      }
      await within(1000, () => status(b.client) === "signedOut");
      const requested = b.client.requestCode("bob@example.com");
      b.script.take("initiateAuth").resolve(codeStep());
      await requested;
      await signIn(a, withStorage ? "rt-alice" : "");
      await sleep(20);
      expect(status(b.client)).toBe("awaitingCode");
      // Act: B finishes signing in as bob.
      const bob = { sub: "sub-bob", email: "bob@example.com", "custom:username": "bob" };
      const submitted = b.client.submitCode("123456");
      b.script
        .take("respondToAuthChallenge")
        .resolve({ type: "tokens", tokens: tokensFor(bob, 3600, withStorage ? "rt-bob" : "") });
      await submitted;
      // Assess: A refreshes at once (with the session the tabs now share) and signs out.
      await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
      const refresh = a.script.take("refresh");
      expect(refresh.input.refreshToken).toBe(withStorage ? "rt-bob" : undefined);
      refresh.resolve(tokensFor(bob, 3600, ""));
      await within(1000, () => status(a.client) === "signedOut");
      expect(a.client.getSnapshot()).toMatchObject({ error: { code: "SESSION_EXPIRED" } });
      expect(await a.client.getTokens()).toBeNull();
      // Nothing revoked, and bob's session is left as it was.
      await sleep(20);
      expect(a.script.calls).toEqual([]);
      if (shared.storage) expect(shared.storage.items.get(KEY)).toBe("rt-bob");
      expect(status(b.client)).toBe("signedIn");
    },
  );

  it("storage mode with rotation: the refresh that ends a tab's session for another user's keeps the rotated token, so that user's session lives on", async () => {
    // Prepare: B is on the code screen for bob when A signs in as alice.
    const shared = { lease: leaseStorage(), storage: memoryStorage() };
    const a = tab(shared);
    const b = tab(shared);
    await within(1000, () => status(b.client) === "signedOut");
    const requested = b.client.requestCode("bob@example.com");
    b.script.take("initiateAuth").resolve(codeStep());
    await requested;
    await signIn(a, "rt-alice");
    await sleep(20);
    const bob = { sub: "sub-bob", email: "bob@example.com", "custom:username": "bob" };
    const submitted = b.client.submitCode("123456");
    b.script
      .take("respondToAuthChallenge")
      .resolve({ type: "tokens", tokens: tokensFor(bob, 3600, "rt-bob") });
    await submitted;
    // Act: A's refresh rotates bob's token (rt-bob is spent from here on).
    await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
    a.script.take("refresh").resolve(tokensFor(bob, 3600, "rt-bob-2"));
    await within(1000, () => status(a.client) === "signedOut");
    // Assess: the newest token of bob's session is the stored one, and B's next refresh sends it.
    await sleep(20);
    expect(shared.storage.items.get(KEY)).toBe("rt-bob-2");
    b.advance(3_600_000);
    const t = b.client.getTokens();
    await within(1000, () => b.script.calls.some((c) => c.op === "refresh"));
    const refresh = b.script.take("refresh");
    expect(refresh.input.refreshToken).toBe("rt-bob-2");
    refresh.resolve(tokensFor(bob, 3600, ""));
    expect(await t).not.toBeNull();
    expect(status(b.client)).toBe("signedIn");
  });

  it("a tab still restoring when another signs in restores again (the restore in flight is dropped); a call waiting on it acts after", async () => {
    const lease = leaseStorage();
    const a = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    await within(1000, () => a.script.calls.length > 0);
    a.script.take("refresh").reject(noCookie());
    const b = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    await within(1000, () => b.script.calls.length > 0);
    const stale = b.script.take("refresh");
    const waiting = b.client.requestCode("bob@example.com");
    await signIn(a, "");
    await sleep(50);
    // The first restore's answer (sent before the cookie existed) is dropped;
    // the second restore, which waited for the lock, goes out after it.
    stale.reject(noCookie());
    await within(1000, () => b.script.calls.some((c) => c.op === "refresh"));
    expect(status(b.client)).toBe("restoring");
    b.script.take("refresh").resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => status(b.client) === "signedIn");
    expect(await waiting).toMatchObject({
      status: "signedIn",
      error: { code: "INVALID_STATE", cause: "signedIn" },
    });
    expect(status(b.client)).toBe("signedIn");
  });

  it("getTokens() called while a restore runs that another tab's sign-in supersedes waits for the second restore", async () => {
    const lease = leaseStorage();
    const a = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    await within(1000, () => a.script.calls.length > 0);
    a.script.take("refresh").reject(noCookie());
    const b = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    await within(1000, () => b.script.calls.length > 0);
    const stale = b.script.take("refresh");
    const tokens = b.client.getTokens();
    await signIn(a, "");
    await sleep(50);
    stale.reject(noCookie());
    await within(1000, () => b.script.calls.some((c) => c.op === "refresh"));
    b.script.take("refresh").resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => status(b.client) === "signedIn");
    // Signed in by the restore it waited for: the tokens, as flow calls get the outcome.
    expect(await tokens).not.toBeNull();
  });

  it("one refresh at a time: the second tab waits for the lock and then sends the token the first rotated", async () => {
    // Prepare: both signed in with rt-1, tokens about to expire.
    const { shared, a, b } = await twoSignedInTabs("rt-1");
    a.advance(3_600_000);
    b.advance(3_600_000);
    // Act: both tabs refresh at once.
    const ta = a.client.getTokens();
    const tb = b.client.getTokens();
    await within(1000, () => a.script.calls.length + b.script.calls.length > 0);
    await sleep(150);
    // Assess: exactly one refresh in flight.
    const inFlight = [...a.script.calls, ...b.script.calls].filter((c) => c.op === "refresh");
    expect(inFlight).toHaveLength(1);
    const [first, second] = a.script.calls.length ? [a, b] : [b, a];
    const r1 = first.script.take("refresh");
    expect(r1.input.refreshToken).toBe("rt-1");
    r1.resolve(tokensFor(claims, 3600, "rt-2"));
    await within(1000, () => second.script.calls.length > 0);
    const r2 = second.script.take("refresh");
    // Under the lock, from storage: the token the first tab rotated, not the rt-1 it held.
    expect(r2.input.refreshToken).toBe("rt-2");
    r2.resolve(tokensFor(claims, 3600, "rt-3"));
    expect(await ta).not.toBeNull();
    expect(await tb).not.toBeNull();
    expect(shared.storage.items.get(KEY)).toBe("rt-3");
    expect(shared.lease.items.size).toBe(0);
  });

  it("a sign-out while another tab refreshes under the lock revokes (and removes) the token that refresh rotated to", async () => {
    // Prepare: both tabs signed in with rt-1; A's tokens expire.
    const { shared, a, b } = await twoSignedInTabs("rt-1");
    a.advance(3_600_000);
    void a.client.getTokens();
    await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
    const refresh = a.script.take("refresh");
    // Act: B signs out while A's refresh is in flight; Cognito had already rotated.
    const out = b.client.signOut();
    refresh.resolve(tokensFor(claims, 3600, "rt-2"));
    // Assess: B revokes the newest token, and no live token stays in storage.
    await within(1000, () => b.script.calls.some((c) => c.op === "revokeToken"));
    const revoke = b.script.take("revokeToken");
    expect(revoke.input.refreshToken).toBe("rt-2");
    revoke.resolve(undefined);
    await out;
    await within(1000, () => status(a.client) === "signedOut");
    await sleep(20);
    expect(shared.storage.items.has(KEY)).toBe(false);
    expect(shared.lease.items.size).toBe(0);
  });

  it("a sign-in after a sign-out that still waits for the lock is not revoked by it: the old session's token is", async () => {
    const { shared, a, b } = await twoSignedInTabs("rt-1");
    a.advance(3_600_000);
    void a.client.getTokens();
    await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
    const slow = a.script.take("refresh");
    // Act: B signs out while A's refresh is slow, and signs in again before it ends.
    const out = b.client.signOut();
    await signIn(b, "rt-new");
    expect(shared.storage.items.get(KEY)).toBe("rt-new");
    slow.reject(new TypeError("Failed to fetch"));
    // A, told of B's sign-in, may restore first (it then shares the new session).
    await within(1000, () => {
      for (const c of a.script.calls.filter((c) => c.op === "refresh")) {
        a.script.calls.splice(a.script.calls.indexOf(c), 1);
        c.resolve(tokensFor(claims, 3600, ""));
      }
      return b.script.calls.some((c) => c.op === "revokeToken");
    });
    const revoke = b.script.take("revokeToken");
    // Assess: the session signed out is revoked, the new one is kept.
    expect(revoke.input.refreshToken).toBe("rt-1");
    revoke.resolve(undefined);
    await out;
    expect(shared.storage.items.get(KEY)).toBe("rt-new");
    expect(status(b.client)).toBe("signedIn");
  });

  it("cookie mode: a sign-out still waiting for the lock when a new sign-in lands sends no RevokeToken (the cookie is the new session's)", async () => {
    const lease = leaseStorage();
    const a = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    const b = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    for (const t of [a, b]) {
      await within(1000, () => t.script.calls.length > 0);
      t.script.take("refresh").resolve(tokensFor(claims, 3600, ""));
      await within(1000, () => status(t.client) === "signedIn");
    }
    a.advance(3_600_000);
    void a.client.getTokens();
    await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
    const slow = a.script.take("refresh");
    const out = b.client.signOut();
    await signIn(b, "");
    slow.reject(new TypeError("Failed to fetch"));
    let done = false;
    void out.then(() => {
      done = true;
    });
    await within(1000, () => {
      for (const c of a.script.calls.filter((c) => c.op === "refresh")) {
        a.script.calls.splice(a.script.calls.indexOf(c), 1);
        c.resolve(tokensFor(claims, 3600, ""));
      }
      return b.script.calls.some((c) => c.op === "revokeToken") || done;
    });
    expect(b.script.calls.map((c) => c.op)).toEqual([]);
    expect(await out).toMatchObject({ status: "signedIn" });
  });

  it("cookie mode: a sign-out waits for another tab's refresh in flight before RevokeToken (its Set-Cookie may rotate the cookie)", async () => {
    const lease = leaseStorage();
    const a = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    const b = tab({ lease }, { tokenHandler: "https://app.example.com/auth" });
    for (const t of [a, b]) {
      await within(1000, () => t.script.calls.length > 0);
      t.script.take("refresh").resolve(tokensFor(claims, 3600, ""));
      await within(1000, () => status(t.client) === "signedIn");
    }
    a.advance(3_600_000);
    void a.client.getTokens();
    await within(1000, () => a.script.calls.some((c) => c.op === "refresh"));
    const refresh = a.script.take("refresh");
    const out = b.client.signOut();
    await sleep(100);
    // The handler would revoke the cookie's token, and A's answer then set a newer one.
    expect(b.script.calls.map((c) => c.op)).toEqual([]);
    refresh.resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => b.script.calls.some((c) => c.op === "revokeToken"));
    b.script.take("revokeToken").resolve(undefined);
    expect(await out).toEqual({ status: "signedOut" });
    expect(status(a.client)).toBe("signedOut");
  });

  it("memory mode: a sign-out in another tab also revokes this tab's own refresh token", async () => {
    const lease = leaseStorage();
    const a = tab({ lease });
    const b = tab({ lease });
    await signIn(a, "rt-a");
    await signIn(b, "rt-b");
    const out = a.client.signOut();
    await within(1000, () => a.script.calls.length > 0);
    a.script.take("revokeToken").resolve(undefined);
    await out;
    await within(1000, () => status(b.client) === "signedOut");
    await within(1000, () => b.script.calls.length > 0);
    const revoke = b.script.take("revokeToken");
    expect(revoke.input.refreshToken).toBe("rt-b");
    revoke.resolve(undefined);
  });

  it("uses the Web Locks API where there is one, under a per-client-id name", async () => {
    const names: string[] = [];
    let held = 0;
    let queue = Promise.resolve();
    // A FIFO lock with the Web Locks request(name, callback) shape (Node 20 has none).
    const locks: TabLocks = {
      request(name, callback) {
        names.push(name);
        const run = queue.then(async () => {
          held++;
          try {
            return await callback();
          } finally {
            held--;
          }
        });
        queue = run.then(
          () => undefined,
          () => undefined,
        );
        return run;
      },
    };
    const tabs = shareAcrossTabs({ locks, leaseStorage: null });
    opened.push(tabs);
    const script = scriptedTransport();
    const storage = memoryStorage();
    storage.items.set(KEY, "rt-1");
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      storage,
      tabs,
    });
    await within(1000, () => script.calls.length > 0);
    expect(names).toEqual(["cognito-passcode.c1.refresh"]);
    expect(held).toBe(1);
    script.take("refresh").resolve(tokensFor(claims, 3600, ""));
    await within(1000, () => status(client) === "signedIn");
    expect(held).toBe(0);
  });
});

describe("tabs with a per-tab storage", () => {
  it("refuses sessionStorage with tabs (development builds): a sign-out elsewhere would leave this tab's token in it, unrevoked", () => {
    const perTab = memoryStorage();
    const had = Object.getOwnPropertyDescriptor(globalThis, "sessionStorage");
    Object.defineProperty(globalThis, "sessionStorage", { value: perTab, configurable: true });
    try {
      const tabs = shareAcrossTabs({ locks: null, leaseStorage: null });
      opened.push(tabs);
      const options = { clientId: "c1", transport: scriptedTransport().transport, tabs };
      expect(() => createPasscodeClient({ ...options, storage: perTab })).toThrow(
        expect.objectContaining({
          code: "CONFIGURATION_ERROR",
          message: expect.stringMatching(/^tabs .*sessionStorage/),
        }),
      );
      // A storage the tabs share is fine, and so is sessionStorage without tabs.
      expect(() => createPasscodeClient({ ...options, storage: memoryStorage() })).not.toThrow();
      const { tabs: _, ...alone } = options;
      expect(() => createPasscodeClient({ ...alone, storage: perTab })).not.toThrow();
    } finally {
      if (had) Object.defineProperty(globalThis, "sessionStorage", had);
      else delete (globalThis as { sessionStorage?: unknown }).sessionStorage;
    }
  });
});

describe("withLease (the fallback lock)", () => {
  it("never lets two tasks on one storage overlap, whatever their timing, while writes reach the other tabs within the settle time", async () => {
    // Fake timers: the tabs' start times and the storage's lag are the drawn
    // values, not the machine's load. (In one thread a read and a write are
    // atomic; the lag is what makes two tabs both see the lease free.)
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.record({ start: fc.nat(15), lag: fc.nat(2) }), {
            minLength: 2,
            maxLength: 5,
          }),
          async (tabs) => {
            const storage = laggingStorage();
            let inside = 0;
            let most = 0;
            let ran = 0;
            const all = Promise.all(
              tabs.map(async ({ start, lag }) => {
                await sleep(start);
                await withLease(
                  storage.view(lag),
                  "k",
                  5000,
                  async () => {
                    most = Math.max(most, ++inside);
                    await sleep(3);
                    inside--;
                    ran++;
                  },
                  5,
                );
              }),
            );
            await vi.runAllTimersAsync();
            await all;
            expect(ran).toBe(tabs.length);
            expect(most).toBe(1);
            expect(storage.items.size).toBe(0);
          },
        ),
        { numRuns: 200 },
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it("runs the task unlocked when the storage throws (quota, storage disabled), and passes the task's own error on", async () => {
    const broken: LeaseStorage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException("full", "QuotaExceededError");
      },
      removeItem: () => undefined,
    };
    expect(await withLease(broken, "k", 5000, async () => "ran", 5)).toBe("ran");
    const storage = leaseStorage();
    await expect(
      withLease(
        storage,
        "k",
        5000,
        async () => Promise.reject(new TypeError("Failed to fetch")),
        5,
      ),
    ).rejects.toThrow("Failed to fetch");
    expect(storage.items.size).toBe(0);
  });

  it("takes over a lease whose holder is gone once it expires", async () => {
    const storage = leaseStorage();
    storage.setItem("k", `gone ${Date.now() + 50}`);
    const start = Date.now();
    expect(await withLease(storage, "k", 5000, async () => "ran", 5)).toBe("ran");
    expect(Date.now() - start).toBeGreaterThanOrEqual(45);
  });
});
