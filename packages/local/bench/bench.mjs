// Benchmarks the local stack: start-up time, and complete sign-in flows per
// second (returning and new users) at 1 and 32 concurrent users, driven with
// raw fetch exactly as a browser would. Needs the built package:
//   pnpm --filter @cognito-passcode/local build && pnpm --filter @cognito-passcode/local bench
// Options: --quick (fewer iterations), --json (machine-readable output too),
// --strict (exit 1 when a target is missed).
import { existsSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { call, signIn } from "./cognito.mjs";

const dist = new URL("../dist/index.js", import.meta.url);
if (!existsSync(dist)) {
  console.error(
    "bench: packages/local/dist is missing; build first (pnpm --filter @cognito-passcode/local build)",
  );
  process.exit(1);
}
const { startLocalStack } = await import(dist.href);

const args = new Set(process.argv.slice(2));
const QUICK = args.has("--quick");
const STARTS = QUICK ? 3 : 7;
const CONCURRENCY = [1, 32];
/** Flows per measured run, and a time cap so a slow stack cannot hang the bench. */
const FLOWS = { 1: QUICK ? 40 : 150, 32: QUICK ? 320 : 1_600 };
const MAX_RUN_MS = QUICK ? 15_000 : 45_000;
const TARGETS = { startupMs: 1_500, returning32: 150, new32: 60 };

const quiet = () => {};

function password() {
  return `${Buffer.from(crypto.getRandomValues(new Uint8Array(45))).toString("base64")}aA1!`;
}

async function newUserFlow(stack, email, username) {
  await call(stack.endpoint, "SignUp", {
    ClientId: stack.clientId,
    Username: email,
    Password: password(),
    UserAttributes: [{ Name: "email", Value: email }],
  });
  await signIn(stack, email, username);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Runs `total` flows on `concurrency` workers (capped at MAX_RUN_MS); flows/s and latency. */
async function measure(concurrency, total, flow) {
  const latencies = [];
  let started = 0;
  let failures = 0;
  let firstError;
  const began = performance.now();
  const cpuBefore = process.cpuUsage();
  const worker = async (w) => {
    let i = 0;
    while (started < total && performance.now() - began < MAX_RUN_MS) {
      started += 1;
      const t0 = performance.now();
      try {
        await flow(w, i++);
        latencies.push(performance.now() - t0);
      } catch (error) {
        failures += 1;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  latencies.sort((a, b) => a - b);
  return {
    flows: latencies.length,
    failures,
    firstError: firstError ? String(firstError.message ?? firstError) : undefined,
    perSecond: latencies.length / seconds,
    // CPU the whole process (stack, embedded services and this load generator) spent per flow:
    // unlike flows/s, it barely depends on what else the machine is running.
    cpuMsPerFlow: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length + failures),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function measureStartup() {
  const times = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const stack = await startLocalStack({ logger: { warn: quiet, error: quiet } });
    times.push(performance.now() - t0);
    await stack.stop();
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), min: times[0], max: times[times.length - 1] };
}

async function measureFlows() {
  const rows = [];
  const stack = await startLocalStack({ triggers: { throttle: false } });
  try {
    const run = Date.now().toString(36);
    // One returning user per worker, registered (and the stack warmed) first.
    const maxWorkers = Math.max(...CONCURRENCY);
    const returning = Array.from({ length: maxWorkers }, (_, w) => `ret.${run}.${w}@example.com`);
    for (const [w, email] of returning.entries())
      await newUserFlow(stack, email, `ret_${run}_${w}`);

    for (const concurrency of CONCURRENCY) {
      const total = FLOWS[concurrency];
      rows.push({
        kind: "returning",
        concurrency,
        ...(await measure(concurrency, total, (w) => signIn(stack, returning[w]))),
      });
      rows.push({
        kind: "new",
        concurrency,
        ...(await measure(concurrency, total, (w, i) =>
          newUserFlow(
            stack,
            `new.${run}.c${concurrency}.${w}.${i}@example.com`,
            `n${run}_${concurrency}_${w}_${i}`,
          ),
        )),
      });
    }
  } finally {
    await stack.stop();
  }
  return rows;
}

const fmt = (n, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
const pad = (s, n) => String(s).padStart(n);

const startup = await measureStartup();
const rows = await measureFlows();

const load = os.loadavg()[0].toFixed(1);
console.log(
  `\n@cognito-passcode/local bench (node ${process.version}, ${os.cpus().length} cpus, load average ${load}, ${QUICK ? "quick" : "full"})\n`,
);
console.log(
  `stack start-up: median ${fmt(startup.median)} ms (min ${fmt(startup.min)}, max ${fmt(startup.max)}, ${STARTS} starts; target < ${TARGETS.startupMs} ms)\n`,
);
console.log(
  `${"flow".padEnd(10)}${pad("users", 6)}${pad("flows", 7)}${pad("fail", 6)}${pad("flows/s", 9)}${pad("p50 ms", 9)}${pad("p99 ms", 9)}${pad("cpu ms", 8)}  target`,
);
for (const r of rows) {
  const target =
    r.concurrency === 32 ? `>= ${r.kind === "new" ? TARGETS.new32 : TARGETS.returning32}/s` : "";
  console.log(
    `${r.kind.padEnd(10)}${pad(r.concurrency, 6)}${pad(r.flows, 7)}${pad(r.failures, 6)}${pad(fmt(r.perSecond, 1), 9)}${pad(fmt(r.p50, 1), 9)}${pad(fmt(r.p99, 1), 9)}${pad(fmt(r.cpuMsPerFlow, 1), 8)}  ${target}`,
  );
  if (r.firstError) console.log(`  first failure: ${r.firstError}`);
}
const met = {
  startup: startup.median < TARGETS.startupMs,
  returning32:
    (rows.find((r) => r.kind === "returning" && r.concurrency === 32)?.perSecond ?? 0) >=
    TARGETS.returning32,
  new32:
    (rows.find((r) => r.kind === "new" && r.concurrency === 32)?.perSecond ?? 0) >= TARGETS.new32,
};
console.log(
  `\ntargets: start-up ${met.startup ? "met" : "MISSED"}, returning@32 ${met.returning32 ? "met" : "MISSED"}, new@32 ${met.new32 ? "met" : "MISSED"}`,
);
if (args.has("--json")) console.log(JSON.stringify({ startup, rows, met }));
// Missed targets are reported, not fatal (the figures depend on the machine's load); --strict makes them fatal.
if (args.has("--strict") && !Object.values(met).every(Boolean)) process.exitCode = 1;
