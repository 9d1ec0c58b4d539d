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
});
