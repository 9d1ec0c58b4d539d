import { App, Stack } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { ClientAttributes, FeaturePlan, UserPool, UserPoolClient } from "aws-cdk-lib/aws-cognito";
import { Runtime } from "aws-cdk-lib/aws-lambda";
import { describe, expect, it } from "vitest";
import { PasscodeAuth, type PasscodeAuthProps } from "../src/index.js";
import { baseProps } from "./synth.js";

// Findings of the security review of issue 13, each shown on the template
// (Template.fromStack, no cdk-nag: these are properties of the construct).

function template(props: Partial<PasscodeAuthProps> = {}) {
  const stack = new Stack(new App(), "S", {
    env: { account: "123456789012", region: "eu-west-1" },
  });
  const auth = new PasscodeAuth(stack, "Auth", { ...baseProps, ...props });
  auth.addClient("Web");
  return Template.fromStack(stack);
}

describe("threat protection on the Plus plan", () => {
  it("covers custom authentication, the only flow the pool's clients allow", () => {
    // Cognito configures threat protection for custom auth separately
    // (UserPoolAddOns.AdvancedSecurityAdditionalFlows.CustomAuthMode); the
    // standard mode alone does not watch CUSTOM_AUTH sign-ins at all.
    template({ featurePlan: FeaturePlan.PLUS }).hasResourceProperties("AWS::Cognito::UserPool", {
      UserPoolTier: "PLUS",
      UserPoolAddOns: {
        AdvancedSecurityMode: "ENFORCED",
        AdvancedSecurityAdditionalFlows: { CustomAuthMode: "ENFORCED" },
      },
    });
  }, 60_000);
});

describe("runtime", () => {
  // The handler targets nodejs22.x and nodejs24.x; for an older runtime the
  // construct would acknowledge cdk-nag's AwsSolutions-L1 (outdated runtime)
  // with a reason that is not true of it, hiding a real finding.
  it.each([Runtime.NODEJS_16_X, Runtime.NODEJS_18_X, Runtime.NODEJS_20_X])(
    "refuses %s instead of acknowledging AwsSolutions-L1 for it",
    (runtime) => {
      const stack = new Stack(new App(), "S");
      expect(() => new PasscodeAuth(stack, "Auth", { ...baseProps, runtime })).toThrow(
        /nodejs22\.x or nodejs24\.x/,
      );
    },
  );

  it.each([Runtime.NODEJS_22_X, Runtime.NODEJS_24_X, Runtime.NODEJS_LATEST])(
    "accepts %s",
    (runtime) => {
      const stack = new Stack(new App(), "S");
      expect(() => new PasscodeAuth(stack, "Auth", { ...baseProps, runtime })).not.toThrow();
    },
    60_000,
  );
});

describe("every app client of the pool, not only addClient's", () => {
  // Cognito lets a client with no WriteAttributes write every mutable
  // attribute, the username attribute included: a user could then name
  // themselves without the registry. The pool is public (`auth.userPool`),
  // so the construct checks every client of it in the stack at synth.
  const build = (add: (auth: PasscodeAuth, stack: Stack) => void) => () => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    const auth = new PasscodeAuth(stack, "Auth", baseProps);
    auth.addClient("Web");
    add(auth, stack);
    return Template.fromStack(stack);
  };

  it("refuses a client added through the pool with Cognito's default (every attribute writable)", () => {
    expect(build((auth) => auth.userPool.addClient("Admin"))).toThrow(/custom:username/);
  });

  it("refuses a client that may write the username attribute or a verified flag", () => {
    expect(
      build((auth) =>
        auth.userPool.addClient("Own", {
          writeAttributes: new ClientAttributes()
            .withStandardAttributes({ email: true })
            .withCustomAttributes("username"),
        }),
      ),
    ).toThrow(/custom:username/);
    expect(
      build((auth) =>
        auth.userPool.addClient("Own", {
          writeAttributes: new ClientAttributes().withStandardAttributes({ emailVerified: true }),
        }),
      ),
    ).toThrow(/email_verified/);
  });

  it("accepts a client with its own explicit, safe write attributes and the flow's auth flows", () => {
    expect(
      build((auth) =>
        auth.userPool.addClient("Own", {
          authFlows: { custom: true },
          preventUserExistenceErrors: true,
          writeAttributes: new ClientAttributes().withStandardAttributes({ locale: true }),
        }),
      ),
    ).not.toThrow();
  });

  it("refuses a client of the pool that tells unknown users apart (no PreventUserExistenceErrors)", () => {
    // Cognito then answers UserNotFoundException instead of running the
    // triggers' fake path: anyone can test which addresses have accounts.
    expect(
      build((auth) =>
        auth.userPool.addClient("Own", {
          authFlows: { custom: true },
          writeAttributes: new ClientAttributes().withStandardAttributes({ locale: true }),
        }),
      ),
    ).toThrow(/PreventUserExistenceErrors/);
  });

  // AwsSolutions-COG2 (no MFA) is acknowledged because no password reaches
  // the pool: a client with Cognito's default flows (ALLOW_USER_SRP_AUTH
  // among them) or any password flow would sign in past the code, and an
  // admin-created user gets a temporary password by email.
  it.each([
    ["Cognito's default flows", undefined, /USER_SRP_AUTH/],
    ["SRP", { custom: true, userSrp: true }, /ALLOW_USER_SRP_AUTH/],
    ["a plain password", { custom: true, userPassword: true }, /ALLOW_USER_PASSWORD_AUTH/],
    [
      "an admin password",
      { custom: true, adminUserPassword: true },
      /ALLOW_ADMIN_USER_PASSWORD_AUTH/,
    ],
    ["choice-based sign-in", { custom: true, user: true }, /ALLOW_USER_AUTH/],
  ] as const)("refuses a client of the pool with %s", (_name, authFlows, message) => {
    expect(
      build((auth) =>
        auth.userPool.addClient("Own", {
          ...(authFlows ? { authFlows } : {}),
          writeAttributes: new ClientAttributes().withStandardAttributes({ locale: true }),
        }),
      ),
    ).toThrow(message);
  });

  it("checks clients of an imported pool too", () => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    const userPool = UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI");
    new PasscodeAuth(stack, "Auth", { ...baseProps, userPool });
    new UserPoolClient(stack, "Other", { userPool });
    expect(() => Template.fromStack(stack)).toThrow(/custom:username/);
  });
});

describe("an imported pool", () => {
  it("says at synth what the construct could not set on it", () => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    const userPool = UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI");
    new PasscodeAuth(stack, "Auth", { ...baseProps, userPool });
    const warnings = Annotations.fromStack(stack)
      .findWarning("/S/Auth", Match.anyValue())
      .map((w) => String(w.entry.data));
    expect(warnings).toHaveLength(1);
    for (const setting of [
      "triggers",
      "AttributesRequireVerificationBeforeUpdate",
      "admin_only",
      "custom:username",
    ]) {
      expect(warnings[0]).toContain(setting);
    }
  });

  it("a new pool gives no such warning", () => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    new PasscodeAuth(stack, "Auth", baseProps);
    expect(Annotations.fromStack(stack).findWarning("*", Match.anyValue())).toEqual([]);
  });
});

describe("Create's table access", () => {
  it("reaches only the throttle records, never the username registry", () => {
    // Create serves unauthenticated callers; the registry (username#, owner#)
    // is Verify's and the sweep's. The throttle keys are `throttle#<sha256>`.
    const t = template();
    const policies = Object.values(
      t.findResources("AWS::IAM::Policy") as Record<
        string,
        { Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: object[] } } }
      >,
    );
    const roles = Object.keys(t.findResources("AWS::IAM::Role")).filter((id) =>
      /^AuthCreateAuthChallengeRole/.test(id),
    );
    expect(roles).toHaveLength(1);
    const ddb = policies
      .filter((p) => p.Properties.Roles.some((r) => r.Ref === roles[0]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: unknown }[])
      .filter((st) => JSON.stringify(st.Action).includes("dynamodb:"));
    expect(ddb).toEqual([
      expect.objectContaining({
        Action: ["dynamodb:GetItem", "dynamodb:PutItem"],
        Condition: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": ["throttle#*"] } },
      }),
    ]);
  }, 60_000);
});
