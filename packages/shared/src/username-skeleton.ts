// The look-alike comparison behind the username policy's reserved check. Only
// the policy (server side) uses it: the browser's checkUsername never imports
// this file, so it costs the client bundle nothing.

/**
 * Digits read as the letter they look like (`0`/`o`, `1`/`l`) or stand for in
 * leetspeak (`3`/`e`, `4`/`a`, `5`/`s`, `7`/`t`). Any other digit reads as
 * nothing.
 */
const DIGIT_LETTERS: Readonly<Record<string, string>> = {
  0: "o",
  1: "l",
  3: "e",
  4: "a",
  5: "s",
  7: "t",
};

/**
 * The confusable skeleton of a username, the form reserved names and staff
 * words are compared on: normalised (NFKC, lower-case), everything but `a-z`
 * and `0-9` dropped (so `_`), `i` read as `l` (`I`, `l` and `1` look alike),
 * `0 1 3 4 5 7` read as `o l e a s t` and any other digit dropped, then `rn`
 * read as `m` and `vv` as `w`.
 *
 * A name matches a reserved name when some reading of it has that name's
 * skeleton, not only its own skeleton: a digit may be a look-alike letter or
 * an inserted one (`supp0rt1` reads as `support`), and `rn`/`vv` may also be
 * read as written (the username policy's `isReserved` does that).
 *
 * @example
 * ```ts
 * usernameSkeleton("Adrn1n_2") // "admln", as usernameSkeleton("admin")
 * ```
 */
export function usernameSkeleton(name: string): string {
  // Digits first, so an `rn` or `vv` with a dropped digit between still folds.
  return letters(name)
    .replace(/\d/g, (digit) => DIGIT_LETTERS[digit] ?? "")
    .replace(/rn/g, "m")
    .replace(/vv/g, "w");
}

/** Normalised, `a-z0-9` only, `i` read as `l`: both sides of every comparison start here. */
function letters(name: string): string {
  return name
    .trim()
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .replace(/i/g, "l");
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/**
 * Whether some reading of `name` (output of {@link letters}) spells `word` (a
 * skeleton): each digit read as its letter or as nothing, `r`+`n` as `m` and
 * `v`+`v` as `w` (also with digits between them, read as nothing), any other
 * letter as itself. With `anywhere`, `word` may be any part of the reading;
 * otherwise all of it. A depth-first search that tries each (position in
 * `name`, letters of `word` spelled) at most once: linear in each length.
 */
function spells(name: string, word: string, anywhere: boolean): boolean {
  const tried = new Set<number>();
  const from = (p: number, j: number): boolean => {
    // Digits after the whole word read as nothing.
    if (j === word.length) return anywhere || /^\d*$/.test(name.slice(p));
    const key = p * (word.length + 1) + j;
    if (p === name.length || tried.has(key)) return false;
    tried.add(key);
    const c = name[p] as string;
    if (isDigit(c) && from(p + 1, j)) return true;
    if ((isDigit(c) ? DIGIT_LETTERS[c] : c) === word[j]) return from(p + 1, j + 1);
    const second = c === "r" && word[j] === "m" ? "n" : c === "v" && word[j] === "w" ? "v" : "";
    let q = p + 1;
    while (second && isDigit(name[q])) q++;
    return second !== "" && name[q] === second && from(q + 1, j + 1);
  };
  for (let p = 0; p < (anywhere ? name.length : 1); p++) if (from(p, 0)) return true;
  return false;
}

/**
 * Builds the reserved check of a username policy: `true` when a name reads as
 * one of `reserved` or contains one of `staffWords`, both compared on the
 * {@link usernameSkeleton}. So `adrnin`, `adm1n` and `admin_2` are `admin`,
 * `supp0rt` is `support`, and with the staff word `support`, `support_team`
 * and `the5upport` are refused too. Entries whose skeleton is empty are
 * ignored. Runs on the normalised name `validateUsername` checks.
 */
export function reservedUsernameMatcher(
  reserved: Iterable<string>,
  staffWords: Iterable<string>,
): (username: string) => boolean {
  const names = [...new Set([...reserved].map(usernameSkeleton))].filter(Boolean);
  const words = [...new Set([...staffWords].map(usernameSkeleton))].filter(Boolean);
  return (username) => {
    const name = letters(username);
    return (
      names.some((word) => spells(name, word, false)) ||
      words.some((word) => spells(name, word, true))
    );
  };
}
