import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PasskeyStore, passkeyChallengeKey, type StoredPasskey } from "../../src/store.js";

/** A credential id as a browser reports it (base64url). */
export const credentialId = (bytes = 32): string => randomBytes(bytes).toString("base64url");

/** A stored passkey with made-up but well-formed fields. */
export function passkey(overrides: Partial<StoredPasskey> = {}): StoredPasskey {
  return {
    id: credentialId(),
    publicKey: randomBytes(77).toString("base64url"),
    counter: 0,
    transports: ["hybrid", "internal"],
    deviceType: "multiDevice",
    backedUp: true,
    aaguid: "AAAAAAAAAAAAAAAAAAAAAA",
    name: "Laptop",
    createdAt: 1_760_000_000_000,
    ...overrides,
  };
}

const MAX = { max: 10 };

/**
 * The passkey store's rules, run against any implementation. `fresh()` must
 * return an empty store each time.
 */
export function describePasskeyContract(
  label: string,
  fresh: () => PasskeyStore,
  runs = { model: 40 },
): void {
  describe(`${label}: the passkey store contract`, () => {
    it("adds, lists (oldest first) and keeps the first user handle", async () => {
      const store = fresh();
      expect(await store.getPasskeys("sub-a")).toBeUndefined();
      const first = passkey({ createdAt: 2000, name: "Phone" });
      const second = passkey({
        createdAt: 1000,
        name: "",
        deviceType: "singleDevice",
        backedUp: false,
        transports: [],
      });
      expect(await store.addPasskey("sub-a", "aGFuZGxlLWE", first, MAX)).toEqual({
        status: "added",
      });
      expect(await store.addPasskey("sub-a", "b3RoZXI", second, MAX)).toEqual({ status: "added" });
      const account = await store.getPasskeys("sub-a");
      expect(account).toEqual({ userHandle: "aGFuZGxlLWE", version: 2, passkeys: [second, first] });
      // A copy: changing what was read changes nothing stored.
      account?.passkeys[0]?.transports.push("usb");
      expect((await store.getPasskeys("sub-a"))?.passkeys[0]?.transports).toEqual([]);
      expect(await store.getPasskeys("sub-b")).toBeUndefined();
    });

    it("refuses an id registered before, to this user or any other", async () => {
      const store = fresh();
      const key = passkey();
      expect(await store.addPasskey("sub-a", "aA", key, MAX)).toEqual({ status: "added" });
      expect(await store.addPasskey("sub-a", "aA", { ...key, name: "again" }, MAX)).toEqual({
        status: "duplicate",
      });
      expect(await store.addPasskey("sub-b", "bB", passkey({ id: key.id }), MAX)).toEqual({
        status: "duplicate",
      });
      expect(await store.getPasskeys("sub-b")).toBeUndefined();
      expect((await store.getPasskeys("sub-a"))?.passkeys.map((p) => p.name)).toEqual(["Laptop"]);
    });

    it("answers duplicate, not limit, for an id another owner holds when the owner is at the limit", async () => {
      // Prepare: sub-b at its limit of one, and an id sub-a holds
      const store = fresh();
      const held = passkey();
      expect(await store.addPasskey("sub-a", "aA", held, MAX)).toEqual({ status: "added" });
      expect(await store.addPasskey("sub-b", "bB", passkey(), { max: 1 })).toEqual({
        status: "added",
      });
      // Act
      const again = await store.addPasskey("sub-b", "bB", passkey({ id: held.id }), { max: 1 });
      // Assess: as for an owner below the limit, the id's claim decides first
      expect(again).toEqual({ status: "duplicate" });
      expect((await store.getPasskeys("sub-b"))?.passkeys).toHaveLength(1);
      expect(await store.addPasskey("sub-b", "bB", passkey(), { max: 1 })).toEqual({
        status: "limit",
      });
    });

    it("lets one of 10 users racing to register one id win", async () => {
      const store = fresh();
      const id = credentialId();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.addPasskey(`sub-${i}`, "aA", passkey({ id }), MAX),
        ),
      );
      expect(results.filter((r) => r.status === "added")).toHaveLength(1);
      expect(results.filter((r) => r.status === "duplicate")).toHaveLength(9);
    });

    it("stops at the limit", async () => {
      const store = fresh();
      expect(await store.addPasskey("sub-a", "aA", passkey(), { max: 2 })).toEqual({
        status: "added",
      });
      expect(await store.addPasskey("sub-a", "aA", passkey(), { max: 2 })).toEqual({
        status: "added",
      });
      expect(await store.addPasskey("sub-a", "aA", passkey(), { max: 2 })).toEqual({
        status: "limit",
      });
      expect((await store.getPasskeys("sub-a"))?.passkeys).toHaveLength(2);
    });

    it("keeps the limit when one user registers many at once (no expectedVersion: retried)", async () => {
      const store = fresh();
      const results = await Promise.all(
        Array.from({ length: 6 }, () => store.addPasskey("sub-a", "aA", passkey(), { max: 4 })),
      );
      expect(results.filter((r) => r.status === "added")).toHaveLength(4);
      expect(results.filter((r) => r.status === "limit")).toHaveLength(2);
      expect((await store.getPasskeys("sub-a"))?.passkeys).toHaveLength(4);
    });

    it("answers conflict on a stale expectedVersion, and adds on the current one", async () => {
      const store = fresh();
      expect(
        await store.addPasskey("sub-a", "aA", passkey(), { max: 10, expectedVersion: 1 }),
      ).toEqual({
        status: "conflict",
      });
      expect(
        await store.addPasskey("sub-a", "aA", passkey(), { max: 10, expectedVersion: 0 }),
      ).toEqual({
        status: "added",
      });
      expect(
        await store.addPasskey("sub-a", "aA", passkey(), { max: 10, expectedVersion: 0 }),
      ).toEqual({
        status: "conflict",
      });
      const read = await store.getPasskeys("sub-a");
      expect(read?.version).toBe(1);
      // Of racing adds on one read version exactly one lands.
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          store.addPasskey("sub-a", "aA", passkey(), { max: 10, expectedVersion: read?.version }),
        ),
      );
      expect(results.filter((r) => r.status === "added")).toHaveLength(1);
      expect(results.filter((r) => r.status === "conflict")).toHaveLength(4);
      expect((await store.getPasskeys("sub-a"))?.passkeys).toHaveLength(2);
    });

    it("applies the counter rule: 0/0 accepted, greater accepted, equal or lower refused", async () => {
      const store = fresh();
      const key = passkey();
      await store.addPasskey("sub-a", "aA", key, MAX);
      expect(await store.usePasskey("sub-a", key.id, { counter: 0, backedUp: false, at: 5 })).toBe(
        true,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 0, backedUp: true, at: 6 })).toBe(
        true,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 3, backedUp: true, at: 7 })).toBe(
        true,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 3, backedUp: true, at: 8 })).toBe(
        false,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 2, backedUp: true, at: 9 })).toBe(
        false,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 0, backedUp: true, at: 10 })).toBe(
        false,
      );
      expect(await store.usePasskey("sub-a", key.id, { counter: 4, backedUp: false, at: 11 })).toBe(
        true,
      );
      const [stored] = (await store.getPasskeys("sub-a"))?.passkeys ?? [];
      expect(stored).toMatchObject({ counter: 4, backedUp: false, lastUsedAt: 11 });
      // Another user's credential, or an unknown one: refused.
      expect(await store.usePasskey("sub-b", key.id, { counter: 9, backedUp: true, at: 12 })).toBe(
        false,
      );
      expect(
        await store.usePasskey("sub-a", credentialId(), { counter: 9, backedUp: true, at: 12 }),
      ).toBe(false);
    });

    it("lets exactly one of racing uses with one counter value win", async () => {
      const store = fresh();
      const key = passkey();
      await store.addPasskey("sub-a", "aA", key, MAX);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.usePasskey("sub-a", key.id, { counter: 1, backedUp: true, at: i }),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      // Racing different counters: the store ends at the highest accepted, never lower.
      const counters = [5, 3, 9, 7, 2];
      const raced = await Promise.all(
        counters.map((counter) =>
          store.usePasskey("sub-a", key.id, { counter, backedUp: true, at: counter }),
        ),
      );
      expect(raced.filter(Boolean).length).toBeGreaterThanOrEqual(1);
      expect((await store.getPasskeys("sub-a"))?.passkeys[0]?.counter).toBe(9);
    });

    it("renames only an existing passkey of the owner", async () => {
      const store = fresh();
      const key = passkey();
      await store.addPasskey("sub-a", "aA", key, MAX);
      expect(await store.renamePasskey("sub-a", key.id, "Work laptop")).toBe(true);
      expect(await store.renamePasskey("sub-b", key.id, "Mine now")).toBe(false);
      expect(await store.renamePasskey("sub-a", credentialId(), "Ghost")).toBe(false);
      expect((await store.getPasskeys("sub-a"))?.passkeys[0]?.name).toBe("Work laptop");
      expect(await store.getPasskeys("sub-b")).toBeUndefined();
      await expect(store.renamePasskey("sub-a", key.id, "x".repeat(65))).rejects.toThrow(TypeError);
    });

    it("removes a passkey and its id claim, so the id can be registered again", async () => {
      const store = fresh();
      const key = passkey();
      const other = passkey();
      await store.addPasskey("sub-a", "aA", key, MAX);
      await store.addPasskey("sub-a", "aA", other, MAX);
      expect(await store.removePasskey("sub-b", key.id)).toBe(false);
      expect(await store.removePasskey("sub-a", key.id)).toBe(true);
      expect(await store.removePasskey("sub-a", key.id)).toBe(false);
      expect((await store.getPasskeys("sub-a"))?.passkeys.map((p) => p.id)).toEqual([other.id]);
      expect(await store.addPasskey("sub-b", "bB", passkey({ id: key.id }), MAX)).toEqual({
        status: "added",
      });
      // The last one goes too; the account stays (with its handle and version) until removeAllPasskeys.
      expect(await store.removePasskey("sub-a", other.id)).toBe(true);
      expect(await store.getPasskeys("sub-a")).toEqual({
        userHandle: "aA",
        version: 4,
        passkeys: [],
      });
      expect(await store.usePasskey("sub-a", other.id, { counter: 0, backedUp: true, at: 1 })).toBe(
        false,
      );
    });

    it("removes every passkey of one owner and their claims, and nobody else's", async () => {
      const store = fresh();
      const keys = [passkey(), passkey(), passkey()];
      for (const key of keys) await store.addPasskey("sub-a", "aA", key, MAX);
      const kept = passkey();
      await store.addPasskey("sub-b", "bB", kept, MAX);
      expect(await store.removeAllPasskeys("sub-a")).toBe(3);
      expect(await store.removeAllPasskeys("sub-a")).toBe(0);
      expect(await store.getPasskeys("sub-a")).toBeUndefined();
      expect((await store.getPasskeys("sub-b"))?.passkeys).toEqual([kept]);
      for (const key of keys) {
        expect(await store.addPasskey("sub-c", "cC", passkey({ id: key.id }), MAX)).toEqual({
          status: "added",
        });
      }
      expect(await store.addPasskey("sub-c", "cC", passkey({ id: kept.id }), MAX)).toEqual({
        status: "duplicate",
      });
    });

    it("records a challenge once, even for racing callers", async () => {
      const store = fresh();
      const key = passkeyChallengeKey(credentialId());
      const record = { owner: "sub-a", amr: "pop mfa", expiresAt: Date.now() + 300_000 };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => store.recordPasskeySignIn(key, record)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.recordPasskeySignIn(key, { ...record, owner: "sub-b" })).toBe(false);
      // Still refused after it was taken: a challenge counts once, ever.
      expect(await store.takePasskeySignIn(key, "sub-a", Date.now())).toBe("pop mfa");
      expect(await store.recordPasskeySignIn(key, record)).toBe(false);
    });

    it("refuses a replayed challenge whose record was made with a clock long past (a test clock)", async () => {
      const store = fresh();
      const past = 1_700_000_000_000;
      const key = passkeyChallengeKey(credentialId());
      const record = { owner: "sub-a", amr: "pop mfa", expiresAt: past + 300_000 };
      expect(await store.recordPasskeySignIn(key, record)).toBe(true);
      expect(await store.takePasskeySignIn(key, "sub-a", past)).toBe("pop mfa");
      const other = passkeyChallengeKey(credentialId());
      expect(await store.recordPasskeySignIn(other, record)).toBe(true);
      expect(await store.recordPasskeySignIn(key, record)).toBe(false);
      expect(await store.recordPasskeySignIn(other, record)).toBe(false);
    });

    it("takes a sign-in record once, for its owner, before it expires", async () => {
      const store = fresh();
      const now = Date.now();
      const key = passkeyChallengeKey(credentialId());
      await store.recordPasskeySignIn(key, {
        owner: "sub-a",
        amr: "pop mfa",
        expiresAt: now + 1000,
      });
      // Another owner: nothing, and the record stays for its owner.
      expect(await store.takePasskeySignIn(key, "sub-b", now)).toBeUndefined();
      const taken = await Promise.all(
        Array.from({ length: 5 }, () => store.takePasskeySignIn(key, "sub-a", now + 1000)),
      );
      expect(taken.filter((amr) => amr !== undefined)).toEqual(["pop mfa"]);
      expect(await store.takePasskeySignIn(key, "sub-a", now)).toBeUndefined();
      // Expired: undefined, and the record is gone anyway.
      const late = passkeyChallengeKey(credentialId());
      await store.recordPasskeySignIn(late, { owner: "sub-a", amr: "pop mfa", expiresAt: now });
      expect(await store.takePasskeySignIn(late, "sub-a", now + 1)).toBeUndefined();
      expect(await store.takePasskeySignIn(late, "sub-a", now)).toBeUndefined();
      // An enrolment's record has an empty amr.
      const enrol = passkeyChallengeKey(credentialId());
      expect(
        await store.recordPasskeySignIn(enrol, { owner: "sub-a", amr: "", expiresAt: now + 1000 }),
      ).toBe(true);
      expect(await store.takePasskeySignIn(enrol, "sub-a", now)).toBe("");
      expect(
        await store.takePasskeySignIn(passkeyChallengeKey("never"), "sub-a", now),
      ).toBeUndefined();
    });

    it("refuses malformed arguments with a TypeError", async () => {
      const store = fresh();
      await expect(store.addPasskey("", "aA", passkey(), MAX)).rejects.toThrow(TypeError);
      await expect(
        store.addPasskey("sub-a", "aA", passkey({ id: "not base64url!" }), MAX),
      ).rejects.toThrow(TypeError);
      await expect(store.addPasskey("sub-a", "aA", passkey({ counter: -1 }), MAX)).rejects.toThrow(
        TypeError,
      );
      await expect(store.addPasskey("sub-a", "aA", passkey(), { max: 0 })).rejects.toThrow(
        TypeError,
      );
      await expect(
        store.usePasskey("sub-a", credentialId(), { counter: 1.5, backedUp: true, at: 1 }),
      ).rejects.toThrow(TypeError);
      await expect(store.getPasskeys("")).rejects.toThrow(TypeError);
    });

    it("behaves like a simple model over random operation sequences", async () => {
      const owners = ["sub-a", "sub-b", "sub-c"];
      const ids = Array.from({ length: 4 }, () => credentialId());
      const challenges = Array.from({ length: 3 }, () => passkeyChallengeKey(credentialId()));
      const owner = fc.constantFrom(...owners);
      const id = fc.constantFrom(...ids);
      const op = fc.oneof(
        fc.record({
          kind: fc.constant("add" as const),
          owner,
          id,
          max: fc.integer({ min: 1, max: 3 }),
          expect: fc.constantFrom("none", "current", "stale"),
          createdAt: fc.integer({ min: 0, max: 5 }),
          name: fc.string({ maxLength: 8 }),
        }),
        fc.record({
          kind: fc.constant("use" as const),
          owner,
          id,
          counter: fc.integer({ min: 0, max: 4 }),
        }),
        fc.record({
          kind: fc.constant("rename" as const),
          owner,
          id,
          name: fc.string({ maxLength: 8 }),
        }),
        fc.record({ kind: fc.constant("remove" as const), owner, id }),
        fc.record({ kind: fc.constant("removeAll" as const), owner }),
        fc.record({
          kind: fc.constant("record" as const),
          owner,
          challenge: fc.constantFrom(...challenges),
          ttl: fc.integer({ min: -2, max: 2 }),
        }),
        fc.record({
          kind: fc.constant("take" as const),
          owner,
          challenge: fc.constantFrom(...challenges),
          at: fc.integer({ min: -2, max: 2 }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(op, { minLength: 1, maxLength: 25, size: "max" }),
          async (ops) => {
            const store = fresh();
            const model = new PasskeyModel();
            const base = Date.now() + 60_000;
            let at = 0;
            for (const o of ops) {
              at++;
              switch (o.kind) {
                case "add": {
                  const version = model.accounts.get(o.owner)?.version ?? 0;
                  const expectedVersion =
                    o.expect === "none"
                      ? undefined
                      : o.expect === "current"
                        ? version
                        : version + 1;
                  const key = passkey({ id: o.id, createdAt: o.createdAt, name: o.name });
                  const got = await store.addPasskey(o.owner, `h-${o.owner}`, key, {
                    max: o.max,
                    expectedVersion,
                  });
                  expect(got).toEqual(
                    model.add(o.owner, `h-${o.owner}`, key, o.max, expectedVersion),
                  );
                  break;
                }
                case "use": {
                  const use = { counter: o.counter, backedUp: o.counter % 2 === 0, at };
                  expect(await store.usePasskey(o.owner, o.id, use)).toBe(
                    model.use(o.owner, o.id, use),
                  );
                  break;
                }
                case "rename":
                  expect(await store.renamePasskey(o.owner, o.id, o.name)).toBe(
                    model.rename(o.owner, o.id, o.name),
                  );
                  break;
                case "remove":
                  expect(await store.removePasskey(o.owner, o.id)).toBe(
                    model.remove(o.owner, o.id),
                  );
                  break;
                case "removeAll":
                  expect(await store.removeAllPasskeys(o.owner)).toBe(model.removeAll(o.owner));
                  break;
                case "record": {
                  const record = { owner: o.owner, amr: "pop mfa", expiresAt: base + o.ttl };
                  expect(await store.recordPasskeySignIn(o.challenge, record)).toBe(
                    model.record(o.challenge, record),
                  );
                  break;
                }
                case "take":
                  expect(await store.takePasskeySignIn(o.challenge, o.owner, base + o.at)).toBe(
                    model.take(o.challenge, o.owner, base + o.at),
                  );
                  break;
              }
            }
            for (const o of owners) expect(await store.getPasskeys(o)).toEqual(model.get(o));
          },
        ),
        { numRuns: runs.model },
      );
    });
  });
}

/** The store's rules, in the plainest code: the oracle of the model-based property. */
class PasskeyModel {
  readonly accounts = new Map<
    string,
    { userHandle: string; version: number; passkeys: StoredPasskey[] }
  >();
  readonly claims = new Map<string, string>();
  readonly signIns = new Map<
    string,
    { owner: string; amr: string; expiresAt: number; taken?: boolean }
  >();

  add(
    owner: string,
    userHandle: string,
    passkey: StoredPasskey,
    max: number,
    expectedVersion?: number,
  ) {
    const account = this.accounts.get(owner);
    if (expectedVersion !== undefined && (account?.version ?? 0) !== expectedVersion)
      return { status: "conflict" };
    if (this.claims.has(passkey.id)) return { status: "duplicate" };
    if ((account?.passkeys.length ?? 0) >= max) return { status: "limit" };
    const next = account ?? { userHandle, version: 0, passkeys: [] };
    next.passkeys.push({ ...passkey, transports: [...passkey.transports] });
    next.version++;
    this.accounts.set(owner, next);
    this.claims.set(passkey.id, owner);
    return { status: "added" };
  }

  use(owner: string, id: string, use: { counter: number; backedUp: boolean; at: number }): boolean {
    const account = this.accounts.get(owner);
    const passkey = account?.passkeys.find((p) => p.id === id);
    if (!account || !passkey) return false;
    if (!(use.counter > passkey.counter || (use.counter === 0 && passkey.counter === 0)))
      return false;
    Object.assign(passkey, { counter: use.counter, backedUp: use.backedUp, lastUsedAt: use.at });
    account.version++;
    return true;
  }

  rename(owner: string, id: string, name: string): boolean {
    const account = this.accounts.get(owner);
    const passkey = account?.passkeys.find((p) => p.id === id);
    if (!account || !passkey) return false;
    passkey.name = name;
    account.version++;
    return true;
  }

  remove(owner: string, id: string): boolean {
    const account = this.accounts.get(owner);
    if (!account?.passkeys.some((p) => p.id === id)) return false;
    account.passkeys = account.passkeys.filter((p) => p.id !== id);
    account.version++;
    this.claims.delete(id);
    return true;
  }

  removeAll(owner: string): number {
    const account = this.accounts.get(owner);
    if (!account) return 0;
    this.accounts.delete(owner);
    for (const p of account.passkeys) this.claims.delete(p.id);
    return account.passkeys.length;
  }

  record(key: string, record: { owner: string; amr: string; expiresAt: number }): boolean {
    if (this.signIns.has(key)) return false;
    this.signIns.set(key, record);
    return true;
  }

  take(key: string, owner: string, nowMs: number): string | undefined {
    const record = this.signIns.get(key);
    if (!record || record.owner !== owner || record.taken) return undefined;
    record.taken = true;
    return nowMs <= record.expiresAt ? record.amr : undefined;
  }

  get(owner: string) {
    const account = this.accounts.get(owner);
    if (!account) return undefined;
    const passkeys = [...account.passkeys].sort(
      (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    return { userHandle: account.userHandle, version: account.version, passkeys };
  }
}
