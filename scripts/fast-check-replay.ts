import fc from "fast-check";

/**
 * `FC_RUNS=<n>` runs every property that does not set its own `numRuns` n
 * times (a stress run; the default is fast-check's 100).
 *
 * Replays a property failure: fast-check prints `{ seed, path }` with every
 * counterexample; `FC_SEED=<seed> FC_PATH=<path> pnpm vitest run <file>` runs
 * that property from there (the path is optional). Properties that set their
 * own seed keep it.
 */
const seed = process.env.FC_SEED;
if (seed !== undefined && seed !== "") {
  if (!/^-?\d+$/.test(seed)) throw new Error(`FC_SEED must be an integer, got ${seed}`);
  fc.configureGlobal({
    seed: Number(seed),
    ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}),
  });
}
const runs = process.env.FC_RUNS;
if (runs !== undefined && runs !== "") {
  if (!/^\d+$/.test(runs)) throw new Error(`FC_RUNS must be a positive integer, got ${runs}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), numRuns: Number(runs) });
}
