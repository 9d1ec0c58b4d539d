import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readTriggerEnvironment } from "@cognito-passcode/triggers/environment";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prebuiltHandlerDir, SWEEP_TABLE_ACTIONS } from "../src/index.js";
import { type Synthesized, synth, violations } from "./synth.js";

// One synthesized stack (default props, one client) for every assertion in this file.
let s: Synthesized;
beforeAll(() => {
  s = synth();
}, 180_000);
afterAll(() => s?.dispose());

type Resource = { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>;
const resources = (type: string) =>
  Object.entries(s.template.findResources(type) as Record<string, Resource>);
/** The logical id of the one resource of `type` whose id is `Auth<name>` and a hash. */
const logicalId = (type: string, name: string) => {
  const found = resources(type).filter(([id]) => new RegExp(`^Auth${name}[0-9A-F]{8}$`).test(id));
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]![0];
};
type Statement = Record<string, unknown> & { Roles: unknown };
const policyStatements = (): Statement[] =>
  resources("AWS::IAM::Policy").flatMap(([, r]) =>
    ((r.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement ?? []).map(
      (st) => ({ ...st, Roles: r.Properties.Roles }),
    ),
  );
const actionsOf = (st: Record<string, unknown>) =>
  ([] as string[]).concat(st.Action as string | string[]);
const statementsFor = (service: string) =>
  policyStatements().filter((st) => actionsOf(st).some((a) => a.startsWith(`${service}:`)));
const rolesOf = (statements: Statement[]) =>
  statements.flatMap((st) => (st.Roles as { Ref: string }[]).map((r) => r.Ref)).sort();
const role = (name: string) => logicalId("AWS::IAM::Role", `${name}Role`);
const actionsOfRole = (id: string) =>
  policyStatements()
    .filter((st) => (st.Roles as { Ref: string }[]).some((r) => r.Ref === id))
    .flatMap(actionsOf)
    .sort();
const sweepFunction = () => logicalId("AWS::Lambda::Function", "UsernameSweep");
const triggerFunctions = () =>
  resources("AWS::Lambda::Function").filter(([id]) => id !== sweepFunction());
const pool = () => logicalId("AWS::Cognito::UserPool", "UserPool");

describe("user pool", () => {
  it("signs in by email, case-insensitively, with self sign-up", () => {
    s.template.hasResourceProperties("AWS::Cognito::UserPool", {
      UsernameAttributes: ["email"],
      UsernameConfiguration: { CaseSensitive: false },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
    });
  });

  it("has a mutable custom attribute username", () => {
    s.template.hasResourceProperties("AWS::Cognito::UserPool", {
      Schema: Match.arrayWith([
        Match.objectLike({ Name: "username", AttributeDataType: "String", Mutable: true }),
      ]),
    });
  });

  it("keeps the old email until a new one is verified, and offers only admin recovery", () => {
    s.template.hasResourceProperties("AWS::Cognito::UserPool", {
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ["email"] },
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: "admin_only", Priority: 1 }] },
    });
  });

  it("is on the Lite plan, protected from deletion and retained", () => {
    s.template.hasResource("AWS::Cognito::UserPool", {
      Properties: Match.objectLike({ UserPoolTier: "LITE", DeletionProtection: "ACTIVE" }),
      DeletionPolicy: "Retain",
      UpdateReplacePolicy: "Retain",
    });
  });

  it("wires the four triggers the flow uses to their own functions, and no PostAuthentication", () => {
    const [, p] = resources("AWS::Cognito::UserPool")[0]!;
    const config = p.Properties.LambdaConfig as Record<string, { "Fn::GetAtt": string[] }>;
    expect(Object.keys(config).sort()).toEqual([
      "CreateAuthChallenge",
      "DefineAuthChallenge",
      "PreSignUp",
      "VerifyAuthChallengeResponse",
    ]);
    expect(config.VerifyAuthChallengeResponse!["Fn::GetAtt"][0]).toBe(
      logicalId("AWS::Lambda::Function", "VerifyAuthChallengeResponse"),
    );
    const fns = Object.values(config).map((v) => v["Fn::GetAtt"][0]);
    expect(new Set(fns).size).toBe(4);
    expect(fns.sort()).toEqual(
      triggerFunctions()
        .map(([id]) => id)
        .sort(),
    );
  });

  it("lets only Cognito, from this pool, invoke the triggers", () => {
    const permissions = resources("AWS::Lambda::Permission").filter(
      ([, p]) => p.Properties.Principal === "cognito-idp.amazonaws.com",
    );
    expect(permissions).toHaveLength(4);
    for (const [, p] of permissions) {
      expect(p.Properties).toMatchObject({
        Action: "lambda:InvokeFunction",
        SourceArn: { "Fn::GetAtt": [pool(), "Arn"] },
      });
    }
  });
});

describe("addClient", () => {
  it("is public and allows only custom auth and refresh", () => {
    s.template.resourceCountIs("AWS::Cognito::UserPoolClient", 1);
    s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      ClientName: "Web",
      UserPoolId: { Ref: pool() },
      GenerateSecret: false,
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
  });

  it("hides whether a user exists, revokes refresh tokens, and has a 3-minute session", () => {
    s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      PreventUserExistenceErrors: "ENABLED",
      EnableTokenRevocation: true,
      AuthSessionValidity: 3,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 43200,
    });
  });

  it("has OAuth off", () => {
    const [, client] = resources("AWS::Cognito::UserPoolClient")[0]!;
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
  });

  it("lists its writable attributes explicitly, without custom:username or email_verified", () => {
    const [, client] = resources("AWS::Cognito::UserPoolClient")[0]!;
    const write = client.Properties.WriteAttributes as string[];
    // An empty or missing list means "every standard attribute" to Cognito.
    expect(write.sort()).toEqual(["email", "locale", "name"]);
    expect(client.Properties.ReadAttributes).toEqual(
      expect.arrayContaining(["custom:username", "email", "email_verified"]),
    );
  });
});

describe("trigger functions", () => {
  it("run the prebuilt handler on nodejs24.x, arm64, with a 5-second timeout", () => {
    const handlers = triggerFunctions().map(([, fn]) => fn.Properties.Handler);
    expect(handlers.sort()).toEqual([
      "index.createAuthChallenge",
      "index.defineAuthChallenge",
      "index.preSignUp",
      "index.verifyAuthChallengeResponse",
    ]);
    for (const [, fn] of triggerFunctions()) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Timeout: 5,
      });
    }
  });

  it("ship the prebuilt bundle unchanged: one asset, the files of @cognito-passcode/triggers/lambda", () => {
    const keys = new Set(
      resources("AWS::Lambda::Function").map(([, fn]) =>
        JSON.stringify((fn.Properties.Code as { S3Key: unknown }).S3Key),
      ),
    );
    expect(keys.size).toBe(1);
    const key = (triggerFunctions()[0]![1].Properties.Code as { S3Key: string }).S3Key;
    const asset = join(s.outdir, `asset.${key.replace(/\.zip$/, "")}`);
    // The two entries and the chunks they share or load lazily (the WebAuthn
    // verifier is one: code splitting), each file as built.
    const files = readdirSync(prebuiltHandlerDir()).sort();
    expect(files).toEqual(expect.arrayContaining(["index.mjs", "username-sweep.mjs"]));
    expect(readdirSync(asset).sort()).toEqual(files);
    for (const file of files) {
      expect(readFileSync(join(asset, file), "utf8"), file).toBe(
        readFileSync(join(prebuiltHandlerDir(), file), "utf8"),
      );
    }
  });

  it("get an environment the prebuilt handler accepts, with the table, From address and app name", () => {
    const table = logicalId("AWS::DynamoDB::Table", "Table");
    for (const [, fn] of triggerFunctions()) {
      const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(vars).toMatchObject({
        PASSCODE_TABLE_NAME: { Ref: table },
        PASSCODE_EMAIL_FROM: "no-reply@example.com",
        PASSCODE_APP_NAME: "Acme",
        PASSCODE_USERNAME_ATTRIBUTE: "custom:username",
      });
      // What the handler reads at start-up, with CloudFormation's values in place.
      const resolved = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [
          k,
          typeof v === "string"
            ? v
            : k === "PASSCODE_CODE_SECRET_ARN"
              ? "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf"
              : "passcode-table",
        ]),
      );
      expect(() => readTriggerEnvironment(resolved)).not.toThrow();
    }
  });

  it("log to their own log groups with a retention", () => {
    const groups = resources("AWS::Logs::LogGroup");
    expect(groups).toHaveLength(5); // four triggers and the sweep
    for (const [, g] of groups) expect(g.Properties.RetentionInDays).toBe(30);
    for (const [, fn] of resources("AWS::Lambda::Function")) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogGroup: { Ref: expect.any(String) } });
    }
  });

  it("use no AWS managed policy", () => {
    for (const [, r] of resources("AWS::IAM::Role")) {
      expect(r.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe("least-privilege IAM", () => {
  it("grants no wildcard action or resource", () => {
    expect(policyStatements().length).toBeGreaterThan(10);
    for (const st of policyStatements()) {
      for (const action of actionsOf(st)) expect(action).not.toContain("*");
      expect(JSON.stringify(st.Resource)).not.toMatch(/"\*"|:\*"/);
    }
  });

  it("allows ses:SendEmail only to Create, only on the identity, only from the configured address", () => {
    const identity = logicalId("AWS::SES::EmailIdentity", "EmailIdentity");
    const ses = statementsFor("ses");
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!)).toEqual(["ses:SendEmail"]);
    expect(JSON.stringify(ses[0]!.Resource)).toContain(identity);
    expect(JSON.stringify(ses[0]!.Resource)).toContain(":ses:eu-west-1:123456789012:identity/");
    expect(ses[0]!.Condition).toEqual({
      StringEquals: { "ses:FromAddress": "no-reply@example.com" },
    });
    expect(ses[0]!.Roles).toEqual([{ Ref: role("CreateAuthChallenge") }]);
  });

  it("allows AdminUpdateUserAttributes and AdminUserGlobalSignOut only to Verify, only on the pool, through a separate policy", () => {
    const admin = statementsFor("cognito-idp").filter((st) =>
      actionsOf(st).includes("cognito-idp:AdminUpdateUserAttributes"),
    );
    expect(admin).toHaveLength(1);
    expect(actionsOf(admin[0]!).sort()).toEqual([
      "cognito-idp:AdminUpdateUserAttributes",
      "cognito-idp:AdminUserGlobalSignOut",
    ]);
    expect(admin[0]!.Resource).toEqual({ "Fn::GetAtt": [pool(), "Arn"] });
    expect(rolesOf(admin)).toEqual([role("VerifyAuthChallengeResponse")]);
    // Not a role's default policy, so no function depends on it: that is what
    // keeps pool -> function -> policy -> pool from being a cycle.
    const policyId = logicalId("AWS::IAM::Policy", "UserPoolAttributeWrites");
    for (const [, fn] of resources("AWS::Lambda::Function")) {
      expect((fn.DependsOn as string[] | undefined) ?? []).not.toContain(policyId);
    }
  });

  it("gives each role only the table actions its calls use, on the table only", () => {
    const table = logicalId("AWS::DynamoDB::Table", "Table");
    const ddb = statementsFor("dynamodb");
    for (const st of ddb) expect(st.Resource).toEqual({ "Fn::GetAtt": [table, "Arn"] });
    const byRole = Object.fromEntries(
      ddb.map((st) => [rolesOf([st]).join(), actionsOf(st).sort()]),
    );
    expect(byRole).toEqual({
      [role("CreateAuthChallenge")]: ["dynamodb:GetItem", "dynamodb:PutItem"],
      [role("VerifyAuthChallengeResponse")]: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ],
      [role("UsernameSweep")]: [...SWEEP_TABLE_ACTIONS].sort(),
    });
  });

  it("lets only Create and Verify read the code secret, and tells only them where it is", () => {
    const secret = logicalId("AWS::SecretsManager::Secret", "CodeSecret");
    const reads = statementsFor("secretsmanager");
    expect(reads).toHaveLength(2);
    for (const st of reads) {
      expect(actionsOf(st)).toEqual(["secretsmanager:GetSecretValue"]);
      expect(st.Resource).toEqual({ Ref: secret });
    }
    expect(rolesOf(reads)).toEqual(
      [role("CreateAuthChallenge"), role("VerifyAuthChallengeResponse")].sort(),
    );
    const withSecret = resources("AWS::Lambda::Function")
      .filter(([, fn]) => {
        const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        return "PASSCODE_CODE_SECRET_ARN" in vars;
      })
      .map(([, fn]) => fn.Properties.Handler)
      .sort();
    expect(withSecret).toEqual(["index.createAuthChallenge", "index.verifyAuthChallengeResponse"]);
  });

  it("generates a 64-character code secret", () => {
    s.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it("gives Define and PreSignUp nothing beyond their own logs", () => {
    for (const name of ["DefineAuthChallenge", "PreSignUp"]) {
      expect(actionsOfRole(role(name))).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
      const logs = statementsFor("logs").find((st) => rolesOf([st]).join() === role(name))!;
      expect(logs.Resource).toEqual({
        "Fn::GetAtt": [logicalId("AWS::Logs::LogGroup", `${name}Logs`), "Arn"],
      });
    }
  });

  it("has no PostAuthentication function or role, and five roles in all", () => {
    const roles = resources("AWS::IAM::Role").map(([id]) => id);
    expect(roles.filter((id) => /PostAuthentication/.test(id))).toEqual([]);
    expect(roles).toHaveLength(5); // four triggers and the sweep
  });
});

describe("username sweep", () => {
  it("runs once a day from an EventBridge rule, without retries", () => {
    const rules = resources("AWS::Events::Rule");
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties;
    expect(rule.ScheduleExpression).toBe("rate(1 day)");
    expect(rule.State).toBe("ENABLED");
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { "Fn::GetAtt": [sweepFunction(), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    ]);
    const invoke = resources("AWS::Lambda::Permission").filter(
      ([, p]) => p.Properties.Principal === "events.amazonaws.com",
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]![1].Properties.SourceArn).toEqual({ "Fn::GetAtt": [rules[0]![0], "Arn"] });
  });

  it("runs the prebuilt sweep with the table, the pool and the attribute, with a timeout for a long scan", () => {
    const [, fn] = resources("AWS::Lambda::Function").find(([id]) => id === sweepFunction())!;
    expect(fn.Properties).toMatchObject({
      Handler: "username-sweep.handler",
      Runtime: "nodejs24.x",
      Timeout: 900,
      Environment: {
        Variables: {
          PASSCODE_TABLE_NAME: { Ref: logicalId("AWS::DynamoDB::Table", "Table") },
          PASSCODE_USER_POOL_ID: { Ref: pool() },
          PASSCODE_USERNAME_ATTRIBUTE: "custom:username",
        },
      },
    });
  });

  it("may list users of the pool and scan, read and delete table items, nothing else", () => {
    expect(actionsOfRole(role("UsernameSweep"))).toEqual(
      [
        "cognito-idp:ListUsers",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        ...SWEEP_TABLE_ACTIONS,
      ].sort(),
    );
    const list = statementsFor("cognito-idp").filter((st) =>
      actionsOf(st).includes("cognito-idp:ListUsers"),
    );
    expect(list).toHaveLength(1);
    expect(list[0]!.Resource).toEqual({ "Fn::GetAtt": [pool(), "Arn"] });
    expect(rolesOf(list)).toEqual([role("UsernameSweep")]);
  });
});

describe("table, email identity and cdk-nag", () => {
  it("has a string partition key pk, on-demand billing, TTL ttl, PITR, deletion protection", () => {
    s.template.resourceCountIs("AWS::DynamoDB::GlobalTable", 0);
    s.template.hasResource("AWS::DynamoDB::Table", {
      Properties: Match.objectLike({
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
        TimeToLiveSpecification: { AttributeName: "ttl", Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      }),
      DeletionPolicy: "Retain",
    });
  });

  it("creates the SES domain identity", () => {
    s.template.hasResourceProperties("AWS::SES::EmailIdentity", { EmailIdentity: "example.com" });
  });

  it("creates no outputs of its own (the app chooses what to export)", () => {
    expect(s.template.findOutputs("*")).toEqual({});
  });

  it("passes cdk-nag AwsSolutions", () => {
    expect(violations(s.report)).toEqual([]);
  });
});
