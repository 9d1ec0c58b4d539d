import {
  createEnvironmentHandlers,
  ENVIRONMENT_KEYS,
  readTriggerEnvironment,
  SWEEP_ENVIRONMENT_KEYS,
} from "@cognito-passcode/triggers/environment";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEvent, knownUser, verifyEvent } from "./support/events.js";

// The prebuilt handler fails closed on every bad environment value: a value
// out of range stops the start-up, and so does a misspelled variable, which
// would otherwise leave its setting at the default without a word (for
// PASSCODE_ALLOWED_EMAIL_DOMAINS: any domain may sign up).

const REQUIRED = {
  PASSCODE_TABLE_NAME: "cognito-passcode",
  PASSCODE_EMAIL_FROM: "no-reply@example.com",
  PASSCODE_APP_NAME: "Acme",
};
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const start = (env: Record<string, string>) =>
  createEnvironmentHandlers({ env: { ...REQUIRED, ...env }, logger: quiet });

/** Each whole-number variable and the values the handler accepts alone (the others at their defaults). */
const RANGES: readonly [string, number, number][] = [
  [ENVIRONMENT_KEYS.codeLength, 6, 10],
  [ENVIRONMENT_KEYS.codeTtlSeconds, 60, 900],
  [ENVIRONMENT_KEYS.maxAttempts, 1, 10],
  [ENVIRONMENT_KEYS.usernameMinLength, 1, 30],
  [ENVIRONMENT_KEYS.usernameMaxLength, 3, 64],
  [ENVIRONMENT_KEYS.usernameMaxAttempts, 1, 20],
  [ENVIRONMENT_KEYS.throttleMinIntervalSeconds, 0, 3600],
  [ENVIRONMENT_KEYS.throttleMaxPerWindow, 1, 1000],
  [ENVIRONMENT_KEYS.throttleWindowSeconds, 60, 86400],
  [ENVIRONMENT_KEYS.throttleMaxPerDay, 1, 10000],
];

describe("the prebuilt handler's environment fails closed", () => {
  it("starts with every whole-number variable inside its range, and refuses every value outside", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RANGES),
        fc.integer({ min: 0, max: 999_999 }),
        ([key, min, max], value) => {
          const run = () => start({ [key]: String(value) });
          if (value >= min && value <= max) expect(run).not.toThrow();
          else expect(run).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
        },
      ),
      { numRuns: 300 },
    );
  });

  it.each([
    ["PASSCODE_ALLOWED_EMAIL_DOMAIN", "corp.example"],
    ["PASSCODE_ALLOWED_DOMAINS", "corp.example"],
    ["PASSCODE_CODE_SECRET", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x"],
    ["PASSCODE_THROTTLE_MAX_PER_DAYS", "3"],
    ["PASSCODE_MAX_ATTEMPT", "1"],
  ])("refuses the misspelled %s instead of ignoring it", (key, value) => {
    expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: value })).toThrow(key);
  });

  it("refuses any PASSCODE_ variable it does not read, and accepts every one it does", () => {
    const known = new Set<string>([
      ...Object.values(ENVIRONMENT_KEYS),
      ...Object.values(SWEEP_ENVIRONMENT_KEYS),
    ]);
    fc.assert(
      fc.property(
        fc
          .stringMatching(/^[A-Z][A-Z0-9_]{0,30}$/)
          .map((s) => `PASSCODE_${s}`)
          .filter((k) => !known.has(k)),
        (key) => {
          expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: "x" })).toThrow(key);
        },
      ),
    );
    // The sweep's variables may sit next to the triggers' (a shared Globals block).
    expect(() =>
      readTriggerEnvironment({ ...REQUIRED, PASSCODE_USER_POOL_ID: "eu-west-1_AbCdEf123" }),
    ).not.toThrow();
    // Variables of other programs are none of its business.
    expect(() =>
      readTriggerEnvironment({ ...REQUIRED, AWS_REGION: "eu-west-1", PASSCODEX: "1" }),
    ).not.toThrow();
  });
});

describe("Lambda's _HANDLER only silences the start-up warning", () => {
  it("whatever it says, Create, Verify and the dispatcher refuse to run without the code secret", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(
            "index.defineAuthChallenge",
            "index.preSignUp",
            "defineAuthChallenge",
            "x.y.preSignUp",
            "",
          ),
          fc.string(),
        ),
        async (served) => {
          const h = createEnvironmentHandlers({
            env: { ...REQUIRED, _HANDLER: served },
            logger: quiet,
          });
          const user = knownUser();
          for (const call of [
            () => h.createAuthChallenge(createEvent(user, [])),
            () => h.verifyAuthChallengeResponse(verifyEvent(user, {}, "123456")),
            () => h.handler(createEvent(user, [])),
          ]) {
            await expect(call()).rejects.toMatchObject({ code: "CONFIGURATION_ERROR" });
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});
