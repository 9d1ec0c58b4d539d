/**
 * The whole rule as one pattern (it is in every browser bundle): at most 254
 * characters, a local part of at most 64 (so one `@`), dot-atom characters,
 * then at least one domain label (1-63 characters, letters, digits and
 * inner hyphens) and a top-level label of 2-63 letters or a punycode
 * `xn--` label. Every repetition is bounded by a separator, so matching is linear.
 */
const EMAIL =
  /^(?=[^@]{1,64}@)(?=.{1,254}$)[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])$/;

/**
 * The canonical form of an email address: trimmed and lower-cased. Cognito
 * compares email usernames case-insensitively, and the throttle and logs key
 * on this form. Only `A-Z` are lower-cased: `toLowerCase()` would turn the
 * KELVIN SIGN (U+212A) into an ASCII `k`, so a non-ASCII address would pass
 * {@link isValidEmail} and its code go to a different, ASCII address. It does
 * not validate; see {@link isValidEmail}.
 */
export function normalizeEmail(email: string): string {
  return email.trim().replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

/**
 * True for an address we are willing to send a code to: ASCII only (SES
 * cannot deliver to internationalised local parts; IDN domains must be in
 * punycode), a dot-atom local part of at most 64 characters, a domain of at
 * least two labels, at most 254 characters in all. Checked on the normalised form.
 */
export function isValidEmail(email: string): boolean {
  return typeof email === "string" && EMAIL.test(normalizeEmail(email));
}

/**
 * Masks an email for display and logs: the first character of the local part
 * and of the domain, then the top-level domain (`alice@example.com` ->
 * `a***@e***.com`). The result never contains more than two characters of
 * the address besides its top-level domain; anything unparseable becomes `***`.
 */
export function maskEmail(email: string): string {
  const value = normalizeEmail(email);
  const at = value.lastIndexOf("@");
  if (at <= 0) return "***";
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  const dot = domain.lastIndexOf(".");
  if (dot <= 0 || dot === domain.length - 1) return `${local[0]}***@***`;
  return `${local[0]}***@${domain[0]}***${domain.slice(dot)}`;
}

/** Domains whose mailboxes ignore dots in the local part; the first is the one they fold into. */
const DOTLESS_DOMAINS = ["gmail.com", "googlemail.com"];

/**
 * The mailbox an address delivers to, for counting sends: the
 * {@link normalizeEmail} form with the `+tag` dropped from the local part,
 * and, for `gmail.com` and `googlemail.com`, the dots dropped and the domain
 * folded into `gmail.com`. So `Al.Ice+x@GoogleMail.com`, `alice@gmail.com`
 * and `a.l.i.c.e+y@gmail.com` all give `alice@gmail.com`.
 *
 * Every send to an address is a send to its mailbox, so a throttle keyed on
 * this form also bounds each address. The rules are deliberately broad: on a
 * provider where `+` is an ordinary character, `a+b@x.com` and `a@x.com`
 * share one budget, which only makes the throttle stricter. Not an address
 * to send to: codes go to the address itself. An address whose local part
 * starts with `+`, or input without `@`, is returned normalised, unchanged.
 *
 * @example
 * ```ts
 * canonicalMailbox("Bob.Smith+promo@googlemail.com"); // "bobsmith@gmail.com"
 * canonicalMailbox("bob+promo@example.com");          // "bob@example.com"
 * ```
 */
export function canonicalMailbox(email: string): string {
  const value = normalizeEmail(email);
  const at = value.lastIndexOf("@");
  if (at <= 0) return value;
  let local = value.slice(0, at);
  let domain = value.slice(at + 1);
  const plus = local.indexOf("+");
  if (plus > 0) local = local.slice(0, plus);
  if (DOTLESS_DOMAINS.includes(domain)) {
    domain = DOTLESS_DOMAINS[0]!;
    local = local.replaceAll(".", "") || local;
  }
  return `${local}@${domain}`;
}
