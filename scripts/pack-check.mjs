// Packs every published package the way `pnpm publish` would, installs the
// tarballs into a scratch project outside the repository, and imports each
// entry point from ESM (.mjs), CommonJS (.cjs require) and TypeScript
// (`tsc --noEmit`, module and moduleResolution nodenext). Workspace
// dependencies resolve to the packed tarballs (npm `overrides`), third-party
// dependencies come from the registry. Run after `pnpm run build`.
//
//   node scripts/pack-check.mjs [--keep]   (--keep leaves the scratch folder)
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { npmInstall, pack, root, run, seconds, tarEntries } from "./pack-helpers.mjs";

const keep = process.argv.includes("--keep");
const started = Date.now();

/** Published packages and the specifiers their `exports` offer (except package.json). */
function publishedPackages() {
  const out = [];
  for (const dir of readdirSync(join(root, "packages"))) {
    const pkgDir = join(root, "packages", dir);
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    } catch {
      continue;
    }
    if (manifest.private) continue;
    const subpaths = Object.keys(manifest.exports ?? { ".": {} }).filter(
      (key) => key !== "./package.json",
    );
    const specifiers = subpaths.map((key) =>
      key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`,
    );
    // Every file the exports map points at must exist, or the tarball would be
    // incomplete: fail early with the fix rather than late with a type error.
    const targets = [];
    const collect = (node) => {
      if (typeof node === "string") targets.push(node);
      else if (node && typeof node === "object") Object.values(node).forEach(collect);
    };
    collect(manifest.exports ?? {});
    for (const target of targets) {
      if (!existsSync(join(pkgDir, target))) {
        throw new Error(`${manifest.name}: ${target} is missing; run \`pnpm run build\` first`);
      }
    }
    out.push({ dir: pkgDir, name: manifest.name, specifiers, manifest });
  }
  return out;
}

const scratch = mkdtempSync(join(tmpdir(), "cognito-passcode-pack-"));
try {
  const packages = publishedPackages();
  if (packages.length === 0) throw new Error("no published packages found");
  const tarballs = join(scratch, "tarballs");
  mkdirSync(tarballs);
  const tarballOf = {};
  for (const pkg of packages) {
    tarballOf[pkg.name] = pack(pkg.dir, tarballs);
    // Every tarball carries a README.md and a LICENSE at its root (npm shows the
    // one, the license field alone is not the license text).
    const entries = tarEntries(tarballOf[pkg.name]);
    const missing = ["package/README.md", "package/LICENSE"].filter((f) => !entries.includes(f));
    if (missing.length > 0) {
      throw new Error(
        `${pkg.name}: the tarball has no ${missing.map((f) => f.slice("package/".length)).join(" and no ")}; add it to ${pkg.dir}`,
      );
    }
    console.log(`packed   ${pkg.name} (README.md and LICENSE included)`);
  }

  // The scratch project: every tarball as a dependency, overrides so nested
  // workspace dependencies resolve to the same tarballs, plus the optional
  // peers the entry points import at load time.
  const project = join(scratch, "project");
  mkdirSync(project);
  const fileSpec = (name) => `file:${tarballOf[name]}`;
  const peers = {};
  for (const pkg of packages) {
    for (const [peer, range] of Object.entries(pkg.manifest.peerDependencies ?? {})) {
      if (!(peer in tarballOf)) peers[peer] = pkg.manifest.devDependencies?.[peer] ?? range;
    }
  }
  writeFileSync(
    join(project, "package.json"),
    `${JSON.stringify(
      {
        name: "pack-check",
        private: true,
        dependencies: {
          ...Object.fromEntries(packages.map((p) => [p.name, fileSpec(p.name)])),
          ...peers,
        },
        devDependencies: {
          typescript: JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies
            .typescript,
          "@types/node": "^20.19.0",
          "@types/react": "^19.2.0",
        },
        overrides: Object.fromEntries(packages.map((p) => [p.name, fileSpec(p.name)])),
      },
      null,
      2,
    )}\n`,
  );
  npmInstall(project);
  console.log(`installed ${packages.length} tarballs and their dependencies`);

  const specifiers = packages.flatMap((p) => p.specifiers);
  // ESM: import every entry point, and check it exports something.
  writeFileSync(
    join(project, "check.mjs"),
    `${specifiers
      .map(
        (s, i) =>
          `import * as m${i} from ${JSON.stringify(s)};\nif (Object.keys(m${i}).length === 0) throw new Error(${JSON.stringify(`${s}: no exports (ESM)`)});`,
      )
      .join("\n")}\nconsole.log("esm ok");\n`,
  );
  // CommonJS: require every entry point.
  writeFileSync(
    join(project, "check.cjs"),
    `${specifiers
      .map(
        (s) =>
          `if (Object.keys(require(${JSON.stringify(s)})).length === 0) throw new Error(${JSON.stringify(`${s}: no exports (CJS)`)});`,
      )
      .join("\n")}\nconsole.log("cjs ok");\n`,
  );
  // TypeScript nodenext, from an ES module and from a CommonJS module.
  writeFileSync(
    join(project, "check-esm.mts"),
    `${specifiers.map((s, i) => `import * as m${i} from ${JSON.stringify(s)};\nvoid m${i};`).join("\n")}\n`,
  );
  writeFileSync(
    join(project, "check-cjs.cts"),
    `${specifiers.map((s, i) => `import m${i} = require(${JSON.stringify(s)});\nvoid m${i};`).join("\n")}\n`,
  );
  writeFileSync(
    join(project, "tsconfig.json"),
    `${JSON.stringify(
      {
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          lib: ["es2023", "dom"],
          types: ["node"],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          jsx: "react-jsx",
        },
        files: ["check-esm.mts", "check-cjs.cts"],
      },
      null,
      2,
    )}\n`,
  );
  console.log(run("node", ["check.mjs"], project).trim());
  console.log(run("node", ["check.cjs"], project).trim());
  run(join(project, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], project);
  console.log("typescript nodenext ok (ESM and CJS importers, skipLibCheck off)");
  // Every bin as npm links it from the tarball answers --help.
  for (const pkg of packages) {
    for (const name of Object.keys(pkg.manifest.bin ?? {})) {
      const help = run(join(project, "node_modules", ".bin", name), ["--help"], project);
      if (!help.includes("Usage:")) throw new Error(`${name} --help printed no usage:\n${help}`);
      console.log(`bin ok   ${name} --help`);
    }
  }
  console.log(
    `pack check passed: ${specifiers.length} entry points of ${packages.length} packages in ${seconds(started)}`,
  );
} catch (error) {
  console.error(String(error.message ?? error));
  console.error(`pack check FAILED after ${seconds(started)}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`scratch project kept at ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
