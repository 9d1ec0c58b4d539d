// Cold start of the prebuilt handler (lambda/index.mjs) as Lambda loads it:
// a fresh Node.js process imports the bundle with the environment the CDK
// construct sets, plus every AWS SDK module the bundle imports at init (the
// Create and Verify functions start reading the code secret during init, so
// they load @aws-sdk/client-secrets-manager; Define and PreSignUp load none).
// Side by side: the Create Auth Challenge handler of the AWS passwordless
// sample (npm amazon-cognito-passwordless-auth, a devDependency), bundled the
// same way (esbuild: ES module, minified, node22, @aws-sdk/* external) and
// loaded the same way; its static imports load its SDK clients at init.
// Median of fresh processes. Run after the build (`pnpm bench` builds first).
//
//   node bench/prebuilt-init.mjs [--node /path/to/node] [--runs 15]
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const lambdaDir = join(here, "..", "lambda");
const bundle = join(lambdaDir, "index.mjs");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const node = arg("--node", process.execPath);
const runs = Number(arg("--runs", "15"));

const env = {
  PATH: process.env.PATH ?? "",
  AWS_REGION: "eu-west-1",
  AWS_ACCESS_KEY_ID: "AKIDLOCAL",
  AWS_SECRET_ACCESS_KEY: "local",
  // Nothing listens there: the secret read started at init fails fast, after
  // its SDK module has loaded, which is what is measured.
  AWS_ENDPOINT_URL_SECRETS_MANAGER: "http://127.0.0.1:9",
  PASSCODE_TABLE_NAME: "passcode",
  PASSCODE_EMAIL_FROM: "no-reply@example.com",
  PASSCODE_APP_NAME: "Bench",
};

// What each function imports at init, besides the bundle (and, last, what
// Create adds on its first call).
const cases = [
  ["Define / PreSignUp", "index.defineAuthChallenge", {}, []],
  [
    "Create / Verify",
    "index.createAuthChallenge",
    {
      PASSCODE_CODE_SECRET_ARN:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf",
    },
    ["@aws-sdk/client-secrets-manager"],
  ],
  // Not init: Create loads DynamoDB and SES on its first call. Shown so the
  // whole cost of a cold Create is visible too.
  [
    "Create, + its first call's SDK",
    "index.createAuthChallenge",
    {
      PASSCODE_CODE_SECRET_ARN:
        "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf",
    },
    ["@aws-sdk/client-secrets-manager", "@aws-sdk/client-dynamodb", "@aws-sdk/client-ses"],
  ],
];

// The sample, bundled beside its own dependencies so its external SDK
// imports resolve to the versions it was installed with.
const sample = realpathSync(join(here, "..", "node_modules", "amazon-cognito-passwordless-auth"));
const sampleOut = join(dirname(sample), ".bench-cognito-passcode");
mkdirSync(sampleOut, { recursive: true });
const sampleBundle = join(sampleOut, "create-auth-challenge.mjs");
await build({
  entryPoints: [join(sample, "dist/cdk/custom-auth/create-auth-challenge.js")],
  outfile: sampleBundle,
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node22",
  minify: true,
  external: ["@aws-sdk/*"],
  logLevel: "silent",
});
const sampleEnv = {
  MAGIC_LINK_ENABLED: "TRUE",
  SES_FROM_ADDRESS: "no-reply@example.com",
  KMS_KEY_ID: "alias/bench",
  DYNAMODB_SECRETS_TABLE: "secrets",
  STACK_ID: "bench",
  ALLOWED_ORIGINS: "https://example.com",
};

const probe = (file, sdkModules) => `
const t0 = performance.now();
await import(${JSON.stringify(file)});
${sdkModules.map((m) => `await import(${JSON.stringify(m)});`).join("\n")}
process.stdout.write(String(performance.now() - t0));
process.exit(0);
`;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const source = readFileSync(bundle);
const sampleSource = readFileSync(sampleBundle);
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
const kb = (buffer) =>
  `${(buffer.length / 1024).toFixed(1)} KB minified, ${(gzipSync(buffer).length / 1024).toFixed(1)} KB gzip`;
console.log(`prebuilt handler lambda/index.mjs: ${kb(source)}`);
console.log(`AWS passwordless sample's Create, bundled the same way: ${kb(sampleSource)}`);
console.log(`Node.js ${version}, ${runs} fresh processes each\n`);
console.log(
  "| function                                        | init median (ms) | min (ms) | SDK modules at init |",
);
console.log(
  "| ----------------------------------------------- | ---------------: | -------: | ------------------- |",
);
const rows = [
  ...cases.map(([name, handler, extra, sdkModules]) => [
    `cognito-passcode ${name}`,
    bundle,
    lambdaDir,
    { ...env, ...extra, _HANDLER: handler },
    sdkModules,
    sdkModules.join(", ") || "none",
  ]),
  [
    "AWS sample Create",
    sampleBundle,
    sampleOut,
    { ...env, ...sampleEnv },
    [],
    "its static imports (dynamodb, lib-dynamodb, ses, kms, sns)",
  ],
];
for (const [name, file, cwd, runEnv, sdkModules, shown] of rows) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(node, ["--input-type=module", "-e", probe(file, sdkModules)], {
      cwd,
      env: runEnv,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    times.push(Number(out));
  }
  console.log(
    `| ${name.padEnd(47)} | ${median(times).toFixed(1).padStart(16)} | ${Math.min(...times)
      .toFixed(1)
      .padStart(8)} | ${shown} |`,
  );
}
rmSync(sampleOut, { recursive: true, force: true });
