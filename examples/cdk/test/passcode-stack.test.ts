import { copyFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SWEEP_TABLE_ACTIONS } from "../lib/username-sweep.js";
import { type Synthesized, synth } from "./synth.js";

// One synthesized stack (default props) for every assertion in this file.
let s: Synthesized;
beforeAll(() => {
  s = synth();
}, 120_000);
afterAll(() => s?.dispose());

type Resource = { Type: string; Properties: Record<string, unknown> };
const resources = (type: string) =>
  Object.entries(s.template.findResources(type) as Record<string, Resource>);
const logicalId = (type: string, prefix: string) => {
  const found = resources(type).filter(([id]) => id.startsWith(prefix));
  expect(found, `${type} ${prefix}`).toHaveLength(1);
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
/** The statements that grant any action of `service` (e.g. `dynamodb`). */
const statementsFor = (service: string) =>
  policyStatements().filter((st) => actionsOf(st).some((a) => a.startsWith(`${service}:`)));
/** The logical ids of the roles `statements` are attached to, sorted. */
const rolesOf = (statements: Statement[]) =>
  statements.flatMap((st) => (st.Roles as { Ref: string }[]).map((r) => r.Ref)).sort();
/** The logical id of a trigger function's role, e.g. `triggerRole("VerifyAuthChallenge")`. */
const triggerRole = (trigger: string) => logicalId("AWS::IAM::Role", `Triggers${trigger}Role`);
/** Every action granted to the role `role` (a logical id), sorted. */
const actionsOfRole = (role: string) =>
  policyStatements()
    .filter((st) => (st.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap(actionsOf)
    .sort();
/** The trigger functions (the sweep is not one). */
const triggerFunctions = () =>
  resources("AWS::Lambda::Function").filter(([id]) => id.startsWith("Triggers"));

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

  it("keeps the old email until a new one is verified, and offers no password recovery", () => {
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
    const pool = resources("AWS::Cognito::UserPool")[0]![1];
    const config = pool.Properties.LambdaConfig as Record<string, { "Fn::GetAtt": string[] }>;
    // PostAuthentication is a pass-through now that Verify marks the email
    // verified: wiring it would cost an invocation per sign-in for nothing.
    expect(Object.keys(config).sort()).toEqual([
      "CreateAuthChallenge",
      "DefineAuthChallenge",
      "PreSignUp",
      "VerifyAuthChallengeResponse",
    ]);
    const targets = Object.values(config).map((v) => v["Fn::GetAtt"][0]);
    expect(new Set(targets).size).toBe(4);
    expect(targets.sort()).toEqual(
      triggerFunctions()
        .map(([id]) => id)
        .sort(),
    );
  });

  it("lets only Cognito, from this pool, invoke the triggers", () => {
    const pool = logicalId("AWS::Cognito::UserPool", "UserPool");
    const permissions = resources("AWS::Lambda::Permission").filter(
      ([, p]) => p.Properties.Principal === "cognito-idp.amazonaws.com",
    );
    expect(permissions).toHaveLength(4);
    expect(
      permissions
        .map(([, p]) => (p.Properties.FunctionName as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0])
        .sort(),
    ).toEqual(
      triggerFunctions()
        .map(([id]) => id)
        .sort(),
    );
    for (const [, p] of permissions) {
      expect(p.Properties).toMatchObject({
        Action: "lambda:InvokeFunction",
        Principal: "cognito-idp.amazonaws.com",
        SourceArn: { "Fn::GetAtt": [pool, "Arn"] },
      });
    }
  });
});

describe("app client", () => {
  it("is public and allows only custom auth and refresh", () => {
    s.template.resourceCountIs("AWS::Cognito::UserPoolClient", 1);
    s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    });
  });

  it("hides whether a user exists, revokes refresh tokens, and has a 3-minute session", () => {
    s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      PreventUserExistenceErrors: "ENABLED",
      EnableTokenRevocation: true,
      AuthSessionValidity: 3,
    });
  });

  it("has OAuth off", () => {
    const [, client] = resources("AWS::Cognito::UserPoolClient")[0]!;
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
  });

  it("lists its writable attributes explicitly, without custom:username", () => {
    const [, client] = resources("AWS::Cognito::UserPoolClient")[0]!;
    const write = client.Properties.WriteAttributes as string[];
    // An empty or missing list means "every standard attribute" to Cognito.
    expect(write.length).toBeGreaterThan(0);
    expect(write).not.toContain("custom:username");
    expect(write.some((a) => a.startsWith("custom:"))).toBe(false);
    expect(write).not.toContain("email_verified");
    expect(client.Properties.ReadAttributes).toEqual(
      expect.arrayContaining(["custom:username", "email", "email_verified"]),
    );
  });
});

describe("trigger functions", () => {
  it("run on nodejs24.x, arm64, with a 5-second timeout", () => {
    const fns = triggerFunctions();
    expect(fns).toHaveLength(4);
    for (const [, fn] of fns) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Timeout: 5,
      });
    }
  });

  it("get their configuration from the environment, table name included", () => {
    const table = logicalId("AWS::DynamoDB::Table", "Table");
    for (const [, fn] of triggerFunctions()) {
      expect(fn.Properties.Environment).toEqual({
        Variables: expect.objectContaining({
          PASSCODE_TABLE_NAME: { Ref: table },
          PASSCODE_EMAIL_FROM: "no-reply@example.com",
          PASSCODE_APP_NAME: "Acme",
        }),
      });
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
    for (const [, role] of resources("AWS::IAM::Role")) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe("least-privilege IAM", () => {
  it("grants no wildcard action or resource", () => {
    for (const st of policyStatements()) {
      for (const action of actionsOf(st)) expect(action).not.toContain("*");
      expect(JSON.stringify(st.Resource)).not.toMatch(/"\*"|:\*"/);
    }
  });

  it("allows ses:SendEmail only on the identity, only from the configured address", () => {
    const identity = logicalId("AWS::SES::EmailIdentity", "EmailIdentity");
    const ses = statementsFor("ses");
    expect(ses).toHaveLength(1);
    expect(actionsOf(ses[0]!)).toEqual(["ses:SendEmail"]);
    expect(JSON.stringify(ses[0]!.Resource)).toContain(identity);
    expect(JSON.stringify(ses[0]!.Resource)).toContain(":ses:eu-west-1:123456789012:identity/");
    expect(ses[0]!.Condition).toEqual({
      StringEquals: { "ses:FromAddress": "no-reply@example.com" },
    });
    expect(ses[0]!.Roles).toEqual([{ Ref: triggerRole("CreateAuthChallenge") }]);
  });

  it("allows AdminUpdateUserAttributes and AdminUserGlobalSignOut only to Verify, only on the pool, through a separate policy", () => {
    const pool = logicalId("AWS::Cognito::UserPool", "UserPool");
    const admin = statementsFor("cognito-idp").filter((st) =>
      actionsOf(st).includes("cognito-idp:AdminUpdateUserAttributes"),
    );
    expect(admin).toHaveLength(1);
    // Verify signs the user out everywhere before it marks an address
    // verified, and fails every such sign-in closed without the permission.
    expect(actionsOf(admin[0]!).sort()).toEqual([
      "cognito-idp:AdminUpdateUserAttributes",
      "cognito-idp:AdminUserGlobalSignOut",
    ]);
    expect(admin[0]!.Resource).toEqual({ "Fn::GetAtt": [pool, "Arn"] });
    expect(rolesOf(admin)).toEqual([triggerRole("VerifyAuthChallenge")]);
    // The policy is not a role's default policy, so no function depends on it:
    // that is what keeps pool -> function -> policy -> pool from being a cycle.
    const policyId = logicalId("AWS::IAM::Policy", "TriggersUserPoolAttributeWrites");
    for (const [, fn] of Object.entries(
      s.template.findResources("AWS::Lambda::Function") as Record<string, { DependsOn?: string[] }>,
    )) {
      expect(fn.DependsOn ?? []).not.toContain(policyId);
    }
  });

  it("gives each role only the table actions its calls use, on the table only", () => {
    const table = logicalId("AWS::DynamoDB::Table", "Table");
    const ddb = statementsFor("dynamodb");
    for (const st of ddb) expect(st.Resource).toEqual({ "Fn::GetAtt": [table, "Arn"] });
    const byRole = Object.fromEntries(
      ddb.map((st) => [rolesOf([st]).join(), actionsOf(st).sort()]),
    );
    // Create: the send throttle. Verify: the attempt counter, the registry
    // claim (a transaction of two Updates) and the owner lookup. The sweep:
    // Scan, the owner lookup, the release (Deletes). Nobody else.
    expect(byRole).toEqual({
      [triggerRole("CreateAuthChallenge")]: ["dynamodb:GetItem", "dynamodb:PutItem"],
      [triggerRole("VerifyAuthChallenge")]: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
      ],
      [logicalId("AWS::IAM::Role", "UsernameSweepRole")]: [...SWEEP_TABLE_ACTIONS].sort(),
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
      [triggerRole("CreateAuthChallenge"), triggerRole("VerifyAuthChallenge")].sort(),
    );
    const withSecret = resources("AWS::Lambda::Function")
      .filter(([, fn]) => {
        const vars = (fn.Properties.Environment as { Variables: Record<string, unknown> })
          .Variables;
        return "PASSCODE_CODE_SECRET_ARN" in vars;
      })
      .map(([, fn]) => fn.Properties.Handler)
      .sort();
    expect(withSecret).toEqual(["index.createAuthChallenge", "index.verifyAuthChallenge"]);
  });

  it("generates a 64-character code secret", () => {
    s.template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it("gives Define and PreSignUp nothing beyond their own logs", () => {
    for (const name of ["TriggersDefineAuthChallengeRole", "TriggersPreSignUpRole"]) {
      expect(actionsOfRole(logicalId("AWS::IAM::Role", name))).toEqual([
        "logs:CreateLogStream",
        "logs:PutLogEvents",
      ]);
    }
  });

  it("has no PostAuthentication function or role, and five roles in all", () => {
    const roles = resources("AWS::IAM::Role").map(([id]) => id);
    expect(roles.filter((id) => /PostAuthentication/.test(id))).toEqual([]);
    expect(roles).toHaveLength(5); // four triggers and the sweep
    const handlers = resources("AWS::Lambda::Function").map(([, fn]) => fn.Properties.Handler);
    expect(handlers).not.toContain("index.postAuthentication");
  });
});

describe("username sweep", () => {
  const sweep = () => logicalId("AWS::Lambda::Function", "UsernameSweepFunction");

  it("runs releaseOrphanedUsernames once a day from an EventBridge rule", () => {
    const rules = resources("AWS::Events::Rule");
    expect(rules).toHaveLength(1);
    const rule = rules[0]![1].Properties;
    expect(rule.ScheduleExpression).toBe("rate(1 day)");
    expect(rule.State).toBe("ENABLED");
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: { "Fn::GetAtt": [sweep(), "Arn"] },
        RetryPolicy: { MaximumRetryAttempts: 0 },
      }),
    ]);
    const invoke = resources("AWS::Lambda::Permission").filter(
      ([, p]) => p.Properties.Principal === "events.amazonaws.com",
    );
    expect(invoke).toHaveLength(1);
    expect(invoke[0]![1].Properties.SourceArn).toEqual({
      "Fn::GetAtt": [rules[0]![0], "Arn"],
    });
  });

  it("knows the table and the pool, with a timeout for a long scan", () => {
    const [, fn] = resources("AWS::Lambda::Function").find(([id]) => id === sweep())!;
    expect(fn.Properties).toMatchObject({
      Handler: "index.handler",
      Runtime: "nodejs24.x",
      Timeout: 900,
      Environment: {
        Variables: {
          PASSCODE_TABLE_NAME: { Ref: logicalId("AWS::DynamoDB::Table", "Table") },
          PASSCODE_USER_POOL_ID: { Ref: logicalId("AWS::Cognito::UserPool", "UserPool") },
        },
      },
    });
  });

  it("may list users of the pool and scan, read and delete table items, nothing else", () => {
    const pool = logicalId("AWS::Cognito::UserPool", "UserPool");
    const role = logicalId("AWS::IAM::Role", "UsernameSweepRole");
    expect(actionsOfRole(role)).toEqual(
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
    expect(list[0]!.Resource).toEqual({ "Fn::GetAtt": [pool, "Arn"] });
    expect(rolesOf(list)).toEqual([role]);
  });
});

describe("table, email identity and outputs", () => {
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

  it("outputs what the client needs", () => {
    const outputs = s.template.findOutputs("*");
    expect(Object.keys(outputs).sort()).toEqual(["Region", "UserPoolClientId", "UserPoolId"]);
    expect(outputs.Region!.Value).toBe("eu-west-1");
  });

  it("bundled the trigger handlers into one small asset", () => {
    const codes = triggerFunctions().map(
      ([, fn]) => (fn.Properties.Code as { S3Key: unknown }).S3Key,
    );
    expect(new Set(codes.map((c) => JSON.stringify(c))).size).toBe(1);
  });
});

describe("the bundled handler", () => {
  // Loads the asset CDK would upload and calls it as Lambda would: proof that
  // the esbuild bundle of @cognito-passcode/triggers runs, beyond synthesizing.
  const load = () => {
    // The trigger functions' asset (the sweep has its own).
    const key = (triggerFunctions()[0]![1].Properties.Code as { S3Key: string }).S3Key;
    const assetPath = `asset.${key.replace(/\.zip$/, "")}`;
    expect(readdirSync(s.outdir)).toContain(assetPath);
    // Lambda loads index.js as CommonJS (no package.json in the zip); here it
    // sits under examples/cdk, whose package.json says "module", so load a
    // .cjs copy. Requires resolve from the same folder either way.
    const bundle = join(s.outdir, assetPath, "index.cjs");
    copyFileSync(join(s.outdir, assetPath, "index.js"), bundle);
    const require = createRequire(bundle);
    const saved = { ...process.env };
    Object.assign(process.env, {
      PASSCODE_TABLE_NAME: "passcode",
      PASSCODE_EMAIL_FROM: "no-reply@example.com",
      PASSCODE_APP_NAME: "Acme",
      AWS_REGION: "eu-west-1",
    });
    try {
      return require(bundle) as Record<
        string,
        (event: unknown) => Promise<{ response: Record<string, unknown> }>
      >;
    } finally {
      process.env = saved;
    }
  };

  it("exports the four triggers and the dispatcher, and no PostAuthentication", () => {
    const mod = load();
    for (const name of [
      "defineAuthChallenge",
      "createAuthChallenge",
      "verifyAuthChallenge",
      "preSignUp",
      "handler",
    ]) {
      expect(typeof mod[name], name).toBe("function");
    }
    expect(mod.postAuthentication).toBeUndefined();
  });

  it("asks for a custom challenge when a sign-in starts", async () => {
    const event = {
      version: "1",
      triggerSource: "DefineAuthChallenge_Authentication",
      region: "eu-west-1",
      userPoolId: "eu-west-1_AbCdEfGhI",
      userName: "9f1c2a4e-0000-4000-8000-000000000001",
      callerContext: { awsSdkVersion: "1", clientId: "client" },
      request: { userAttributes: { email: "alice@example.com" }, session: [] },
      response: {},
    };
    const result = await load().defineAuthChallenge!(event);
    expect(result.response).toMatchObject({
      challengeName: "CUSTOM_CHALLENGE",
      issueTokens: false,
      failAuthentication: false,
    });
  });

  it("confirms a sign-up without marking the email verified", async () => {
    const event = {
      version: "1",
      triggerSource: "PreSignUp_SignUp",
      region: "eu-west-1",
      userPoolId: "eu-west-1_AbCdEfGhI",
      userName: "alice@example.com",
      callerContext: { awsSdkVersion: "1", clientId: "client" },
      request: { userAttributes: { email: "alice@example.com" } },
      response: {},
    };
    // The PreSignUp function's own export: the dispatcher (`handler`, the
    // single layout) also builds Create and Verify, so it needs the code secret.
    const result = await load().preSignUp!(event);
    expect(result.response).toMatchObject({ autoConfirmUser: true, autoVerifyEmail: false });
  });
});
