import { describe, expect, it } from "vitest";
import {
  DEFAULT_ERROR_MESSAGES,
  isPasscodeError,
  isPasscodeErrorCode,
  PASSCODE_ERROR_CODES,
  PasscodeError,
} from "../src/index.js";

describe("PasscodeError", () => {
  it("carries code, name, cause, retryAfterMs and details", () => {
    // Prepare
    const cause = new Error("socket hang up");
    // Act
    const error = new PasscodeError("THROTTLED", undefined, {
      cause,
      retryAfterMs: 24_000,
      details: { field: "x" },
    });
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("PasscodeError");
    expect(error.code).toBe("THROTTLED");
    expect(error.message).toBe("THROTTLED");
    expect(error.cause).toBe(cause);
    expect(error.retryAfterMs).toBe(24_000);
    expect(error.details).toEqual({ field: "x" });
    expect(Object.isFrozen(error.details)).toBe(true);
  });

  it("has a default message for every code", () => {
    for (const code of PASSCODE_ERROR_CODES) {
      expect(DEFAULT_ERROR_MESSAGES[code]).toMatch(/\S/);
      expect(isPasscodeErrorCode(code)).toBe(true);
    }
    expect(PASSCODE_ERROR_CODES).toHaveLength(21);
    // The list and the messages table are two literals: they must not drift apart.
    expect([...PASSCODE_ERROR_CODES]).toEqual(Object.keys(DEFAULT_ERROR_MESSAGES));
    for (const other of ["", "toString", "__proto__", "code_mismatch", 14, null]) {
      expect(isPasscodeErrorCode(other)).toBe(false);
    }
  });
});

describe("isPasscodeError", () => {
  it("recognises instances and errors from another copy of the package", () => {
    // Prepare: what a second copy of the class would produce.
    const foreign = Object.assign(new Error("x"), { name: "PasscodeError", code: "CODE_MISMATCH" });
    const branded = Object.assign(new Error("x"), {
      [Symbol.for("cognito-passcode.PasscodeError")]: true,
      code: "THROTTLED",
    });
    // Act + Assess
    expect(isPasscodeError(new PasscodeError("CODE_EXPIRED"))).toBe(true);
    expect(isPasscodeError(foreign)).toBe(true);
    expect(isPasscodeError(branded)).toBe(true);
  });

  it("refuses look-alikes with unknown codes and non-objects", () => {
    expect(
      isPasscodeError(Object.assign(new Error("x"), { name: "PasscodeError", code: "NOPE" })),
    ).toBe(false);
    expect(isPasscodeError(new Error("CODE_MISMATCH"))).toBe(false);
    expect(isPasscodeError("CODE_MISMATCH")).toBe(false);
    expect(isPasscodeError(null)).toBe(false);
    expect(isPasscodeError(undefined)).toBe(false);
    expect(isPasscodeErrorCode("toString")).toBe(false);
  });
});
