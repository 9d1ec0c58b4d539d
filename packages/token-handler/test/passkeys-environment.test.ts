import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ENVIRONMENT_KEYS,
  environmentOptions,
  readTokenHandlerEnvironment,
} from "../src/lambda/environment.js";
import { inMemoryPasskeys } from "./support/passkeys.js";
import { ORIGIN } from "./support/requests.js";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CookieKeys-AbCdEf";
const BASE = {
  AWS_REGION: "eu-west-1",
  PASSCODE_CLIENT_ID: "abc",
  PASSCODE_ALLOWED_ORIGINS: ORIGIN,
  PASSCODE_COOKIE_SECRET_ARN: SECRET_ARN,
};
const PASSKEYS = {
  PASSCODE_USER_POOL_ID: "eu-west-1_AbC123xyz",
  PASSCODE_PASSKEY_TABLE: "passcode-table",
  PASSCODE_EMAIL_FROM: "Acme <no-reply@example.com>",
  PASSCODE_APP_NAME: "Acme",
};

describe("the prebuilt handler's passkey variables", () => {
  it("keeps the names the CDK construct sets", () => {
    expect(ENVIRONMENT_KEYS).toMatchObject({
      userPoolId: "PASSCODE_USER_POOL_ID",
      passkeyTable: "PASSCODE_PASSKEY_TABLE",
      emailFrom: "PASSCODE_EMAIL_FROM",
      appName: "PASSCODE_APP_NAME",
    });
  });

  it("reads them, with Cognito's own issuer against AWS", () => {
    const read = readTokenHandlerEnvironment({ ...BASE, ...PASSKEYS });
    expect(read.passkeys).toEqual({
      userPoolId: "eu-west-1_AbC123xyz",
      tableName: "passcode-table",
      emailFrom: "Acme <no-reply@example.com>",
      appName: "Acme",
    });
    // A VPC endpoint still issues Cognito's tokens.
    const vpc = readTokenHandlerEnvironment({
      ...BASE,
      ...PASSKEYS,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER:
        "https://vpce-0123-abcd.cognito-idp.eu-west-1.vpce.amazonaws.com/",
    });
    expect(vpc.passkeys?.issuer).toBeUndefined();
  });

  it("takes the local stack's issuer from a loopback http endpoint", () => {
    const read = readTokenHandlerEnvironment({
      ...BASE,
      ...PASSKEYS,
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: "http://127.0.0.1:4567",
    });
    expect(read.passkeys?.issuer).toBe("http://127.0.0.1:4567/eu-west-1_AbC123xyz");
  });

  it("is off without them", () => {
    expect(readTokenHandlerEnvironment(BASE).passkeys).toBeUndefined();
    let built = false;
    const { options } = environmentOptions(BASE, () => {
      built = true;
      return { store: inMemoryPasskeys() };
    });
    expect(options.passkeys).toBeUndefined();
    expect(built).toBe(false);
  });

  it("refuses any proper subset of the four, naming the missing ones", () => {
    const names = Object.keys(PASSKEYS) as (keyof typeof PASSKEYS)[];
    fc.assert(
      fc.property(
        fc.subarray(names, { minLength: 1, maxLength: names.length - 1 }),
        fc.boolean(),
        (given, blank) => {
          const env: Record<string, string> = { ...BASE };
          for (const name of given) env[name] = PASSKEYS[name];
          // A variable set to blanks counts as unset.
          const missing = names.filter((n) => !given.includes(n));
          if (blank) env[missing[0]!] = "  ";
          let message = "";
          try {
            readTokenHandlerEnvironment(env);
          } catch (error) {
            message = (error as Error).message;
          }
          for (const name of missing) expect(message).toContain(name);
        },
      ),
    );
  });

  it.each([
    ["PASSCODE_USER_POOL_ID", { PASSCODE_USER_POOL_ID: "my pool" }],
    ["PASSCODE_PASSKEY_TABLE", { PASSCODE_PASSKEY_TABLE: "a" }],
    ["PASSCODE_PASSKEY_TABLES", { PASSCODE_PASSKEY_TABLES: "t" }],
    ["PASSCODE_PASSKEYS_TABLE", { PASSCODE_PASSKEYS_TABLE: "t" }],
  ])("refuses a bad or unknown %s, naming it", (name, patch) => {
    expect(() => readTokenHandlerEnvironment({ ...BASE, ...PASSKEYS, ...patch })).toThrow(name);
  });

  it("refuses to start with the passkey variables and no store to serve them", () => {
    expect(() => environmentOptions({ ...BASE, ...PASSKEYS })).toThrow(
      "PASSCODE_USER_POOL_ID is set, but this build has no passkey store",
    );
  });

  it("builds the store and the notifier once from the variables, and checks the pool id as an option", () => {
    const seen: unknown[] = [];
    const backend = (settings: unknown) => {
      seen.push(settings);
      return { store: inMemoryPasskeys(), notify: async () => {} };
    };
    const { options } = environmentOptions({ ...BASE, ...PASSKEYS }, backend);
    expect(options.passkeys).toMatchObject({ userPoolId: "eu-west-1_AbC123xyz" });
    expect(seen).toEqual([
      {
        userPoolId: "eu-west-1_AbC123xyz",
        tableName: "passcode-table",
        emailFrom: "Acme <no-reply@example.com>",
        appName: "Acme",
      },
    ]);
    // The environment's pattern is loose; the option's check is Cognito's.
    expect(() =>
      environmentOptions({ ...BASE, ...PASSKEYS, PASSCODE_USER_POOL_ID: "local_AbC" }, backend),
    ).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });
});
