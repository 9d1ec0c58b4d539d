import { isPasscodeError } from "@cognito-passcode/shared";
import {
  createCreateAuthChallengeHandler,
  createDefineAuthChallengeHandler,
  createPasscodeTriggers,
  createVerifyAuthChallengeHandler,
  memoryStore,
  type PasscodeTriggersOptions,
} from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { resolvePasskeys } from "../src/resolve-options.js";

const store = memoryStore();
const passkeys = {
  rpId: "example.com",
  rpName: "Acme",
  origins: ["https://app.example.com", "https://example.com:8443"],
  store,
};
const valid: PasscodeTriggersOptions = {
  email: { from: "no-reply@example.com" },
  throttle: false,
  codeSecret: "Vq3k9Zr1Lx7Tb2Nw8Hc5Jm0Pd4Fs6Gy1",
  passkeys,
};
const factories = [
  createPasscodeTriggers,
  createDefineAuthChallengeHandler,
  createCreateAuthChallengeHandler,
  createVerifyAuthChallengeHandler,
];

function fieldOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    if (isPasscodeError(error) && error.code === "CONFIGURATION_ERROR") {
      return error.details.field ?? "";
    }
    throw error;
  }
  return "(accepted)";
}

const bad: [string, Record<string, unknown>][] = [
  ["passkeys", { passkeys: "on" }],
  ["passkeys.rpId", { rpId: "" }],
  ["passkeys.rpId", { rpId: "Example.com" }],
  ["passkeys.rpId", { rpId: "127.0.0.1", origins: ["https://127.0.0.1"] }],
  ["passkeys.rpId", { rpId: "https://example.com" }],
  ["passkeys.rpId", { rpId: 42 }],
  ["passkeys.rpName", { rpName: "" }],
  ["passkeys.rpName", { rpName: undefined }],
  ["passkeys.rpName", { rpName: "Acme\nBcc: x" }],
  ["passkeys.rpName", { rpName: "x".repeat(101) }],
  ["passkeys.origins", { origins: [] }],
  ["passkeys.origins", { origins: "https://example.com" }],
  ["passkeys.origins", { origins: ["http://example.com"] }],
  ["passkeys.origins", { origins: ["https://example.com/"] }],
  ["passkeys.origins", { origins: ["https://app.example.com/login"] }],
  ["passkeys.origins", { origins: ["https://evil.com"] }],
  ["passkeys.origins", { origins: ["https://notexample.com"] }],
  ["passkeys.origins", { origins: ["HTTPS://example.com"] }],
  ["passkeys.store", { store: undefined }],
  ["passkeys.store", { store: {} }],
  ["passkeys.store", { store: { ...store, recordPasskeySignIn: undefined } }],
  ["passkeys.maxAttempts", { maxAttempts: 0 }],
  ["passkeys.maxAttempts", { maxAttempts: 11 }],
  ["passkeys.maxAttempts", { maxAttempts: 1.5 }],
  ["passkeys.enrol", { enrol: 2 }],
  ["passkeys.enrol.maxAttempts", { enrol: { maxAttempts: 0 } }],
  ["passkeys.enrol.maxAttempts", { enrol: { maxAttempts: 6 } }],
  ["passkeys.maxPerUser", { maxPerUser: 0 }],
  ["passkeys.maxPerUser", { maxPerUser: 21 }],
  ["passkeys.timeoutMs", { timeoutMs: 29_999 }],
  ["passkeys.timeoutMs", { timeoutMs: 600_001 }],
  ["passkeys.required", { required: "yes" }],
];

describe("the passkeys option", () => {
  it.each(bad)("refuses a bad %s (%j) in every factory that reads it", (field, change) => {
    // Prepare
    const options = {
      ...valid,
      passkeys: typeof change.passkeys === "string" ? change.passkeys : { ...passkeys, ...change },
    } as PasscodeTriggersOptions;
    // Act
    const fields = factories.map((factory) => fieldOf(() => factory(options)));
    // Assess
    expect(fields).toEqual(factories.map(() => field));
  });

  it("accepts localhost over http, sub-domains and false, in every factory", () => {
    // Prepare
    const local = {
      ...passkeys,
      rpId: "localhost",
      origins: ["http://localhost:5173", "http://a.localhost"],
    };
    // Act
    const fields = [
      valid,
      { ...valid, passkeys: local },
      { ...valid, passkeys: false as const },
    ].flatMap((options) => factories.map((factory) => fieldOf(() => factory(options))));
    // Assess
    expect(new Set(fields)).toEqual(new Set(["(accepted)"]));
  });

  it("fills in the defaults of design section 6.3", () => {
    // Act
    const settings = resolvePasskeys(valid);
    // Assess
    expect(settings).toMatchObject({
      rpId: "example.com",
      rpName: "Acme",
      origins: ["https://app.example.com", "https://example.com:8443"],
      maxAttempts: 3,
      enrolMaxAttempts: 2,
      maxPerUser: 10,
      timeoutMs: 120_000,
      required: false,
    });
    expect(resolvePasskeys({ ...valid, passkeys: undefined })).toBe(false);
  });
});
