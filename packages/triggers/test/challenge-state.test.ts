import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CodeState,
  codePrivateParameters,
  codeStateFrom,
  decodeMetadata,
  encodeCodeMetadata,
} from "../src/challenge-state.js";
import { emailTag, newSalt } from "../src/code.js";

const state = (overrides: Partial<CodeState> = {}): CodeState => ({
  codeLength: 6,
  expiresAt: Date.UTC(2026, 0, 1) + 180_000,
  salt: newSalt(),
  digest: "ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk",
  emailTag: emailTag("alice@example.com"),
  ...overrides,
});

describe("challenge state", () => {
  it("carries the address tag through challengeMetadata and the private parameters", () => {
    // Prepare
    const s = state();
    // Act
    const metadata = encodeCodeMetadata(s);
    const p = codePrivateParameters(s);
    // Assess
    expect(decodeMetadata(metadata)).toEqual({ step: "CODE", ...s });
    expect(codeStateFrom(p)).toEqual(s);
    expect(p.emailTag).toBe(s.emailTag);
    expect(metadata).not.toContain("alice");
  });

  it("stays well under Cognito's limits at the longest code and expiry", () => {
    // Prepare
    const s = state({ codeLength: 10, expiresAt: 999_999_999_999_999 });
    // Act
    const metadata = encodeCodeMetadata(s);
    const p = codePrivateParameters(s);
    // Assess: challengeMetadata allows 2048 characters; keep ours under 200
    expect(metadata.length).toBeLessThanOrEqual(200);
    expect(Object.values(p).every((v) => v.length <= 64)).toBe(true);
  });

  it.each([
    ["no tag (a session from before the binding)", (m: string) => m.slice(0, m.lastIndexOf(":"))],
    ["an empty tag", (m: string) => `${m.slice(0, m.lastIndexOf(":"))}:`],
    ["a short tag", (m: string) => m.slice(0, -1)],
    ["a tag with a foreign character", (m: string) => `${m.slice(0, -1)}+`],
    ["an extra field", (m: string) => `${m}:x`],
  ])("reads metadata with %s as nothing (fail closed)", (_, mutate) => {
    // Prepare
    const metadata = mutate(encodeCodeMetadata(state()));
    // Act
    const decoded = decodeMetadata(metadata);
    // Assess
    expect(decoded).toBeUndefined();
  });

  it("reads private parameters without a well-formed tag as nothing", () => {
    // Prepare
    const p = codePrivateParameters(state());
    // Act
    const results = [undefined, "", "short", `${p.emailTag!.slice(1)}/`].map((emailTag) =>
      codeStateFrom({ ...p, emailTag: emailTag as string }),
    );
    // Assess
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
  });

  it("decodes only what it encoded (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 220 }), (metadata) => {
        const decoded = decodeMetadata(metadata);
        if (decoded === undefined || decoded.step === "USERNAME") return;
        expect(encodeCodeMetadata(decoded)).toBe(metadata);
      }),
    );
  });
});
