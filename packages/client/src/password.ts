/**
 * A random 64-character password for SignUp, from `crypto.getRandomValues`.
 * It is never shown, stored or used to sign in (sign-in is by emailed code);
 * Cognito only requires one. 45 random bytes, base64-encoded, give 60
 * characters (360 bits); the fixed `Aa1!` prefix puts every character class
 * in, so it passes any pool password policy.
 */
export function randomPassword(): string {
  return `Aa1!${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(45))))}`;
}
