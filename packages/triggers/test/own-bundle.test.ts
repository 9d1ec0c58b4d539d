import { execSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ENVIRONMENT_KEYS } from "@cognito-passcode/triggers/environment";
import {
  cognitoUser,
  createAuthChallengeEvent,
  defineAuthChallengeEvent,
} from "@cognito-passcode/triggers/testing";
import server from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleImports, lambdaRuntimeProvides, moduleGraph } from "./support/bundle-imports.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import {
  type LambdaProcess,
  type SecretsManagerStandIn,
  startLambda,
  startSecretsManager,
} from "./support/lambda-process.js";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const guide = readFileSync(join(root, "docs/guides/getting-started.md"), "utf8");

/** The fenced blocks of `lang` in the guide, in order. */
const blocks = (lang: string) =>
  [...guide.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);
/** The guide's `handler.ts` and its esbuild command, exactly as a user copies them. */
const handlerSource = blocks("ts").find((b) => b.includes("createEnvironmentHandlers"));
const esbuildCommand = blocks("sh")
  .flatMap((b) => b.split("\n"))
  .find((line) => line.startsWith("npx esbuild "));

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";
const SECRET = "b6Yq1x2ZkT9s0Vw3Lr8Pm4Nc7Hd5Jf2Ga1Qe6Ku0Ti9Sb3Xo";
/**
 * What a cold start may read: measured 114,261 B (index.mjs 86,821 B and the two chunks it imports,
 * esbuild 0.25, Node 20; 30.7 KB gzipped), 15 % headroom. Inlined, the WebAuthn verifier alone is
 * 952,015 B: the limit fails at once if it comes back into the static closure.
 */
const COLD_START_LIMIT = 128 * 1024;
/** A message only @simplewebauthn/server's verifyAuthenticationResponse holds. */
const VERIFIER_MARKER = "Unexpected authentication response origin";

describe("getting started: your own bundle, built with the guide's exact esbuild command", () => {
  let project: string;
  let bundle: string;
  let table: DynaliteTable;
  let ses: Awaited<ReturnType<typeof server>>;
  let sm: SecretsManagerStandIn;
  const started: LambdaProcess[] = [];

  beforeAll(async () => {
    // Prepare: a project laid out as `npm install` leaves it (the packages linked from this repository).
    if (!existsSync(join(root, "packages/triggers/dist/environment.js"))) {
      throw new Error("packages/triggers/dist is missing: run `pnpm run build` first");
    }
    project = mkdtempSync(join(tmpdir(), "passcode-own-bundle-"));
    mkdirSync(join(project, "node_modules/@cognito-passcode"), { recursive: true });
    mkdirSync(join(project, "node_modules/.bin"));
    symlinkSync(
      join(root, "packages/triggers"),
      join(project, "node_modules/@cognito-passcode/triggers"),
    );
    const esbuildPackage = resolve(root, "node_modules/esbuild");
    symlinkSync(esbuildPackage, join(project, "node_modules/esbuild"));
    symlinkSync(join(esbuildPackage, "bin/esbuild"), join(project, "node_modules/.bin/esbuild"));
    // The AWS SDK clients the guide installs (on Lambda, the runtime's own).
    symlinkSync(
      join(root, "packages/triggers/node_modules/@aws-sdk"),
      join(project, "node_modules/@aws-sdk"),
    );
    writeFileSync(join(project, "package.json"), '{ "name": "my-app", "private": true }\n');
    writeFileSync(join(project, "handler.ts"), handlerSource ?? "");
    // Act: the command, as the guide prints it, in a shell; npm may not fetch anything.
    execSync(esbuildCommand ?? "false", {
      cwd: project,
      stdio: "pipe",
      env: { ...process.env, npm_config_offline: "true", npm_config_update_notifier: "false" },
    });
    bundle = join(project, "dist/index.mjs");
    // A copy of dist/ without the chunks only import() reaches (the verifier among them).
    cpSync(join(project, "dist"), join(project, "code-only"), { recursive: true });
    for (const file of moduleGraph(bundle).lazy) rmSync(join(project, "code-only", file));

    table = await startDynaliteTable();
    ses = await server({ host: "127.0.0.1", port: 0 });
    sm = await startSecretsManager({ [SECRET_ARN]: SECRET });
  });
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    await table?.stop();
    await sm?.stop();
    if (ses) await new Promise<void>((done) => ses.close(() => done()));
    if (project) rmSync(project, { recursive: true, force: true });
  });

  const lambda = async (handlerName: string, entry = bundle) => {
    const p = await startLambda(entry, {
      PASSCODE_TABLE_NAME: table.tableName,
      PASSCODE_EMAIL_FROM: "no-reply@example.com",
      PASSCODE_APP_NAME: "Acme",
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${(ses.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      _HANDLER: `index.${handlerName}`,
    });
    started.push(p);
    return p;
  };

  it("names only the variables the prebuilt handler reads", () => {
    const known = new Set<string>(Object.values(ENVIRONMENT_KEYS));
    const named = new Set(guide.match(/\bPASSCODE_[A-Z_]+\b/g));
    expect(named.size).toBeGreaterThanOrEqual(4);
    for (const name of named) expect(known, name).toContain(name);
  });

  it("finds the handler and the command in the guide", () => {
    expect(handlerSource).toContain('from "@cognito-passcode/triggers/environment"');
    expect(esbuildCommand).toContain("--external:@aws-sdk/*");
    expect(esbuildCommand).toContain("--splitting");
  });

  it("writes small ES modules that import only the AWS SDK and Node.js built-ins", async () => {
    // Assess: the size the guide states for what a cold start reads, and nothing left to resolve
    // but the runtime's modules
    const dir = join(project, "dist");
    const { eager } = moduleGraph(bundle);
    const coldStart = [...eager].reduce((sum, f) => sum + statSync(join(dir, f)).size, 0);
    expect(coldStart).toBeLessThan(COLD_START_LIMIT);
    const imports = await bundleImports(bundle);
    for (const path of imports) expect(lambdaRuntimeProvides(path), path).toBe(true);
    expect(imports).toContain("@aws-sdk/client-dynamodb");
    console.info(`the guide's dist/: a cold start reads ${coldStart} B (${[...eager].join(", ")})`);
  });

  it("puts the WebAuthn verifier in a chunk that index.mjs reaches only through import()", () => {
    // Assess: every file of dist/ is reachable, and the verifier is lazy
    const dir = join(project, "dist");
    const { eager, lazy } = moduleGraph(bundle);
    expect(readdirSync(dir).sort()).toEqual([...eager, ...lazy].sort());
    const holding = (files: Set<string>) =>
      [...files].filter((f) => readFileSync(join(dir, f), "utf8").includes(VERIFIER_MARKER));
    expect(holding(eager)).toEqual([]);
    const verifier = holding(lazy);
    expect(verifier).toHaveLength(1);
    const verifierBytes = statSync(join(dir, verifier[0]!)).size;
    expect(verifierBytes).toBeGreaterThan(COLD_START_LIMIT * 3);
    console.info(`the guide's dist/: the verifier chunk ${verifier[0]} is ${verifierBytes} B`);
  });

  it("serves a code sign-in from a copy of dist/ without the chunks only import() reaches", async () => {
    // Act
    const entry = join(project, "code-only/index.mjs");
    const define = await lambda("defineAuthChallenge", entry);
    const create = await lambda("createAuthChallenge", entry);
    const bob = cognitoUser("bob@example.com", { emailVerified: true, username: "bob" });
    const defined = await define.invoke("defineAuthChallenge", defineAuthChallengeEvent(bob));
    const created = await create.invoke("createAuthChallenge", createAuthChallengeEvent(bob));

    // Assess
    expect(define.init).toMatchObject({ init: "ok" });
    expect(defined).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    expect(created).toMatchObject({
      ok: { response: { publicChallengeParameters: { step: "CODE" } } },
    });
    expect([...define.logs(), ...create.logs()].join("\n")).not.toMatch(/ERR_MODULE_NOT_FOUND/);
  });

  it("loads as Lambda loads it and serves the triggers, with the guide's email", async () => {
    // Act
    const define = await lambda("defineAuthChallenge");
    const create = await lambda("createAuthChallenge");
    const ada = cognitoUser("ada@example.com", { emailVerified: true, username: "ada" });
    const defined = await define.invoke("defineAuthChallenge", defineAuthChallengeEvent(ada));
    const created = await create.invoke("createAuthChallenge", createAuthChallengeEvent(ada));
    const store = (await (
      await fetch(`http://127.0.0.1:${(ses.address() as AddressInfo).port}/store`)
    ).json()) as { emails: { subject: string; destination: { to: string[] } }[] };

    // Assess
    expect(define.init).toMatchObject({ init: "ok" });
    expect((define.init as { exports: string[] }).exports).toEqual(
      expect.arrayContaining([
        "handler",
        "defineAuthChallenge",
        "createAuthChallenge",
        "verifyAuthChallengeResponse",
        "preSignUp",
      ]),
    );
    expect(defined).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    expect(created).toMatchObject({
      ok: { response: { publicChallengeParameters: { step: "CODE" } } },
    });
    const mail = store.emails.find((e) => e.destination.to.includes("ada@example.com"));
    expect(mail?.subject).toMatch(/^Your Acme code: \d{6}$/);
  });
});
