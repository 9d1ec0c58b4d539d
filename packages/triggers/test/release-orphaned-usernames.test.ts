import { isPasscodeError } from "@cognito-passcode/shared";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/memory-store.js";
import {
  type ReleaseOrphanedUsernamesOptions,
  releaseOrphanedUsernames,
} from "../src/release-orphaned-usernames.js";
import type { UsernameRegistry } from "../src/store.js";

// The sweep's behaviour against a real pool (ListUsers, DeleteUser,
// AdminDeleteUser, refused calls) is tested through the local stack in
// packages/local/test/security-registry.test.ts.
describe("releaseOrphanedUsernames options", () => {
  const valid: ReleaseOrphanedUsernamesOptions = {
    cognito: { send: async () => ({ Users: [] }) } as never,
    userPoolId: "eu-west-1_AbCdEf123",
    registry: memoryStore(),
  };

  it("refuses bad options before reading anything, naming the field", async () => {
    const cases: [Partial<Record<keyof ReleaseOrphanedUsernamesOptions, unknown>>, string][] = [
      [{ cognito: {} }, "cognito"],
      [{ userPoolId: "not a pool" }, "userPoolId"],
      [{ registry: { release: async () => {} } }, "registry"],
      [{ dryRun: "yes" }, "dryRun"],
      [{ minAgeMs: -1 }, "minAgeMs"],
      [{ minAgeMs: 31 * 86_400_000 }, "minAgeMs"],
      [{ now: 5 }, "now"],
      [{ attribute: "" }, "attribute"],
    ];
    for (const [override, field] of cases) {
      const error = await releaseOrphanedUsernames({ ...valid, ...override } as never).catch(
        (e: unknown) => e,
      );
      expect(isPasscodeError(error) && error.code).toBe("CONFIGURATION_ERROR");
      expect(error).toMatchObject({ details: { field } });
    }
  });

  it("sweeps an empty registry without asking Cognito anything", async () => {
    let asked = 0;
    const cognito = {
      send: async () => {
        asked++;
        return { Users: [] };
      },
    } as never;
    expect(await releaseOrphanedUsernames({ ...valid, cognito })).toEqual({
      scanned: 0,
      recent: 0,
      orphaned: 0,
      extra: 0,
      released: 0,
      failed: 0,
    });
    expect(asked).toBe(0);
  });
});

describe("releaseOrphanedUsernames and renameUsername", () => {
  it("keeps a legacy extra name its owner was renamed onto between the check and the release", async () => {
    // Prepare: U holds xavier, and a legacy extra claim on yolanda (no owner record).
    const store = memoryStore();
    const U = "11111111-1111-4111-8111-111111111111";
    const W = "22222222-2222-4222-8222-222222222222";
    await store.claim("xavier", U);
    (store.names as Map<string, string>).set("yolanda", U);
    let attribute = "xavier";
    const registry: UsernameRegistry = {
      ...store,
      // The sweep has read ListUsers (attribute xavier) and now asks the owner
      // record; meanwhile renameUsername(U -> yolanda) runs to completion.
      async usernameOf(owner) {
        const before = await store.usernameOf(owner);
        expect(await store.move(U, "xavier", "yolanda")).toEqual({
          status: "claimed",
          username: "yolanda",
        });
        attribute = "yolanda";
        return before;
      },
    };
    const cognito = {
      send: async () => ({
        Users: [
          {
            Attributes: [
              { Name: "sub", Value: U },
              { Name: "custom:username", Value: attribute },
            ],
          },
        ],
      }),
    } as never;
    // Act
    const result = await releaseOrphanedUsernames({
      cognito,
      userPoolId: "eu-west-1_AbCdEf123",
      registry,
      attribute: "custom:username",
      minAgeMs: 0,
    });
    // Assess: judged extra, but the conditional release kept U's one name.
    expect(result).toMatchObject({ scanned: 2, extra: 1, failed: 0 });
    expect(attribute).toBe("yolanda");
    expect(await store.usernameOf(U)).toBe("yolanda");
    expect(await store.ownerOf("yolanda")).toBe(U);
    expect(await store.claim("yolanda", W)).toEqual({ status: "taken" });
  });

  it("needs releaseExtra on the registry to release extra claims", async () => {
    const { releaseExtra: _, ...registry } = memoryStore();
    const error = await releaseOrphanedUsernames({
      cognito: { send: async () => ({ Users: [] }) } as never,
      userPoolId: "eu-west-1_AbCdEf123",
      registry: registry as never,
      attribute: "custom:username",
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field: "registry" } });
  });
});

describe("releaseOrphanedUsernames: only a clear answer releases", () => {
  const U = "33333333-3333-4333-8333-333333333333";
  const W = "44444444-4444-4444-8444-444444444444";
  const pool = "eu-west-1_AbCdEf123";
  type Page = { Users?: unknown[]; PaginationToken?: string };
  /** A Cognito whose ListUsers answers `pages` in turn (the last one again after), recording each request. */
  function listing(pages: Page[]) {
    const requests: { PaginationToken?: string; Filter?: string; Limit?: number }[] = [];
    const cognito = {
      send: async (command: {
        input: { PaginationToken?: string; Filter?: string; Limit?: number };
      }) => {
        requests.push(command.input);
        return pages[Math.min(requests.length - 1, pages.length - 1)];
      },
    } as never;
    return { cognito, requests };
  }
  const alive = (attributes: Record<string, string>) => ({
    Users: [
      {
        Attributes: Object.entries({ sub: U, ...attributes }).map(([Name, Value]) => ({
          Name,
          Value,
        })),
      },
    ],
  });
  /** The sweep of `registry` with no minimum age, as every test here runs it; `extra` adds options. */
  const sweep = (
    registry: UsernameRegistry,
    cognito: never,
    extra: Partial<ReleaseOrphanedUsernamesOptions> = {},
  ) => releaseOrphanedUsernames({ cognito, userPoolId: pool, registry, minAgeMs: 0, ...extra });

  it("keeps a claim when ListUsers answers an empty page with a PaginationToken, every time", async () => {
    // Prepare: Cognito's filtered ListUsers may answer a page with no match and a token.
    const store = memoryStore();
    await store.claim("alice", U);
    const { cognito } = listing([{ Users: [], PaginationToken: "more" }]);
    // Act
    const result = await sweep(store, cognito);
    // Assess: not "gone": kept, and counted so an alarm sees it.
    expect(result).toMatchObject({ scanned: 1, orphaned: 0, released: 0, failed: 1 });
    expect(await store.ownerOf("alice")).toBe(U);
    expect(await store.claim("alice", W)).toEqual({ status: "taken" });
  });

  it("follows the PaginationToken: a user on a later page keeps the claim, and the same filter is asked", async () => {
    // Prepare
    const store = memoryStore();
    await store.claim("alice", U);
    const { cognito, requests } = listing([
      { Users: [], PaginationToken: "p2" },
      { Users: [], PaginationToken: "p3" },
      alive({}),
    ]);
    // Act
    const result = await sweep(store, cognito);
    // Assess
    expect(result).toMatchObject({ scanned: 1, orphaned: 0, released: 0, failed: 0 });
    expect(await store.ownerOf("alice")).toBe(U);
    expect(requests.map((r) => r.PaginationToken)).toEqual([undefined, "p2", "p3"]);
    expect(new Set(requests.map((r) => r.Filter)).size).toBe(1);
  });

  it("releases a claim only when the last page is empty and has no token", async () => {
    // Prepare
    const store = memoryStore();
    await store.claim("alice", U);
    const { cognito } = listing([{ Users: [], PaginationToken: "p2" }, { Users: [] }]);
    // Act
    const result = await sweep(store, cognito);
    // Assess
    expect(result).toMatchObject({ scanned: 1, orphaned: 1, released: 1, failed: 0 });
    expect(await store.ownerOf("alice")).toBeUndefined();
  });

  it.each(["Alice", " alice ", "ALICE", "ａｌｉｃｅ"])(
    "keeps a user's only claim `alice` when an admin wrote the attribute as %j",
    async (shown) => {
      // Prepare: a claim from before owner records (no owner#<sub>), so only
      // the attribute says it is the user's name.
      const store = memoryStore();
      (store.names as Map<string, string>).set("alice", U);
      const { cognito } = listing([alive({ "custom:username": shown })]);
      // Act
      const result = await sweep(store, cognito, { attribute: "custom:username" });
      // Assess
      expect(result).toMatchObject({ scanned: 1, extra: 0, released: 0, failed: 0 });
      expect(await store.ownerOf("alice")).toBe(U);
      expect(await store.claim("alice", W)).toEqual({ status: "taken" });
    },
  );

  it("keeps a claim when ListUsers lists a user whose sub is not the owner (a filter not honoured)", async () => {
    // Prepare: a legacy claim on bob for U; the answer lists W, another user
    // with another name (an emulator that ignores Filter answers like this).
    const store = memoryStore();
    (store.names as Map<string, string>).set("bob", U);
    const { cognito, requests } = listing([
      {
        Users: [
          {
            Attributes: [
              { Name: "sub", Value: W },
              { Name: "custom:username", Value: "walter" },
            ],
          },
        ],
      },
    ]);
    // Act
    const result = await sweep(store, cognito, { attribute: "custom:username" });
    // Assess: neither found nor gone: kept, counted as failed; pages ask for up to 60 users.
    expect(result).toMatchObject({ scanned: 1, extra: 0, released: 0, failed: 1 });
    expect(await store.ownerOf("bob")).toBe(U);
    expect(requests[0]).toMatchObject({ Limit: 60 });
  });

  it("still releases a live user's extra claim when the attribute names another name in any case", async () => {
    // Prepare: U's name is alice (attribute `Alice`); bob is a legacy extra claim.
    const store = memoryStore();
    await store.claim("alice", U);
    (store.names as Map<string, string>).set("bob", U);
    const { cognito } = listing([alive({ "custom:username": "Alice" })]);
    // Act
    const result = await sweep(store, cognito, { attribute: "custom:username" });
    // Assess
    expect(result).toMatchObject({ scanned: 2, extra: 1, released: 1, failed: 0 });
    expect(await store.ownerOf("alice")).toBe(U);
    expect(await store.ownerOf("bob")).toBeUndefined();
  });
});
