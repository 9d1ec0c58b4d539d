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
// written independently of the matcher: every way a name can be read, as a
// set of strings (`_` dropped, `i` read as `l` and `v` as `u` first): each
// look-alike digit as its letter or as nothing, other digits as nothing; each
// `q` as `g` or `p` (never as itself); `rn`/`nn` as `m`, `uu` (so `vv`) as `w`, `cl` as `d`, `rl` as `n` or as written (digits may sit
// between, the second may be a digit reading as it); a run of one letter
// as any non-empty part of it; and then every run of one letter in the
// reading as one letter. A reserved entry is every way of reading its own pairs
// (`username` is `username` and `usemame`), runs as one.
const LOOK_ALIKE_DIGITS: Record<string, string> = {
  0: "o",
  1: "l",
  3: "e",
  4: "a",
  5: "s",
  6: "b",
  7: "t",
  8: "b",
  9: "g",
};
const PAIR_READINGS = [
  ["r", "n", "m"],
  ["n", "n", "m"],
  ["u", "u", "w"],
  ["c", "l", "d"],
  ["r", "l", "n"],
] as const;

const collapse = (text: string) => text.replace(/(.)\1+/g, "$1");
const isDigit = (c: string | undefined) => c !== undefined && /\d/.test(c);

function readings(name: string): Set<string> {
  const raw = name.replaceAll("_", "").replaceAll("i", "l").replaceAll("v", "u");
  // The readings of raw[k..], with runs already collapsed (collapse(a + b) =
  // collapse(collapse(a) + collapse(b))), memoised per k and whether some
  // letter of the run raw[k] continues was read (then this one may go too).
  const memo = new Map<string, Set<string>>();
  const suffix = (k: number, keptBefore: boolean): Set<string> => {
    if (k === raw.length) return new Set([""]);
    const known = memo.get(`${k}/${keptBefore}`);
    if (known) return known;
    const out = new Set<string>();
    const add = (letter: string, next: number, kept: boolean) => {
      for (const rest of suffix(next, kept)) out.add(collapse(letter + rest));
    };
    const c = raw[k]!;
    if (isDigit(c)) {
      add("", k + 1, true);
      if (LOOK_ALIKE_DIGITS[c]) add(LOOK_ALIKE_DIGITS[c], k + 1, true);
    } else if (c === "q") {
      add("g", k + 1, true);
      add("q", k + 1, true);
    } else {
      // A run of one letter reads as a non-empty part of it.
      const sameBefore = keptBefore && raw[k - 1] === c;
      if (sameBefore || raw[k + 1] === c) add("", k + 1, sameBefore);
      add(c, k + 1, true);
      for (const [first, second, letter] of PAIR_READINGS) {
        if (c !== first) continue;
        for (let m = k + 1; m < raw.length; m++) {
          const d = raw[m]!;
          if (d === second || LOOK_ALIKE_DIGITS[d] === second) add(letter, m + 1, true);
          if (!isDigit(d)) break;
        }
      }
    }
    memo.set(`${k}/${keptBefore}`, out);
    return out;
  };
  return suffix(0, false);
}

/** An entry spelled out by hand: `_` dropped, `i` as `l`, `v` as `u`, digits as their letter or dropped. */
const entryLetters = (entry: string) =>
  normalizeUsername(entry)
    .replace(/[^a-z0-9]/g, "")
    .replaceAll("i", "l")
    .replaceAll("v", "u")
    .replace(/\d/g, (d) => LOOK_ALIKE_DIGITS[d] ?? "");

/** The skeleton of an entry by hand: pairs folded left to right, runs as one. */
function referenceSkeleton(entry: string): string {
  const folded = entryLetters(entry).replaceAll("q", "g");
  let out = "";
  for (let k = 0; k < folded.length; k++) {
    const pair = PAIR_READINGS.find(([a, b]) => folded[k] === a && folded[k + 1] === b);
    out += pair ? pair[2] : folded[k];
    if (pair) k++;
  }
  return collapse(out);
}

/** Every reading of an entry: each of its pairs folded or not, each `q` as `g` or itself, runs as one. */
function entryVariants(entry: string): string[] {
  const text = entryLetters(entry);
  const out: string[] = [];
  const walk = (k: number, read: string) => {
    if (k >= text.length) return void out.push(collapse(read));
    if (text[k] === "q") {
      walk(k + 1, `${read}g`);
      return walk(k + 1, `${read}q`);
    }
    const pair = PAIR_READINGS.find(([a, b]) => text[k] === a && text[k + 1] === b);
    if (pair) walk(k + 2, read + pair[2]);
    walk(k + 1, read + text[k]);
  };
  walk(0, "");
  return out;
}

/** A reserved name's readings under three letters are not used (`www` reads as `w`). */
const longEnough = (reading: string) => reading.length >= 3;
const RESERVED_SKELETONS = new Set(
  DEFAULT_RESERVED_USERNAMES.map(referenceSkeleton).filter(longEnough),
);
const RESERVED_VARIANTS = new Set(
  DEFAULT_RESERVED_USERNAMES.flatMap(entryVariants).filter(longEnough),
);
/** Reserved names as written, `_` dropped, `i` as `l`, `v` as `u`: always refused. */
const asWritten = (name: string) =>
  normalizeUsername(name)
    .replace(/[^a-z0-9]/g, "")
    .replaceAll("i", "l")
    .replaceAll("v", "u");
const RESERVED_AS_WRITTEN = new Set(DEFAULT_RESERVED_USERNAMES.map(asWritten));
/** Reserved names whose every reading is long enough, so their look-alikes are refused. */
const LOOK_ALIKE_RESERVED = DEFAULT_RESERVED_USERNAMES.filter((name) =>
  entryVariants(name).every(longEnough),
);
const STAFF_VARIANTS = DEFAULT_STAFF_WORDS.flatMap(entryVariants);

/** What the default policy should say about a name the rest of the rule accepts. */
function referenceIsReserved(name: string): boolean {
  if (RESERVED_AS_WRITTEN.has(asWritten(name))) return true;
  for (const read of readings(name)) {
    if (RESERVED_VARIANTS.has(read)) return true;
    if (STAFF_VARIANTS.some((word) => read.includes(word))) return true;
  }
  return false;
}

/** What may be inserted after a letter: up to two of `_` and digits (built once: chain calls lookAlike per run). */
const FILLER = fc.string({ unit: fc.constantFrom(..."_0123456789"), maxLength: 2 });

/** Each letter's look-alikes: digits, letters and pairs. */
const SWAPS: Record<string, string[]> = {
  o: ["o", "0"],
  l: ["l", "1", "i"],
  i: ["i", "1", "l"],
  s: ["s", "5"],
  e: ["e", "3"],
  a: ["a", "4"],
  t: ["t", "7"],
  b: ["b", "6", "8"],
  g: ["g", "9", "q"],
  u: ["u", "v"],
  m: ["m", "rn", "nn"],
  w: ["w", "vv"],
  d: ["d", "cl", "ci", "c1"],
  n: ["n", "ri", "r1"],
};

/**
 * A look-alike of `word`: letters swapped for their look-alikes, some
 * written twice, `_` and digits inserted.
 */
const lookAlike = (word: string) =>
  fc
    .tuple(
      fc.array(fc.nat(), { minLength: word.length, maxLength: word.length }),
      fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }),
      fc.array(FILLER, {
        minLength: word.length,
        maxLength: word.length,
      }),
    )
    .map(([picks, doubled, fillers]) =>
      [...word]
        .map((c, i) => {
          const options = SWAPS[c] ?? [c];
          const swap = options[picks[i]! % options.length]!;
          // Filler after the letter, so the name still starts with it.
          return (doubled[i] ? swap + swap : swap) + fillers[i]!;
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
    // The adversarial review's look-alikes the skeleton did not read:
    // 9 as g, cl as d, ri as n, nn as m, doubled letters.
    "lo9in",
    "si9nin",
    "si9nup",
    "bi11in9",
    "aclmin",
    "moclerator",
    "owrier",
    "adnnin",
    "admiin",
    "suppport",
    // ...and their mixes: 6 and 8 as b, a doubled letter before or inside a pair.
    "a6use",
    "a8use",
    "adrrnin",
    "adrnnin",
    "the_adnnin",
    "staaff",
    "sta_ff_team",
    "suport",
    "rooot",
    "adc1min",
    "securrity",
    "secunty",
    "hellpdesk",
    // A pair in the reserved name itself (`username` has `rn`) is read both ways too.
    "usemame",
    "userriame",
    // The second review's look-alikes: `v` read as `u`, `q` as `g`.
    "svpport",
    "secvrity",
    "the_svpport_team",
    "loqin",
    "vser",
    "vsername",
    "si9nvp",
    "siqnin",
    "bi11inq",
    "a8vse",
    // ...while the digit, pair and run readings hold with them.
    "adrn1n",
    "ad_rn_in",
    "ＡＤＲＮ１Ｎ",
    "s_u_p_p_o_r_t",
    "he1pcl3sk",
    "svvpport",
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
    // Near the pair and run readings, but no reserved name.
    "clara",
    "annie",
    "connie",
    "warren",
    "carlos",
    "summer",
    "bobby",
    "girl_power",
    "mood_ring",
    "vivvian",
    "quentin",
    "vera",
    "savvy",
    // The third review: `vu`/`uv` (`uu` is `w`) with digits is not `www`, and
    // `q` is not a mirrored `p` (`aqil` is not `api`; so `suqqort` passes).
    "vu_1",
    "vu2",
    "vu99",
    "vu_2024",
    "vu1990",
    "uv_7",
    "w2024",
    // `www` is refused only as written: its reading `w` is too short to compare.
    "vvvvvv",
    "aqil",
    "aqil_1",
    "aqil1990",
    "suqqort",
  ])("still accepts the ordinary name %j", (name) => {
    expect(validateUsername(name)).toEqual({ ok: true, username: normalizeUsername(name) });
  });

  it("refuses a reserved name whose readings are short only as written, and reads a staff word's `q` as itself", () => {
    // `www` reads as `w`: only `www` itself (and `w_w_w`) is refused.
    expect(validateUsername("www", { minLength: 3 })).toMatchObject({ reason: "RESERVED" });
    expect(validateUsername("w_w_w")).toMatchObject({ reason: "RESERVED" });
    expect(validateUsername("w2024")).toMatchObject({ ok: true });
    // A custom staff word with a `q` refuses its `q` and `g` spellings, not `p`.
    const policy = resolveUsernamePolicy({ staffWords: ["admin", "sqa"] });
    for (const name of ["caspar", "gaspar", "spam_king", "spain_fan"]) {
      expect(validateUsername(name, policy), name).toEqual({ ok: true, username: name });
    }
    for (const name of ["the_sqa_team", "sga_lead", "s9a_x"]) {
      expect(validateUsername(name, policy), name).toMatchObject({ ok: false, reason: "RESERVED" });
    }
  });

  it("refuses every look-alike of every reserved name (property)", () => {
    fc.assert(
      fc.property(
        fc
          .constantFrom(...LOOK_ALIKE_RESERVED)
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
            "svp",
            "pp0rt",
            "secv",
            "loq",
            "q",
            "v",
            "uu",
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

  it("checks hostile 64-character names in bounded time", () => {
    // The search tries each (position, letters spelled, run state) once per
    // reserved reading: well under a millisecond each; 50 ms leaves room for a loaded machine.
    const policy = resolveUsernamePolicy({ maxLength: 64 });
    const hostile = [
      "r",
      "n",
      "v",
      "rl",
      "rri",
      "r1",
      "c1",
      "nn1",
      "a0",
      "vv1",
      "r0n",
      "adm1",
      "q",
      "vq1",
      "sqq",
    ].map((unit) => `a${unit.repeat(64)}`.slice(0, 64));
    for (const name of hostile) {
      const start = performance.now();
      for (let i = 0; i < 10; i++) validateUsername(name, policy);
      expect((performance.now() - start) / 10).toBeLessThan(50);
    }
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
