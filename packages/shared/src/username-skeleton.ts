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
 * `rn` as `m`, `vv` as `w`, then `0 1 3 4 5 7` as `o l e a s t` and any other
 * digit dropped.
 *
 * A name matches a reserved name when some reading of it has that name's
 * skeleton, not only its own skeleton: a digit may be a look-alike letter or
 * an inserted one (`supp0rt1` reads as `support`), and `rn`/`vv` may also be
 * read as written. See {@link reservedUsernameMatcher}.
 *
 * @example
 * ```ts
 * usernameSkeleton("Adrn1n_2") // "admln", as usernameSkeleton("admin")
 * ```
 */
export function usernameSkeleton(name: string): string {
  return letters(name)
    .replace(/rn/g, "m")
    .replace(/vv/g, "w")
    .replace(/\d/g, (digit) => DIGIT_LETTERS[digit] ?? "");
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

/**
 * Whether some reading of `name` (output of {@link letters}) spells `word` (a
 * skeleton): each digit read as its letter or as nothing, `r`+`n` as `m` and
 * `v`+`v` as `w` (also with digits between them, read as nothing), any other
 * letter as itself. With `anywhere`, `word` may be any part of the reading;
 * otherwise all of it.
 *
 * Runs the reading as a state machine over `name`, one character at a time,
 * in `rows` (at least `6 * (word.length + 1)` bytes, reused between calls):
 * row S says the characters so far can read as `word`'s first `j` letters;
 * rows M and W that they end half-way through an `rn` or a `vv` standing for
 * `word[j]`. Linear in each length, no backtracking.
 */
function spells(name: string, word: string, anywhere: boolean, rows: Uint8Array): boolean {
  const size = word.length + 1;
  let cur = 0;
  let next = 3 * size;
  rows.fill(0, 0, 6 * size);
  rows[0] = 1;
  for (let p = 0; p < name.length; p++) {
    if (anywhere) {
      if (rows[cur + word.length]) return true;
      // A staff word may start after any prefix of the name.
      rows[cur] = 1;
    }
    const c = name[p] as string;
    const digit = c >= "0" && c <= "9";
    const letter = digit ? DIGIT_LETTERS[c] : c;
    rows.fill(0, next, next + 3 * size);
    let alive = anywhere;
    for (let j = 0; j < size; j++) {
      const spelled = rows[cur + j];
      const inM = rows[cur + size + j];
      const inW = rows[cur + 2 * size + j];
      if (digit) {
        // An inserted digit reads as nothing, even inside an `rn` or a `vv`.
        if (spelled) rows[next + j] = 1;
        if (inM) rows[next + size + j] = 1;
        if (inW) rows[next + 2 * size + j] = 1;
        alive ||= !!(spelled || inM || inW);
      } else if ((c === "n" && inM) || (c === "v" && inW)) {
        rows[next + j + 1] = 1;
        alive = true;
      }
      if (!spelled || j === word.length) continue;
      const wanted = word[j];
      if (wanted === letter) rows[next + j + 1] = 1;
      else if (wanted === "m" && c === "r") rows[next + size + j] = 1;
      else if (wanted === "w" && c === "v") rows[next + 2 * size + j] = 1;
      else continue;
      alive = true;
    }
    if (!alive) return false;
    [cur, next] = [next, cur];
  }
  return rows[cur + word.length] === 1;
}

/**
 * Builds the reserved check of a username policy: `true` when a name reads as
 * one of `reserved` or contains one of `staffWords`, both compared on the
 * {@link usernameSkeleton}. So `adrnin`, `adm1n` and `admin_2` are `admin`,
 * `supp0rt` is `support`, and with the staff word `support`, `support_team`
 * and `the5upport` are refused too. Entries whose skeleton is empty are
 * ignored. Runs on the normalised name {@link validateUsername} checks.
 */
export function reservedUsernameMatcher(
  reserved: Iterable<string>,
  staffWords: Iterable<string>,
): (username: string) => boolean {
  const names = [...new Set([...reserved].map(usernameSkeleton))].filter(Boolean);
  const words = [...new Set([...staffWords].map(usernameSkeleton))].filter(Boolean);
  const longest = Math.max(0, ...names.map((word) => word.length), ...words.map((w) => w.length));
  return (username) => {
    const name = letters(username);
    const rows = new Uint8Array(6 * (longest + 1));
    return (
      names.some((word) => spells(name, word, false, rows)) ||
      words.some((word) => spells(name, word, true, rows))
    );
  };
}
