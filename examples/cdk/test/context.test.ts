import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { ENVIRONMENT_KEYS, readTriggerEnvironment } from "../lambda/config.js";
import { stackPropsFromContext } from "../lib/context.js";

const node = (context: Record<string, unknown>) => new App({ context }).node;

describe("stackPropsFromContext", () => {
  it("builds props from a domain, with offline placeholders for account and region", () => {
    const props = stackPropsFromContext(node({ emailDomain: "example.com", appName: "Acme" }), {});
    expect(props).toMatchObject({
      env: { account: "123456789012", region: "eu-west-1" },
      emailIdentity: { domain: "example.com" },
      appName: "Acme",
      deletionProtection: true,
      functionLayout: "per-trigger",
    });
  });

  it("takes account and region from the CLI's environment", () => {
    const props = stackPropsFromContext(node({ emailAddress: "a@example.com" }), {
      CDK_DEFAULT_ACCOUNT: "210987654321",
      CDK_DEFAULT_REGION: "us-west-2",
    });
    expect(props.env).toEqual({ account: "210987654321", region: "us-west-2" });
    expect(props.emailIdentity).toEqual({ address: "a@example.com" });
  });

  it("reads deletionProtection=false, the layout and an existing pool id", () => {
    const props = stackPropsFromContext(
      node({
        emailDomain: "example.com",
        deletionProtection: "false",
        functionLayout: "single",
        existingUserPoolId: "eu-west-1_X",
      }),
      {},
    );
    expect(props).toMatchObject({
      deletionProtection: false,
      functionLayout: "single",
      existingUserPoolId: "eu-west-1_X",
    });
  });

  it.each([{}, { emailDomain: "example.com", emailAddress: "a@example.com" }])(
    "needs exactly one email identity (%o)",
    (context) => {
      expect(() => stackPropsFromContext(node(context), {})).toThrow(/exactly one/);
    },
  );

  it("refuses an unknown layout", () => {
    expect(() =>
      stackPropsFromContext(node({ emailDomain: "example.com", functionLayout: "many" }), {}),
    ).toThrow(/functionLayout/);
  });
});

describe("readTriggerEnvironment", () => {
  const env = {
    [ENVIRONMENT_KEYS.tableName]: "t",
    [ENVIRONMENT_KEYS.emailFrom]: "no-reply@example.com",
    [ENVIRONMENT_KEYS.appName]: "Acme",
  };

  it("fills the code defaults", () => {
    expect(readTriggerEnvironment(env)).toEqual({
      tableName: "t",
      emailFrom: "no-reply@example.com",
      appName: "Acme",
      codeLength: 6,
      codeTtlSeconds: 180,
      maxAttempts: 3,
    });
  });

  it.each([ENVIRONMENT_KEYS.tableName, ENVIRONMENT_KEYS.emailFrom, ENVIRONMENT_KEYS.appName])(
    "fails closed without %s",
    (key) => {
      expect(() => readTriggerEnvironment({ ...env, [key]: " " })).toThrow(key);
    },
  );

  it("passes the code secret ARN through, and refuses anything else", () => {
    const arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";
    expect(
      readTriggerEnvironment({ ...env, [ENVIRONMENT_KEYS.codeSecretArn]: arn }).codeSecretArn,
    ).toBe(arn);
    expect(() =>
      readTriggerEnvironment({ ...env, [ENVIRONMENT_KEYS.codeSecretArn]: "my-secret" }),
    ).toThrow(ENVIRONMENT_KEYS.codeSecretArn);
  });

  it("refuses a non-numeric code setting", () => {
    expect(() =>
      readTriggerEnvironment({ ...env, [ENVIRONMENT_KEYS.codeLength]: "6; rm -rf" }),
    ).toThrow(ENVIRONMENT_KEYS.codeLength);
  });
});
