import {
  DEFAULT_RESERVED_USERNAMES,
  DEFAULT_STAFF_WORDS,
  isPasscodeError,
  type UsernamePolicyOptions,
  validateUsername,
} from "@cognito-passcode/shared";
import {
  createPasscodeTriggers,
  createVerifyAuthChallengeHandler,
  memoryStore,
  type PasscodeTriggersOptions,
} from "@cognito-passcode/triggers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { resolvePolicy } from "../src/resolve-options.js";

// Issue 10, point 8: the Verify trigger resolves `username.policy` once; the
// look-alike and staff-word checks must answer as shared's rule does for the
// same options.
const store = memoryStore();
const withPolicy = (policy?: UsernamePolicyOptions): PasscodeTriggersOptions => ({
  email: { from: "no-reply@example.com" },
  throttle: false,
  username: { registry: store, ...(policy ? { policy } : {}) },
});

describe("username.policy as the triggers resolve it", () => {
  it("refuses the review's look-alikes with the default policy", () => {
    const policy = resolvePolicy(withPolicy());
    for (const name of ["adrnin", "supp0rt", "the_admin", "support_team"]) {
      expect(validateUsername(name, policy), name).toMatchObject({ ok: false, reason: "RESERVED" });
    }
    expect(validateUsername("rita_levi", policy)).toEqual({ ok: true, username: "rita_levi" });
  });

  it("answers as shared's rule with the same options (property)", () => {
    fc.assert(
      fc.property(
        fc.option(fc.subarray([...DEFAULT_RESERVED_USERNAMES, "b0ss"]), { nil: undefined }),
        fc.option(fc.subarray([...DEFAULT_STAFF_WORDS, "ceo", "rnanager"]), { nil: undefined }),
        fc.oneof(
          fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/),
          fc.constantFrom("adrnin", "supp0rt", "the_admin", "support_team", "boss1", "the_ce0"),
        ),
        (reserved, staffWords, name) => {
          const options = { reserved, staffWords };
          expect(validateUsername(name, resolvePolicy(withPolicy(options)))).toEqual(
            validateUsername(name, options),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([[{ staffWords: "admin" }], [{ staffWords: [1] }], [{ staffWords: ["ok"] }]])(
    "refuses username.policy %j at creation, naming username.policy.staffWords",
    (policy) => {
      for (const create of [createPasscodeTriggers, createVerifyAuthChallengeHandler]) {
        try {
          create(withPolicy(policy as UsernamePolicyOptions));
          expect.unreachable();
        } catch (error) {
          expect(isPasscodeError(error) && error.code).toBe("CONFIGURATION_ERROR");
          expect(isPasscodeError(error) && error.details.field).toBe("username.policy.staffWords");
        }
      }
    },
  );
});
