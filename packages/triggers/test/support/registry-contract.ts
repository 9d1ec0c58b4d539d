import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/memory-store.js";
import type { ClaimResult, UsernameRegistry } from "../../src/store.js";

/**
 * Writes a claim as a registry from before owner records left it:
 * `username#<username>` naming `owner`, and no change to `owner#<owner>`.
 */
export type PlantLegacyClaim = (
  registry: UsernameRegistry,
  username: string,
  owner: string,
) => Promise<void>;

/**
 * The username registry's rules, run against any implementation: one owner
 * per name, one name per owner, under races and random interleavings.
 * `fresh()` must return an empty registry each time; `plantLegacy` writes a
 * claim the way a registry from before owner records did, for the tests of
 * `releaseExtra`.
 */
export function describeRegistryContract(
  label: string,
  fresh: () => UsernameRegistry,
  plantLegacy: PlantLegacyClaim,
  runs = { sequential: 60, concurrent: 40 },
): void {
  describe(`${label}: the username registry contract`, () => {
    it("claims a free name, and again idempotently for its owner", async () => {
      const registry = fresh();
      expect(await registry.claim("alice", "sub-a")).toEqual({
        status: "claimed",
        username: "alice",
      });
      expect(await registry.claim("alice", "sub-a")).toEqual({
        status: "claimed",
        username: "alice",
      });
      expect(await registry.claim("alice", "sub-b")).toEqual({ status: "taken" });
      expect(await registry.ownerOf("alice")).toBe("sub-a");
      expect(await registry.usernameOf("sub-a")).toBe("alice");
      expect(await registry.usernameOf("sub-b")).toBeUndefined();
    });

    it("never gives one owner a second name", async () => {
      // Prepare
      const registry = fresh();
      await registry.claim("alice", "sub-a");
      // Act
      const second = await registry.claim("alice_2", "sub-a");
      // Assess
      expect(second).toEqual({ status: "owns-other", username: "alice" });
      expect(await registry.ownerOf("alice_2")).toBeUndefined();
      expect(await registry.usernameOf("sub-a")).toBe("alice");
    });

    it("answers owns-other when the owner holds a name and the wanted one is taken", async () => {
      const registry = fresh();
      await registry.claim("alice", "sub-a");
      await registry.claim("bob", "sub-b");
      expect(await registry.claim("bob", "sub-a")).toEqual({
        status: "owns-other",
        username: "alice",
      });
    });

    it("lets one of 20 racing sessions of one user claim a name; the rest get that name", async () => {
      // Prepare
      const registry = fresh();
      const names = Array.from({ length: 20 }, (_, i) => `name_${i}`);
      // Act
      const results = await Promise.all(names.map((name) => registry.claim(name, "sub-racer")));
      // Assess
      const claimed = results.filter((r) => r.status === "claimed");
      expect(claimed).toHaveLength(1);
      const winner = (claimed[0] as { username: string }).username;
      expect(results.filter((r) => r.status === "owns-other")).toEqual(
        Array.from({ length: 19 }, () => ({ status: "owns-other", username: winner })),
      );
      const owners = await Promise.all(names.map((name) => registry.ownerOf(name)));
      expect(owners.filter((owner) => owner !== undefined)).toEqual(["sub-racer"]);
      expect(await registry.usernameOf("sub-racer")).toBe(winner);
    });

    it("lets one of 20 racing users claim one name", async () => {
      // Prepare
      const registry = fresh();
      const owners = Array.from({ length: 20 }, (_, i) => `sub-${i}`);
      // Act
      const results = await Promise.all(owners.map((owner) => registry.claim("popular", owner)));
      // Assess
      const winners = owners.filter((_, i) => results[i]!.status === "claimed");
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === "taken")).toHaveLength(19);
      expect(await registry.ownerOf("popular")).toBe(winners[0]);
      const names = await Promise.all(owners.map((owner) => registry.usernameOf(owner)));
      expect(names.filter((name) => name !== undefined)).toEqual(["popular"]);
    });

    it("releases both records, and only for the owner", async () => {
      const registry = fresh();
      await registry.claim("bob", "sub-b");
      await registry.release("bob", "sub-mallory");
      expect(await registry.ownerOf("bob")).toBe("sub-b");
      await registry.release("bob", "sub-b");
      expect(await registry.ownerOf("bob")).toBeUndefined();
      expect(await registry.usernameOf("sub-b")).toBeUndefined();
      await registry.release("bob", "sub-b"); // a no-op
      // The name is free for someone else, and its old owner may claim another.
      expect((await registry.claim("bob", "sub-c")).status).toBe("claimed");
      expect((await registry.claim("robert", "sub-b")).status).toBe("claimed");
    });

    it("releaseExtra deletes a legacy extra claim only, and never a name its owner holds", async () => {
      // Prepare: sub-u holds xavier (both records) and a legacy claim on yolanda.
      const registry = fresh();
      await registry.claim("xavier", "sub-u");
      await registry.claim("bob", "sub-b");
      await plantLegacy(registry, "yolanda", "sub-u");
      expect(await registry.ownerOf("yolanda")).toBe("sub-u");
      // Act + Assess: the owner's one name, another owner's name and a free name stay as they are.
      await registry.releaseExtra("xavier", "sub-u");
      await registry.releaseExtra("bob", "sub-u");
      await registry.releaseExtra("nobody", "sub-u");
      expect(await registry.ownerOf("xavier")).toBe("sub-u");
      expect(await registry.usernameOf("sub-u")).toBe("xavier");
      expect(await registry.ownerOf("bob")).toBe("sub-b");
      await registry.releaseExtra("yolanda", "sub-b"); // not sub-b's
      expect(await registry.ownerOf("yolanda")).toBe("sub-u");
      // The legacy claim goes alone; the owner record stays.
      await registry.releaseExtra("yolanda", "sub-u");
      expect(await registry.ownerOf("yolanda")).toBeUndefined();
      expect(await registry.usernameOf("sub-u")).toBe("xavier");
      expect(await registry.ownerOf("xavier")).toBe("sub-u");
      expect((await registry.claim("yolanda", "sub-w")).status).toBe("claimed");
    });

    it("releaseExtra after a rename onto the extra name keeps it (the sweep racing renameUsername)", async () => {
      // Prepare: the sweep saw yolanda as extra (the owner record named xavier)...
      const registry = fresh();
      await registry.claim("xavier", "sub-u");
      await plantLegacy(registry, "yolanda", "sub-u");
      // ...then renameUsername moved sub-u onto it before the sweep released it.
      expect(await registry.move("sub-u", "xavier", "yolanda")).toEqual({
        status: "claimed",
        username: "yolanda",
      });
      // Act
      await registry.releaseExtra("yolanda", "sub-u");
      // Assess: still sub-u's, both records, and nobody else can claim it.
      expect(await registry.ownerOf("yolanda")).toBe("sub-u");
      expect(await registry.usernameOf("sub-u")).toBe("yolanda");
      expect(await registry.claim("yolanda", "sub-w")).toEqual({ status: "taken" });
    });

    it("release of a legacy extra claim racing a move onto it never splits the records", async () => {
      // Both orders of a release and a move, run together many times.
      for (let i = 0; i < 10; i++) {
        const registry = fresh();
        await registry.claim("xavier", "sub-u");
        await plantLegacy(registry, "yolanda", "sub-u");
        await Promise.all([
          registry.release("yolanda", "sub-u"),
          registry.move("sub-u", "xavier", "yolanda"),
        ]);
        const owner = await registry.ownerOf("yolanda");
        const held = await registry.usernameOf("sub-u");
        // Either the name went first (the move then claimed it again) or the
        // move went first (the release then released it whole): never one record alone.
        if (owner !== undefined) expect(held).toBe("yolanda");
        if (held !== undefined) expect(await registry.ownerOf(held)).toBe("sub-u");
      }
    });

    it("moves a name atomically: to taken -> nothing changes; otherwise both records move", async () => {
      const registry = fresh();
      await registry.claim("alice", "sub-a");
      await registry.claim("bob", "sub-b");
      expect(await registry.move("sub-a", "alice", "bob")).toEqual({ status: "taken" });
      expect(await registry.move("sub-a", "nobody", "ally")).toEqual({
        status: "owns-other",
        username: "alice",
      });
      expect(await registry.ownerOf("alice")).toBe("sub-a");
      expect(await registry.move("sub-a", "alice", "ally")).toEqual({
        status: "claimed",
        username: "ally",
      });
      expect(await registry.ownerOf("alice")).toBeUndefined();
      expect(await registry.ownerOf("ally")).toBe("sub-a");
      expect(await registry.usernameOf("sub-a")).toBe("ally");
      // Repeating a finished move is harmless; a move by an owner with no name is a claim.
      expect((await registry.move("sub-a", "alice", "ally")).status).toBe("claimed");
      expect(await registry.move("sub-new", "ghost", "newbie")).toEqual({
        status: "claimed",
        username: "newbie",
      });
      expect(await registry.move("sub-new", "newbie", "newbie")).toEqual({
        status: "claimed",
        username: "newbie",
      });
    });

    it("lists every claim, with when it was made where the store knows it", async () => {
      const before = Date.now();
      const registry = fresh();
      await registry.claim("alice", "sub-a");
      await registry.claim("bob", "sub-b");
      await registry.claim("carol", "sub-c");
      await registry.release("carol", "sub-c");
      const seen: { username: string; owner: string }[] = [];
      for await (const { username, owner, createdAt } of registry.claims()) {
        seen.push({ username, owner });
        if (createdAt !== undefined) {
          expect(createdAt).toBeGreaterThanOrEqual(before);
          expect(createdAt).toBeLessThanOrEqual(Date.now());
        }
      }
      expect(seen.sort((x, y) => x.username.localeCompare(y.username))).toEqual([
        { username: "alice", owner: "sub-a" },
        { username: "bob", owner: "sub-b" },
      ]);
    });

    const OWNERS = ["sub-a", "sub-b", "sub-c"];
    const NAMES = ["ann", "ben", "cat", "dan"];
    const operation = fc.oneof(
      fc.record({
        op: fc.constant("claim" as const),
        owner: fc.constantFrom(...OWNERS),
        name: fc.constantFrom(...NAMES),
      }),
      fc.record({
        op: fc.constant("release" as const),
        owner: fc.constantFrom(...OWNERS),
        name: fc.constantFrom(...NAMES),
      }),
      fc.record({
        op: fc.constant("move" as const),
        owner: fc.constantFrom(...OWNERS),
        name: fc.constantFrom(...NAMES),
        to: fc.constantFrom(...NAMES),
      }),
    );
    type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;
    const run = (registry: UsernameRegistry, o: Operation): Promise<ClaimResult | undefined> =>
      o.op === "claim"
        ? registry.claim(o.name, o.owner)
        : o.op === "release"
          ? registry.release(o.name, o.owner).then(() => undefined)
          : registry.move(o.owner, o.name, o.to);

    /** username -> owner and owner -> username are inverse maps (a bijection between their keys). */
    async function expectInverseMaps(registry: UsernameRegistry): Promise<void> {
      for (const name of NAMES) {
        const owner = await registry.ownerOf(name);
        if (owner !== undefined) expect(await registry.usernameOf(owner)).toBe(name);
      }
      for (const owner of OWNERS) {
        const name = await registry.usernameOf(owner);
        if (name !== undefined) expect(await registry.ownerOf(name)).toBe(owner);
      }
    }

    it("makes the same decisions as the reference (memoryStore) over random sequences", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(operation, { minLength: 1, maxLength: 20, size: "max" }),
          async (ops) => {
            const registry = fresh();
            const model = memoryStore();
            for (const o of ops) {
              expect(await run(registry, o)).toEqual(await run(model, o));
              await expectInverseMaps(registry);
            }
          },
        ),
        { numRuns: runs.sequential },
      );
    });

    it("keeps the two maps inverse under random concurrent interleavings", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.array(operation, { minLength: 1, maxLength: 6 }), {
            minLength: 1,
            maxLength: 6,
          }),
          async (batches) => {
            const registry = fresh();
            for (const batch of batches) {
              const results = await Promise.all(batch.map((o) => run(registry, o)));
              await expectInverseMaps(registry);
              // Without releases or moves in the batch, no two owners were told they hold one name.
              if (batch.some((o) => o.op !== "claim")) continue;
              const holders = new Map<string, Set<string>>();
              batch.forEach((o, i) => {
                const r = results[i];
                if (r?.status !== "claimed") return;
                const set = holders.get(r.username) ?? new Set<string>();
                set.add(o.owner);
                holders.set(r.username, set);
              });
              for (const set of holders.values()) expect(set.size).toBe(1);
            }
          },
        ),
        { numRuns: runs.concurrent },
      );
    });
  });
}
