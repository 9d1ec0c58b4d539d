import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { CLIENT_METADATA } from "@cognito-passcode/shared";
import { dynamoDbStore, passkeyChallengeKey } from "@cognito-passcode/triggers";
import {
  createEnvironmentHandlers,
  ENVIRONMENT_KEYS,
  readTriggerEnvironment,
} from "@cognito-passcode/triggers/environment";
import server from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moduleGraph } from "./support/bundle-imports.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { createEvent, defineEvent, knownUser, verifyEvent } from "./support/events.js";
import {
  type LambdaProcess,
  PREBUILT,
  type SecretsManagerStandIn,
  startLambda,
  startSecretsManager,
} from "./support/lambda-process.js";

const REQUIRED = {
  PASSCODE_TABLE_NAME: "cognito-passcode",
  PASSCODE_EMAIL_FROM: "no-reply@example.com",
  PASSCODE_APP_NAME: "Acme",
};
const PASSKEYS = {
  PASSCODE_PASSKEY_RP_ID: "localhost",
  PASSCODE_PASSKEY_ORIGINS: "http://localhost:5173,https://app.localhost",
};
const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";
const SECRET = "b6Yq1x2ZkT9s0Vw3Lr8Pm4Nc7Hd5Jf2Ga1Qe6Ku0Ti9Sb3Xo";
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function capture() {
  const lines: ({ level: string; message: string } & Record<string, unknown>)[] = [];
  const at = (level: string) => (message: string, fields?: object) =>
    lines.push({ level, message, ...fields });
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

/** A V1_0 Pre Token Generation event for `sub`, with the passkey challenge as ClientMetadata when given. */
function tokenEvent(
  sub: string,
  challenge?: string,
  triggerSource = "TokenGeneration_Authentication",
) {
  return {
    version: "1",
    region: "eu-west-1",
    userPoolId: "eu-west-1_Ab12Cd34E",
    triggerSource,
    userName: sub,
    callerContext: {
      awsSdkVersion: "aws-sdk-unknown-unknown",
      clientId: "3n4b5urk1ft4fl3mg5e62d9ado",
    },
    request: {
      userAttributes: { sub, email: "alice@example.com" },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      ...(challenge ? { clientMetadata: { [CLIENT_METADATA.passkeyChallenge]: challenge } } : {}),
    },
    response: { claimsOverrideDetails: null },
  };
}

/** Adds ClientMetadata to a trigger event, as RespondToAuthChallenge passes it. */
function withMetadata<E extends { request: object }>(
  event: E,
  metadata: Record<string, string>,
): E {
  (event.request as { clientMetadata?: Record<string, string> }).clientMetadata = { ...metadata };
  return event;
}

describe("readTriggerEnvironment: passkeys", () => {
  it("leaves passkeys off without PASSCODE_PASSKEY_RP_ID", () => {
    expect(readTriggerEnvironment(REQUIRED)).not.toHaveProperty("passkeys");
  });

  it("reads the RP id, the origins, the name (default: the app name) and required", () => {
    expect(readTriggerEnvironment({ ...REQUIRED, ...PASSKEYS }).passkeys).toEqual({
      rpId: "localhost",
      rpName: "Acme",
      origins: ["http://localhost:5173", "https://app.localhost"],
      required: false,
    });
    expect(
      readTriggerEnvironment({
        ...REQUIRED,
        ...PASSKEYS,
        PASSCODE_PASSKEY_RP_NAME: "Acme Bank",
        PASSCODE_PASSKEY_REQUIRED: "true",
      }).passkeys,
    ).toMatchObject({ rpName: "Acme Bank", required: true });
  });

  it.each([
    [{ PASSCODE_PASSKEY_ORIGINS: "https://example.com" }, "PASSCODE_PASSKEY_ORIGINS"],
    [{ PASSCODE_PASSKEY_REQUIRED: "true" }, "PASSCODE_PASSKEY_REQUIRED"],
    [{ PASSCODE_PASSKEY_RP_NAME: "Acme" }, "PASSCODE_PASSKEY_RP_NAME"],
    [{ PASSCODE_PASSKEY_RP_ID: "example.com" }, "PASSCODE_PASSKEY_ORIGINS"],
    [{ ...PASSKEYS, PASSCODE_PASSKEY_REQUIRED: "yes" }, "PASSCODE_PASSKEY_REQUIRED"],
    [
      { ...PASSKEYS, PASSCODE_PASSKEY_ORIGINS: "https://a.localhost,," },
      "PASSCODE_PASSKEY_ORIGINS",
    ],
    [{ ...PASSKEYS, PASSCODE_PASSKEY_RP: "localhost" }, "PASSCODE_PASSKEY_RP"],
  ])("fails closed on %o, naming %s", (env, key) => {
    expect(() => readTriggerEnvironment({ ...REQUIRED, ...env })).toThrow(key);
  });

  it("names the passkey variables in ENVIRONMENT_KEYS", () => {
    expect(ENVIRONMENT_KEYS).toMatchObject({
      passkeyRpId: "PASSCODE_PASSKEY_RP_ID",
      passkeyRpName: "PASSCODE_PASSKEY_RP_NAME",
      passkeyOrigins: "PASSCODE_PASSKEY_ORIGINS",
      passkeyRequired: "PASSCODE_PASSKEY_REQUIRED",
    });
  });
});

describe("createEnvironmentHandlers: passkeys", () => {
  it.each([
    { PASSCODE_PASSKEY_RP_ID: "127.0.0.1", PASSCODE_PASSKEY_ORIGINS: "http://127.0.0.1:5173" },
    { PASSCODE_PASSKEY_RP_ID: "example.com", PASSCODE_PASSKEY_ORIGINS: "https://evil.test" },
    { PASSCODE_PASSKEY_RP_ID: "example.com", PASSCODE_PASSKEY_ORIGINS: "http://app.example.com" },
    { PASSCODE_PASSKEY_RP_ID: "example.com", PASSCODE_PASSKEY_ORIGINS: "https://example.com/" },
  ])("fails at start-up on passkey settings the library refuses (%o)", (env) => {
    expect(() =>
      createEnvironmentHandlers({ env: { ...REQUIRED, ...env }, logger: quiet }),
    ).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });

  it("with passkeys off, preTokenGeneration fails closed and says so at start-up when it is the served export", async () => {
    const { lines, logger } = capture();
    const h = createEnvironmentHandlers({
      env: { ...REQUIRED, _HANDLER: "index.preTokenGeneration" },
      logger,
    });
    expect(lines).toEqual([
      expect.objectContaining({ level: "warn", message: "passkeys are not configured" }),
    ]);
    await expect(h.preTokenGeneration(tokenEvent("sub-1") as never)).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
    });
  });

  it("needs no code secret for preTokenGeneration (no start-up warning)", () => {
    const { lines, logger } = capture();
    createEnvironmentHandlers({
      env: { ...REQUIRED, ...PASSKEYS, _HANDLER: "index.preTokenGeneration" },
      logger,
    });
    expect(lines).toEqual([]);
  });
});

const sizeOf = (dir: string, files: Iterable<string>) =>
  [...files].reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);

describe("the prebuilt bundle with passkeys (lambda/, loaded as Lambda loads it)", {
  timeout: 60_000,
}, () => {
  let table: DynaliteTable;
  let ses: Awaited<ReturnType<typeof server>>;
  let sesEndpoint: string;
  let sm: SecretsManagerStandIn;
  let stripped: string;
  const started: LambdaProcess[] = [];
  const lambda = async (bundle: string, env: Record<string, string>) => {
    const p = await startLambda(bundle, {
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
    // A copy of lambda/ without the chunks only `import()` reaches, under the
    // package's node_modules so the copy resolves the AWS SDK as lambda/ does.
    const cache = join(dirname(dirname(PREBUILT.triggers)), "node_modules", ".cache");
    mkdirSync(cache, { recursive: true });
    stripped = mkdtempSync(join(cache, "passcode-lambda-"));
    cpSync(dirname(PREBUILT.triggers), stripped, { recursive: true });
    for (const file of moduleGraph(PREBUILT.triggers).lazy) rmSync(join(stripped, file));
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await table?.stop();
    await sm?.stop();
    await new Promise<void>((resolve) => ses.close(() => resolve()));
    if (stripped) rmSync(stripped, { recursive: true, force: true });
  });

  it("puts @simplewebauthn/server in a chunk of its own that index.mjs loads only with import()", () => {
    const dir = dirname(PREBUILT.triggers);
    const { eager, lazy } = moduleGraph(PREBUILT.triggers);
    expect(lazy.size).toBeGreaterThan(0);
    // Every file of lambda/ is reachable (nothing stale ships).
    const reached = new Set([...eager, ...lazy, ...moduleGraph(PREBUILT.sweep).eager]);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith(".mjs"))
        .sort(),
    ).toEqual([...reached].sort());
    // The verifier: its own error texts are in the lazy chunk, never in what a cold start reads.
    const marker = "Unexpected authentication response origin";
    const eagerText = [...eager].map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    const lazyText = [...lazy].map((f) => readFileSync(join(dir, f), "utf8")).join("\n");
    expect(lazyText.includes(marker)).toBe(true);
    expect(eagerText.includes(marker)).toBe(false);
    // Measured: what a cold start reads stays the size of the code-only handler; the chunk is ~10x it.
    const eagerBytes = sizeOf(dir, eager);
    const lazyBytes = sizeOf(dir, lazy);
    expect(eagerBytes).toBeLessThan(120_000);
    expect(lazyBytes).toBeGreaterThan(200_000);
    console.info(
      `lambda/index.mjs cold start reads ${eagerBytes} B; the lazy chunk(s) ${lazyBytes} B`,
    );
  });

  it("runs a passkey deployment's code sign-in and the claim without the chunk on disk", async () => {
    const env = { ...REQUIRED, ...PASSKEYS, PASSCODE_TABLE_NAME: table.tableName };
    const bundle = join(stripped, "index.mjs");
    const define = await lambda(bundle, { ...env, _HANDLER: "index.defineAuthChallenge" });
    const create = await lambda(bundle, {
      ...env,
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
      _HANDLER: "index.createAuthChallenge",
    });
    const verify = await lambda(bundle, {
      ...env,
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
      _HANDLER: "index.verifyAuthChallengeResponse",
    });
    const token = await lambda(bundle, { ...env, _HANDLER: "index.preTokenGeneration" });
    for (const p of [define, create, verify, token]) expect(p.init).toMatchObject({ init: "ok" });
    const user = knownUser("chunkless@example.com", { email_verified: "true" });

    // First challenge: PASSKEY, for everyone.
    const first = await define.invoke("defineAuthChallenge", defineEvent(user, []));
    expect(first).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    const passkey = await create.invoke("createAuthChallenge", createEvent(user, []));
    expect(passkey).toMatchObject({
      ok: { response: { publicChallengeParameters: { step: "PASSKEY" } } },
    });
    const privateParams = (
      passkey as { ok: { response: { privateChallengeParameters: Record<string, string> } } }
    ).ok.response.privateChallengeParameters;
    // The switch to a code.
    const switchMeta = { [CLIENT_METADATA.method]: "code" };
    const switched = await verify.invoke(
      "verifyAuthChallengeResponse",
      withMetadata(verifyEvent(user, privateParams, "code"), switchMeta),
    );
    expect(switched).toMatchObject({ ok: { response: { answerCorrect: false } } });
    // The session as Cognito keeps it: the challenge's metadata, as Create set it.
    const passkeyMetadata = (passkey as { ok: { response: { challengeMetadata: string } } }).ok
      .response.challengeMetadata;
    const session = [
      {
        challengeName: "CUSTOM_CHALLENGE",
        challengeResult: false,
        challengeMetadata: passkeyMetadata,
      },
    ];
    const next = await define.invoke(
      "defineAuthChallenge",
      withMetadata(defineEvent(user, session as never), switchMeta),
    );
    expect(next).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    const code = await create.invoke(
      "createAuthChallenge",
      withMetadata(createEvent(user, session as never), switchMeta),
    );
    expect(code).toMatchObject({
      ok: { response: { publicChallengeParameters: { step: "CODE" } } },
    });
    const codeParams = (
      code as { ok: { response: { privateChallengeParameters: Record<string, string> } } }
    ).ok.response.privateChallengeParameters;
    const wrong = await verify.invoke(
      "verifyAuthChallengeResponse",
      verifyEvent(user, codeParams, "000000"),
    );
    expect(wrong).toHaveProperty("ok");
    // The claim: otp without a record; pop mfa for a recorded passkey sign-in, once.
    const sub = user.attributes.sub!;
    const otp = await token.invoke("preTokenGeneration", tokenEvent(sub));
    expect(otp).toMatchObject({
      ok: {
        response: { claimsOverrideDetails: { claimsToAddOrOverride: { passcode_amr: "otp" } } },
      },
    });
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client });
    const challenge = "n0tAReal-ChallengeButTheKeyIsAllThatMatters0";
    await store.recordPasskeySignIn(passkeyChallengeKey(challenge), {
      owner: sub,
      amr: "pop mfa",
      expiresAt: Date.now() + 60_000,
    });
    const pop = await token.invoke("preTokenGeneration", tokenEvent(sub, challenge));
    expect(pop).toMatchObject({
      ok: {
        response: { claimsOverrideDetails: { claimsToAddOrOverride: { passcode_amr: "pop mfa" } } },
      },
    });
    const again = await token.invoke("preTokenGeneration", tokenEvent(sub, challenge));
    expect(again).toMatchObject({
      ok: {
        response: { claimsOverrideDetails: { claimsToAddOrOverride: { passcode_amr: "otp" } } },
      },
    });
    const refresh = await token.invoke(
      "preTokenGeneration",
      tokenEvent(sub, challenge, "TokenGeneration_RefreshTokens"),
    );
    expect(refresh).toMatchObject({ ok: { response: { claimsOverrideDetails: null } } });
    // Nothing failed to load: no error logged by any of them.
    for (const p of [define, create, verify, token]) {
      expect(p.logs().join("\n")).not.toMatch(
        /ERR_MODULE_NOT_FOUND|Cannot find module|"level":"error"/,
      );
    }
  });

  it("dispatches TokenGeneration_* from index.handler with passkeys on", async () => {
    const p = await lambda(PREBUILT.triggers, {
      ...REQUIRED,
      ...PASSKEYS,
      PASSCODE_TABLE_NAME: table.tableName,
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
    });
    expect(p.init).toMatchObject({ init: "ok" });
    const result = await p.invoke("handler", tokenEvent("sub-dispatch"));
    expect(result).toMatchObject({
      ok: {
        response: { claimsOverrideDetails: { claimsToAddOrOverride: { passcode_amr: "otp" } } },
      },
    });
  });
});
