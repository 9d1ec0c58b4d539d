import { PASSCODE_ERROR_CODES, parseTriggerError } from "@cognito-passcode/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { triggerError } from "../src/errors.js";

/** What the client reads of a trigger error: the code and retryAfterMs. */
const lean = (message: string) => {
  const m = triggerError(message);
  return m ? { code: m[1], retryAfterMs: m[2] ? Number(m[2]) : undefined } : undefined;
};
const reference = (message: string) => {
  const info = parseTriggerError(message);
  return info ? { code: info.code, retryAfterMs: info.retryAfterMs } : undefined;
};

const token = fc.oneof(
  fc.constantFrom(...PASSCODE_ERROR_CODES),
  fc.constantFrom("THROTTLEDX", "throttled", "X_Y", ""),
  fc
    .tuple(
      fc.constantFrom("retryAfterMs", "retryAfterMsX", "xretryAfterMs", "reason", "a"),
      fc.constantFrom("=", "=="),
      fc.oneof(
        fc.nat().map(String),
        fc.constantFrom("1.5", "12abc", "", "9".repeat(13), "x", "3."),
      ),
    )
    .map(([k, eq, v]) => `${k}${eq}${v}`),
  fc.string({ maxLength: 6 }),
);
const message = fc
  .tuple(
    fc.constantFrom(
      "",
      "CreateAuthChallenge failed with error ",
      "  ",
      "X failed with error Y failed with error ",
      "X failed with error y failed with error ",
      "THROTTLED failed with error ",
    ),
    fc.array(token, { maxLength: 6 }),
    fc.constantFrom(" ", "  ", "\n", "\t"),
    fc.constantFrom("", ".", ". ", " .", ".."),
  )
  .map(([prefix, tokens, sep, end]) => `${prefix}${tokens.join(sep)}${end}`);

describe("triggerError (the client's lean parse)", () => {
  // formatTriggerError writes each key once (its details are an object): with
  // two retryAfterMs pairs the lean parse reads the first, shared the last.
  it("reads the same code and retryAfterMs as shared's parseTriggerError", () => {
    fc.assert(
      fc.property(message, (m) => {
        fc.pre((m.match(/retryAfterMs=/g) ?? []).length < 2);
        expect(lean(m)).toEqual(reference(m));
      }),
      { numRuns: 20_000 },
    );
  });

  it("agrees on messages longer than the bound, and on arbitrary text", () => {
    const long = `CreateAuthChallenge failed with error THROTTLED retryAfterMs=5${" ".repeat(2048)}`;
    expect(lean(long)).toEqual(reference(long));
    fc.assert(
      // size "max": fast-check 4 otherwise cuts strings at 10 characters.
      fc.property(fc.string({ maxLength: 60, size: "max" }), (m) => {
        expect(lean(m)).toEqual(reference(m));
      }),
    );
  });

  it("reads only what follows the first 'failed with error', as shared does", () => {
    // An unexpected error whose own text says "failed with error CODE" is no trigger error.
    for (const m of [
      "PreSignUp failed with error fetch failed with error THROTTLED retryAfterMs=5.",
      "CreateAuthChallenge failed with error 1 failed with error NOT_AUTHORIZED.",
      "THROTTLED failed with error oops",
    ]) {
      expect([m, lean(m)]).toEqual([m, undefined]);
      expect([m, lean(m)]).toEqual([m, reference(m)]);
    }
  });
});
