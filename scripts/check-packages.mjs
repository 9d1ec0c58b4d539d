// Checks the shape of every published package the way npm users will meet it:
// publint --strict (package.json exports, files, types) and
// @arethetypeswrong/cli (types resolve for ESM, CJS, bundlers and node16).
// Run after `pnpm run build`.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const packagesDir = join(root, "packages");
const bin = (name) => join(root, "node_modules", ".bin", name);

let failed = 0;
for (const dir of readdirSync(packagesDir)) {
  const pkgDir = join(packagesDir, dir);
  const manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ["publint", ["--strict"]],
    ["attw", ["--pack", ".", "--format", "table-flipped"]],
  ]) {
    try {
      execFileSync(bin(tool), args, { cwd: pkgDir, stdio: "pipe", encoding: "utf8" });
      console.log(`ok   ${tool} ${manifest.name}`);
    } catch (error) {
      failed++;
      console.error(`FAIL ${tool} ${manifest.name}\n${error.stdout ?? ""}${error.stderr ?? ""}`);
    }
  }
}
if (failed > 0) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
console.log("package checks passed");
