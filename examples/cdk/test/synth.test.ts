import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Validations } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { stackPropsFromContext } from "../lib/context.js";
import { PasscodeStack } from "../lib/passcode-stack.js";

// The construct itself is tested in packages/cdk/test; this checks the app's wiring.
describe("the example app", { timeout: 180_000 }, () => {
  const synth = (context: Record<string, string>) => {
    const outdir = mkdtempSync(join(tmpdir(), "example-cdk-"));
    const app = new App({ outdir, context });
    const stack = new PasscodeStack(app, "CognitoPasscode", stackPropsFromContext(app.node, {}));
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
    );
    app.synth();
    const template = Template.fromJSON(
      JSON.parse(readFileSync(join(outdir, `${stack.artifactId}.template.json`), "utf8")),
    );
    const report = join(outdir, "validation-report.json");
    const violations = existsSync(report)
      ? (
          JSON.parse(readFileSync(report, "utf8")).pluginReports as { violations?: unknown[] }[]
        ).flatMap((p) => p.violations ?? [])
      : [];
    rmSync(outdir, { recursive: true, force: true });
    return { template, violations };
  };

  it("synthesizes the construct and one web client, cdk-nag clean, with the outputs a browser app needs", () => {
    const { template, violations } = synth({ emailDomain: "example.com", appName: "Acme" });
    expect(violations).toEqual([]);
    template.resourceCountIs("AWS::Cognito::UserPool", 1);
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", { ClientName: "web" });
    expect(Object.keys(template.findOutputs("*")).sort()).toEqual([
      "Region",
      "UserPoolClientId",
      "UserPoolId",
    ]);
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
