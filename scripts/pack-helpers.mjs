// What scripts/pack-check.mjs and scripts/pack-cdk-check.mjs share: running a
// command, packing a workspace package as `pnpm publish` would, listing a
// tarball and installing a scratch project with npm.
import { execFileSync } from "node:child_process";
import { join } from "node:path";

/** The repository's root folder. */
export const root = new URL("..", import.meta.url).pathname;

/** The time since `since` (a Date.now() value) in seconds, one decimal: "12.3 s". */
export const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/**
 * Runs `command` in `cwd` and returns its stdout; a failure throws with the
 * command line, the folder and all it printed. npm's update and fund notices
 * are off; `env` adds variables.
 */
export function run(command, args, cwd, env = {}) {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        npm_config_update_notifier: "false",
        npm_config_fund: "false",
        ...env,
      },
    });
  } catch (error) {
    throw new Error(
      `${command} ${args.join(" ")} failed in ${cwd}\n${error.stdout ?? ""}${error.stderr ?? ""}`,
    );
  }
}

/**
 * Packs the package in `pkgDir` into `destination` with `pnpm pack` (which
 * rewrites workspace:* ranges to real versions, as publish does); the tarball's path.
 */
export function pack(pkgDir, destination) {
  const output = run("pnpm", ["pack", "--pack-destination", destination], pkgDir).trim();
  const file = output.split("\n").pop().trim();
  return file.startsWith("/") ? file : join(destination, file);
}

/** The paths in a tarball ("package/README.md", ...). */
export function tarEntries(tarball) {
  return run("tar", ["-tzf", tarball], root).split("\n");
}

/** `npm install` in `project`: from the cache first, no audit, no fund notice, no install scripts. */
export function npmInstall(project, env = {}) {
  run(
    "npm",
    [
      "install",
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      "--loglevel=error",
    ],
    project,
    env,
  );
}
