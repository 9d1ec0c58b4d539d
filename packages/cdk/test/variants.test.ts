import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Duration, Stack } from "aws-cdk-lib";
import { FeaturePlan, UserPool } from "aws-cdk-lib/aws-cognito";
import { Code, Runtime } from "aws-cdk-lib/aws-lambda";
import { EmailIdentity } from "aws-cdk-lib/aws-ses";
import { describe, expect, it } from "vitest";
import { NAG_REASONS, PasscodeAuth, type PasscodeAuthProps } from "../src/index.js";
import { all, baseProps, type Resource, type Synthesized, synth, violations } from "./synth.js";

const statements = (s: Synthesized): (Record<string, unknown> & { Roles: { Ref: string }[] })[] =>
  all(s, "AWS::IAM::Policy").flatMap(([, p]) =>
    (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.map(
      (st) => ({
        ...st,
        Roles: p.Properties.Roles as { Ref: string }[],
      }),
    ),
  );
const actions = (st: Record<string, unknown>) => ([] as string[]).concat(st.Action as string[]);
type Suppressed = { id: string; reason: string };
/** Each acknowledged finding with the type of the resource it is on. */
const suppressions = (s: Synthesized) =>
  Object.values(s.template.toJSON().Resources as Record<string, Resource>).flatMap((r) =>
    (
      (r.Metadata?.cdk_nag as { rules_to_suppress?: Suppressed[] } | undefined)
        ?.rules_to_suppress ?? []
    ).map((x) => ({ ...x, type: r.Type })),
  );

function construct(props: Partial<PasscodeAuthProps>, client?: { authSessionValidity: Duration }) {
  return () => {
    const stack = new Stack(new App(), "S");
    const auth = new PasscodeAuth(stack, "Auth", { ...baseProps, ...props });
    if (client) auth.addClient("Web", client);
  };
}

describe("props are checked when the construct is built", () => {
  it.each([
    [
      "a From address outside the SES domain",
      { email: { domain: "example.com", fromAddress: "a@evil.example" } },
      /not in the SES domain/,
    ],
    [
      "a username attribute name that Cognito refuses",
      { username: { attributeName: "user-name" } },
      /attributeName/,
    ],
    ["a runtime that is not Node.js", { runtime: Runtime.PYTHON_3_13 }, /Node\.js runtime/],
    ["a fractional code length", { code: { length: 6.5 } }, /PASSCODE_CODE_LENGTH/],
    ["an empty domain list", { allowedEmailDomains: [] }, /PASSCODE_ALLOWED_EMAIL_DOMAINS/],
    [
      "a domain with a comma",
      { allowedEmailDomains: ["a.com,b.com"] },
      /PASSCODE_ALLOWED_EMAIL_DOMAINS/,
    ],
  ])("refuses %s", (_name, props, message) => {
    expect(construct(props as Partial<PasscodeAuthProps>)).toThrow(message);
  });

  it("refuses a From address outside an existing identity", () => {
    const stack = new Stack(new App(), "S");
    const identity = EmailIdentity.fromEmailIdentityName(stack, "Id", "example.com");
    expect(
      () => new PasscodeAuth(stack, "Auth", { email: { identity, fromAddress: "a@evil.example" } }),
    ).toThrow(/does not belong to the SES identity example.com/);
  });

  it.each([Duration.minutes(2), Duration.minutes(16)])("refuses a client session of %s", (d) => {
    expect(construct({}, { authSessionValidity: d })).toThrow(/3 to 15 minutes/);
  });
});

describe("variants", { timeout: 180_000 }, () => {
  it("single function, address identity, 10-minute client, no deletion protection: one function with the union of the permissions", () => {
    const s = synth(
      {
        functionLayout: "single",
        email: { address: "Auth@Example.com" },
        deletionProtection: false,
      },
      { client: { authSessionValidity: Duration.minutes(10) } },
    );
    try {
      const fns = all(s, "AWS::Lambda::Function").filter(
        ([, f]) => f.Properties.Handler === "index.handler",
      );
      expect(fns).toHaveLength(1);
      const [fnId] = fns[0]!;
      const [, p] = all(s, "AWS::Cognito::UserPool")[0]!;
      const config = p.Properties.LambdaConfig as Record<string, { "Fn::GetAtt": string[] }>;
      expect(Object.keys(config)).toHaveLength(4);
      expect(new Set(Object.values(config).map((v) => v["Fn::GetAtt"][0]))).toEqual(
        new Set([fnId]),
      );
      expect(p.Properties.DeletionProtection).toBe("INACTIVE");
      s.template.hasResourceProperties("AWS::DynamoDB::Table", {
        DeletionProtectionEnabled: false,
      });
      s.template.hasResourceProperties("AWS::SES::EmailIdentity", {
        EmailIdentity: "auth@example.com",
      });
      s.template.hasResourceProperties("AWS::Lambda::Function", {
        Handler: "index.handler",
        Environment: { Variables: { PASSCODE_EMAIL_FROM: "auth@example.com" } },
      });
      s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", { AuthSessionValidity: 10 });
      const role = (
        all(s, "AWS::Lambda::Function").find(([id]) => id === fnId)![1].Properties.Role as {
          "Fn::GetAtt": string[];
        }
      )["Fn::GetAtt"][0];
      const granted = statements(s)
        .filter((st) => st.Roles.some((r) => r.Ref === role))
        .flatMap(actions)
        .sort();
      expect(granted).toEqual([
        "cognito-idp:AdminUpdateUserAttributes",
        "cognito-idp:AdminUserGlobalSignOut",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:GetSecretValue",
        "ses:SendEmail",
      ]);
      expect(violations(s.report)).toEqual([]);
    } finally {
      s.dispose();
    }
  });

  it("an imported pool and an existing SES identity: no pool, the client and grants on the given pool, Cognito may invoke", () => {
    const s = synth(
      {},
      {
        before: (stack) => ({
          userPool: UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI"),
          email: {
            identity: EmailIdentity.fromEmailIdentityName(stack, "Identity", "example.com"),
            fromAddress: "hello@example.com",
          },
        }),
      },
    );
    try {
      s.template.resourceCountIs("AWS::Cognito::UserPool", 0);
      s.template.resourceCountIs("AWS::SES::EmailIdentity", 0);
      s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
        UserPoolId: "eu-west-1_AbCdEfGhI",
        ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors: "ENABLED",
      });
      const poolArn = JSON.stringify({
        "Fn::Join": [
          "",
          [
            "arn:",
            { Ref: "AWS::Partition" },
            ":cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEfGhI",
          ],
        ],
      });
      const permissions = all(s, "AWS::Lambda::Permission").filter(
        ([, p]) => p.Properties.Principal !== "events.amazonaws.com",
      );
      expect(permissions).toHaveLength(4);
      for (const [, p] of permissions) {
        expect(p.Properties.Principal).toBe("cognito-idp.amazonaws.com");
        expect(JSON.stringify(p.Properties.SourceArn)).toBe(poolArn);
      }
      const onPool = statements(s).filter((st) =>
        actions(st).some((a) => a.startsWith("cognito-idp:")),
      );
      expect(onPool).toHaveLength(2); // Verify's writes, the sweep's ListUsers
      for (const st of onPool) expect(JSON.stringify(st.Resource)).toBe(poolArn);
      const send = statements(s).filter((st) => actions(st).includes("ses:SendEmail"));
      expect(send).toHaveLength(1);
      expect(JSON.stringify(send[0]!.Resource)).toContain(":identity/example.com");
      expect(send[0]!.Condition).toEqual({
        StringEquals: { "ses:FromAddress": "hello@example.com" },
      });
      expect(violations(s.report)).toEqual([]);
    } finally {
      s.dispose();
    }
  });

  it("username off, own handler code, trigger options and nodejs22.x: the environment carries them, no attribute, no sweep, L1 acknowledged per function", () => {
    const dir = mkdtempSync(join(tmpdir(), "own-handler-"));
    writeFileSync(join(dir, "index.mjs"), "export const handler = async (e) => e;\n");
    const s = synth({
      username: false,
      handlerCode: Code.fromAsset(dir),
      runtime: Runtime.NODEJS_22_X,
      code: { length: 8, ttlSeconds: 300, maxAttempts: 5 },
      throttle: { minIntervalSeconds: 60, maxPerWindow: 3, windowSeconds: 600, maxPerDay: 6 },
      allowedEmailDomains: ["Example.com", "corp.example"],
      replyTo: ["help@example.com"],
    });
    try {
      const fns = all(s, "AWS::Lambda::Function");
      expect(fns).toHaveLength(4);
      for (const [, fn] of fns) {
        expect(fn.Properties.Runtime).toBe("nodejs22.x");
        expect(
          (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
        ).toMatchObject({
          PASSCODE_USERNAME_ATTRIBUTE: "off",
          PASSCODE_CODE_LENGTH: "8",
          PASSCODE_CODE_TTL_SECONDS: "300",
          PASSCODE_MAX_ATTEMPTS: "5",
          PASSCODE_THROTTLE_MIN_INTERVAL_SECONDS: "60",
          PASSCODE_THROTTLE_MAX_PER_WINDOW: "3",
          PASSCODE_THROTTLE_WINDOW_SECONDS: "600",
          PASSCODE_THROTTLE_MAX_PER_DAY: "6",
          PASSCODE_ALLOWED_EMAIL_DOMAINS: "example.com,corp.example",
          PASSCODE_EMAIL_REPLY_TO: "help@example.com",
        });
      }
      const [, p] = all(s, "AWS::Cognito::UserPool")[0]!;
      expect(JSON.stringify(p.Properties.Schema ?? [])).not.toContain("username");
      s.template.resourceCountIs("AWS::Events::Rule", 0);
      const [, client] = all(s, "AWS::Cognito::UserPoolClient")[0]!;
      expect(
        (client.Properties.ReadAttributes as string[]).some((a) => a.startsWith("custom:")),
      ).toBe(false);
      expect(violations(s.report)).toEqual([]);
      const l1 = suppressions(s).filter((x) => x.id === "AwsSolutions-L1");
      expect(l1.map((x) => x.type)).toEqual(Array(4).fill("AWS::Lambda::Function"));
    } finally {
      s.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("cdk-nag AwsSolutions", { timeout: 180_000 }, () => {
  it("finds exactly the acknowledged findings when nothing is acknowledged", () => {
    // The negative control: the checks run, and each acknowledgement stands
    // for a real finding rather than a blanket waiver.
    const s = synth({ acknowledgeNagFindings: false });
    try {
      expect(violations(s.report)).toEqual([
        "AwsSolutions-COG2",
        "AwsSolutions-COG8",
        "AwsSolutions-SMG4",
      ]);
    } finally {
      s.dispose();
    }
  });

  it("acknowledges each finding on the one resource it concerns, with its reason; Plus needs no COG8 and turns threat protection on", () => {
    const s = synth({ featurePlan: FeaturePlan.PLUS });
    try {
      expect(violations(s.report)).toEqual([]);
      const found = suppressions(s);
      for (const { id, reason } of found)
        expect(reason).toBe(NAG_REASONS[id as keyof typeof NAG_REASONS]);
      expect(found.map(({ id, type }) => `${type} ${id}`).sort()).toEqual([
        "AWS::Cognito::UserPool AwsSolutions-COG2",
        "AWS::SecretsManager::Secret AwsSolutions-SMG4",
      ]);
      s.template.hasResourceProperties("AWS::Cognito::UserPool", {
        UserPoolTier: "PLUS",
        UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
      });
    } finally {
      s.dispose();
    }
  });
});
