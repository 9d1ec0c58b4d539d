import { randomInt } from "node:crypto";
import { describe, expect, it } from "vitest";
import { codeMatchesDigest, digestCode, generateCode, newSalt } from "../src/code.js";

/** Pearson's chi-square statistic of digit counts per position (9 degrees of freedom each). */
function chiSquarePerPosition(codes: string[], length: number): number[] {
  const stats: number[] = [];
  for (let position = 0; position < length; position++) {
    const counts = new Array<number>(10).fill(0);
    for (const code of codes) counts[code.charCodeAt(position) - 48]!++;
    const expected = codes.length / 10;
    stats.push(counts.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0));
  }
  return stats;
}

// Chi-square with 9 degrees of freedom exceeds 40 with probability about 5e-6:
// a fair generator essentially never trips it; a biased one always does.
const THRESHOLD = 40;
const SAMPLES = 20_000;

describe("generateCode", () => {
  it.each([6, 8, 10])("draws every digit at every position uniformly (length %i)", (length) => {
    // Prepare
    const codes = Array.from({ length: SAMPLES }, () => generateCode(length));
    // Act
    const stats = chiSquarePerPosition(codes, length);
    // Assess
    expect(codes.every((c) => c.length === length && /^\d+$/.test(c))).toBe(true);
    for (const stat of stats) expect(stat).toBeLessThan(THRESHOLD);
  });

  it("keeps leading zeros, about one code in ten", () => {
    // Prepare
    const codes = Array.from({ length: SAMPLES }, () => generateCode(6));
    // Act
    const leadingZero = codes.filter((c) => c.startsWith("0")).length / SAMPLES;
    // Assess
    expect(leadingZero).toBeGreaterThan(0.08);
    expect(leadingZero).toBeLessThan(0.12);
    expect(codes.some((c) => c.startsWith("00"))).toBe(true);
    expect(generateCode(6, () => 0)).toBe("000000");
    expect(generateCode(6, (_, max) => max - 1)).toBe("999999");
    expect(generateCode(10, () => 42)).toBe("0000000042");
  });

  it("draws from the full range [0, 10^length)", () => {
    // Prepare
    const calls: [number, number][] = [];
    // Act
    generateCode(7, (min, max) => {
      calls.push([min, max]);
      return randomInt(min, max);
    });
    // Assess
    expect(calls).toEqual([[0, 10_000_000]]);
  });

  it("the uniformity check catches the classic randomInt(0, 9) bug", () => {
    // Prepare: each digit from randomInt(0, 9), which never yields 9
    const biased = (_: number, max: number) =>
      Number(Array.from({ length: String(max - 1).length }, () => randomInt(0, 9)).join(""));
    const codes = Array.from({ length: SAMPLES }, () => generateCode(6, biased));
    // Act
    const stats = chiSquarePerPosition(codes, 6);
    // Assess
    expect(Math.max(...stats)).toBeGreaterThan(THRESHOLD);
  });
});

describe("code digest", () => {
  const ADDRESS = "alice@example.com";
  const KEY = "Vq3k9Zr1Lx7Tb2Nw8Hc5Jm0Pd4Fs6Gy1";

  it("matches only the same code, salt, expiry and address", () => {
    // Prepare
    const salt = newSalt();
    const state = {
      salt,
      expiresAt: 1000,
      digest: digestCode("012345", salt, 1000, ADDRESS, KEY),
    };
    // Act
    const results = [
      codeMatchesDigest("012345", state, ADDRESS, KEY),
      codeMatchesDigest("012346", state, ADDRESS, KEY),
      codeMatchesDigest("012345", { ...state, salt: newSalt() }, ADDRESS, KEY),
      codeMatchesDigest("012345", { ...state, expiresAt: 1001 }, ADDRESS, KEY),
      codeMatchesDigest("012345", state, "victim@example.org", KEY),
      codeMatchesDigest("012345", state, "alice@example.co", KEY),
      codeMatchesDigest("012345", state, ADDRESS, `${KEY.slice(1)}x`),
      codeMatchesDigest("012345", { ...state, digest: "" }, ADDRESS, KEY),
    ];
    // Assess
    expect(results).toEqual([true, false, false, false, false, false, false, false]);
  });

  it("never contains the code and differs per salt", () => {
    // Prepare
    const a = digestCode("123456", newSalt(), 1, ADDRESS, KEY);
    const b = digestCode("123456", newSalt(), 1, ADDRESS, KEY);
    // Act
    // Assess
    expect(a).not.toBe(b);
    expect(a).not.toContain("123456");
    expect(Buffer.from(a, "base64url")).toHaveLength(32);
  });
});
