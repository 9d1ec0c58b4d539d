import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { stackPropsFromContext } from "../lib/context.js";
import {
  PasscodeStack,
  TOKEN_HANDLER_COOKIE,
  TOKEN_HANDLER_HEADERS,
  TOKEN_HANDLER_PATH,
} from "../lib/passcode-stack.js";

// The construct itself is tested in packages/cdk/test; this checks the app's wiring.
describe("the example app", { timeout: 180_000 }, () => {
  const synth = (
    context: Record<string, string>,
    auth: { acknowledgeNagFindings?: false } = {},
  ) => {
    const outdir = mkdtempSync(join(tmpdir(), "example-cdk-"));
    const app = new App({ outdir, context });
    const props = stackPropsFromContext(app.node, {});
    const stack = new PasscodeStack(app, "CognitoPasscode", {
      ...props,
      auth: { ...props.auth, ...auth },
    });
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    );
    let failure: unknown;
    try {
      app.synth();
    } catch (error) {
      failure = error; // cdk-nag's errors fail the synth; the report lists them
    }
    const template = Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), "utf8")),
    );
    const report = join(outdir, "validation-report.json");
    const violations = existsSync(report)
      ? (
          JSON.parse(readFileSync(report, "utf8")).pluginReports as {
            violations?: { ruleName: string }[];
          }[]
        ).flatMap((p) => p.violations ?? [])
      : [];
    rmSync(outdir, { recursive: true, force: true });
    if (failure && violations.length === 0) throw failure;
    return { template, violations };
  };

  it("synthesizes the construct, one web client and the site, cdk-nag clean, with the outputs a browser app needs", () => {
    const { template, violations } = synth({ emailDomain: "example.com", appName: "Acme" });
    expect(violations).toEqual([]);
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", { ClientName: "web" });
    // No siteOrigin: no token handler, no /auth behaviour.
    template.resourceCountIs("AWS::Lambda::Url", 0);
    const [distribution] = Object.values(template.findResources("AWS::CloudFront::Distribution"));
    expect(distribution!.Properties.DistributionConfig.CacheBehaviors).toBeUndefined();
    expect(Object.keys(template.findOutputs("*")).sort()).toEqual([
      "Region",
      "SiteBucketName",
      "SiteUrl",
      "UserPoolClientId",
      "UserPoolId",
    ]);
  });

  describe("with siteOrigin: the token handler on the site's own origin", () => {
    const context = {
      emailDomain: "example.com",
      siteOrigin: "https://app.example.com",
      certificateArn:
        "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    };
    type Behaviour = Record<string, unknown> & { PathPattern: string; TargetOriginId: string };
    const config = (template: Template) =>
      Object.values(template.findResources("AWS::CloudFront::Distribution"))[0]!.Properties
        .DistributionConfig as {
        CacheBehaviors: Behaviour[];
        DefaultCacheBehavior: Behaviour;
        Origins: { Id: string; DomainName: unknown; S3OriginConfig?: unknown }[];
        Aliases?: string[];
        ViewerCertificate?: Record<string, unknown>;
      };

    it("serves /auth and /auth/* from the function URL beside the page's bucket, on the page's domain", () => {
      const { template, violations } = synth(context);
      expect(violations).toEqual([]);
      const c = config(template);
      expect(c.Aliases).toEqual(["app.example.com"]);
      expect(c.ViewerCertificate).toMatchObject({
        AcmCertificateArn: context.certificateArn,
        MinimumProtocolVersion: "TLSv1.2_2021",
        SslSupportMethod: "sni-only",
      });
      expect(c.CacheBehaviors.map((b) => b.PathPattern)).toEqual([
        TOKEN_HANDLER_PATH,
        `${TOKEN_HANDLER_PATH}/*`,
      ]);
      const url = Object.keys(template.findResources("AWS::Lambda::Url"));
      expect(url).toHaveLength(1);
      const fnOrigin = c.Origins.find((o) => JSON.stringify(o.DomainName).includes(url[0]!))!;
      expect(fnOrigin, "an origin on the function URL").toBeDefined();
      const siteOrigin = c.Origins.find((o) => o.Id === c.DefaultCacheBehavior.TargetOriginId)!;
      expect(JSON.stringify(siteOrigin.DomainName)).toContain("SiteBucket");
      for (const b of c.CacheBehaviors) {
        expect(b).toMatchObject({
          TargetOriginId: fnOrigin.Id,
          ViewerProtocolPolicy: "https-only",
          AllowedMethods: expect.arrayContaining(["POST", "OPTIONS"]),
          // AWS's managed CachingDisabled policy.
          CachePolicyId: "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
        });
      }
      const policies = Object.values(
        template.findResources("AWS::CloudFront::OriginRequestPolicy"),
      );
      expect(policies).toHaveLength(1);
      expect(policies[0]!.Properties.OriginRequestPolicyConfig).toMatchObject({
        HeadersConfig: {
          HeaderBehavior: "whitelist",
          Headers: [...TOKEN_HANDLER_HEADERS],
        },
        CookiesConfig: { CookieBehavior: "whitelist", Cookies: [TOKEN_HANDLER_COOKIE] },
        QueryStringsConfig: { QueryStringBehavior: "none" },
      });
      // Never Host: a function URL answers only its own name.
      expect(TOKEN_HANDLER_HEADERS.map((h) => h.toLowerCase())).not.toContain("host");
    });

    it("allows exactly the site's origin, and outputs the token handler's client id", () => {
      const { template } = synth(context);
      const [fn] = Object.values(template.findResources("AWS::Lambda::Function")).filter(
        (f) =>
          f.Properties.Handler === "index.handler" &&
          f.Properties.Environment?.Variables?.PASSCODE_ALLOWED_ORIGINS,
      );
      expect(fn!.Properties.Environment.Variables.PASSCODE_ALLOWED_ORIGINS).toBe(
        "https://app.example.com",
      );
      expect(Object.keys(template.findOutputs("*"))).toContain("TokenHandlerClientId");
      expect(template.findOutputs("SiteUrl").SiteUrl!.Value).toBe("https://app.example.com");
    });

    it("on the distribution's own cloudfront.net name, needs no certificate", () => {
      const { template, violations } = synth({
        emailDomain: "example.com",
        siteOrigin: "https://d111111abcdef8.cloudfront.net",
      });
      expect(violations).toEqual([]);
      expect(config(template).Aliases).toBeUndefined();
    });

    it.each([
      [context, []],
      [
        { emailDomain: "example.com", siteOrigin: "https://d111111abcdef8.cloudfront.net" },
        ["AwsSolutions-CFR4"],
      ],
    ])(
      "each acknowledgement stands for a real finding (nothing acknowledged: %o)",
      (ctx, extra) => {
        const { violations } = synth(ctx, { acknowledgeNagFindings: false });
        expect(violations.map((v) => v.ruleName).sort()).toEqual(
          [
            "AwsSolutions-CFR1",
            "AwsSolutions-CFR2",
            "AwsSolutions-CFR3",
            "AwsSolutions-COG2",
            "AwsSolutions-COG8",
            "AwsSolutions-S1",
            "AwsSolutions-SMG4",
            ...extra,
          ].sort(),
        );
      },
    );
  });

  it("on an existing pool, outputs the function ARNs to set as its triggers", () => {
    const { template, violations } = synth({
      emailAddress: "auth@example.com",
      existingUserPoolId: "eu-west-1_AbCdEfGhI",
    });
    expect(violations).toEqual([]);
    template.resourceCountIs("AWS::Cognito::UserPool", 0);
    expect(
      Object.keys(template.findOutputs("*"))
        .filter((k) => k.endsWith("FunctionArn"))
        .sort(),
    ).toEqual([
      "createAuthChallengeFunctionArn",
      "defineAuthChallengeFunctionArn",
      "preSignUpFunctionArn",
      "verifyAuthChallengeResponseFunctionArn",
    ]);
  });
});
