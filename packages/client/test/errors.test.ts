import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mapError } from "../src/errors.js";
import { cognitoError } from "./helpers/scripted-transport.js";

const named = (name: string, message = "") => cognitoError(name, message);
const libraryStyle = (code: string, message = "") => Object.assign(new Error(message), { code });

describe("mapError", () => {
  it.each([
    ["fetch TypeError", new TypeError("Failed to fetch"), { step: "code" }, "NETWORK_ERROR", false],
    [
      "library NetworkError",
      libraryStyle("NetworkError", "Network error"),
      { step: "initiate" },
      "NETWORK_ERROR",
      false,
    ],
    ["abort", named("AbortError"), { step: "initiate" }, "NETWORK_ERROR", false],
    [
      "expired session",
      named("NotAuthorizedException", "Invalid session for the user, session is expired."),
      { step: "code", attemptsLeft: 3 },
      "SESSION_EXPIRED",
      true,
    ],
    [
      "used session",
      named(
        "NotAuthorizedException",
        "Invalid session for the user, session can only be used once.",
      ),
      { step: "username", attemptsLeft: 3 },
      "SESSION_EXPIRED",
      true,
    ],
    [
      "last attempt",
      named("NotAuthorizedException", "Incorrect username or password."),
      { step: "code", attemptsLeft: 1, expiresAt: 10, now: 5 },
      "TOO_MANY_ATTEMPTS",
      true,
    ],
    [
      "expired code",
      named("NotAuthorizedException", "Incorrect username or password."),
      { step: "code", attemptsLeft: 3, expiresAt: 10, now: 10 },
      "CODE_EXPIRED",
      true,
    ],
    [
      "other refusal",
      named("NotAuthorizedException", "Incorrect username or password."),
      { step: "code", attemptsLeft: 3, expiresAt: 10, now: 5 },
      "NOT_AUTHORIZED",
      true,
    ],
    [
      "username exhausted",
      named("NotAuthorizedException", "Incorrect username or password."),
      { step: "username", attemptsLeft: 1 },
      "TOO_MANY_ATTEMPTS",
      true,
    ],
    [
      "refused refresh",
      named("NotAuthorizedException", "Refresh Token has been revoked"),
      { step: "refresh" },
      "SESSION_EXPIRED",
      true,
    ],
    [
      "refused refresh (library)",
      libraryStyle("NotAuthorizedException", "Refresh Token has expired"),
      { step: "refresh" },
      "SESSION_EXPIRED",
      true,
    ],
    [
      "delivery",
      named(
        "UserLambdaValidationException",
        "CreateAuthChallenge failed with error DELIVERY_FAILED.",
      ),
      { step: "initiate" },
      "DELIVERY_FAILED",
      false,
    ],
    [
      "unknown trigger text",
      named("UserLambdaValidationException", "PreSignUp failed with error boom."),
      { step: "signUp" },
      "SERVICE_ERROR",
      false,
    ],
    [
      "Cognito rate limit",
      named("TooManyRequestsException", "Rate exceeded"),
      { step: "initiate" },
      "THROTTLED",
      false,
    ],
    ["internal", named("InternalErrorException"), { step: "code" }, "SERVICE_ERROR", false],
    ["named like an Object member", named("constructor"), { step: "code" }, "SERVICE_ERROR", false],
    ["named __proto__", named("__proto__"), { step: "initiate" }, "SERVICE_ERROR", false],
    ["named toString", libraryStyle("toString"), { step: "refresh" }, "SERVICE_ERROR", false],
    ["not an error", "weird", { step: "code" }, "SERVICE_ERROR", false],
    ["null", null, { step: "code" }, "SERVICE_ERROR", false],
  ] as const)("%s", (_label, error, ctx, code, sessionEnded) => {
    const mapped = mapError(error, ctx);
    expect(mapped.error.code).toBe(code);
    expect(mapped.error.message).toBe(code);
    expect(mapped.sessionEnded).toBe(sessionEnded);
  });

  it("carries retryAfterMs from a THROTTLED trigger error", () => {
    const mapped = mapError(
      named(
        "UserLambdaValidationException",
        "CreateAuthChallenge failed with error THROTTLED retryAfterMs=24000.",
      ),
      { step: "initiate" },
    );
    expect(mapped.error).toEqual({
      code: "THROTTLED",
      message: "THROTTLED",
      cause: "UserLambdaValidationException",
      retryAfterMs: 24000,
    });
  });

  it("never echoes the service's message (it may carry an address)", () => {
    const mapped = mapError(named("InvalidParameterException", "alice@example.com is bad"), {
      step: "signUp",
    });
    expect(mapped.error.message).not.toContain("alice");
  });

  it("maps a malformed session on an answer to SESSION_EXPIRED, and a trigger timeout to a retryable SERVICE_ERROR", () => {
    const session = named(
      "InvalidParameterException",
      "1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
    for (const step of ["code", "username"] as const) {
      expect(mapError(session, { step, attemptsLeft: 3 })).toEqual({
        error: {
          code: "SESSION_EXPIRED",
          message: "SESSION_EXPIRED",
          cause: "InvalidParameterException",
        },
        sessionEnded: true,
      });
    }
    // Elsewhere it is a request the client built wrong: a service error.
    expect(mapError(session, { step: "initiate" }).error.code).toBe("SERVICE_ERROR");
    const timeout = named(
      "UnexpectedLambdaException",
      "CreateAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.",
    );
    for (const step of ["initiate", "code", "username"] as const) {
      expect(mapError(timeout, { step, attemptsLeft: 3 })).toEqual({
        error: {
          code: "SERVICE_ERROR",
          message: "SERVICE_ERROR",
          cause: "UnexpectedLambdaException",
        },
        sessionEnded: false,
      });
    }
  });

  it("gives as cause the exception name when it is one word (at most 64 characters), never text the service wrote", () => {
    // size "max": fast-check 4 otherwise cuts strings at 10 characters, far from the bound.
    const text = fc.string({ maxLength: 80, size: "max" });
    const word = fc.string({
      unit: fc.constantFrom("a", "Z", "_", "9"),
      minLength: 1,
      maxLength: 80,
      size: "max",
    });
    fc.assert(
      fc.property(fc.oneof(text, word), text, (name, message) => {
        const { error } = mapError(named(name, message), { step: "code", attemptsLeft: 2 });
        // Both ways: a one-word name is shown, anything else is not.
        expect(error.cause).toBe(/^\w{1,64}$/.test(name) ? name : undefined);
      }),
    );
  });
});
