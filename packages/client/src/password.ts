const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!#%*+=?~^$@";
const CLASSES = [/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z\d]/];

/**
 * A random 64-character password for SignUp, from `crypto.getRandomValues`.
 * It is never shown, stored or used to sign in (sign-in is by emailed code);
 * Cognito only requires one. It holds every character class, so it passes any
 * pool password policy. Rejection sampling keeps each character uniform.
 */
export function randomPassword(): string {
  const limit = 256 - (256 % ALPHABET.length);
  for (;;) {
    let out = "";
    while (out.length < 64) {
      for (const byte of crypto.getRandomValues(new Uint8Array(96))) {
        if (byte < limit && out.length < 64) out += ALPHABET[byte % ALPHABET.length];
      }
    }
    if (CLASSES.every((c) => c.test(out))) return out;
  }
}
