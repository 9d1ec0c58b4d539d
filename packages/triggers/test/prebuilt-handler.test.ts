import type { AddressInfo } from "node:net";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { dynamoDbStore } from "@cognito-passcode/triggers";
import {
  createEnvironmentHandlers,
  ENVIRONMENT_KEYS,
  readTriggerEnvironment,
} from "@cognito-passcode/triggers/environment";
import { readCodeSecret } from "@cognito-passcode/triggers/secrets-manager";
import server from "aws-ses-v2-local";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleImports, lambdaRuntimeProvides } from "./support/bundle-imports.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import {
  createEvent,
  defineEvent,
  knownUser,
  preSignUpEvent,
  verifyEvent,
} from "./support/events.js";
import {
  type LambdaProcess,
  PREBUILT,
  type SecretsManagerStandIn,
  secretsManagerClient,
  startLambda,
  startSecretsManager,
} from "./support/lambda-process.js";

const REQUIRED = {
  PASSCODE_TABLE_NAME: "cognito-passcode",
  PASSCODE_EMAIL_FROM: "no-reply@example.com",
  PASSCODE_APP_NAME: "Acme",
};
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";
const SECRET = "b6Yq1x2ZkT9s0Vw3Lr8Pm4Nc7Hd5Jf2Ga1Qe6Ku0Ti9Sb3Xo";

type Line = { level: string; message: string } & Record<string, unknown>;
function capture() {
  const lines: Line[] = [];
  const at = (level: string) => (message: string, fields?: object) =>
    lines.push({ level, message, ...fields });
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

describe("readTriggerEnvironment", () => {
  it("reads the three required variables and fills the defaults", () => {
    expect(readTriggerEnvironment(REQUIRED)).toEqual({
      tableName: "cognito-passcode",
      emailFrom: "no-reply@example.com",
      appName: "Acme",
      codeLength: 6,
      codeTtlSeconds: 180,
      maxAttempts: 3,
      usernameAttribute: "custom:username",
      throttle: {},
    });
  });

  it.each(Object.keys(REQUIRED))("fails closed without %s (or with it blank)", (key) => {
    expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: undefined })).toThrow(
      `Missing environment variable ${key}`,
    );
    expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: "  " })).toThrow(key);
  });

  it.each([
    [ENVIRONMENT_KEYS.codeSecretArn, "my-secret"],
    [ENVIRONMENT_KEYS.codeSecretArn, "arn:aws:s3:::bucket"],
    [ENVIRONMENT_KEYS.usernameAttribute, "preferred_username"],
    [ENVIRONMENT_KEYS.usernameAttribute, "custom:"],
    [ENVIRONMENT_KEYS.allowedEmailDomains, "example.com,,other.com"],
    [ENVIRONMENT_KEYS.throttleMaxPerDay, "ten"],
  ])("refuses %s=%s, naming the variable", (key, value) => {
    expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: value })).toThrow(key);
  });

  it("refuses every whole-number variable that is not plain digits", () => {
    const keys = [
      ENVIRONMENT_KEYS.codeLength,
      ENVIRONMENT_KEYS.codeTtlSeconds,
      ENVIRONMENT_KEYS.maxAttempts,
      ENVIRONMENT_KEYS.usernameMaxAttempts,
      ENVIRONMENT_KEYS.throttleMinIntervalSeconds,
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...keys),
        fc.string({ minLength: 1 }).filter((s) => s.trim() !== "" && !/^\d{1,6}$/.test(s.trim())),
        (key, value) => {
          expect(() => readTriggerEnvironment({ ...REQUIRED, [key]: value })).toThrow(key);
        },
      ),
    );
  });

  it("reads the optional settings", () => {
    const config = readTriggerEnvironment({
      ...REQUIRED,
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
      PASSCODE_CODE_LENGTH: "8",
      PASSCODE_USERNAME_ATTRIBUTE: "off",
      PASSCODE_ALLOWED_EMAIL_DOMAINS: "Example.com, corp.example",
      PASSCODE_EMAIL_REPLY_TO: "help@example.com",
      PASSCODE_THROTTLE_MAX_PER_DAY: "20",
      PASSCODE_USERNAME_MIN_LENGTH: "4",
    });
    expect(config).toMatchObject({
      codeSecretArn: SECRET_ARN,
      codeLength: 8,
      usernameAttribute: false,
      allowedEmailDomains: ["example.com", "corp.example"],
      emailReplyTo: ["help@example.com"],
      throttle: { maxPerDay: 20 },
      usernameMinLength: 4,
    });
  });
});

describe("createEnvironmentHandlers", () => {
  it("fails at start-up on a value out of the library's range", () => {
    for (const env of [
      { ...REQUIRED, PASSCODE_CODE_LENGTH: "5" },
      { ...REQUIRED, PASSCODE_THROTTLE_WINDOW_SECONDS: "10" },
      { ...REQUIRED, PASSCODE_EMAIL_FROM: "not an address" },
      { ...REQUIRED, PASSCODE_ALLOWED_EMAIL_DOMAINS: "not a domain!" },
    ]) {
      expect(() => createEnvironmentHandlers({ env, logger: capture().logger })).toThrow(
        expect.objectContaining({ code: "CONFIGURATION_ERROR" }),
      );
    }
  });

  it.each([
    ["index.createAuthChallenge", 1],
    ["index.verifyAuthChallengeResponse", 1],
    ["index.handler", 1],
    [undefined, 1],
    ["index.defineAuthChallenge", 0],
    ["index.preSignUp", 0],
  ])("with _HANDLER=%s and no secret, logs %i start-up warning", (served, warnings) => {
    const { lines, logger } = capture();
    createEnvironmentHandlers({ env: { ...REQUIRED, _HANDLER: served }, logger });
    expect(lines.filter((l) => l.level === "warn")).toHaveLength(warnings);
    if (warnings) {
      expect(lines[0]).toMatchObject({
        message: "codeSecret is not configured",
        variable: "PASSCODE_CODE_SECRET_ARN",
      });
    }
  });

  it("fails Create and Verify closed without a secret, while Define and PreSignUp work", async () => {
    const { logger } = capture();
    const h = createEnvironmentHandlers({ env: REQUIRED, logger });
    const user = knownUser();
    await expect(h.createAuthChallenge(createEvent(user, []))).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
    });
    await expect(
      h.verifyAuthChallengeResponse(verifyEvent(user, {}, "123456")),
    ).rejects.toMatchObject({ code: "CONFIGURATION_ERROR" });
    const defined = await h.defineAuthChallenge(defineEvent(user, []));
    expect(defined.response).toMatchObject({ challengeName: "CUSTOM_CHALLENGE" });
    const signUp = await h.preSignUp(preSignUpEvent("alice@example.com"));
    expect(signUp.response).toMatchObject({ autoConfirmUser: true, autoVerifyEmail: false });
  });
});

describe("readCodeSecret (a real SecretsManagerClient)", () => {
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    sm = await startSecretsManager({
      [SECRET_ARN]: SECRET,
      "short-one": "short",
      x32: "x".repeat(31),
    });
    client = secretsManagerClient(sm);
  });
  afterAll(async () => {
    client.destroy();
    await sm.stop();
  });

  it("returns the secret string of the ARN it was given, with a signed request", async () => {
    await expect(readCodeSecret(SECRET_ARN, { client })).resolves.toBe(SECRET);
    expect(sm.requests.at(-1)).toEqual({ secretId: SECRET_ARN, signed: true });
  });

  it.each(["short-one", "x32"])(
    "fails closed on a secret under 32 characters (%s), without echoing it",
    async (id) => {
      const error = await readCodeSecret(id, { client }).catch((e: Error) => e);
      expect(String(error)).toMatch(/at least 32 characters/);
      expect(String(error)).not.toContain("short");
      expect(String(error)).not.toContain("xxxx");
    },
  );

  it("passes on the service's error for an unknown secret", async () => {
    await expect(readCodeSecret("nope", { client })).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
  });

  it("refuses an empty secret id before asking", async () => {
    const before = sm.requests.length;
    await expect(readCodeSecret(" ", { client })).rejects.toThrow(/ARN or name/);
    expect(sm.requests.length).toBe(before);
  });
});

describe("the prebuilt bundle (lambda/index.mjs, loaded as Lambda loads it)", () => {
  let table: DynaliteTable;
  let ses: Awaited<ReturnType<typeof server>>;
  let sesEndpoint: string;
  let sm: SecretsManagerStandIn;
  const started: LambdaProcess[] = [];
  const lambda = async (env: Record<string, string>) => {
    const p = await startLambda(PREBUILT.triggers, {
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SES: sesEndpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      ...env,
    });
    started.push(p);
    return p;
  };

  beforeAll(async () => {
    table = await startDynaliteTable();
    ses = await server({ host: "127.0.0.1", port: 0 });
    sesEndpoint = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
    sm = await startSecretsManager({ [SECRET_ARN]: SECRET });
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await table?.stop();
    await sm?.stop();
    await new Promise<void>((resolve) => ses.close(() => resolve()));
  });

  it("imports only Node.js built-ins and the AWS SDK, which the Lambda runtime provides", async () => {
    for (const file of [PREBUILT.triggers, PREBUILT.sweep]) {
      const imports = await bundleImports(file);
      expect(imports).toContain("@aws-sdk/client-dynamodb");
      for (const path of imports) {
        expect(lambdaRuntimeProvides(path), `${file} imports ${path}`).toBe(true);
      }
    }
  });

  it("exports the dispatcher and one handler per trigger, and no PostAuthentication", async () => {
    const p = await lambda({ ...REQUIRED, _HANDLER: "index.defineAuthChallenge" });
    expect(p.init).toEqual({
      init: "ok",
      exports: [
        "createAuthChallenge",
        "defineAuthChallenge",
        "handler",
        "preSignUp",
        "preTokenGeneration",
        "verifyAuthChallenge",
        "verifyAuthChallengeResponse",
      ],
    });
    expect(p.logs()).toEqual([]);
  });

  it("fails to initialise without PASSCODE_TABLE_NAME, naming it", async () => {
    const { PASSCODE_TABLE_NAME: _, ...rest } = REQUIRED;
    const p = await lambda(rest);
    expect(p.init).toMatchObject({
      init: "failed",
      error: { message: "Missing environment variable PASSCODE_TABLE_NAME" },
    });
  });

  it("warns at start-up without a code secret, and Create then fails closed", async () => {
    const p = await lambda({ ...REQUIRED, _HANDLER: "index.createAuthChallenge" });
    expect(p.init).toMatchObject({ init: "ok" });
    expect(p.logs().map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: "warn", message: "codeSecret is not configured" }),
    ]);
    const result = await p.invoke("createAuthChallenge", createEvent(knownUser(), []));
    expect(result).toMatchObject({ error: { code: "CONFIGURATION_ERROR" } });
  });

  it("signs a user in: the code is emailed through SES, a wrong answer fails, the right one passes", async () => {
    const env = { ...REQUIRED, PASSCODE_CODE_SECRET_ARN: SECRET_ARN };
    const create = await lambda({ ...env, _HANDLER: "index.createAuthChallenge" });
    const verify = await lambda({ ...env, _HANDLER: "index.verifyAuthChallengeResponse" });
    const define = await lambda({ ...REQUIRED, _HANDLER: "index.defineAuthChallenge" });
    const user = knownUser("prebuilt@example.com", { email_verified: "true" });

    const first = await define.invoke("defineAuthChallenge", defineEvent(user, []));
    expect(first).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    const created = await create.invoke("createAuthChallenge", createEvent(user, []));
    if (!("ok" in created)) throw new Error(JSON.stringify(created));
    const store = (await (await fetch(`${sesEndpoint}/store`)).json()) as {
      emails: { from: string; destination: { to: string[] }; body: { text?: string } }[];
    };
    const mail = store.emails.filter((e) => e.destination.to.includes("prebuilt@example.com"));
    expect(mail).toHaveLength(1);
    expect(mail[0]!.from).toBe("no-reply@example.com");
    const code = /\b(\d{6})\b/.exec(mail[0]!.body.text ?? "")![1]!;
    const parameters = created.ok.response.privateChallengeParameters as Record<string, string>;
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");

    const no = await verify.invoke(
      "verifyAuthChallengeResponse",
      verifyEvent(user, parameters, wrong),
    );
    expect(no).toMatchObject({ ok: { response: { answerCorrect: false } } });
    const yes = await verify.invoke(
      "verifyAuthChallengeResponse",
      verifyEvent(user, parameters, code),
    );
    expect(yes).toMatchObject({ ok: { response: { answerCorrect: true } } });
    // Each function read the secret once, at start-up, signed; Define never did.
    expect(sm.requests).toEqual([
      { secretId: SECRET_ARN, signed: true },
      { secretId: SECRET_ARN, signed: true },
    ]);
    // The throttle and the attempt counter are in the table.
    expect((await table.scan()).length).toBeGreaterThan(0);
    for (const line of [...create.logs(), ...verify.logs()]) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(SECRET);
    }
  });

  it("the sweep bundle fails to initialise without PASSCODE_USER_POOL_ID", async () => {
    const p = await startLambda(PREBUILT.sweep, { PASSCODE_TABLE_NAME: "cognito-passcode" });
    started.push(p);
    expect(p.init).toMatchObject({
      init: "failed",
      error: { message: "Missing environment variable PASSCODE_USER_POOL_ID" },
    });
  });

  it("the sweep bundle scans the registry, and fails (keeping the claim) when Cognito cannot be asked", async () => {
    const sweep = () =>
      startLambda(PREBUILT.sweep, {
        PASSCODE_TABLE_NAME: table.tableName,
        PASSCODE_USER_POOL_ID: "eu-west-1_Ab12Cd34E",
        AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
        // Nothing listens there: every ListUsers fails.
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: "http://127.0.0.1:9",
        AWS_MAX_ATTEMPTS: "1",
      });
    const empty = await sweep();
    started.push(empty);
    expect(await empty.invoke("handler", {})).toEqual({
      ok: {
        scanned: 0,
        recent: 0,
        orphaned: 0,
        extra: 0,
        released: 0,
        failed: 0,
        passkeys: { scanned: 0, recent: 0, orphaned: 0, removed: 0, failed: 0 },
      },
    });
    const registry = dynamoDbStore({ tableName: table.tableName, client: table.client });
    await registry.claim("alice", "0b7c1e2f-4a3d-4e5f-8a9b-000000000999");
    // Made two days ago: the sweep skips claims younger than its minimum age.
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: "username#alice" } },
        UpdateExpression: "SET createdAt = :old",
        ExpressionAttributeValues: { ":old": { N: String(Date.now() - 2 * 86_400_000) } },
      }),
    );
    const one = await sweep();
    started.push(one);
    expect(await one.invoke("handler", {})).toEqual({
      error: expect.objectContaining({ message: "1 claims could not be checked" }),
    });
    await expect(registry.ownerOf("alice")).resolves.toBe("0b7c1e2f-4a3d-4e5f-8a9b-000000000999");
  });
});
