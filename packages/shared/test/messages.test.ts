import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkUsername,
  classifyUsername,
  DEFAULT_ERROR_MESSAGES,
  errorMessage,
  PASSCODE_ERROR_CODES,
  USERNAME_RULE_MESSAGES,
} from "../src/index.js";

describe("errorMessage", () => {
  it("gives the table's text for every code", () => {
    for (const code of PASSCODE_ERROR_CODES) {
      expect(errorMessage({ code })).toBe(DEFAULT_ERROR_MESSAGES[code]);
    }
  });

  it("gives the username rule the cause names, with the bounds", () => {
    const bounds = { minLength: 3, maxLength: 30 };
    expect(errorMessage({ code: "USERNAME_INVALID", cause: "TOO_SHORT" }, bounds)).toBe(
      "Use at least 3 characters.",
    );
    expect(errorMessage({ code: "USERNAME_INVALID", cause: "TOO_LONG" }, bounds)).toBe(
      "Use at most 30 characters.",
    );
    expect(errorMessage({ code: "USERNAME_INVALID", cause: "MUST_START_WITH_LETTER" })).toBe(
      "Start with a letter.",
    );
    // A rule that needs the bounds, without them: the code's text, never "{min}".
    expect(errorMessage({ code: "USERNAME_INVALID", cause: "TOO_SHORT" })).toBe(
      DEFAULT_ERROR_MESSAGES.USERNAME_INVALID,
    );
  });

  it("never echoes a cause, whatever it is", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PASSCODE_ERROR_CODES), fc.string(), (code, cause) => {
        const text = errorMessage({ code, cause }, { minLength: 3, maxLength: 30 });
        const known = [
          ...Object.values(DEFAULT_ERROR_MESSAGES),
          ...Object.values(USERNAME_RULE_MESSAGES).map((m) =>
            m.replace("{min}", "3").replace("{max}", "30"),
          ),
        ];
        expect(known).toContain(text);
      }),
    );
  });

  it("an unknown code gets the service error text, not undefined", () => {
    // biome-ignore lint/suspicious/noExplicitAny: a caller outside TypeScript
    expect(errorMessage({ code: "toString" as any })).toBe(DEFAULT_ERROR_MESSAGES.SERVICE_ERROR);
  });
});

describe("classifyUsername", () => {
  it("agrees with checkUsername, which adds the message", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (input, min) => {
        const verdict = classifyUsername(input, min, 30);
        const checked = checkUsername(input, min, 30);
        expect(checked.ok).toBe(verdict.ok);
        if (!verdict.ok && !checked.ok) {
          expect(checked.reason).toBe(verdict.reason);
          expect(checked.message).toBe(
            errorMessage(
              { code: "USERNAME_INVALID", cause: verdict.reason },
              { minLength: min, maxLength: 30 },
            ),
          );
        }
      }),
    );
  });
});
