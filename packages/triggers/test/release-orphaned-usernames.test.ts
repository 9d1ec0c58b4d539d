import { isPasscodeError } from "@cognito-passcode/shared";
import { describe, expect, it } from "vitest";
import { memoryStore } from "../src/memory-store.js";
import {
  type ReleaseOrphanedUsernamesOptions,
  releaseOrphanedUsernames,
} from "../src/release-orphaned-usernames.js";

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
