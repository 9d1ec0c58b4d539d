// The look-alike comparison behind the username policy's reserved check. Only
// the policy (server side) uses it: the browser's checkUsername never imports
// this file, so it costs the client bundle nothing.

/**
 * Digits read as the letter they look like (`0`/`o`, `1`/`l`, `6` and
 * `8`/`b`, `9`/`g`) or stand for in leetspeak (`3`/`e`, `4`/`a`, `5`/`s`,
 * `7`/`t`). `2` (`z` in leetspeak) reads as nothing: no default reserved
 * name or staff word has a `z`, and a letter for it would only make an
 * inserted `2` inside a pair (`r2n`) stop reading as nothing.
 */
const DIGIT_LETTERS: Readonly<Record<string, string>> = {
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

/**
 * Letters that read as another or as themselves, on both sides: `q` as `g`
 * (`loqin`) or as `q`. Not as a mirrored `p`: that made `aqil` read as `api`
 * and a staff word with a `q` refuse every name with a `p` or `g` there, so
 * `suqqort` is accepted.
 */
const LETTER_READINGS: Readonly<Record<string, readonly string[] | undefined>> = {
  q: ["g", "q"],
};

/**
 * Readings shorter than this match too much (`www` reads as `w`, so `vu99`
 * and `w2024` would be `www`): a reserved name whose reading is that short
 * is refused only as written.
 */
const MIN_READING = 3;

/**
 * Two letters read as one (on the form where `i` is already `l` and `v`
 * already `u`): `rn` and `nn` as `m`, `uu` (so `vv`, `uv`, `vu`) as `w`, `cl`
 * as `d`, `rl` (so `ri`, `r1`) as `n`.
 */
const PAIRS: Readonly<Record<string, Readonly<Record<string, string>> | undefined>> = {
  r: { n: "m", l: "n" },
  n: { n: "m" },
  u: { u: "w" },
  c: { l: "d" },
};

/**
 * The confusable skeleton of a username, the form reserved names and staff
 * words are compared on: normalised (NFKC, lower-case), everything but `a-z`
 * and `0-9` dropped (so `_`), `i` read as `l` (`I`, `l` and `1` look alike),
 * `v` as `u`, `q` as `g` (the matcher also reads it as itself),
 * `0 1 3 4 5 6 7 8 9` read as `o l e a s b t b g`
 * and any other digit dropped, then `rn` and `nn` read as `m`, `uu` (so `vv`)
 * as `w`, `cl` as `d` and `rl` (`ri`) as `n`, and last every run of one
 * letter read as one (`support` is `suport`).
 *
 * A name matches a reserved name when some reading of it is one of that
 * name's readings (its skeleton, or with some of its own pairs read as
 * written: `username` also reads as itself), not only when the skeletons are
 * equal: a digit may be a look-alike letter or an inserted one (`supp0rt1`
 * reads as `support`), a pair may also be read as written, and a run of one
 * letter as any part of it that is not empty (the username policy's
 * `isReserved` does that).
 *
 * @example
 * ```ts
 * usernameSkeleton("Adrn1n_2") // "admln", as usernameSkeleton("admin")
 * usernameSkeleton("suppport") // "suport", as usernameSkeleton("support")
 * usernameSkeleton("svpport")  // "suport" too: `v` reads as `u`
 * usernameSkeleton("loqin")    // "logln", as usernameSkeleton("login")
 * ```
 */
export function usernameSkeleton(name: string): string {
  // Digits first, so a pair with a dropped digit between still folds.
  return letters(name)
    .replace(/q/g, "g")
    .replace(/\d/g, (digit) => DIGIT_LETTERS[digit] ?? "")
    .replace(/rn|nn|uu|cl|rl/g, (pair) => PAIRS[pair[0] as string]?.[pair[1] as string] ?? pair)
    .replace(/([a-z])\1+/g, "$1");
}

/**
 * Normalised, `a-z0-9` only, `i` read as `l` and `v` as `u` (`svpport`):
 * both sides of every comparison start here. (`q` stays: it has two
 * readings, {@link LETTER_READINGS}.)
 */
function letters(name: string): string {
  return name
    .trim()
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .replace(/i/g, "l")
    .replace(/v/g, "u");
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/**
 * Every way an entry (its {@link letters} form, digits read as their letter
 * or dropped, as in the skeleton) reads when each of its pairs is either
 * read as its letter or as written and each `q` as `g` or itself
 * ({@link LETTER_READINGS}), each with runs read as one: `username`
 * reads as `username` and as `usemame`, so `userriame` (`ri` as `n`) and
 * `usemame` both match it. The greedy fold, {@link usernameSkeleton}, is one
 * of them. At most 64 per entry: past that, the rest of the entry is read
 * as its greedy fold only.
 */
function entryReadings(entry: string): string[] {
  const text = letters(entry).replace(/\d/g, (digit) => DIGIT_LETTERS[digit] ?? "");
  const out = new Set<string>();
  const walk = (k: number, read: string) => {
    if (k === text.length) {
      out.add(read.replace(/([a-z])\1+/g, "$1"));
      return;
    }
    if (out.size >= 64) {
      walk(text.length, read + usernameSkeleton(text.slice(k)));
      return;
    }
    const alternatives = LETTER_READINGS[text[k] as string];
    if (alternatives) {
      for (const letter of alternatives) walk(k + 1, read + letter);
      return;
    }
    const letter = PAIRS[text[k] as string]?.[text[k + 1] as string];
    if (letter) walk(k + 2, read + letter);
    walk(k + 1, read + text[k]);
  };
  walk(0, "");
  return [...out].filter(Boolean);
}

/**
 * Whether some reading of `name` (output of {@link letters}) spells `word` (a
 * reading from {@link entryReadings}): each digit read as its letter or as
 * nothing; a `q` as `g` or itself ({@link LETTER_READINGS}); a pair of {@link PAIRS} as its letter or as written (digits
 * between read as nothing; the second may be a digit that reads as it: `c1`
 * is `d`); a run of one letter as any part of it but none (so `adrrnin` and
 * `adrnnin` have the pair `rn`); any other letter as itself; and any unit
 * that reads as the letter just spelled as nothing (runs of the reading read
 * as one, as the entry's readings have them). With `anywhere`, `word` may be
 * any part of the reading; otherwise all of it. A depth-first search that
 * tries each (position in `name`, letters of `word` spelled, whether the
 * letter before was read) at most once: at most 2 × (name + 1) × (word + 1)
 * states, each with a constant number of moves but a pair's scan over the
 * digits between.
 */
function spells(name: string, word: string, anywhere: boolean, tried: Tried): boolean {
  tried.round++;
  const search: Search = { name, word, anywhere, tried };
  for (let p = 0; p < (anywhere ? name.length : 1); p++) if (from(search, p, 0, false)) return true;
  return false;
}

/** One {@link spells} call's input, and the states it has tried. */
interface Search {
  readonly name: string;
  readonly word: string;
  readonly anywhere: boolean;
  readonly tried: Tried;
}

/**
 * The states a search has tried: `seen[key] === round`. One per name, reused
 * by each search on it with a new `round`, so nothing is cleared or allocated
 * per reserved entry.
 */
interface Tried {
  readonly seen: Uint32Array;
  round: number;
}

/**
 * Whether `name` from `p` reads as the rest of `word` from `j` (the whole of
 * it unless `anywhere`). `kept`: the letter before `p` was read, not dropped
 * (so the letters of its run that follow may be dropped).
 */
function from(s: Search, p: number, j: number, kept: boolean): boolean {
  const { name, word } = s;
  if (j === word.length && (s.anywhere || p === name.length)) return true;
  if (p === name.length) return false;
  const key = (p * (word.length + 1) + j) * 2 + (kept ? 1 : 0);
  if (s.tried.seen[key] === s.tried.round) return false;
  s.tried.seen[key] = s.tried.round;
  const c = name[p] as string;
  if (isDigit(c)) return from(s, p + 1, j, true) || reads(s, DIGIT_LETTERS[c] ?? "", p + 1, j);
  // Not the first of a pair nor dropped in a run: a run of `q` read alike is one letter already.
  const alternatives = LETTER_READINGS[c];
  if (alternatives) return alternatives.some((letter) => reads(s, letter, p + 1, j));
  // A run of one letter reads as any of its letters but not none: drop this
  // one if one before it was read or one after it is the same.
  // (Indexes are checked first: reading past a string's ends is slow in V8.)
  const after = kept && p > 0 && name[p - 1] === c;
  const before = p + 1 < name.length && name[p + 1] === c;
  if ((after || before) && from(s, p + 1, j, after)) return true;
  if (reads(s, c, p + 1, j)) return true;
  const pairs = PAIRS[c];
  for (let q = p + 1; pairs && q < name.length; q++) {
    const second = name[q] as string;
    const letter = pairs[isDigit(second) ? (DIGIT_LETTERS[second] ?? "") : second];
    if (letter && reads(s, letter, q + 1, j)) return true;
    if (!isDigit(second)) break;
  }
  return false;
}

/**
 * A unit read as `letter` ending before `next`: as the word's next letter,
 * or as the one just spelled again (a run reads as one).
 */
function reads(s: Search, letter: string, next: number, j: number): boolean {
  const { word } = s;
  return (
    (j < word.length && letter === word[j] && from(s, next, j + 1, true)) ||
    (j > 0 && letter === word[j - 1] && from(s, next, j, true))
  );
}

/**
 * Builds the reserved check of a username policy: `true` when a name reads as
 * one of `reserved` or contains one of `staffWords`, both compared on the
 * {@link usernameSkeleton}. So `adrnin`, `adnnin`, `aclmin`, `admiin`,
 * `adm1n` and `admin_2` are `admin`, `supp0rt`, `suppport`, `svpport` and
 * `svpport` are `support`, `lo9in` and `loqin` are `login`, and with the staff word `support`, `support_team` and
 * `the5upport` are refused too. A reserved name's readings shorter than
 * three letters are not used (`www` reads as `w`): such a name is refused
 * only as written (after `_` is dropped, `i` read as `l` and `v` as `u`).
 * Entries whose skeleton is empty are ignored.
 * Runs on the normalised name `validateUsername` checks (a name of more than
 * 256 letters and digits, longer than any policy allows, is reported as
 * reserved without a search). Cost per name: at most 2 × (name + 1) ×
 * (entry + 1) search states per reading of each entry, well under a
 * millisecond for the default lists and 64 characters.
 */
export function reservedUsernameMatcher(
  reserved: Iterable<string>,
  staffWords: Iterable<string>,
): (username: string) => boolean {
  const entries = [...reserved];
  const asWritten = new Set(entries.map(letters));
  const names = [...new Set(entries.flatMap(entryReadings))].filter(
    (reading) => reading.length >= MIN_READING,
  );
  const words = [...new Set([...staffWords].flatMap(entryReadings))];
  const longest = Math.max(0, ...names.map((w) => w.length), ...words.map((w) => w.length));
  return (username) => {
    const name = letters(username);
    // Longer than any policy allows: refused without a search (fail closed).
    if (name.length > 256) return true;
    const tried: Tried = {
      seen: new Uint32Array((name.length + 1) * (longest + 1) * 2),
      round: 0,
    };
    return (
      asWritten.has(name) ||
      names.some((word) => spells(name, word, false, tried)) ||
      words.some((word) => spells(name, word, true, tried))
    );
  };
}
