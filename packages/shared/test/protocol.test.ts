import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CHALLENGE_PARAM, parseChallengeParameters } from "../src/index.js";

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
        step: either(fc.constantFrom("CODE", "USERNAME")),
        attemptsLeft: either(small(0, 5)),
        codeLength: either(small(4, 10)),
        expiresAt: either(fc.nat().map(String)),
        email: fc.string(),
        minLength: either(small(1, 10)),
        maxLength: either(small(3, 40)),
        rejected: either(fc.constantFrom("true", "false")),
        reason: either(fc.constantFrom("USERNAME_INVALID", "USERNAME_UNAVAILABLE")),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.dictionary(fc.string(), fc.string()), shaped), (params) => {
        parseChallengeParameters(params);
      }),
    );
  });
});
