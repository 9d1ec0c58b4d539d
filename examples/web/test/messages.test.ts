import { PASSCODE_ERROR_CODES } from "@cognito-passcode/shared";
import { describe, expect, test } from "vitest";
import { formatDuration, humanMessage, isRetryable } from "../src/messages.js";

describe("humanMessage", () => {
  test("every error code has a sentence for people, not the code itself", () => {
    for (const code of PASSCODE_ERROR_CODES) {
      const text = humanMessage(code);
      expect(text, code).toMatch(/^[A-Z@].*[.!]$/);
      expect(text, code).not.toContain(code);
      expect(text, code).not.toMatch(/[A-Z]{3,}_[A-Z]+/);
    }
  });

  test("a wrong code says how many attempts are left", () => {
    expect(humanMessage("CODE_MISMATCH", { attemptsLeft: 2 })).toBe(
      "That code isn't right. 2 attempts left.",
    );
    expect(humanMessage("CODE_MISMATCH", { attemptsLeft: 1 })).toContain("1 attempt left.");
    expect(humanMessage("CODE_MISMATCH", { attemptsLeft: 0 })).toContain("send a new code");
  });

  test("a passkey refused or cancelled says what to do next", () => {
    expect(humanMessage("PASSKEY_REJECTED", { attemptsLeft: 2 })).toMatch(/2 tries left\.$/);
    expect(humanMessage("PASSKEY_REJECTED", { attemptsLeft: 0 })).not.toContain("left");
    expect(humanMessage("PASSKEY_CANCELLED")).toContain("code by email");
    expect(humanMessage("PASSKEY_EXISTS")).toContain("skip");
    // While creating one, the code is already behind the user: no "code by email".
    expect(humanMessage("PASSKEY_CANCELLED", { enrolling: true })).toContain("skip for now");
    expect(humanMessage("PASSKEY_CANCELLED", { enrolling: true })).not.toContain("code");
  });

  test("a throttle says when to ask again", () => {
    expect(humanMessage("THROTTLED", { retryAfterMs: 24_000 })).toContain("in 24 seconds.");
    expect(humanMessage("THROTTLED", { retryAfterMs: 65_000 })).toContain("1 minute 5 seconds");
  });

  test("a taken username is named, with the tries left", () => {
    expect(humanMessage("USERNAME_UNAVAILABLE", { username: "carol", triesLeft: 4 })).toBe(
      "@carol is taken. Try another one. 4 tries left.",
    );
  });
});

describe("formatDuration and isRetryable", () => {
  test("durations round up to whole seconds", () => {
    expect(formatDuration(1)).toBe("1 second");
    expect(formatDuration(60_000)).toBe("1 minute");
    expect(formatDuration(29_001)).toBe("30 seconds");
  });

  test("only errors a plain retry can fix offer one", () => {
    expect(isRetryable("NETWORK_ERROR")).toBe(true);
    expect(isRetryable("CODE_MISMATCH")).toBe(false);
    expect(isRetryable("THROTTLED")).toBe(false);
  });
});
