import { App } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { stackPropsFromContext } from "../lib/context.js";

const node = (context: Record<string, unknown>) => new App({ context }).node;

describe("stackPropsFromContext", () => {
  it("builds props from a domain, with offline placeholders for account and region", () => {
    const props = stackPropsFromContext(node({ emailDomain: "example.com", appName: "Acme" }), {});
    expect(props).toMatchObject({
      env: { account: "123456789012", region: "eu-west-1" },
      auth: {
        email: { domain: "example.com" },
        appName: "Acme",
        deletionProtection: true,
        functionLayout: "per-trigger",
      },
    });
  });

  it("takes account and region from the CLI's environment", () => {
    const props = stackPropsFromContext(node({ emailAddress: "a@example.com" }), {
      CDK_DEFAULT_ACCOUNT: "210987654321",
      CDK_DEFAULT_REGION: "us-west-2",
    });
    expect(props.env).toEqual({ account: "210987654321", region: "us-west-2" });
    expect(props.auth.email).toEqual({ address: "a@example.com" });
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
      auth: { deletionProtection: false, functionLayout: "single" },
      existingUserPoolId: "eu-west-1_X",
    });
  });

  it.each([{}, { emailDomain: "example.com", emailAddress: "a@example.com" }])(
    "needs exactly one email identity (%o)",
    (context) => {
      expect(() => stackPropsFromContext(node(context), {})).toThrow(/exactly one/);
    },
  );

  it("refuses a From address other than the SES address identity", () => {
    expect(() =>
      stackPropsFromContext(
        node({ emailAddress: "a@example.com", fromAddress: "b@example.com" }),
        {},
      ),
    ).toThrow(/fromAddress must be the SES identity address/);
  });

  it("refuses an unknown layout", () => {
    expect(() =>
      stackPropsFromContext(node({ emailDomain: "example.com", functionLayout: "many" }), {}),
    ).toThrow(/functionLayout/);
  });
});
