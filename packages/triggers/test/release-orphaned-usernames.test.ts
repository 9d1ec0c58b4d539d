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
