import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkUsername,
  DEFAULT_RESERVED_USERNAMES,
  isPasscodeError,
  normalizeUsername,
  resolveUsernamePolicy,
  validateUsername,
} from "../src/index.js";

describe("validateUsername", () => {
  it("accepts and normalises good names", () => {
    expect(validateUsername("Alice_1")).toEqual({ ok: true, username: "alice_1" });
    expect(validateUsername("  bob  ")).toEqual({ ok: true, username: "bob" });
    // NFKC folds full-width ASCII to ASCII before the check.
    expect(validateUsername("ＡＬＩＣＥ")).toEqual({ ok: true, username: "alice" });
  });

  it.each([
    ["", "EMPTY"],
    ["   ", "EMPTY"],
    ["ab", "TOO_SHORT"],
    ["a".repeat(31), "TOO_LONG"],
    ["1alice", "MUST_START_WITH_LETTER"],
    ["_alice", "MUST_START_WITH_LETTER"],
    ["alice-b", "INVALID_CHARACTERS"],
    ["al ice", "INVALID_CHARACTERS"],
    ["аlice", "INVALID_CHARACTERS"], // Cyrillic а: a homoglyph
    ["zoë", "INVALID_CHARACTERS"],
    ["ａｄｍｉｎ", "RESERVED"],
    ["Admin", "RESERVED"],
    ["root", "RESERVED"],
  ])("refuses %j as %s", (input, reason) => {
    const result = validateUsername(input);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.message).toMatch(/\S/);
    }
  });

  it("refuses non-strings and huge input without normalising it", () => {
    expect(validateUsername(42)).toMatchObject({ ok: false, reason: "EMPTY" });
    expect(validateUsername("a".repeat(100_000))).toMatchObject({ ok: false, reason: "TOO_LONG" });
  });

  it("applies a custom policy", () => {
    const policy = { minLength: 5, maxLength: 8, reserved: ["alice"] };
    expect(validateUsername("bob", policy)).toMatchObject({ reason: "TOO_SHORT" });
    expect(validateUsername("robertson", policy)).toMatchObject({ reason: "TOO_LONG" });
    expect(validateUsername("Alice", policy)).toMatchObject({ reason: "RESERVED" });
    expect(validateUsername("admin", policy)).toEqual({ ok: true, username: "admin" });
  });

  it("only ever accepts the documented alphabet, in its normalised form (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: "binary" }), (input) => {
        const result = validateUsername(input);
        if (result.ok) {
          expect(result.username).toMatch(/^[a-z][a-z0-9_]{2,29}$/);
          expect(result.username).toBe(normalizeUsername(input));
          expect(DEFAULT_RESERVED_USERNAMES).not.toContain(result.username);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("is case-insensitive: names that differ only in case normalise alike (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{2,29}$/), (name) => {
        const upper = validateUsername(name.toUpperCase());
        const lower = validateUsername(name);
        expect(upper).toEqual(lower);
      }),
    );
  });
});

describe("checkUsername", () => {
  it("agrees with validateUsername for the same bounds and an empty reserved list (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 80 }),
          fc.stringMatching(/^[ A-Za-z0-9_]{0,70}$/),
          fc.constantFrom("admin", " ", "\u3000", "\ufb00x", "\u212Aelvin", "x".repeat(300)),
        ),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 0, max: 63 }),
        (input, min, extra) => {
          const max = Math.min(64, min + extra);
          expect(checkUsername(input, min, max)).toEqual(
            validateUsername(input, { minLength: min, maxLength: max, reserved: [] }),
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("refuses reserved names only when given the list", () => {
    expect(checkUsername("Admin", 3, 30)).toEqual({ ok: true, username: "admin" });
    expect(checkUsername("Admin", 3, 30, new Set(["admin"]))).toMatchObject({
      ok: false,
      reason: "RESERVED",
    });
  });

  it.each([
    [0, 30],
    [3, 2],
    [3, Number.POSITIVE_INFINITY],
    [Number.NaN, 30],
    [3, Number.NaN],
    [2.5, 30],
    [3, 257],
  ])("fails closed on bounds %s..%s instead of accepting anything", (min, max) => {
    expect(() => checkUsername("x".repeat(100_000), min, max)).toThrow(TypeError);
    expect(() => checkUsername("alice", min, max)).toThrow(TypeError);
  });
});

describe("resolveUsernamePolicy", () => {
  it.each([
    [{ minLength: 0 }, "minLength"],
    [{ minLength: 2.5 }, "minLength"],
    [{ maxLength: 65 }, "maxLength"],
    [{ minLength: 10, maxLength: 5 }, "maxLength"],
    [{ reserved: "admin" as unknown as string[] }, "reserved"],
  ])("refuses %j naming %s", (options, field) => {
    try {
      resolveUsernamePolicy(options, "username.policy.");
      expect.unreachable();
    } catch (error) {
      expect(isPasscodeError(error)).toBe(true);
      if (isPasscodeError(error)) {
        expect(error.code).toBe("CONFIGURATION_ERROR");
        expect(error.details.field).toBe(`username.policy.${field}`);
        expect(error.message).toContain(`username.policy.${field}`);
      }
    }
  });
});
