import { readFileSync } from "node:fs";
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

  it("turns passkeys on for the site's origin (RP id its host, or passkeyRpId)", () => {
    const certificateArn =
      "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    const base = {
      emailDomain: "example.com",
      siteOrigin: "https://app.example.com",
      certificateArn,
    };
    expect(stackPropsFromContext(node(base), {}).auth.passkeys).toBeUndefined();
    expect(stackPropsFromContext(node({ ...base, passkeys: "true" }), {}).auth.passkeys).toEqual({
      rpId: "app.example.com",
      origins: ["https://app.example.com"],
      required: false,
    });
    expect(
      stackPropsFromContext(
        node({ ...base, passkeys: true, passkeyRpId: "example.com", passkeysRequired: "true" }),
        {},
      ).auth.passkeys,
    ).toEqual({ rpId: "example.com", origins: ["https://app.example.com"], required: true });
    expect(() =>
      stackPropsFromContext(node({ emailDomain: "example.com", passkeys: "true" }), {}),
    ).toThrow(/passkeys=true needs siteOrigin/);
    expect(() => stackPropsFromContext(node({ ...base, passkeys: "yes" }), {})).toThrow(
      /passkeys must be/,
    );
    expect(() => stackPropsFromContext(node({ ...base, passkeyRpId: "example.com" }), {})).toThrow(
      /passkeyRpId is set/,
    );
  });

  it("reads siteOrigin and certificateArn into the token handler and the site", () => {
    const certificateArn =
      "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000";
    const props = stackPropsFromContext(
      node({ emailDomain: "example.com", siteOrigin: "https://app.example.com", certificateArn }),
      {},
    );
    expect(props.auth.tokenHandler).toEqual({ allowedOrigins: ["https://app.example.com"] });
    expect(props.site).toEqual({ origin: "https://app.example.com", certificateArn });
    // The distribution's own name takes no certificate of yours (a given one is ignored).
    const cloudfront = stackPropsFromContext(
      node({
        emailDomain: "example.com",
        siteOrigin: "https://d111111abcdef8.cloudfront.net",
        certificateArn,
      }),
      {},
    );
    expect(cloudfront.site).toEqual({ origin: "https://d111111abcdef8.cloudfront.net" });
    expect(stackPropsFromContext(node({ emailDomain: "example.com" }), {}).site).toBeUndefined();
    // `-c siteOrigin=` leaves the token handler out, whatever certificateArn says.
    const none = stackPropsFromContext(
      node({ emailDomain: "example.com", siteOrigin: "", certificateArn }),
      {},
    );
    expect([none.site, none.auth.tokenHandler]).toEqual([undefined, undefined]);
  });

  it.each([
    [{ siteOrigin: "https://app.example.com" }, /give certificateArn/],
    [
      {
        siteOrigin: "https://app.example.com",
        certificateArn: "arn:aws:acm:eu-west-1:123456789012:certificate/x",
      },
      /us-east-1/,
    ],
  ])("refuses a site without what CloudFront needs (%o)", (context, message) => {
    expect(() =>
      stackPropsFromContext(node({ emailDomain: "example.com", ...context }), {}),
    ).toThrow(message);
  });

  it("cdk.json's own context deploys as it is: no placeholder certificate, no site on a domain that is not yours", () => {
    // `pnpm exec cdk deploy` with cdk.json alone must not create a distribution
    // for app.example.com with a certificate that does not exist (the deploy
    // fails halfway); the synth script and the tests give those values themselves.
    const { context } = JSON.parse(
      readFileSync(new URL("../cdk.json", import.meta.url), "utf8"),
    ) as { context: Record<string, unknown> };
    const props = stackPropsFromContext(node(context), {});
    expect(JSON.stringify(context)).not.toMatch(/arn:aws:acm|123456789012/);
    expect([props.site, props.auth.tokenHandler]).toEqual([undefined, undefined]);
  });

  it("refuses an unknown layout", () => {
    expect(() =>
      stackPropsFromContext(node({ emailDomain: "example.com", functionLayout: "many" }), {}),
    ).toThrow(/functionLayout/);
  });
});
