import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CHALLENGE_PARAM,
  CLIENT_METADATA,
  PASSKEY_LIMITS,
  parseChallengeParameters,
  STEP,
} from "../src/index.js";

describe("parseChallengeParameters", () => {
  it("decodes a CODE challenge", () => {
    expect(
      parseChallengeParameters({
        [CHALLENGE_PARAM.step]: "CODE",
        [CHALLENGE_PARAM.codeLength]: "6",
        [CHALLENGE_PARAM.expiresAt]: "1700000000000",
        [CHALLENGE_PARAM.attemptsLeft]: "3",
        [CHALLENGE_PARAM.email]: "a***@e***.com",
      }),
    ).toEqual({
      step: "CODE",
      codeLength: 6,
      expiresAt: 1_700_000_000_000,
      attemptsLeft: 3,
      maskedEmail: "a***@e***.com",
    });
  });

  it("decodes a USERNAME challenge, refused or not", () => {
    const base = { step: "USERNAME", minLength: "3", maxLength: "30", attemptsLeft: "5" };
    expect(parseChallengeParameters(base)).toEqual({
      step: "USERNAME",
      minLength: 3,
      maxLength: 30,
      attemptsLeft: 5,
      rejected: false,
    });
    expect(
      parseChallengeParameters({ ...base, rejected: "true", reason: "USERNAME_UNAVAILABLE" }),
    ).toMatchObject({ rejected: true, reason: "USERNAME_UNAVAILABLE" });
    expect(parseChallengeParameters({ ...base, reason: "SOMETHING_ELSE" })).not.toHaveProperty(
      "reason",
    );
  });

  it.each([
    undefined,
    {},
    { step: "CODE", codeLength: "6", expiresAt: "1", attemptsLeft: "x" },
    { step: "CODE", codeLength: "six", expiresAt: "1", attemptsLeft: "3" },
    { step: "CODE", codeLength: "6", attemptsLeft: "3" },
    { step: "USERNAME", minLength: "9", maxLength: "3", attemptsLeft: "1" },
    { step: "PASSWORD", attemptsLeft: "1" },
  ])("fails closed on %j", (params) => {
    expect(parseChallengeParameters(params)).toBeUndefined();
  });

  it("never throws on arbitrary string maps (property)", () => {
    // Random maps almost never hold attemptsLeft, which the parser checks first;
    // maps of mostly well-formed protocol values reach both steps too.
    const either = (valid: fc.Arbitrary<string>) =>
      fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: fc.string(), weight: 1 });
    const small = (min: number, max: number) => fc.integer({ min, max }).map(String);
    const shaped = fc.record(
      {
        step: either(fc.constantFrom("CODE", "USERNAME", "PASSKEY", "ENROL")),
        attemptsLeft: either(small(0, 5)),
        codeLength: either(small(4, 10)),
        expiresAt: either(fc.nat().map(String)),
        email: fc.string(),
        minLength: either(small(1, 10)),
        maxLength: either(small(3, 40)),
        rejected: either(fc.constantFrom("true", "false")),
        reason: either(
          fc.constantFrom("USERNAME_INVALID", "USERNAME_UNAVAILABLE", "PASSKEY_LIMIT"),
        ),
        options: either(fc.json()),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.string(), fc.string()), shaped), (params) => {
        parseChallengeParameters(params);
      }),
    );
  });

  describe("passkey steps", () => {
    const options = JSON.stringify({
      challenge: "a".repeat(43),
      rpId: "example.com",
      timeout: 120000,
      userVerification: "required",
      allowCredentials: [],
    });

    it("decodes a PASSKEY challenge and keeps its options a string", () => {
      expect(
        parseChallengeParameters({
          [CHALLENGE_PARAM.step]: STEP.PASSKEY,
          [CHALLENGE_PARAM.attemptsLeft]: "3",
          [CHALLENGE_PARAM.options]: options,
        }),
      ).toEqual({ step: "PASSKEY", attemptsLeft: 3, rejected: false, options });
      expect(
        parseChallengeParameters({ step: "PASSKEY", attemptsLeft: "2", rejected: "true", options }),
      ).toMatchObject({ rejected: true });
    });

    it("decodes ENROL challenges: with options, at the limit, and given up", () => {
      expect(parseChallengeParameters({ step: "ENROL", attemptsLeft: "2", options })).toEqual({
        step: "ENROL",
        attemptsLeft: 2,
        rejected: false,
        options,
      });
      expect(
        parseChallengeParameters({ step: "ENROL", attemptsLeft: "2", reason: "PASSKEY_LIMIT" }),
      ).toEqual({ step: "ENROL", attemptsLeft: 2, rejected: false, reason: "PASSKEY_LIMIT" });
      expect(
        parseChallengeParameters({ step: "ENROL", attemptsLeft: "0", rejected: "true" }),
      ).toEqual({ step: "ENROL", attemptsLeft: 0, rejected: true });
    });

    it.each([
      { step: "PASSKEY", attemptsLeft: "3" },
      { step: "PASSKEY", attemptsLeft: "3", options: "" },
      { step: "PASSKEY", attemptsLeft: "3", options: "x".repeat(PASSKEY_LIMITS.optionsParam + 1) },
      { step: "PASSKEY", options: "{}" },
      // ENROL carries options exactly when a registration can still be made.
      { step: "ENROL", attemptsLeft: "2" },
      { step: "ENROL", attemptsLeft: "0", options: "{}" },
      { step: "ENROL", attemptsLeft: "1", reason: "PASSKEY_LIMIT", options: "{}" },
      { step: "ENROL", attemptsLeft: "1", options: "" },
      { step: "ENROL", attemptsLeft: "1", options: "x".repeat(PASSKEY_LIMITS.optionsParam + 1) },
    ])("fails closed on a malformed passkey challenge %#", (params) => {
      expect(parseChallengeParameters(params)).toBeUndefined();
    });

    it("round-trips every well-formed PASSKEY and ENROL challenge (property)", () => {
      const optionsString = fc.string({ minLength: 1, maxLength: PASSKEY_LIMITS.optionsParam });
      const attempts = fc.integer({ min: 0, max: 100 });
      const passkey = fc.record({
        step: fc.constant("PASSKEY" as const),
        attemptsLeft: attempts,
        rejected: fc.boolean(),
        options: optionsString,
      });
      const enrolWithOptions = fc.record({
        step: fc.constant("ENROL" as const),
        attemptsLeft: fc.integer({ min: 1, max: 100 }),
        rejected: fc.boolean(),
        options: optionsString,
      });
      const enrolWithout = fc.oneof(
        fc.record({
          step: fc.constant("ENROL" as const),
          attemptsLeft: fc.constant(0),
          rejected: fc.boolean(),
        }),
        fc.record({
          step: fc.constant("ENROL" as const),
          attemptsLeft: attempts,
          rejected: fc.boolean(),
          reason: fc.constant("PASSKEY_LIMIT" as const),
        }),
      );
      fc.assert(
        fc.property(fc.oneof(passkey, enrolWithOptions, enrolWithout), (challenge) => {
          const wire: Record<string, string> = {};
          for (const [key, value] of Object.entries(challenge)) wire[key] = String(value);
          expect(parseChallengeParameters(wire)).toEqual(challenge);
        }),
      );
    });

    it("names the ClientMetadata keys with the passcode: prefix", () => {
      for (const key of Object.values(CLIENT_METADATA)) expect(key).toMatch(/^passcode:[a-zA-Z]+$/);
      expect(new Set(Object.values(CLIENT_METADATA)).size).toBe(4);
    });
  });
});
