import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  KNOWN_ENVIRONMENT_NAMES,
  LAMBDA_RUNTIMES,
  loadPrebuiltHandler,
  prebuiltHandlerDir,
} from "../../test-support/prebuilt-handler.js";
import { parseTemplate, referenceProblems, specProblems, type Template } from "./cfn-check.js";

const here = dirname(fileURLToPath(import.meta.url));
const template = parseTemplate(readFileSync(resolve(here, "../template.yaml"), "utf8"));
const resources = template.Resources;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functions = ofType("AWS::Serverless::Function");
const env = (id: string) =>
  (resources[id]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables ??
  {};

describe("examples/sam/template.yaml", () => {
  it("passes the CloudFormation resource specification: types, properties, required ones, value types", () => {
    expect(specProblems(template)).toEqual([]);
  });

  it("names only parameters, pseudo parameters and resources in Ref, GetAtt and Sub, and only attributes they have", () => {
    expect(referenceProblems(template)).toEqual([]);
  });

  it("catches what the old docs snippet got wrong: undefined references, misspelled and missing properties", () => {
    // Prepare: a template with the mistakes a user ran into
    const broken = parseTemplate(`
Resources:
  Client:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ExplicitAuthFlow: [ALLOW_CUSTOM_AUTH]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: index.handler
      Timeout: five
      Environment:
        Variables:
          PASSCODE_TABLE_NAME: !Ref Table
      Role: !GetAtt Client.Nope
  Rule:
    Type: AWS::Events::Rule
    Properties:
      Targets:
        - Arn: !Sub "\${Fn.Arn}"
`);
    // Act
    const problems = [...specProblems(broken), ...referenceProblems(broken)];
    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        "Client.ExplicitAuthFlow: no such property",
        "Fn.Timeout: not a Integer",
        "Rule.Targets.0.Id: required",
        expect.stringContaining("Ref UserPool names nothing"),
        expect.stringContaining("Ref Table names nothing"),
        expect.stringContaining("AWS::Cognito::UserPoolClient has no attribute Nope"),
      ]),
    );
  });

  it("runs the prebuilt handler on a Lambda Node.js runtime, one export per trigger", async () => {
    // Prepare
    const globals = template.Globals!.Function!;

    // Act
    const { triggers, sweep } = await loadPrebuiltHandler();

    // Assess
    expect(resolve(here, "..", String(globals.CodeUri))).toBe(prebuiltHandlerDir);
    expect(LAMBDA_RUNTIMES).toContain(globals.Runtime);
    for (const [id, fn] of functions) {
      const [file, name] = String(fn.Properties!.Handler).split(".");
      const module = file === "index" ? triggers : file === "username-sweep" ? sweep : {};
      expect(typeof module[name!], `${id}: ${fn.Properties!.Handler}`).toBe("function");
    }
  });

  it("sets only the environment names the prebuilt handler reads, the required ones on every trigger", () => {
    for (const [id] of functions) {
      for (const name of Object.keys(env(id))) {
        expect(KNOWN_ENVIRONMENT_NAMES, `${id}: ${name}`).toContain(name);
      }
    }
    for (const id of [
      "DefineAuthChallengeFunction",
      "CreateAuthChallengeFunction",
      "VerifyAuthChallengeFunction",
      "PreSignUpFunction",
    ]) {
      expect(Object.keys(env(id))).toEqual(
        expect.arrayContaining(["PASSCODE_TABLE_NAME", "PASSCODE_EMAIL_FROM", "PASSCODE_APP_NAME"]),
      );
    }
    // The code secret only where it is used.
    const withSecret = functions
      .filter(([id]) => "PASSCODE_CODE_SECRET_ARN" in env(id))
      .map(([id]) => id);
    expect(withSecret.sort()).toEqual([
      "CreateAuthChallengeFunction",
      "VerifyAuthChallengeFunction",
    ]);
  });

  it("has the pool and client settings the security model requires", () => {
    const pool = resources.UserPool!.Properties!;
    const client = resources.UserPoolClient!.Properties!;
    expect(pool.UsernameAttributes).toEqual(["email"]);
    expect(pool.UsernameConfiguration).toEqual({ CaseSensitive: false });
    expect(pool.UserAttributeUpdateSettings).toEqual({
      AttributesRequireVerificationBeforeUpdate: ["email"],
    });
    expect(pool.AccountRecoverySetting).toEqual({
      RecoveryMechanisms: [{ Name: "admin_only", Priority: 1 }],
    });
    expect(pool.DeletionProtection).toBe("ACTIVE");
    expect(Object.keys(pool.LambdaConfig as object).sort()).toEqual([
      "CreateAuthChallenge",
      "DefineAuthChallenge",
      "PreSignUp",
      "VerifyAuthChallengeResponse",
    ]);
    expect(client.ExplicitAuthFlows).toEqual(["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]);
    expect(client.PreventUserExistenceErrors).toBe("ENABLED");
    expect(client.EnableTokenRevocation).toBe(true);
    expect(client.GenerateSecret).toBe(false);
    expect(client.WriteAttributes).not.toContain("custom:username");
    expect(client.WriteAttributes).not.toContain("email_verified");
  });

  it("lets Cognito invoke each trigger from this pool only, and grants no wildcard resource", () => {
    const permissions = ofType("AWS::Lambda::Permission").map(([, p]) => p.Properties!);
    const cognito = permissions.filter((p) => p.Principal === "cognito-idp.amazonaws.com");
    const wired = Object.values(
      resources.UserPool!.Properties!.LambdaConfig as Record<string, { "Fn::GetAtt": string[] }>,
    );
    expect(cognito.map((p) => (p.FunctionName as { Ref: string }).Ref).sort()).toEqual(
      wired.map((arn) => arn["Fn::GetAtt"][0]).sort(),
    );
    for (const p of cognito) expect(p.SourceArn).toEqual({ "Fn::GetAtt": ["UserPool", "Arn"] });
    const statements = JSON.stringify(
      Object.values(resources).filter((r) => r.Type.startsWith("AWS::IAM::")),
    );
    expect(statements).not.toMatch(/"Resource":"\*"|"Action":"[a-z-]+:\*"/);
    // SES only from the configured sender.
    expect(statements).toContain('"ses:FromAddress":{"Ref":"EmailFrom"}');
  });
});

export type { Template };
