import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isValidCodeFormat, normalizeCodeInput } from "../src/index.js";

describe("isValidCodeFormat", () => {
  it("accepts exactly `length` ASCII digits, leading zeros included", () => {
    expect(isValidCodeFormat("000123", 6)).toBe(true);
    expect(isValidCodeFormat("9999999999", 10)).toBe(true);
  });

  it.each([
    ["12345", 6],
    ["1234567", 6],
    ["12345a", 6],
    ["12 345", 6],
    ["١٢٣٤٥٦", 6],
    ["１２３４５６", 6],
    ["123456", 0],
    ["123456", 6.5],
  ])("refuses %j for length %d", (code, length) => {
    expect(isValidCodeFormat(code, length)).toBe(false);
  });

  it("refuses non-strings", () => {
    expect(isValidCodeFormat(123456, 6)).toBe(false);
    expect(isValidCodeFormat(undefined, 6)).toBe(false);
  });

  it("accepts every zero-padded number of the length (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 10 }), fc.nat(), (length, n) => {
        const code = String(n % 10 ** length).padStart(length, "0");
        expect(isValidCodeFormat(code, length)).toBe(true);
      }),
    );
  });
});

describe("normalizeCodeInput", () => {
  it("drops the spaces and hyphens people paste", () => {
    expect(normalizeCodeInput(" 123 456 ")).toBe("123456");
    expect(normalizeCodeInput("123-456")).toBe("123456");
  });
});
