import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { App, Duration, Stack, Token } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { UserPool } from "aws-cdk-lib/aws-cognito";
import { type CfnFunction, Runtime } from "aws-cdk-lib/aws-lambda";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COOKIE_SECRET_REASON,
  checkAllowedOrigins,
  NAG_REASONS,
  PasscodeAuth,
  type PasscodeAuthProps,
  prebuiltTokenHandlerDir,
  TOKEN_HANDLER_ENVIRONMENT_KEYS,
} from "../src/index.js";
import { all, baseProps, type Resource, type Synthesized, synth, violations } from "./synth.js";

/** The logical id of the one resource of `type` whose id is `Auth<name>` and a hash. */
const logicalId = (s: Synthesized, type: string, name: string) => {
  const found = all(s, type).filter(([id]) => new RegExp(`^Auth${name}[0-9A-F]{8}$`).test(id));
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]![0];
};
type Statement = Record<string, unknown> & { Roles: { Ref: string }[] };
const statements = (s: Synthesized): Statement[] =>
  all(s, "AWS::IAM::Policy").flatMap(([, p]) =>
    (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.map(
      (st) => ({ ...st, Roles: p.Properties.Roles as { Ref: string }[] }),
    ),
  );
const actions = (st: Record<string, unknown>) => ([] as string[]).concat(st.Action as string[]);
const mentions = (value: unknown, id: string) => JSON.stringify(value).includes(`"${id}"`);

const ORIGINS = ["https://app.example.com", "http://localhost:5173"];
const withHandler: Partial<PasscodeAuthProps> = { tokenHandler: { allowedOrigins: ORIGINS } };

describe("tokenHandler: the deployed handler", { timeout: 180_000 }, () => {
  let s: Synthesized;
  beforeAll(() => {
    s = synth(withHandler);
  }, 180_000);
  afterAll(() => s?.dispose());

  const fn = () => logicalId(s, "AWS::Lambda::Function", "TokenHandler");
  const fnProps = () => s.template.toJSON().Resources[fn()].Properties;
  const role = () => logicalId(s, "AWS::IAM::Role", "TokenHandlerRole");
  const secret = () => logicalId(s, "AWS::SecretsManager::Secret", "CookieSecret");

  it("runs the prebuilt token handler on the triggers' runtime and architecture", () => {
    expect(fnProps()).toMatchObject({
      Handler: "index.handler",
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Timeout: 20,
      MemorySize: 256,
    });
    const asset = readdirSync(s.outdir).find(
      (f) =>
        f.startsWith("asset.") &&
        readdirSync(join(s.outdir, f)).includes("index.mjs") &&
        !readdirSync(join(s.outdir, f)).includes("username-sweep.mjs"),
    );
    expect(asset, "the token handler's asset").toBeDefined();
    expect(readFileSync(join(s.outdir, asset!, "index.mjs"), "utf8")).toBe(
      readFileSync(join(prebuiltTokenHandlerDir(), "index.mjs"), "utf8"),
    );
  });

  it("sets exactly the environment the prebuilt handler reads: its client, the origins, the secret ARN, the cookie cap", () => {
    const env = (fnProps().Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(Object.values(TOKEN_HANDLER_ENVIRONMENT_KEYS).sort());
    expect(env).toEqual({
      PASSCODE_CLIENT_ID: {
        Ref: logicalId(s, "AWS::Cognito::UserPoolClient", "TokenHandlerClient"),
      },
      PASSCODE_ALLOWED_ORIGINS: "https://app.example.com,http://localhost:5173",
      PASSCODE_COOKIE_SECRET_ARN: { Ref: secret() },
      PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS: "30",
    });
  });

  it("allows no wildcard origin anywhere: not in the environment, not on the function URL (no CORS there)", () => {
    const env = (fnProps().Environment as { Variables: Record<string, string> }).Variables;
    for (const origin of env.PASSCODE_ALLOWED_ORIGINS!.split(",")) {
      expect(origin).not.toContain("*");
      expect(new URL(origin).origin).toBe(origin);
    }
    const urls = all(s, "AWS::Lambda::Url");
    expect(urls).toHaveLength(1);
    expect(urls[0]![1].Properties).toEqual({
      AuthType: "NONE",
      TargetFunctionArn: { "Fn::GetAtt": [fn(), "Arn"] },
    });
  });

  it("lets anyone invoke it only through the function URL", () => {
    const permissions = all(s, "AWS::Lambda::Permission").filter(([, p]) =>
      mentions(p.Properties.FunctionName, fn()),
    );
    expect(
      permissions
        .map(([, p]) => p.Properties)
        .sort((a, b) => String(a.Action).localeCompare(String(b.Action))),
    ).toEqual([
      {
        Action: "lambda:InvokeFunction",
        FunctionName: { "Fn::GetAtt": [fn(), "Arn"] },
        Principal: "*",
        InvokedViaFunctionUrl: true,
      },
      {
        Action: "lambda:InvokeFunctionUrl",
        FunctionName: { "Fn::GetAtt": [fn(), "Arn"] },
        Principal: "*",
        FunctionUrlAuthType: "NONE",
      },
    ]);
  });

  it("generates a 64-character cookie secret without punctuation", () => {
    expect(s.template.toJSON().Resources[secret()].Properties).toMatchObject({
      GenerateSecretString: { PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  it("lets only the token handler's role read the cookie secret, and that role nothing else but its logs", () => {
    const touching = statements(s).filter((st) => mentions(st.Resource, secret()));
    expect(touching).toHaveLength(1);
    expect(actions(touching[0]!)).toEqual(["secretsmanager:GetSecretValue"]);
    expect(touching[0]!.Roles).toEqual([{ Ref: role() }]);
    expect(touching[0]!.Condition).toBeUndefined();
    s.template.resourceCountIs("AWS::SecretsManager::ResourcePolicy", 0);
    const own = statements(s).filter((st) => st.Roles.some((r) => r.Ref === role()));
    expect(own.flatMap(actions).sort()).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "secretsmanager:GetSecretValue",
    ]);
    const logs = own.find((st) => actions(st).includes("logs:PutLogEvents"))!;
    expect(logs.Resource).toEqual({
      "Fn::GetAtt": [logicalId(s, "AWS::Logs::LogGroup", "TokenHandlerLogs"), "Arn"],
    });
    // The code secret stays with Create and Verify.
    const code = logicalId(s, "AWS::SecretsManager::Secret", "CodeSecret");
    expect(
      statements(s).filter(
        (st) => mentions(st.Resource, code) && st.Roles.some((r) => r.Ref === role()),
      ),
    ).toEqual([]);
    // No other function is told where the cookie secret is.
    for (const [id, f] of all(s, "AWS::Lambda::Function")) {
      if (id !== fn()) expect(mentions(f.Properties, secret())).toBe(false);
    }
    const assumed = s.template.toJSON().Resources[role()].Properties;
    expect(assumed.ManagedPolicyArns).toBeUndefined();
  });

  it("keeps its logs for a month in its own group", () => {
    expect(fnProps().LoggingConfig).toEqual({
      LogGroup: { Ref: logicalId(s, "AWS::Logs::LogGroup", "TokenHandlerLogs") },
    });
    expect(
      s.template.toJSON().Resources[logicalId(s, "AWS::Logs::LogGroup", "TokenHandlerLogs")]
        .Properties,
    ).toEqual({ RetentionInDays: 30 });
  });

  it("serves an app client of its own: public, custom auth only, refresh-token rotation with a 10 s grace", () => {
    const id = logicalId(s, "AWS::Cognito::UserPoolClient", "TokenHandlerClient");
    expect(s.template.toJSON().Resources[id].Properties).toMatchObject({
      ClientName: "token-handler",
      GenerateSecret: false,
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH"],
      PreventUserExistenceErrors: "ENABLED",
      EnableTokenRevocation: true,
      RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 10 },
    });
    // The app's own addClient("Web") is untouched.
    const web = logicalId(s, "AWS::Cognito::UserPoolClient", "Web");
    expect(s.template.toJSON().Resources[web].Properties.RefreshTokenRotation).toBeUndefined();
  });

  it("exposes the URL, the function, the client and the secret", () => {
    expect(Token.isUnresolved(s.auth.tokenHandlerUrl!)).toBe(true);
    expect(s.stack.resolve(s.auth.tokenHandlerUrl)).toEqual({
      "Fn::GetAtt": [logicalId(s, "AWS::Lambda::Url", "TokenHandlerFunctionUrl"), "FunctionUrl"],
    });
    expect(s.auth.tokenHandlerFunction?.node.path).toBe("Passcode/Auth/TokenHandler");
    expect(s.auth.tokenHandlerClient?.node.path).toBe("Passcode/Auth/TokenHandlerClient");
    expect(s.auth.cookieSecret?.node.path).toBe("Passcode/Auth/CookieSecret");
  });

  it("is cdk-nag clean, acknowledging SMG4 on the cookie secret alone with its own reason", () => {
    expect(violations(s.report)).toEqual([]);
    const found = Object.entries(s.template.toJSON().Resources as Record<string, Resource>).flatMap(
      ([id, r]) =>
        (
          (r.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] })
            ?.rules_to_suppress ?? []
        ).map((x) => ({ ...x, resource: id })),
    );
    const smg4 = found.filter((f) => f.id === "AwsSolutions-SMG4");
    expect(smg4.map((f) => f.resource).sort()).toEqual(
      [logicalId(s, "AWS::SecretsManager::Secret", "CodeSecret"), secret()].sort(),
    );
    expect(smg4.find((f) => f.resource === secret())!.reason).toBe(COOKIE_SECRET_REASON);
    expect(smg4.find((f) => f.resource !== secret())!.reason).toBe(
      NAG_REASONS["AwsSolutions-SMG4"],
    );
  });
});

describe("tokenHandler: variants", { timeout: 180_000 }, () => {
  it("without it, nothing of the token handler is created", () => {
    const stack = new Stack(new App(), "S");
    const auth = new PasscodeAuth(stack, "Auth", baseProps);
    expect([
      auth.tokenHandlerFunction,
      auth.tokenHandlerFunctionUrl,
      auth.tokenHandlerUrl,
      auth.tokenHandlerClient,
      auth.cookieSecret,
    ]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const paths = auth.node.findAll().map((c) => c.node.path);
    expect(paths.filter((p) => /TokenHandler|CookieSecret/.test(p))).toEqual([]);
  });

  it("nothing acknowledged: exactly the known findings, the cookie secret's SMG4 among them", () => {
    const s = synth({ ...withHandler, acknowledgeNagFindings: false });
    try {
      // cdk-nag groups a rule's findings: list each (rule, resource) pair.
      const found = (
        (s.report?.pluginReports ?? []) as unknown as {
          violations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
        }[]
      )
        .flatMap((p) => p.violations ?? [])
        .flatMap((v) => v.violatingConstructs.map((r) => `${v.ruleName} ${r.constructPath}`))
        .sort();
      expect(found).toEqual([
        "AwsSolutions-COG2 Passcode/Auth/UserPool/Resource",
        "AwsSolutions-COG8 Passcode/Auth/UserPool/Resource",
        "AwsSolutions-SMG4 Passcode/Auth/CodeSecret/Resource",
        "AwsSolutions-SMG4 Passcode/Auth/CookieSecret/Resource",
      ]);
    } finally {
      s.dispose();
    }
  });

  it("follows the runtime prop (nodejs22.x, L1 acknowledged on it too), the client's props and the memory size", () => {
    const s = synth({
      runtime: Runtime.NODEJS_22_X,
      tokenHandler: {
        allowedOrigins: ["https://app.example.com"],
        memorySize: 512,
        client: { refreshTokenValidity: Duration.hours(36), refreshTokenRotation: false },
      },
    });
    try {
      expect(violations(s.report)).toEqual([]);
      const id = logicalId(s, "AWS::Lambda::Function", "TokenHandler");
      const fn = s.template.toJSON().Resources[id] as Resource;
      expect(fn.Properties).toMatchObject({ Runtime: "nodejs22.x", MemorySize: 512 });
      const suppressed = (
        (fn.Metadata?.cdk_nag ?? { rules_to_suppress: [] }) as {
          rules_to_suppress: { id: string }[];
        }
      ).rules_to_suppress.map((r) => r.id);
      expect(suppressed).toEqual(["AwsSolutions-L1"]);
      // 36 hours of refresh token: the cookie lives at most 1.5 days.
      expect(
        (fn.Properties.Environment as { Variables: Record<string, string> }).Variables
          .PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS,
      ).toBe("1.5");
      const client = s.template.toJSON().Resources[
        logicalId(s, "AWS::Cognito::UserPoolClient", "TokenHandlerClient")
      ] as Resource;
      expect(client.Properties.RefreshTokenRotation).toBeUndefined();
      expect(client.Properties.ExplicitAuthFlows).toEqual([
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
      ]);
    } finally {
      s.dispose();
    }
  });

  it.each([
    ["the single-function layout", { functionLayout: "single" as const }],
    ["an imported pool", { userPool: "imported" as const }],
    ["no username step and no sweep", { username: false as const }],
  ])("with %s, still only the token handler's role reads the cookie secret", (_, variant) => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    const { userPool, ...rest } = variant as { userPool?: "imported" };
    const auth = new PasscodeAuth(stack, "Auth", {
      ...baseProps,
      ...(rest as Partial<PasscodeAuthProps>),
      ...(userPool
        ? { userPool: UserPool.fromUserPoolId(stack, "Pool", "eu-west-1_AbCdEfGhI") }
        : {}),
      tokenHandler: { allowedOrigins: ["https://app.example.com"] },
    });
    const template = Template.fromStack(stack).toJSON().Resources as Record<string, Resource>;
    const secret = stack.resolve(auth.cookieSecret!.secretArn) as { Ref: string };
    const role = stack.resolve(auth.tokenHandlerFunction!.role!.roleName) as { Ref: string };
    const readers = Object.values(template)
      .filter((r) => r.Type === "AWS::IAM::Policy")
      .flatMap((p) =>
        (p.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.filter(
          (st) => mentions(st.Resource, secret.Ref),
        ).map(() => p.Properties.Roles),
      );
    expect(readers).toEqual([[role]]);
  });

  it("addClient takes refresh-token rotation, 0 to 60 whole seconds of grace", () => {
    const stack = new Stack(new App(), "S");
    const auth = new PasscodeAuth(stack, "Auth", baseProps);
    const client = auth.addClient("Web", {
      refreshTokenRotation: { retryGracePeriod: Duration.seconds(0) },
    });
    const cfn = stack.resolve(
      (client.node.defaultChild as unknown as { _toCloudFormation(): unknown })._toCloudFormation(),
    ) as { Resources: Record<string, Resource> };
    expect(Object.values(cfn.Resources)[0]!.Properties).toMatchObject({
      RefreshTokenRotation: { Feature: "ENABLED", RetryGracePeriodSeconds: 0 },
      ExplicitAuthFlows: ["ALLOW_CUSTOM_AUTH"],
    });
    for (const bad of [Duration.seconds(61), Duration.millis(1500)]) {
      expect(() =>
        auth.addClient(`Bad${bad.toMilliseconds()}`, {
          refreshTokenRotation: { retryGracePeriod: bad },
        }),
      ).toThrow(/retryGracePeriod must be 0 to 60 whole seconds/);
    }
  });
});

describe("tokenHandler.allowedOrigins is checked at synth", () => {
  const build = (allowedOrigins: readonly string[]) => () =>
    new PasscodeAuth(new Stack(new App(), "S"), "Auth", {
      ...baseProps,
      tokenHandler: { allowedOrigins },
    });

  it("refuses an empty list", () => {
    expect(build([])).toThrow(/at least one origin/);
  });

  it.each([
    ["*", /not an exact origin/],
    ["https://*.example.com", /not an exact origin/],
    ["null", /not an origin/],
    ["", /not an origin/],
    ["https://app.example.com/", /a browser sends https:\/\/app\.example\.com$/],
    ["https://app.example.com/auth", /not an exact origin/],
    ["https://APP.example.com", /not an exact origin/],
    ["https://app.example.com:443", /not an exact origin/],
    ["https://user:pw@app.example.com", /not an exact origin/],
    ["https://app.example.com,https://evil.example", /not an exact origin/],
    ["http://app.example.com", /must use https/],
    ["http://localhost.evil.example", /must use https/],
    ["http://127.0.0.2:8080", /must use https/],
    ["javascript:alert(1)", /not an exact origin|must use https/],
    ["file:///etc/passwd", /not an exact origin|must use https/],
    ["app.example.com", /not an origin|not an exact origin/],
  ])("refuses %j", (origin, message) => {
    expect(build(["https://ok.example.com", origin])).toThrow(message);
    expect(build(["https://ok.example.com", origin])).toThrow(/tokenHandler\.allowedOrigins/);
  });

  it("refuses a deploy-time token", () => {
    const stack = new Stack(new App(), "S");
    expect(
      () =>
        new PasscodeAuth(stack, "Auth", {
          ...baseProps,
          tokenHandler: { allowedOrigins: [`https://${stack.account}.example.com`] },
        }),
    ).toThrow(/token resolved only at deploy time/);
  });

  it("accepts https origins, with ports, IDNs in punycode, and http on loopback", () => {
    const ok = [
      "https://app.example.com",
      "https://app.example.com:8443",
      "https://xn--bcher-kva.example",
      "http://localhost:5173",
      "http://127.0.0.1:8080",
      "http://[::1]:3000",
      "http://localhost",
    ];
    expect(checkAllowedOrigins(ok)).toEqual(ok);
  });

  it("property: whatever it accepts is one exact https (or loopback http) origin a browser sends, no wildcard, no comma", () => {
    const candidate = fc.oneof(
      fc.webUrl({ withFragments: true, withQueryParameters: true }),
      fc.webUrl().map((u) => new URL(u).origin),
      fc.constantFrom("http://localhost", "http://127.0.0.1", "http://[::1]", "https://"),
      fc
        .tuple(
          fc.constantFrom("https://", "http://", "HTTPS://", "ws://", ""),
          fc.domain(),
          fc.option(fc.integer({ min: 0, max: 70000 }), { nil: undefined }),
          fc.constantFrom("", "/", "/auth", ",https://x.example", "*", "?q", "#f", "."),
        )
        .map(
          ([scheme, host, port, tail]) =>
            `${scheme}${host}${port === undefined ? "" : `:${port}`}${tail}`,
        ),
      fc.string(),
    );
    fc.assert(
      fc.property(candidate, (origin) => {
        let accepted: boolean;
        try {
          checkAllowedOrigins([origin]);
          accepted = true;
        } catch (error) {
          expect(String(error)).toMatch(/tokenHandler\.allowedOrigins/);
          accepted = false;
        }
        if (!accepted) return;
        const url = new URL(origin);
        expect(url.origin).toBe(origin);
        expect(origin).not.toMatch(/[*,]/);
        expect(
          url.protocol === "https:" ||
            (url.protocol === "http:" &&
              ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname)),
        ).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("the prebuilt token handler accepts the construct's environment", () => {
  // Start-up only: it refuses unknown PASSCODE_ names and bad values when it
  // is loaded, and reads the secret on the first request.
  const load = (env: Record<string, string>) =>
    execFileSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(join(prebuiltTokenHandlerDir(), "index.mjs"))}); console.log("loaded");`,
      ],
      {
        env: { PATH: process.env.PATH, AWS_REGION: "eu-west-1", ...env },
        encoding: "utf8",
        stdio: "pipe",
      },
    );
  const env = {
    [TOKEN_HANDLER_ENVIRONMENT_KEYS.clientId]: "3n4b5urk1ft4fl3mg5e62d9ado",
    [TOKEN_HANDLER_ENVIRONMENT_KEYS.allowedOrigins]:
      "https://app.example.com,http://localhost:5173",
    [TOKEN_HANDLER_ENVIRONMENT_KEYS.cookieSecretArn]:
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CookieSecret-AbCdEf",
    [TOKEN_HANDLER_ENVIRONMENT_KEYS.refreshTokenValidityDays]: "30",
  };

  it("loads with exactly the variables the construct sets", () => {
    expect(load(env)).toContain("loaded");
  });

  it("loads with the shortest refresh-token validity the construct can set (60 minutes)", () => {
    const stack = new Stack(new App(), "S");
    const auth = new PasscodeAuth(stack, "Auth", {
      ...baseProps,
      tokenHandler: {
        allowedOrigins: ["https://app.example.com"],
        client: { refreshTokenValidity: Duration.minutes(60) },
      },
    });
    const { variables } = stack.resolve(
      (auth.tokenHandlerFunction!.node.defaultChild as CfnFunction).environment,
    ) as { variables: Record<string, string> };
    const days = variables[TOKEN_HANDLER_ENVIRONMENT_KEYS.refreshTokenValidityDays]!;
    expect(days).toBe("0.041667");
    expect(
      load({ ...env, [TOKEN_HANDLER_ENVIRONMENT_KEYS.refreshTokenValidityDays]: days }),
    ).toContain("loaded");
    // The control: a hair under an hour is refused when the handler loads.
    expect(() =>
      load({ ...env, [TOKEN_HANDLER_ENVIRONMENT_KEYS.refreshTokenValidityDays]: "0.041666" }),
    ).toThrow();
  });

  it("refuses to load with an unknown PASSCODE_ variable (the control: loading checks names)", () => {
    expect(() => load({ ...env, PASSCODE_ALLOWED_ORIGIN: "https://app.example.com" })).toThrow(
      /PASSCODE_ALLOWED_ORIGIN/,
    );
  });
});

describe("tokenHandler.reservedConcurrency", { timeout: 180_000 }, () => {
  const build = (reservedConcurrency?: number) => {
    const stack = new Stack(new App(), "S", {
      env: { account: "123456789012", region: "eu-west-1" },
    });
    new PasscodeAuth(stack, "Auth", {
      ...baseProps,
      tokenHandler: {
        allowedOrigins: ["https://app.example.com"],
        ...(reservedConcurrency !== undefined && { reservedConcurrency }),
      },
    });
    return stack;
  };
  /** ReservedConcurrentExecutions of each function, by logical id ("-" when unset). */
  const reserved = (stack: Stack) =>
    Object.fromEntries(
      Object.entries(
        Template.fromStack(stack).findResources("AWS::Lambda::Function") as Record<
          string,
          { Properties: Record<string, unknown> }
        >,
      ).map(([id, r]) => [
        id.replace(/[0-9A-F]{8}$/, ""),
        r.Properties.ReservedConcurrentExecutions ?? "-",
      ]),
    );

  it("is unset by default: the handler shares the account's unreserved concurrency", () => {
    const found = reserved(build());
    expect(found.AuthTokenHandler).toBe("-");
  });

  it("reserves it on the token handler's function alone, not on the triggers", () => {
    const found = reserved(build(25));
    expect(found.AuthTokenHandler).toBe(25);
    const others = Object.entries(found).filter(([id]) => id !== "AuthTokenHandler");
    expect(others.length).toBeGreaterThan(0);
    for (const [id, value] of others) expect(value, id).toBe("-");
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "10" as unknown as number])(
    "refuses %s at synth",
    (value) => {
      expect(() => build(value)).toThrow(
        /tokenHandler\.reservedConcurrency must be a positive integer/,
      );
    },
  );
});
