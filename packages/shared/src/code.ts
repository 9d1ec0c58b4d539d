/** Shortest code length the library allows. */
export const MIN_CODE_LENGTH = 6;
/** Longest code length the library allows. */
export const MAX_CODE_LENGTH = 10;

/**
 * Tidies what a person typed or pasted as a code: drops spaces and hyphens
 * (`123 456`, `123-456`). Does not validate; see {@link isValidCodeFormat}.
 */
export function normalizeCodeInput(input: string): string {
  return input.replace(/[\s-]/g, "");
}

/** True when `code` is exactly `length` ASCII digits. */
export function isValidCodeFormat(code: unknown, length: number): code is string {
  if (typeof code !== "string" || !Number.isInteger(length) || length < 1) return false;
  if (code.length !== length) return false;
  for (let i = 0; i < code.length; i++) {
    const c = code.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
