import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  formatTriggerError,
  PASSCODE_ERROR_CODES,
  type PasscodeErrorCode,
  parseTriggerError,
} from "../src/index.js";

describe("formatTriggerError", () => {
  it("writes the code then key=value details", () => {
    expect(formatTriggerError("THROTTLED", { retryAfterMs: 24000 })).toBe(
      "THROTTLED retryAfterMs=24000",
    );
    expect(formatTriggerError("DELIVERY_FAILED")).toBe("DELIVERY_FAILED");
  });

  it("refuses details that would not parse back", () => {
    expect(() => formatTriggerError("THROTTLED", { "bad key": 1 })).toThrow(TypeError);
    expect(() => formatTriggerError("THROTTLED", { reason: "has space" })).toThrow(TypeError);
    expect(() => formatTriggerError("THROTTLED", { reason: "dot." })).toThrow(TypeError);
  });
});

describe("parseTriggerError", () => {
  it("reads Cognito's wrapper around a thrown trigger error", () => {
    // Act
    const info = parseTriggerError(
      "CreateAuthChallenge failed with error THROTTLED retryAfterMs=24000.",
    );
    // Assess
    expect(info).toEqual({
      code: "THROTTLED",
      details: { retryAfterMs: "24000" },
      retryAfterMs: 24000,
    });
  });

  it("reads the bare form and other triggers' wrappers", () => {
    expect(parseTriggerError("DELIVERY_FAILED")?.code).toBe("DELIVERY_FAILED");
    expect(parseTriggerError("PreSignUp failed with error INVALID_EMAIL reason=domain.")).toEqual({
      code: "INVALID_EMAIL",
      details: { reason: "domain" },
    });
  });

  it("returns undefined for messages that carry no known code", () => {
    for (const message of [
      "",
      undefined,
      null,
      "Incorrect username or password.",
      "CreateAuthChallenge failed with error Task timed out after 5.00 seconds.",
      "throttled retryAfterMs=1",
      "X".repeat(5000),
    ]) {
      expect(parseTriggerError(message)).toBeUndefined();
    }
  });

  it("ignores a retryAfterMs that is not a plain number", () => {
    const info = parseTriggerError("THROTTLED retryAfterMs=-5");
    expect(info?.code).toBe("THROTTLED");
    expect(info?.retryAfterMs).toBeUndefined();
  });

  it("round-trips every code and safe details, bare or wrapped (property)", () => {
    const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,15}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9_:@+-]{0,20}$/);
    fc.assert(
      fc.property(
        fc.constantFrom(...PASSCODE_ERROR_CODES),
        fc.dictionary(key, value, { maxKeys: 4 }),
        fc.constantFrom("", "CreateAuthChallenge", "VerifyAuthChallengeResponse", "PreSignUp"),
        (code: PasscodeErrorCode, details, trigger) => {
          const message = formatTriggerError(code, details);
          const received = trigger ? `${trigger} failed with error ${message}.` : message;
          const info = parseTriggerError(received);
          expect(info?.code).toBe(code);
          expect(info?.details).toEqual({ ...details });
        },
      ),
    );
  });

  it("never throws on arbitrary input (property)", () => {
    // Random strings almost never start with a known code, so about a quarter do:
    // that reaches the details loop and the check below.
    const token = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc
        .tuple(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }))
        .map(([k, v]) => `${k}=${v}`),
    );
    const shaped = fc
      .tuple(
        fc.constantFrom("", "CreateAuthChallenge failed with error "),
        fc.oneof(fc.constantFrom(...PASSCODE_ERROR_CODES), fc.string({ maxLength: 20 })),
        fc.array(token, { maxLength: 6 }),
      )
      .map(([prefix, code, tokens]) => `${prefix}${[code, ...tokens].join(" ")}.`);
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), shaped), (message) => {
        const info = parseTriggerError(message);
        if (info) expect(PASSCODE_ERROR_CODES).toContain(info.code);
      }),
    );
  });
});
