// `pnpm bench`: runs every package's benchmark in turn, after the root build.
// Each prints its own table; this script only sequences them so they do not
// compete for the machine's cores.
import { spawnSync } from "node:child_process";

const benches = [
  ["@cognito-passcode/triggers", "handler bundle size, cold import, warm invocation"],
  ["@cognito-passcode/local", "local stack start-up and sign-in flows per second"],
  ["@cognito-passcode/client", "browser bundle size against the alternatives"],
  [
    "@cognito-passcode/token-handler",
    "Lambda bundle size (SDK external), refresh latency added over a direct refresh",
  ],
];

let failed = 0;
for (const [pkg, what] of benches) {
  console.log(`\n## ${pkg}: ${what}\n`);
  const run = spawnSync("pnpm", ["--filter", pkg, "run", "bench"], { stdio: "inherit" });
  if (run.status !== 0) {
    failed++;
    console.error(`bench for ${pkg} failed with exit code ${run.status}`);
  }
}
// Passkeys (issue 15) span packages: the triggers' prebuilt chunks, the
// client plug-in, and sign-ins through the local stack with passkeys on and off.
console.log(
  "\n## passkeys: trigger bundle with and without the WebAuthn chunk, its cold import, client ./passkeys, requests per sign-in\n",
);
const passkeys = spawnSync(
  process.execPath,
  [new URL("./bench-passkeys.mjs", import.meta.url).pathname],
  { stdio: "inherit" },
);
if (passkeys.status !== 0) {
  failed++;
  console.error(`passkeys bench failed with exit code ${passkeys.status}`);
}
process.exit(failed > 0 ? 1 : 0);
