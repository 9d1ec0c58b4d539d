import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkUsername,
  DEFAULT_RESERVED_USERNAMES,
  DEFAULT_STAFF_WORDS,
  DEFAULT_USERNAME_POLICY,
  isPasscodeError,
  normalizeUsername,
  resolveUsernamePolicy,
  usernameSkeleton,
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
    const policy = { minLength: 5, maxLength: 8, reserved: ["alice"], staffWords: ["boss"] };
    expect(validateUsername("bob", policy)).toMatchObject({ reason: "TOO_SHORT" });
    expect(validateUsername("robertson", policy)).toMatchObject({ reason: "TOO_LONG" });
    expect(validateUsername("Alice", policy)).toMatchObject({ reason: "RESERVED" });
    expect(validateUsername("the_boss", policy)).toMatchObject({ reason: "RESERVED" });
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
            validateUsername(input, {
              minLength: min,
              maxLength: max,
              reserved: [],
              staffWords: [],
            }),
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

// Issue 10, point 8: reserved names resist look-alikes. A reference reader,
// written independently of the matcher: every way a name can be read (each
// look-alike digit as its letter or as nothing, other digits and `_` as
// nothing, `rn` as `m` or as itself, `vv` as `w` or as itself, `i` as `l`).
const LOOK_ALIKE_DIGITS: Record<string, string> = {
  0: "o",
  1: "l",
  3: "e",
  4: "a",
  5: "s",
  7: "t",
};

function readings(name: string): Set<string> {
  const out = new Set<string>();
  const walk = (rest: string, read: string) => {
    if (!rest) {
      out.add(read.replaceAll("i", "l"));
      return;
    }
    const c = rest[0]!;
    if (c === "_") return walk(rest.slice(1), read);
    if (/\d/.test(c)) {
      walk(rest.slice(1), read);
      const letter = LOOK_ALIKE_DIGITS[c];
      if (letter) walk(rest.slice(1), read + letter);
      return;
    }
    // `rn` reads as `m` and `vv` as `w`, also with digits (read as nothing) between.
    for (const [first, second, letter] of [
      ["r", "n", "m"],
      ["v", "v", "w"],
    ] as const) {
      if (c !== first) continue;
      let k = 1;
      while (k < rest.length && /\d/.test(rest[k]!)) k++;
      if (rest[k] === second) walk(rest.slice(k + 1), read + letter);
    }
    walk(rest.slice(1), read + c);
  };
  walk(name.replaceAll("_", ""), "");
  return out;
}

/** The skeleton a reserved entry is compared on, spelled out by hand. */
function referenceSkeleton(entry: string): string {
  return normalizeUsername(entry)
    .replace(/[^a-z0-9]/g, "")
    .replaceAll("i", "l")
    .replace(/\d/g, (d) => LOOK_ALIKE_DIGITS[d] ?? "")
    .replaceAll("rn", "m")
    .replaceAll("vv", "w");
}

const RESERVED_SKELETONS = new Set(DEFAULT_RESERVED_USERNAMES.map(referenceSkeleton));
const STAFF_SKELETONS = DEFAULT_STAFF_WORDS.map(referenceSkeleton);

/** What the default policy should say about a name the rest of the rule accepts. */
function referenceIsReserved(name: string): boolean {
  for (const read of readings(name)) {
    if (RESERVED_SKELETONS.has(read)) return true;
    if (STAFF_SKELETONS.some((word) => read.includes(word))) return true;
  }
  return false;
}

/** What may be inserted after a letter: up to two of `_` and digits (built once: chain calls lookAlike per run). */
const FILLER = fc.string({ unit: fc.constantFrom(..."_0123456789"), maxLength: 2 });

/** A look-alike of `word`: letters swapped for their look-alikes, `_` and digits inserted. */
const lookAlike = (word: string) =>
  fc
    .tuple(
      fc.array(fc.nat(), { minLength: word.length, maxLength: word.length }),
      fc.array(FILLER, {
        minLength: word.length,
        maxLength: word.length,
      }),
    )
    .map(([picks, fillers]) =>
      [...word]
        .map((c, i) => {
          const swaps: Record<string, string[]> = {
            o: ["o", "0"],
            l: ["l", "1", "i"],
            i: ["i", "1", "l"],
            s: ["s", "5"],
            e: ["e", "3"],
            a: ["a", "4"],
            t: ["t", "7"],
            m: ["m", "rn"],
            w: ["w", "vv"],
          };
          const options = swaps[c] ?? [c];
          // Filler after the letter, so the name still starts with it.
          return options[picks[i]! % options.length]! + fillers[i]!;
        })
        .join(""),
    );

describe("reserved names resist look-alikes (issue 10, point 8)", () => {
  it.each([
    // The review's four names.
    "adrnin",
    "supp0rt",
    "the_admin",
    "support_team",
    // Digit look-alikes, in any mix with inserted digits and underscores.
    "r00t",
    "root1",
    "root_2",
    "r_o_o_t",
    "adm1n",
    "admln",
    "ADMlN",
    "s3curity",
    "sy5tem",
    "x5upport",
    "user0name",
    "postr2naster",
    "supp0rt1",
    "h3lp",
    "n0_reply",
    "n0reply",
    "vvvvvv",
    "vvebmaster",
    "sysadrnin",
    "postrnaster",
    "0wner".replace("0", "o0"),
    // Staff words anywhere in the name, look-alike or not.
    "official_news",
    "the0fficial",
    "m0derator42",
    "moderatornick",
    "chief_of_staff",
    "staff",
    "helpdesk_bot",
    "security_team",
    "not_an_adm1n",
    "xsupportx",
  ])("refuses %j as RESERVED", (name) => {
    expect(validateUsername(name)).toMatchObject({ ok: false, reason: "RESERVED" });
  });

  it.each([
    "alice",
    "bob_smith",
    "marie_curie",
    "mallory7",
    "rnorris",
    "wendy",
    "vivian",
    "zoe_2024",
    "starfish",
    "sport",
    "supper",
    "admiral",
    "moderate",
    "offical_typo_is_fine",
  ])("still accepts the ordinary name %j", (name) => {
    expect(validateUsername(name)).toEqual({ ok: true, username: normalizeUsername(name) });
  });

  it("refuses every look-alike of every reserved name (property)", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...DEFAULT_RESERVED_USERNAMES)
          .chain((name) =>
            lookAlike(name.replaceAll("_", "")).map((alike) => [name, alike] as const),
          ),
        ([, alike]) => {
          const result = validateUsername(alike);
          expect(result.ok).toBe(false);
          // Refused for what it reads as whenever the rest of the rule would take it.
          if (checkUsername(alike, 3, 30).ok) expect(result).toMatchObject({ reason: "RESERVED" });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("refuses every look-alike of a staff word anywhere in a name (property)", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
        fc.constantFrom(...DEFAULT_STAFF_WORDS).chain(lookAlike),
        fc.stringMatching(/^[a-z0-9_]{0,8}$/),
        (prefix, alike, suffix) => {
          const name = `${prefix}${alike}${suffix}`;
          expect(validateUsername(name, { maxLength: 64 })).toMatchObject({
            ok: false,
            reason: "RESERVED",
          });
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("refuses every name whose skeleton is a reserved name's skeleton (property)", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z][a-z0-9_]{2,12}$/), (name) => {
        const skeleton = usernameSkeleton(name);
        expect(skeleton).toBe(referenceSkeleton(name));
        if (RESERVED_SKELETONS.has(skeleton)) {
          expect(validateUsername(name)).toMatchObject({ ok: false, reason: "RESERVED" });
        }
      }),
      { numRuns: 3000 },
    );
    expect(usernameSkeleton("Adrn1n_2")).toBe("admln");
    expect(usernameSkeleton("Supp0rt")).toBe(usernameSkeleton("support"));
    // A custom reserved name with a dropped digit inside `rn` still folds.
    expect(usernameSkeleton("r2n")).toBe("m");
    expect(validateUsername("xrnx", { reserved: ["xr2nx"] })).toMatchObject({ reason: "RESERVED" });
  });

  it("refuses exactly what the reference reader refuses, and accepts every other valid name (property)", () => {
    const names = fc.oneof(
      fc.stringMatching(/^[a-z][a-z0-9_]{2,11}$/),
      // Names built from pieces of reserved and staff words, to land near the line.
      fc
        .array(
          fc.constantFrom(
            "ad",
            "rn",
            "in",
            "m",
            "sup",
            "p0",
            "rt",
            "st",
            "aff",
            "0",
            "1",
            "_",
            "vv",
            "w",
            "root",
            "of",
            "f1",
            "cial",
            "mod",
            "er",
            "at",
            "or",
            "help",
            "desk",
            "sec",
            "ur",
            "ity",
            "5",
            "3",
            "x",
            "y",
            "bob",
            "ali",
            "ce",
            "n",
            "adm1n",
            "supp0rt",
            "st4ff",
            "0fficial",
            "rnoderator",
            "h3lpdesk",
            "securlty",
            "r00t",
            "user",
            "vvvvvv",
            "2",
          ),
          { minLength: 1, maxLength: 5 },
        )
        .map((parts) => `a${parts.join("")}`),
    );
    fc.assert(
      fc.property(names, (name) => {
        const rest = checkUsername(name, 3, 30);
        fc.pre(rest.ok);
        const result = validateUsername(name);
        if (referenceIsReserved(name)) {
          expect(result).toMatchObject({ ok: false, reason: "RESERVED" });
        } else {
          expect(result).toEqual(rest);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("gives the same answer whether the policy comes as options or resolved (property)", () => {
    fc.assert(
      fc.property(
        fc.option(fc.subarray([...DEFAULT_RESERVED_USERNAMES, "b0ss", "jane_doe"]), {
          nil: undefined,
        }),
        fc.option(fc.subarray([...DEFAULT_STAFF_WORDS, "ceo", "rnanager"]), { nil: undefined }),
        fc.oneof(
          fc.stringMatching(/^[a-z][a-z0-9_]{2,20}$/),
          fc.constantFrom(
            "adrnin",
            "supp0rt",
            "the_admin",
            "boss",
            "jane_d0e",
            "the_ceo",
            "manager",
          ),
        ),
        (reserved, staffWords, name) => {
          const options = { reserved, staffWords };
          const resolved = resolveUsernamePolicy(options);
          expect(validateUsername(name, options)).toEqual(validateUsername(name, resolved));
          expect(validateUsername(name, resolved)).toEqual(
            validateUsername(name, resolveUsernamePolicy(options, "username.policy.")),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("applies configured staff words, and none with staffWords: []", () => {
    expect(validateUsername("the_ceo", { staffWords: ["ceo"] })).toMatchObject({
      reason: "RESERVED",
    });
    expect(validateUsername("rnanager_x", { staffWords: ["manager"] })).toMatchObject({
      reason: "RESERVED",
    });
    expect(validateUsername("support_team", { staffWords: [] })).toEqual({
      ok: true,
      username: "support_team",
    });
    // A custom reserved list is compared on skeletons too.
    expect(validateUsername("b0ss", { reserved: ["boss"] })).toMatchObject({ reason: "RESERVED" });
  });

  it.each([
    [{ staffWords: "admin" as unknown as string[] }, "staffWords"],
    [{ staffWords: ["ok", "admin"] }, "staffWords"],
    [{ staffWords: ["__1__"] }, "staffWords"],
  ])("refuses staff words %j naming %s", (options, field) => {
    expect(() => resolveUsernamePolicy(options, "username.policy.")).toThrow(
      expect.objectContaining({
        code: "CONFIGURATION_ERROR",
        details: { field: `username.policy.${field}` },
      }),
    );
  });

  it("keeps the browser's check list-free: checkUsername refuses only what it is given", () => {
    expect(checkUsername("supp0rt", 3, 30)).toEqual({ ok: true, username: "supp0rt" });
    expect(checkUsername("supp0rt", 3, 30, new Set(["support"]))).toEqual({
      ok: true,
      username: "supp0rt",
    });
    expect(
      checkUsername("supp0rt", 3, 30, { has: DEFAULT_USERNAME_POLICY.isReserved }),
    ).toMatchObject({
      ok: false,
      reason: "RESERVED",
    });
  });
});
