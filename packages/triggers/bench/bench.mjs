// Bundle size, cold import and warm invocation time of each trigger handler.
// Plain Node ESM; run after `pnpm --filter @cognito-passcode/triggers run build`
// (the root `pnpm bench` builds first). Usage: node bench/bench.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "..", "dist", "index.js");
const COLD_RUNS = 10;
const WARM_ITERATIONS = 20_000;
const TARGETS = { singleBytes: 8 * 1024, allBytes: 16 * 1024, coldMs: 5, warmUs: 20 };

const options = `{
  email: { from: "no-reply@example.com", appName: "Bench" },
  throttle: false,
  codeSecret: "bench-code-secret-0123456789abcdef",
  deliver: async () => {},
  unknownUserDelayMs: 0,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
}`;

// [name, factory exported by the package, what of its result is the handler]
const entries = [
  ["define", "createDefineAuthChallengeHandler", ""],
  ["create", "createCreateAuthChallengeHandler", ""],
  ["verify", "createVerifyAuthChallengeHandler", ""],
  ["preSignUp", "createPreSignUpHandler", ""],
  ["postAuthentication", "createPostAuthenticationHandler", ""],
  ["all-in-one", "createPasscodeTriggers", ".handler"],
].map(([name, factory, member]) => [
  name,
  `import { ${factory} as f } from ${JSON.stringify(dist)};
export const handler = f(${options})${member};`,
]);

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const base = (triggerSource) => ({
  version: "1",
  region: "us-east-1",
  userPoolId: "us-east-1_bench",
  triggerSource,
  userName: "7d4c6f0e-0000-4000-8000-000000000001",
  callerContext: { awsSdkVersion: "aws-sdk-js-3", clientId: "bench-client" },
});
const attributes = { sub: "7d4c6f0e-0000-4000-8000-000000000001", email: "bench@example.com" };
const createEvent = (session) => ({
  ...base("CreateAuthChallenge_Authentication"),
  request: { userAttributes: attributes, challengeName: "CUSTOM_CHALLENGE", session },
  response: {},
});

async function warm(fn) {
  for (let i = 0; i < 2000; i++) await fn();
  const samples = new Float64Array(WARM_ITERATIONS);
  for (let i = 0; i < WARM_ITERATIONS; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples[i] = Number(process.hrtime.bigint() - start) / 1000;
  }
  return median(samples);
}

/** Warm medians (µs) for define, verify and create through `handler`. */
async function warmFigures(name, handler) {
  // A realistic position: one wrong answer so far, so Define reads a session
  // and Verify checks a digest; Create draws, digests and "sends" a new code.
  const first = await handler(createEvent([]));
  const metadata = first.response.challengeMetadata;
  const session = [
    { challengeName: "CUSTOM_CHALLENGE", challengeResult: false, challengeMetadata: metadata },
  ];
  const figures = {};
  if (name === "define" || name === "all-in-one") {
    figures.define = await warm(() =>
      handler({
        ...base("DefineAuthChallenge_Authentication"),
        request: { userAttributes: attributes, session },
        response: {},
      }),
    );
  }
  if (name === "verify" || name === "all-in-one") {
    figures.verify = await warm(() =>
      handler({
        ...base("VerifyAuthChallengeResponse_Authentication"),
        request: {
          userAttributes: attributes,
          privateChallengeParameters: first.response.privateChallengeParameters,
          challengeAnswer: "123456",
        },
        response: {},
      }),
    );
  }
  if (name === "create" || name === "all-in-one") {
    figures.create = await warm(() => handler(createEvent([])));
  }
  return figures;
}

/**
 * Cold import of a bundle in a fresh `node` process: wall time, and CPU time
 * (user + system) which, unlike wall time, does not grow when other
 * processes compete for the CPU. Medians (and the wall minimum) of COLD_RUNS.
 */
function coldImport(file) {
  // Warm Node's file loader with an empty module first: that start-up cost is
  // paid once per process by the Lambda runtime, not by the handler.
  const empty = join(work, "empty.mjs");
  const script = `await import(${JSON.stringify(pathToFileURL(empty).href)});const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(JSON.stringify([w,(u.user+u.system)/1000]));`;
  const wall = [];
  const cpu = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const [w, c] = JSON.parse(
      execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }),
    );
    wall.push(w);
    cpu.push(c);
  }
  return { median: median(wall), min: Math.min(...wall), cpu: median(cpu) };
}

const work = mkdtempSync(join(tmpdir(), "passcode-bench-"));
writeFileSync(join(work, "empty.mjs"), "export {};\n");
const rows = [];
let failures = 0;
try {
  for (const [name, source] of entries) {
    const result = await build({
      stdin: { contents: source, resolveDir: here, loader: "js", sourcefile: `${name}.mjs` },
      bundle: true,
      minify: true,
      platform: "node",
      format: "esm",
      target: "node22",
      external: ["@aws-sdk/*"],
      write: false,
      logLevel: "error",
    });
    const code = result.outputFiles[0].contents;
    const file = join(work, `${name}.mjs`);
    writeFileSync(file, code);
    const bytes = code.byteLength;
    const cold = coldImport(file);
    const { handler } = await import(pathToFileURL(file).href);
    const w = ["define", "create", "verify", "all-in-one"].includes(name)
      ? await warmFigures(name, handler)
      : {};
    const limit = name === "all-in-one" ? TARGETS.allBytes : TARGETS.singleBytes;
    const ok =
      bytes <= limit &&
      Math.min(cold.median, cold.cpu) <= TARGETS.coldMs &&
      (w.define ?? 0) <= TARGETS.warmUs &&
      (w.verify ?? 0) <= TARGETS.warmUs;
    if (!ok) failures++;
    rows.push({
      handler: name,
      "bundle (bytes)": bytes,
      "limit (bytes)": limit,
      "cold import (ms)": cold.median.toFixed(2),
      "cold min (ms)": cold.min.toFixed(2),
      "cold CPU (ms)": cold.cpu.toFixed(2),
      "define (µs)": w.define?.toFixed(2) ?? "",
      "verify (µs)": w.verify?.toFixed(2) ?? "",
      "create (µs)": w.create?.toFixed(2) ?? "",
      ok: ok ? "yes" : "NO",
    });
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `esbuild: bundle, minify, platform node, format esm, target node22, @aws-sdk/* external. ` +
    `Cold import: median of ${COLD_RUNS} fresh node processes (wall, wall minimum, CPU time; the cold target counts as met when the wall or CPU median meets it). Warm: median of ${WARM_ITERATIONS} calls ` +
    `(no-op deliver and logger). Targets: single <= ${TARGETS.singleBytes} B, all-in-one <= ${TARGETS.allBytes} B, ` +
    `cold <= ${TARGETS.coldMs} ms, define/verify <= ${TARGETS.warmUs} µs. Node ${process.version}.`,
);
console.table(rows);
console.log(
  failures > 0
    ? `${failures} handler(s) missed a target (see the ok column). Machine load skews the timings: load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs.`
    : "every handler met its targets",
);
