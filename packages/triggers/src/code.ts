/**
 * `node:crypto`, loaded on first use rather than at import: loading it costs
 * a few milliseconds of CPU, which Define, PreSignUp, PostAuthentication and
 * every USERNAME step never need to pay.
 */
const crypto = (): typeof import("node:crypto") => process.getBuiltinModule("node:crypto");

/**
 * A fresh one-time code: `length` decimal digits drawn uniformly with the
 * CSPRNG (`crypto.randomInt(0, 10 ** length)`), zero-padded, so `000123` is
 * as likely as any other code and every digit appears at every position.
 * `draw` is injectable only so tests can prove the uniformity check bites.
 */
export function generateCode(
  length: number,
  draw: (min: number, max: number) => number = (min, max) => crypto().randomInt(min, max),
): string {
  return String(draw(0, 10 ** length)).padStart(length, "0");
}

/** A random salt for one code, base64url (16 bytes). */
export function newSalt(): string {
  return crypto().randomBytes(16).toString("base64url");
}

/**
 * The stored form of a code: HMAC-SHA256, keyed with `secret` (the
 * `codeSecret`), over salt, expiry, the address it was sent to and the code.
 * Binding the expiry means a digest cannot be paired with a later
 * `expiresAt`; binding the address means a code proves that one address: a
 * right code checked against any other address (the user changed their email
 * after it was sent) does not match. `address` is the normalised address
 * (`normalizeEmail`), or for the fake path the normalised identifier typed.
 * A 6-digit code has only a million values, so an unkeyed digest would fall
 * to a brute force: the key makes the digest useless without it. The digest
 * lives only in Cognito's private session.
 */
export function digestCode(
  code: string,
  salt: string,
  expiresAt: number,
  address: string,
  secret: string,
): string {
  const hash = crypto().createHmac("sha256", secret);
  // Salt (base64url) and expiry (digits) hold no "\n", and the code is last
  // and fixed-length digits, so no two inputs share a string.
  return hash.update(`${salt}\n${expiresAt}\n${address}\n${code}`).digest("base64url");
}

/**
 * Constant-time check of `answer` against a stored digest, for the address
 * the code must have been sent to (see {@link digestCode}).
 */
export function codeMatchesDigest(
  answer: string,
  stored: { salt: string; expiresAt: number; digest: string },
  address: string,
  secret: string,
): boolean {
  const actual = Buffer.from(
    digestCode(answer, stored.salt, stored.expiresAt, address, secret),
    "base64url",
  );
  const expected = Buffer.from(stored.digest, "base64url");
  // Both are SHA-256 outputs when well formed; a length mismatch means a
  // corrupt digest, and timingSafeEqual needs equal lengths.
  return actual.length === expected.length && crypto().timingSafeEqual(actual, expected);
}

/**
 * A short, non-reversible tag for an email in logs, throttle keys and the
 * challenge state (which address a code was sent to): the first 16 base64url
 * characters (96 bits) of its SHA-256.
 */
export function emailTag(normalizedEmail: string): string {
  return crypto().createHash("sha256").update(normalizedEmail).digest("base64url").slice(0, 16);
}
