import { isPasscodeError } from "@cognito-passcode/shared";
import {
  createCreateAuthChallengeHandler,
  createDefineAuthChallengeHandler,
  createPasscodeTriggers,
  createPostAuthenticationHandler,
  createPreSignUpHandler,
  createVerifyAuthChallengeHandler,
  memoryStore,
  type PasscodeTriggersOptions,
} from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";

const codeSecret = "Vq3k9Zr1Lx7Tb2Nw8Hc5Jm0Pd4Fs6Gy1";
const valid: PasscodeTriggersOptions = {
  email: { from: "no-reply@example.com" },
  throttle: false,
  codeSecret,
};
const store = memoryStore();

function configError(build: () => unknown): { field: string; message: string } {
  try {
    build();
  } catch (error) {
    if (isPasscodeError(error) && error.code === "CONFIGURATION_ERROR") {
      return { field: error.details.field ?? "", message: error.message };
    }
    throw error;
  }
  throw new Error("expected a CONFIGURATION_ERROR");
}

const cases: [string, unknown, RegExp?][] = [
  [
    "code.length",
    { ...valid, code: { length: 5 } },
    /^code\.length must be an integer from 6 to 10$/,
  ],
  ["code.length", { ...valid, code: { length: 11 } }],
  ["code.length", { ...valid, code: { length: 6.5 } }],
  [
    "code.ttlSeconds",
    { ...valid, code: { ttlSeconds: 59 } },
    /^code\.ttlSeconds must be an integer from 60 to 900$/,
  ],
  ["code.ttlSeconds", { ...valid, code: { ttlSeconds: 901 } }],
  [
    "code.maxAttempts",
    { ...valid, code: { maxAttempts: 0 } },
    /^code\.maxAttempts must be an integer from 1 to 10$/,
  ],
  ["code.maxAttempts", { ...valid, code: { maxAttempts: "3" } }],
  ["email.from", { email: {} }, /^email\.from /],
  ["email.from", {}],
  ["email.from", { email: { from: "not an address" } }],
  ["email.from", { email: { from: "Acme <broken>" } }],
  ["email.replyTo", { email: { from: "a@example.com", replyTo: ["ok@example.com", "bad"] } }],
  ["email.appName", { email: { from: "a@example.com", appName: "Acme\r\nBcc: x@evil.com" } }],
  ["email.appName", { email: { from: "a@example.com", appName: "" } }],
  ["email.configurationSetName", { email: { from: "a@example.com", configurationSetName: 5 } }],
  ["email.render", { email: { from: "a@example.com", render: "template" } }],
  ["email.sendTimeoutMs", { email: { from: "a@example.com", sendTimeoutMs: 6000 } }],
  ["username.registry", { ...valid, username: {} }],
  ["username.attribute", { ...valid, username: { registry: store, attribute: "custom username" } }],
  [
    "username.attribute",
    { ...valid, username: { registry: store, attribute: "preferred_username" } },
    /^username\.attribute must be a custom attribute \(custom:<name>, /,
  ],
  ["username.attribute", { ...valid, username: { registry: store, attribute: "email" } }],
  ["username.attribute", { ...valid, username: { registry: store, attribute: "nickname" } }],
  ["username.attribute", { ...valid, username: { registry: store, attribute: "custom:" } }],
  ["username.attribute", { ...valid, username: { registry: store, attribute: "dev:custom:x" } }],
  ["username.maxAttempts", { ...valid, username: { registry: store, maxAttempts: 0 } }],
  [
    "username.policy.minLength",
    { ...valid, username: { registry: store, policy: { minLength: 0 } } },
  ],
  [
    "username.policy.maxLength",
    { ...valid, username: { registry: store, policy: { minLength: 5, maxLength: 4 } } },
  ],
  [
    "throttle",
    { email: valid.email },
    /^throttle is required: pass \{ store: dynamoDbStore\(\.\.\.\) \}, or false for no throttle$/,
  ],
  ["throttle", { ...valid, throttle: undefined }],
  ["throttle", { ...valid, throttle: true }],
  ["throttle.store", { ...valid, throttle: { store: {} } }],
  ["throttle.minIntervalSeconds", { ...valid, throttle: { store, minIntervalSeconds: -1 } }],
  ["throttle.maxPerWindow", { ...valid, throttle: { store, maxPerWindow: 0 } }],
  ["throttle.windowSeconds", { ...valid, throttle: { store, windowSeconds: 10 } }],
  [
    "throttle.maxPerDay",
    { ...valid, throttle: { store, maxPerDay: 0 } },
    /^throttle\.maxPerDay must be an integer from 1 to 10000$/,
  ],
  ["throttle.maxPerDay", { ...valid, throttle: { store, maxPerDay: 10_001 } }],
  ["throttle.maxPerDay", { ...valid, throttle: { store, maxPerDay: 2.5 } }],
  ["throttle.maxPerDay", { ...valid, throttle: { store, maxPerDay: "10" } }],
  ["signUp.allowedEmailDomains", { ...valid, signUp: { allowedEmailDomains: [] } }],
  ["signUp.allowedEmailDomains", { ...valid, signUp: { allowedEmailDomains: ["not a domain"] } }],
  [
    "codeSecret",
    { ...valid, codeSecret: "short" },
    /^codeSecret must be a string of at least 32 characters: /,
  ],
  ["codeSecret", { ...valid, codeSecret: "s".repeat(31) }],
  // Long enough but not a secret: one letter, or a short pattern, repeated.
  [
    "codeSecret",
    { ...valid, codeSecret: "x".repeat(32) },
    /^codeSecret must have at least 8 distinct characters: .*openssl rand -base64 48/,
  ],
  ["codeSecret", { ...valid, codeSecret: "ab".repeat(32) }],
  ["codeSecret", { ...valid, codeSecret: "passwor".repeat(10) }],
  ["codeSecret", { ...valid, codeSecret: "0123456".repeat(5) }],
  ["codeSecret", { ...valid, codeSecret: 42 }],
  ["codeSecret", { ...valid, codeSecret: undefined }, /^codeSecret is required: /],
  ["now", { ...valid, now: 5 }],
  ["deliver", { ...valid, deliver: "ses" }],
  ["ses", { ...valid, ses: {} }],
  ["cognito", { ...valid, cognito: {} }],
  ["logger.info", { ...valid, logger: { debug() {}, warn() {}, error() {} } }],
  ["unknownUserDelayMs", { ...valid, unknownUserDelayMs: -5 }],
];

describe("options validation", () => {
  it.each(cases)("names %s in the CONFIGURATION_ERROR", (field, options, message) => {
    // Prepare
    // Act
    const error = configError(() => createPasscodeTriggers(options as PasscodeTriggersOptions));
    // Assess
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field} `)).toBe(true);
    if (message) expect(error.message).toMatch(message);
  });

  it("validates at creation in each single factory, for the options it uses", () => {
    // Prepare
    const badCode = { ...valid, code: { length: 4 } };
    // Act
    const fields = [
      configError(() => createDefineAuthChallengeHandler(badCode)).field,
      configError(() => createCreateAuthChallengeHandler(badCode)).field,
      configError(() => createCreateAuthChallengeHandler({ email: { from: "x" }, throttle: false }))
        .field,
      configError(() => createVerifyAuthChallengeHandler({ ...valid, codeSecret: "x" })).field,
      // Verify counts answers per code in the throttle store: it needs `code` and `throttle` too.
      configError(() => createVerifyAuthChallengeHandler(badCode)).field,
      configError(() =>
        createVerifyAuthChallengeHandler({
          email: valid.email,
          codeSecret,
        } as PasscodeTriggersOptions),
      ).field,
      configError(() => createPreSignUpHandler({ ...valid, signUp: { allowedEmailDomains: [] } }))
        .field,
      configError(() => createPostAuthenticationHandler({ ...valid, now: 5 as never })).field,
    ];
    // Assess
    expect(fields).toEqual([
      "code.length",
      "code.length",
      "email.from",
      "codeSecret",
      "code.length",
      "throttle",
      "signUp.allowedEmailDomains",
      "now",
    ]);
  });

  it("fails closed without codeSecret in every factory that makes or checks codes, saying how to get one", () => {
    // Prepare
    const { codeSecret: _, ...omitted } = valid;
    const factories = {
      createPasscodeTriggers,
      createCreateAuthChallengeHandler,
      createVerifyAuthChallengeHandler,
    };
    // Act
    const errors = Object.values(factories).map((create) =>
      configError(() => create(omitted as PasscodeTriggersOptions)),
    );
    // Assess
    for (const error of errors) {
      expect(error.field).toBe("codeSecret");
      expect(error.message).toMatch(/^codeSecret is required: /);
      expect(error.message).toContain("openssl rand -base64 48");
      expect(error.message).toContain("Secrets Manager");
    }
    // Define, PreSignUp and PostAuthentication never touch a code: they build without one.
    expect(typeof createDefineAuthChallengeHandler(omitted as PasscodeTriggersOptions)).toBe(
      "function",
    );
    expect(typeof createPreSignUpHandler(omitted as PasscodeTriggersOptions)).toBe("function");
    expect(typeof createPostAuthenticationHandler(omitted as PasscodeTriggersOptions)).toBe(
      "function",
    );
  });

  it("accepts a codeSecret of 32+ characters with 8 distinct ones: the test helpers', and every one the local stack draws", async () => {
    // Prepare
    const { randomBytes } = await import("node:crypto");
    const { TEST_CODE_SECRET } = await import("./support/harness.js");
    const secrets = [
      codeSecret,
      TEST_CODE_SECRET,
      "01234567".repeat(4),
      // As the local stack draws one at every start (default-triggers.ts).
      ...Array.from({ length: 2000 }, () => randomBytes(48).toString("base64")),
      // As `openssl rand -hex 16` would give: 32 hex characters.
      ...Array.from({ length: 500 }, () => randomBytes(16).toString("hex")),
    ];
    // Act
    const refused = secrets.filter((secret) => {
      try {
        createPasscodeTriggers({ ...valid, codeSecret: secret });
        return false;
      } catch {
        return true;
      }
    });
    // Assess
    expect(refused).toEqual([]);
  });

  it("accepts a custom: attribute for the username, and only that", () => {
    // Prepare
    const build = (attribute: string) => () =>
      createPasscodeTriggers({ ...valid, username: { registry: store, attribute } });
    // Act
    const accepted = ["custom:username", "custom:handle", "custom:a", `custom:${"n".repeat(20)}`];
    const refused = ["preferred_username", "name", "custom:", `custom:${"n".repeat(21)}`];
    // Assess
    for (const attribute of accepted) expect(typeof build(attribute)()).toBe("object");
    for (const attribute of refused) {
      expect(configError(build(attribute)).field).toBe("username.attribute");
    }
  });

  it("fails closed when throttle is left out of Create, and takes an explicit false", () => {
    // Prepare
    const omitted = { email: valid.email, codeSecret } as PasscodeTriggersOptions;
    // Act
    const error = configError(() => createCreateAuthChallengeHandler(omitted));
    const off = createCreateAuthChallengeHandler({ ...omitted, throttle: false });
    // Assess
    expect(error.field).toBe("throttle");
    expect(error.message).toMatch(/dynamoDbStore.*or false/);
    expect(typeof off).toBe("function");
  });

  it("accepts throttle.maxPerDay at both ends of its range", () => {
    // Prepare
    const build = (maxPerDay: number) => () =>
      createCreateAuthChallengeHandler({ ...valid, throttle: { store, maxPerDay } });
    // Act
    const handlers = [build(1)(), build(10_000)()];
    // Assess
    expect(handlers.map((h) => typeof h)).toEqual(["function", "function"]);
    expect(configError(build(10_001)).field).toBe("throttle.maxPerDay");
  });

  it("accepts the documented defaults and a display-name sender", () => {
    // Prepare
    // Act
    const triggers = createPasscodeTriggers({
      email: { from: "Acme <no-reply@example.com>", appName: "Acme", replyTo: "help@example.com" },
      codeSecret,
      code: { length: 6, ttlSeconds: 180, maxAttempts: 3 },
      username: { registry: store, attribute: "custom:username" },
      throttle: {
        store,
        minIntervalSeconds: 30,
        maxPerWindow: 5,
        windowSeconds: 900,
        maxPerDay: 10,
      },
    });
    // Assess
    expect(Object.keys(triggers).sort()).toEqual([
      "createAuthChallenge",
      "defineAuthChallenge",
      "handler",
      "postAuthentication",
      "preSignUp",
      "verifyAuthChallenge",
    ]);
  });
});
