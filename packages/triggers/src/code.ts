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
 * The stored form of a code: SHA-256 over salt, expiry and code, or
 * HMAC-SHA256 keyed with `secret` when one is configured. Binding the expiry
 * means a digest cannot be paired with a later `expiresAt`. A 6-digit code has
 * only a million values, so an unkeyed digest resists casual reading, not a
 * determined brute force: set `codeSecret` to make the digest useless without
 * the key. Either way the digest lives only in Cognito's private session.
 */
export function digestCode(
  code: string,
  salt: string,
  expiresAt: number,
  secret: string | undefined,
): string {
  const c = crypto();
  const hash = secret === undefined ? c.createHash("sha256") : c.createHmac("sha256", secret);
  return hash.update(`${salt}.${expiresAt}.${code}`).digest("base64url");
}

/** Constant-time check of `answer` against a stored digest. */
export function codeMatchesDigest(
  answer: string,
  salt: string,
  expiresAt: number,
  expectedDigest: string,
  secret: string | undefined,
): boolean {
  const actual = Buffer.from(digestCode(answer, salt, expiresAt, secret), "base64url");
  const expected = Buffer.from(expectedDigest, "base64url");
  // Both are SHA-256 outputs when well formed; a length mismatch means a
  // corrupt digest, and timingSafeEqual needs equal lengths.
  return actual.length === expected.length && crypto().timingSafeEqual(actual, expected);
}

/** A short, non-reversible tag for an email in logs and throttle keys. */
export function emailTag(normalizedEmail: string): string {
  return crypto().createHash("sha256").update(normalizedEmail).digest("base64url").slice(0, 16);
}
