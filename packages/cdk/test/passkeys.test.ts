import { readTriggerEnvironment } from "@cognito-passcode/triggers/environment";
import { Lazy } from "aws-cdk-lib";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readTokenHandlerEnvironment } from "../../token-handler/src/lambda/environment.js";
import {
  checkPasskeys,
  PASSKEY_TABLE_ACCESS,
  type PasscodePasskeysProps,
  TOKEN_HANDLER_ENVIRONMENT_KEYS,
  TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS,
} from "../src/index.js";
import { all, type Resource, type Synthesized, synth, violations } from "./synth.js";

const PASSKEYS: PasscodePasskeysProps = {
  rpId: "example.com",
  origins: ["https://app.example.com", "https://example.com"],
};

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};
const actions = (st: Statement) => ([] as string[]).concat(st.Action);

/** Each role's statements, by the role's logical id. */
function grants(s: Synthesized): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  for (const [, p] of all(s, "AWS::IAM::Policy")) {
    for (const role of p.Properties.Roles as { Ref: string }[]) {
      const list = out.get(role.Ref) ?? [];
      list.push(...(p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
      out.set(role.Ref, list);
    }
  }
  return out;
}

/** The one function whose logical id starts with `Auth<name>` and a hash. */
function fn(s: Synthesized, name: string): [string, Resource] {
  const found = all(s, "AWS::Lambda::Function").filter(([id]) =>
    new RegExp(`^Auth${name}[0-9A-F]{8}$`).test(id),
  );
  expect(found, name).toHaveLength(1);
  return found[0]!;
}
const roleOf = (f: Resource) => (f.Properties.Role as { "Fn::GetAtt": string[] })["Fn::GetAtt"][0]!;
const envOf = (f: Resource) =>
  (f.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
const tableStatements = (s: Synthesized, f: Resource) =>
  (grants(s).get(roleOf(f)) ?? []).filter((st) =>
    actions(st).some((a) => a.startsWith("dynamodb:")),
  );
const leadingKeys = (st: Statement) =>
  st.Condition?.["ForAllValues:StringLike"]?.["dynamodb:LeadingKeys"] as string[] | undefined;

describe("checkPasskeys", () => {
  it("returns the environment's values, rpName defaulting to the app name", () => {
    expect(checkPasskeys(PASSKEYS, "Acme")).toEqual({
      rpId: "example.com",
      rpName: "Acme",
      origins: ["https://app.example.com", "https://example.com"],
      required: false,
    });
    expect(
      checkPasskeys(
        { rpId: "localhost", origins: ["http://localhost:5173"], rpName: "Dev", required: true },
        "Acme",
      ),
    ).toEqual({
      rpId: "localhost",
      rpName: "Dev",
      origins: ["http://localhost:5173"],
      required: true,
    });
  });

  it.each([
    [{ rpId: "127.0.0.1", origins: ["https://127.0.0.1"] }, "passkeys.rpId"],
    [{ rpId: "[::1]", origins: ["https://example.com"] }, "passkeys.rpId"],
    [{ rpId: "Example.com", origins: ["https://example.com"] }, "passkeys.rpId"],
    [{ rpId: "https://example.com", origins: ["https://example.com"] }, "passkeys.rpId"],
    [{ rpId: "example.com:443", origins: ["https://example.com"] }, "passkeys.rpId"],
    [{ rpId: "example.com.", origins: ["https://example.com"] }, "passkeys.rpId"],
    [{ rpId: "", origins: ["https://example.com"] }, "passkeys.rpId"],
    [
      { rpId: Lazy.string({ produce: () => "example.com" }), origins: ["https://example.com"] },
      "passkeys.rpId",
    ],
    [{ rpId: "example.com", origins: [] }, "passkeys.origins"],
    [{ rpId: "example.com", origins: ["https://evil.test"] }, "passkeys.origins"],
    [{ rpId: "example.com", origins: ["https://notexample.com"] }, "passkeys.origins"],
    [{ rpId: "example.com", origins: ["http://app.example.com"] }, "passkeys.origins"],
    [{ rpId: "example.com", origins: ["https://app.example.com/"] }, "passkeys.origins"],
    [{ rpId: "example.com", origins: ["https://*.example.com"] }, "passkeys.origins"],
    [
      { rpId: "example.com", origins: ["https://a.example.com,https://b.example.com"] },
      "passkeys.origins",
    ],
    [
      { rpId: "example.com", origins: [Lazy.string({ produce: () => "https://example.com" })] },
      "passkeys.origins",
    ],
    [{ rpId: "example.com", origins: ["https://example.com"], rpName: "" }, "passkeys.rpName"],
    [
      { rpId: "example.com", origins: ["https://example.com"], rpName: "x".repeat(65) },
      "passkeys.rpName",
    ],
    [
      { rpId: "example.com", origins: ["https://example.com"], required: "yes" },
      "passkeys.required",
    ],
  ])("refuses %o, naming %s", (props, field) => {
    expect(() => checkPasskeys(props as PasscodePasskeysProps, "Acme")).toThrow(field);
  });

  it("fails the construct at synth time on a bad prop", () => {
    expect(() =>
      synth({ passkeys: { rpId: "example.com", origins: ["https://evil.test"] } }),
    ).toThrow(/passkeys.origins: "https:\/\/evil.test" is not on the relying party id example.com/);
  });
});

describe("passkeys, per-trigger functions", { timeout: 180_000 }, () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({ passkeys: { ...PASSKEYS, rpName: "Acme Bank", required: true } });
  }, 180_000);
  afterAll(() => s?.dispose());

  it("is cdk-nag clean", () => {
    expect(violations(s.report)).toEqual([]);
  });

  it("wires a Pre Token Generation trigger, event version V1_0, to its own function", () => {
    const [id, preToken] = fn(s, "PreTokenGeneration");
    expect(preToken.Properties.Handler).toBe("index.preTokenGeneration");
    s.template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: { "Fn::GetAtt": [id, "Arn"] },
          LambdaVersion: "V1_0",
        },
      },
    });
    const invokes = all(s, "AWS::Lambda::Permission").filter(
      ([, p]) =>
        p.Properties.Principal === "cognito-idp.amazonaws.com" &&
        JSON.stringify(p.Properties.FunctionName).includes(id),
    );
    expect(invokes).toHaveLength(1);
  });

  it("gives every trigger function the passkey environment, which the prebuilt handler reads", () => {
    for (const name of [
      "DefineAuthChallenge",
      "CreateAuthChallenge",
      "VerifyAuthChallengeResponse",
      "PreSignUp",
      "PreTokenGeneration",
    ]) {
      const vars = envOf(fn(s, name)[1]);
      expect(vars).toMatchObject({
        PASSCODE_PASSKEY_RP_ID: "example.com",
        PASSCODE_PASSKEY_RP_NAME: "Acme Bank",
        PASSCODE_PASSKEY_ORIGINS: "https://app.example.com,https://example.com",
        PASSCODE_PASSKEY_REQUIRED: "true",
      });
      const literal = Object.fromEntries(
        Object.entries(vars).map(([k, v]) => [
          k,
          typeof v === "string"
            ? v
            : k === "PASSCODE_CODE_SECRET_ARN"
              ? "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf"
              : "cognito-passcode-table",
        ]),
      );
      expect(readTriggerEnvironment(literal).passkeys).toEqual({
        rpId: "example.com",
        rpName: "Acme Bank",
        origins: ["https://app.example.com", "https://example.com"],
        required: true,
      });
    }
  });

  it("lets Pre Token Generation only take passkey-auth# records: no secret, no email, no pool", () => {
    const [, preToken] = fn(s, "PreTokenGeneration");
    expect(envOf(preToken)).not.toHaveProperty("PASSCODE_CODE_SECRET_ARN");
    const statements = grants(s).get(roleOf(preToken)) ?? [];
    const services = statements.flatMap(actions).map((a) => a.split(":")[0]);
    expect([...new Set(services)].sort()).toEqual(["dynamodb", "logs"]);
    const table = tableStatements(s, preToken);
    expect(table).toHaveLength(1);
    expect(actions(table[0]!)).toEqual(["dynamodb:UpdateItem"]);
    expect(leadingKeys(table[0]!)).toEqual(["passkey-auth#*"]);
  });

  it("adds the passkey table access to Create and Verify, each limited to the passkey records", () => {
    const create = tableStatements(s, fn(s, "CreateAuthChallenge")[1]);
    expect(create.map((st) => [actions(st), leadingKeys(st)])).toEqual([
      [["dynamodb:GetItem", "dynamodb:PutItem"], ["throttle#*"]],
      [["dynamodb:GetItem"], ["passkeys#*"]],
    ]);
    const verify = tableStatements(s, fn(s, "VerifyAuthChallengeResponse")[1]);
    expect(verify.map((st) => [actions(st), leadingKeys(st)])).toEqual([
      [["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], undefined],
      [
        [...PASSKEY_TABLE_ACCESS.verifyAuthChallengeResponse.actions],
        ["passkeys#*", "passkey#*", "passkey-auth#*"],
      ],
    ]);
    // Define and Pre Sign-up still touch nothing.
    for (const name of ["DefineAuthChallenge", "PreSignUp"]) {
      expect(tableStatements(s, fn(s, name)[1])).toEqual([]);
    }
  });
});

describe("passkeys with the single function and the token handler", { timeout: 180_000 }, () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth({
      functionLayout: "single",
      passkeys: PASSKEYS,
      tokenHandler: { allowedOrigins: ["https://app.example.com"] },
    });
  }, 180_000);
  afterAll(() => s?.dispose());

  it("is cdk-nag clean", () => {
    expect(violations(s.report)).toEqual([]);
  });

  it("wires the one function as the V1_0 Pre Token Generation trigger too, with the union of the table access", () => {
    const [id, one] = fn(s, "Triggers");
    expect(one.Properties.Handler).toBe("index.handler");
    s.template.hasResourceProperties("AWS::Cognito::UserPool", {
      LambdaConfig: {
        PreTokenGenerationConfig: {
          LambdaArn: { "Fn::GetAtt": [id, "Arn"] },
          LambdaVersion: "V1_0",
        },
        DefineAuthChallenge: { "Fn::GetAtt": [id, "Arn"] },
      },
    });
    const passkeyStatement = tableStatements(s, one).find((st) => leadingKeys(st) !== undefined);
    expect(actions(passkeyStatement!).sort()).toEqual(
      ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"].sort(),
    );
  });

  it("gives the token handler the management environment and only the passkey records of the table", () => {
    const [, handler] = fn(s, "TokenHandler");
    const vars = envOf(handler);
    expect(Object.keys(vars).sort()).toEqual(
      [
        ...Object.values(TOKEN_HANDLER_ENVIRONMENT_KEYS),
        ...Object.values(TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS),
      ].sort(),
    );
    expect(vars).toMatchObject({
      PASSCODE_USER_POOL_ID: { Ref: expect.stringMatching(/^AuthUserPool/) },
      PASSCODE_PASSKEY_TABLE: { Ref: expect.stringMatching(/^AuthTable/) },
      PASSCODE_EMAIL_FROM: "no-reply@example.com",
      PASSCODE_APP_NAME: "Acme",
    });
    // The prebuilt token handler starts with it and turns its passkey operations on.
    const literal = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [
        k,
        typeof v === "string"
          ? v
          : k === "PASSCODE_COOKIE_SECRET_ARN"
            ? "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CookieSecret-AbCdEf"
            : k === "PASSCODE_USER_POOL_ID"
              ? "eu-west-1_AbCdEfGhI"
              : "token-value",
      ]),
    );
    expect(
      readTokenHandlerEnvironment({ ...literal, AWS_REGION: "eu-west-1" }).passkeys,
    ).toBeDefined();
    const statements = grants(s).get(roleOf(handler)) ?? [];
    const table = statements.filter((st) => actions(st).some((a) => a.startsWith("dynamodb:")));
    expect(table).toHaveLength(1);
    expect(actions(table[0]!)).toEqual([...PASSKEY_TABLE_ACCESS.tokenHandler.actions]);
    expect(leadingKeys(table[0]!)).toEqual(["passkeys#*", "passkey#*"]);
    expect(JSON.stringify(table[0]!.Resource)).toMatch(/AuthTable/);
    const ses = statements.filter((st) => actions(st).includes("ses:SendEmail"));
    expect(ses).toHaveLength(1);
    expect(ses[0]!.Condition).toEqual({
      StringEquals: { "ses:FromAddress": "no-reply@example.com" },
    });
  });
});

describe("passkeys off, or on an imported pool", { timeout: 180_000 }, () => {
  it("adds nothing without the prop: no Pre Token Generation, no passkey variable, no passkey grant", () => {
    const s = synth({ tokenHandler: { allowedOrigins: ["https://app.example.com"] } });
    try {
      expect(s.auth.preTokenGenerationFunction).toBeUndefined();
      const template = JSON.stringify(s.template.toJSON());
      expect(template).not.toMatch(/PreTokenGeneration|PASSCODE_PASSKEY|passkey/);
      expect(envOf(fn(s, "TokenHandler")[1])).not.toHaveProperty("PASSCODE_USER_POOL_ID");
    } finally {
      s.dispose();
    }
  });

  it("on an imported pool, lets Cognito invoke the Pre Token Generation function and says to wire it", () => {
    const s = synth(
      { passkeys: PASSKEYS },
      {
        before: (stack) => ({
          userPool: UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI"),
        }),
      },
    );
    try {
      expect(violations(s.report)).toEqual([]);
      const [id] = fn(s, "PreTokenGeneration");
      const invokes = all(s, "AWS::Lambda::Permission").filter(([, p]) =>
        JSON.stringify(p.Properties.FunctionName).includes(id),
      );
      expect(invokes).toHaveLength(1);
      const warnings = s.stack.node
        .findAll()
        .flatMap((c) => c.node.metadata)
        .filter((m) => m.type === "aws:cdk:warning")
        .map((m) => String(m.data));
      expect(warnings.join("\n")).toMatch(/Pre Token Generation trigger \(event version V1_0\)/);
    } finally {
      s.dispose();
    }
  });
});
