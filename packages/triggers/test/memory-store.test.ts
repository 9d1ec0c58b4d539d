import { type MemoryStore, memoryStore } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { describeRegistryContract } from "./support/registry-contract.js";

describeRegistryContract("memoryStore", memoryStore, async (registry, username, owner) => {
  // A claim from before owner records: the name only.
  ((registry as MemoryStore).names as Map<string, string>).set(username, owner);
});

const rules = { minIntervalMs: 30_000, maxPerWindow: 3, windowMs: 600_000 };

describe("memoryStore", () => {
  it("keeps names and owners as inverse views of the claims", async () => {
    // Prepare
    const store = memoryStore();
    // Act
    await store.claim("alice", "a");
    await store.claim("bob", "b");
    await store.move("a", "alice", "ally");
    // Assess
    expect([...store.names]).toEqual([
      ["bob", "b"],
      ["ally", "a"],
    ]);
    expect([...store.owners]).toEqual([
      ["a", "ally"],
      ["b", "bob"],
    ]);
  });

  it("enforces the minimum interval and the window, with retryAfterMs", async () => {
    // Prepare
    const store = memoryStore();
    const t = 1_000_000;
    // Act
    const first = await store.hit("k", t, rules);
    const soon = await store.hit("k", t + 10_000, rules);
    const second = await store.hit("k", t + 30_000, rules);
    const third = await store.hit("k", t + 60_000, rules);
    const full = await store.hit("k", t + 90_000, rules);
    const later = await store.hit("k", t + 600_001, rules);
    const other = await store.hit("other", t + 10_000, rules);
    // Assess
    expect(first).toEqual({ allowed: true });
    expect(soon).toEqual({ allowed: false, retryAfterMs: 20_000 });
    expect([second, third]).toEqual([{ allowed: true }, { allowed: true }]);
    expect(full).toEqual({ allowed: false, retryAfterMs: 510_000 });
    expect(later).toEqual({ allowed: true });
    expect(other).toEqual({ allowed: true });
  });

  it("lets only maxPerWindow of many concurrent hits through", async () => {
    // Prepare
    const store = memoryStore();
    // Act
    const results = await Promise.all(
      Array.from({ length: 20 }, () => store.hit("k", 5_000, { ...rules, minIntervalMs: 0 })),
    );
    // Assess
    expect(results.filter((r) => r.allowed)).toHaveLength(3);
  });

  it("gives every call its own store", async () => {
    // Prepare
    const a = memoryStore();
    const b = memoryStore();
    // Act
    await a.claim("carol", "x");
    // Assess
    expect(await b.ownerOf("carol")).toBeUndefined();
  });

  it("counts a clock behind the latest send as that send's time, as dynamoDbStore does", async () => {
    const store = memoryStore();
    const t = 5_000_000;
    const interval = { minIntervalMs: 1_000, maxPerWindow: 5, windowMs: 60_000 };
    expect(await store.hit("skew", t + 10_000, interval)).toEqual({ allowed: true });
    // 9 s behind: wait the 9 s of skew plus the full interval.
    expect(await store.hit("skew", t + 1_000, interval)).toEqual({
      allowed: false,
      retryAfterMs: 10_000,
    });
    // No interval (the daily cap's rules): a clock 1 ms behind is not a reason to refuse.
    const day = { minIntervalMs: 0, maxPerWindow: 10, windowMs: 86_400_000 };
    expect(await store.hit("day", t, day)).toEqual({ allowed: true });
    expect(await store.hit("day", t - 1, day)).toEqual({ allowed: true });
  });

  it("keeps the minimum interval when it is longer than the window", async () => {
    const store = memoryStore();
    const t = 7_000_000;
    const rules = { minIntervalMs: 3_600_000, maxPerWindow: 5, windowMs: 60_000 };
    expect(await store.hit("long", t, rules)).toEqual({ allowed: true });
    // The first send has left the window but is still within the interval.
    expect(await store.hit("long", t + 120_000, rules)).toEqual({
      allowed: false,
      retryAfterMs: 3_480_000,
    });
    expect(await store.hit("long", t + 3_600_000, rules)).toEqual({ allowed: true });
  });
});
