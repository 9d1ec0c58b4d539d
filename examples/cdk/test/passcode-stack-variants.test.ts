import { App, Duration } from "aws-cdk-lib";
import { describe, expect, it } from "vitest";
import { PasscodeStack, type PasscodeStackProps } from "../lib/passcode-stack.js";
import { baseProps, synth } from "./synth.js";

type Resource = { Type: string; Properties: Record<string, unknown> };

function construct(props: Partial<PasscodeStackProps>) {
  return () => new PasscodeStack(new App(), "Passcode", { ...baseProps, ...props });
}

describe("PasscodeStack props", () => {
  it("refuses a From address outside the SES domain", () => {
    expect(construct({ fromAddress: "no-reply@evil.example" })).toThrow(/not in the SES domain/);
  });

  it("refuses a From address other than the SES address identity", () => {
    expect(
      construct({ emailIdentity: { address: "a@example.com" }, fromAddress: "b@example.com" }),
    ).toThrow(/must be the SES identity address/);
  });

  it.each([Duration.minutes(2), Duration.minutes(16)])(
    "refuses an auth session validity of %s",
    (validity) => {
      expect(construct({ authSessionValidity: validity })).toThrow(/3 to 15 minutes/);
    },
  );
});

describe("single-function layout with an address identity", { timeout: 120_000 }, () => {
  it("serves all four triggers from one function holding the union of the permissions", () => {
    const s = synth({
      functionLayout: "single",
      emailIdentity: { address: "Auth@Example.com" },
      authSessionValidity: Duration.minutes(10),
      deletionProtection: false,
    });
    try {
      const fns = Object.keys(s.template.findResources("AWS::Lambda::Function")).filter((id) =>
        id.startsWith("Triggers"),
      );
      expect(fns).toHaveLength(1);
      const pool = Object.values(
        s.template.findResources("AWS::Cognito::UserPool") as Record<string, Resource>,
      )[0]!;
      const config = pool.Properties.LambdaConfig as Record<string, { "Fn::GetAtt": string[] }>;
      expect(new Set(Object.values(config).map((v) => v["Fn::GetAtt"][0]))).toEqual(new Set(fns));
      expect(pool.Properties.DeletionProtection).toBe("INACTIVE");
      s.template.hasResourceProperties("AWS::SES::EmailIdentity", {
        EmailIdentity: "auth@example.com",
      });
      s.template.hasResourceProperties("AWS::Lambda::Function", {
        Environment: { Variables: { PASSCODE_EMAIL_FROM: "auth@example.com" } },
      });
      s.template.hasResourceProperties("AWS::Cognito::UserPoolClient", { AuthSessionValidity: 10 });
      const role = Object.keys(s.template.findResources("AWS::IAM::Role")).find((id) =>
        id.startsWith("TriggersTriggersRole"),
      );
      const actions = Object.values(
        s.template.findResources("AWS::IAM::Policy") as Record<string, Resource>,
      )
        .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${role}"`))
        .flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: { Action: string | string[] }[] })
              .Statement,
        )
        .flatMap((st) => ([] as string[]).concat(st.Action))
        .sort();
      expect(actions).toEqual([
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
    } finally {
      s.dispose();
    }
  });
});

describe("without the username sweep", { timeout: 120_000 }, () => {
  it("has no schedule, no sweep function and no ListUsers grant", () => {
    const s = synth({ usernameSweep: false });
    try {
      s.template.resourceCountIs("AWS::Events::Rule", 0);
      expect(
        Object.keys(s.template.findResources("AWS::Lambda::Function")).filter(
          (id) => !id.startsWith("Triggers"),
        ),
      ).toEqual([]);
      expect(JSON.stringify(s.template.findResources("AWS::IAM::Policy"))).not.toContain(
        "cognito-idp:ListUsers",
      );
    } finally {
      s.dispose();
    }
  });
});

describe("attaching to an existing user pool", { timeout: 120_000 }, () => {
  it("creates no pool, puts the client on the given pool, and lets that pool invoke the functions", () => {
    const s = synth({ existingUserPoolId: "eu-west-1_AbCdEfGhI" });
    try {
      s.template.resourceCountIs("AWS::Cognito::UserPool", 0);
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
      const permissions = Object.values(
        s.template.findResources("AWS::Lambda::Permission") as Record<string, Resource>,
      ).filter((p) => p.Properties.Principal !== "events.amazonaws.com");
      expect(permissions).toHaveLength(4);
      for (const p of permissions) {
        expect(p.Properties.Principal).toBe("cognito-idp.amazonaws.com");
        expect(JSON.stringify(p.Properties.SourceArn)).toBe(poolArn);
      }
      const admin = Object.values(
        s.template.findResources("AWS::IAM::Policy") as Record<string, Resource>,
      )
        .flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((st) =>
          ([] as unknown[]).concat(st.Action).includes("cognito-idp:AdminUpdateUserAttributes"),
        );
      expect(admin).toHaveLength(1);
      expect(JSON.stringify(admin[0]!.Resource)).toBe(poolArn);
      const list = Object.values(
        s.template.findResources("AWS::IAM::Policy") as Record<string, Resource>,
      )
        .flatMap(
          (p) =>
            (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
        )
        .filter((st) => st.Action === "cognito-idp:ListUsers");
      expect(list).toHaveLength(1);
      expect(JSON.stringify(list[0]!.Resource)).toBe(poolArn);
      const outputs = Object.keys(s.template.findOutputs("*")).sort();
      expect(outputs).toEqual(
        [
          "Region",
          "UserPoolClientId",
          "UserPoolId",
          "createAuthChallengeFunctionArn",
          "defineAuthChallengeFunctionArn",
          "preSignUpFunctionArn",
          "verifyAuthChallengeFunctionArn",
        ].sort(),
      );
    } finally {
      s.dispose();
    }
  });
});
