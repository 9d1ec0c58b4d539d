import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidEmail, normalizeEmail } from "../src/index.js";

/** The rule as it was written before it became one pattern, label by label: the oracle. */
function reference(email: string): boolean {
  if (typeof email !== "string") return false;
  const value = normalizeEmail(email);
  if (value.length === 0 || value.length > 254) return false;
  const at = value.lastIndexOf("@");
  if (at <= 0 || at !== value.indexOf("@")) return false;
  const local = value.slice(0, at);
  const labels = value.slice(at + 1).split(".");
  if (
    local.length > 64 ||
    !/^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/.test(local)
  ) {
    return false;
  }
  if (labels.length < 2) return false;
  if (!labels.every((label) => /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(label))) return false;
  return /^[a-z]{2,63}$|^xn--[a-z0-9-]{1,59}$/.test(labels[labels.length - 1]!);
}

// Strings built from the characters that matter, in lengths around every bound.
const piece = fc.oneof(
  fc.constantFrom("a", "Z", "0", "-", ".", "@", "+", "_", "xn--", " ", "\n", "é", "K", "\u212A"),
  fc.string({ unit: fc.constantFrom("a", "b", "-", "."), minLength: 55, maxLength: 70 }),
);
const address = fc.oneof(
  fc.array(piece, { maxLength: 12 }).map((p) => p.join("")),
  fc
    .tuple(
      fc.string({
        unit: fc.constantFrom("a", ".", "+", "-", "!"),
        minLength: 1,
        maxLength: 70,
        size: "max",
      }),
      fc.array(
        fc.string({
          unit: fc.constantFrom("a", "1", "-"),
          minLength: 0,
          maxLength: 66,
          size: "max",
        }),
        {
          minLength: 1,
          maxLength: 5,
        },
      ),
      fc.constantFrom("com", "c", "xn--p1ai", "xn--", "xn--a-", "x1", "a".repeat(64), ""),
    )
    .map(([l, labels, tld]) => `${l}@${[...labels, tld].join(".")}`),
);

describe("isValidEmail as one pattern", () => {
  it("agrees with the label-by-label rule on generated addresses", () => {
    fc.assert(
      fc.property(address, (a) => {
        expect(isValidEmail(a)).toBe(reference(a));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees at every length bound", () => {
    const cases = [
      `${"a".repeat(64)}@example.com`,
      `${"a".repeat(65)}@example.com`,
      `a@${"b".repeat(63)}.com`,
      `a@${"b".repeat(64)}.com`,
      `a@${`${"b".repeat(63)}.`.repeat(3)}${"c".repeat(57)}`,
      `a@${`${"b".repeat(63)}.`.repeat(3)}${"c".repeat(58)}`,
      `a@${`${"b".repeat(63)}.`.repeat(3)}${"c".repeat(61)}`,
      `a@b.xn--${"a".repeat(59)}`,
      `a@b.xn--${"a".repeat(60)}`,
      "a@b.xn--a-",
      "a@b.c",
      "a@@b.com",
      "@b.com",
      "a@b",
    ];
    for (const a of cases) expect([a, isValidEmail(a)]).toEqual([a, reference(a)]);
  });

  it("stays linear on hostile input", () => {
    const started = performance.now();
    isValidEmail(`${"a.".repeat(5000)}@${"b-".repeat(5000)}`);
    isValidEmail(`a@${"b.".repeat(10_000)}`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
