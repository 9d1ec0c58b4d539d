// Cold start of the prebuilt handler (lambda/index.mjs) as Lambda loads it:
// a fresh Node.js process imports the bundle with the environment the CDK
// construct sets, plus every AWS SDK module the bundle imports at init (the
// Create and Verify functions start reading the code secret during init, so
// they load @aws-sdk/client-secrets-manager; Define and PreSignUp load none).
// Median of fresh processes. Run after the build (`pnpm bench` builds first).
//
//   node bench/prebuilt-init.mjs [--node /path/to/node] [--runs 15]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

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

// What each function imports at init, besides the bundle.
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
];

const probe = (sdkModules) => `
const t0 = performance.now();
await import(${JSON.stringify(bundle)});
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
const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
console.log(
  `prebuilt handler lambda/index.mjs: ${(source.length / 1024).toFixed(1)} KB minified, ${(gzipSync(source).length / 1024).toFixed(1)} KB gzip; Node.js ${version}, ${runs} fresh processes each\n`,
);
console.log("| function           | init median (ms) | min (ms) | SDK modules at init |");
console.log("| ------------------ | ---------------: | -------: | ------------------- |");
for (const [name, handler, extra, sdkModules] of cases) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(node, ["--input-type=module", "-e", probe(sdkModules)], {
      cwd: lambdaDir,
      env: { ...env, ...extra, _HANDLER: handler },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    times.push(Number(out));
  }
  console.log(
    `| ${name.padEnd(18)} | ${median(times).toFixed(1).padStart(16)} | ${Math.min(...times)
      .toFixed(1)
      .padStart(8)} | ${sdkModules.join(", ") || "none"} |`,
  );
}
