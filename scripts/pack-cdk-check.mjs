// The newcomer check of @cognito-passcode/cdk, from packed tarballs: packs
// shared, triggers, token-handler and cdk the way `pnpm publish` would, creates two stock
// `cdk init app --language typescript` projects (the CLI the repository pins,
// --generate-only), one left CommonJS as `cdk init` makes it and one turned
// into an ES module project ("type": "module"), replaces each app's
// bin/<name>.ts with the snippet from packages/cdk/README.md ("The whole
// flow"; docs/guides/deploy-cdk.md must hold the same one), installs the
// tarballs and cdk-nag, and runs `cdk synth` offline (cdk.json's own app
// command: `tsc` type-checks under NodeNext, `tsx` runs the app; cdk-nag's
// AwsSolutions checks fail the synth on any finding). Then it checks the
// template and that the Lambda asset is the packed prebuilt handler. Jest and
// its tooling are left out of the projects (no tests run there); aws-cdk-lib
// is pinned to the version the repository tests with. Run after `pnpm run build`.
//
//   node scripts/pack-cdk-check.mjs [--keep]   (--keep leaves the scratch folder)
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { npmInstall, pack, root, run as runWith, seconds, tarEntries } from "./pack-helpers.mjs";

const keep = process.argv.includes("--keep");
const started = Date.now();
/** No instance metadata lookups, no CDK telemetry: the synth stays offline. */
const OFFLINE = { AWS_EC2_METADATA_DISABLED: "true", CDK_DISABLE_CLI_TELEMETRY: "true" };
const run = (command, args, cwd) => runWith(command, args, cwd, OFFLINE);

const readJson = (path) => JSON.parse(readFileSync(path, "utf8"));
const writeJson = (path, value) => writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);

/** The first ```ts block under "## The whole flow" in packages/cdk/README.md. */
function newcomerSnippet() {
  const readme = readFileSync(join(root, "packages/cdk/README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## The whole flow"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("packages/cdk/README.md has no snippet under ## The whole flow");
  const snippet = match[1];
  const lines = snippet.trimEnd().split("\n").length;
  if (lines >= 30)
    throw new Error(`the newcomer snippet has ${lines} lines; it must stay under 30`);
  const guide = readFileSync(join(root, "docs/guides/deploy-cdk.md"), "utf8");
  if (!guide.includes(snippet)) {
    throw new Error("docs/guides/deploy-cdk.md does not hold the README's newcomer snippet");
  }
  return { snippet, lines };
}

const scratch = mkdtempSync(join(tmpdir(), "cognito-passcode-cdk-pack-"));
try {
  const { snippet, lines } = newcomerSnippet();
  const prebuilt = join(root, "packages/triggers/lambda/index.mjs");
  const tokenHandler = join(root, "packages/token-handler/lambda/index.mjs");
  if (
    !existsSync(prebuilt) ||
    !existsSync(tokenHandler) ||
    !existsSync(join(root, "packages/cdk/dist/index.cjs"))
  ) {
    throw new Error("build first: pnpm run build");
  }

  const tarballs = join(scratch, "tarballs");
  mkdirSync(tarballs);
  const tarballOf = {};
  // cdk depends on token-handler (its prebuilt Lambda, for the tokenHandler prop).
  for (const dir of ["shared", "triggers", "token-handler", "cdk"]) {
    const pkgDir = join(root, "packages", dir);
    const { name } = readJson(join(pkgDir, "package.json"));
    tarballOf[name] = pack(pkgDir, tarballs);
  }
  const listing = tarEntries(tarballOf["@cognito-passcode/cdk"]);
  for (const file of ["package/README.md", "package/LICENSE", "package/dist/index.cjs"]) {
    if (!listing.includes(file)) throw new Error(`the cdk tarball lacks ${file}`);
  }
  for (const name of ["@cognito-passcode/triggers", "@cognito-passcode/token-handler"]) {
    if (!tarEntries(tarballOf[name]).includes("package/lambda/index.mjs")) {
      throw new Error(`the ${name} tarball lacks lambda/index.mjs`);
    }
  }
  // The triggers' lambda/ is code-split (the WebAuthn verifier is a chunk
  // Verify imports on demand): every chunk must ship beside index.mjs.
  const triggerFiles = tarEntries(tarballOf["@cognito-passcode/triggers"]);
  for (const file of readdirSync(dirname(prebuilt))) {
    if (!triggerFiles.includes(`package/lambda/${file}`)) {
      throw new Error(`the @cognito-passcode/triggers tarball lacks lambda/${file}`);
    }
  }
  console.log(`packed    ${Object.keys(tarballOf).join(", ")}`);

  const cdkCli = join(root, "examples/cdk/node_modules/.bin/cdk");
  const pinned = readJson(join(root, "packages/cdk/package.json")).devDependencies;
  const fileSpecs = Object.fromEntries(
    Object.entries(tarballOf).map(([name, file]) => [name, `file:${file}`]),
  );

  for (const flavour of ["cjs", "esm"]) {
    const t0 = Date.now();
    const project = join(scratch, flavour);
    mkdirSync(project);
    run(cdkCli, ["init", "app", "--language", "typescript", "--generate-only"], project);
    // The app is the snippet; the sample stack, its test and jest go.
    for (const gone of ["lib", "test", "jest.config.js"]) {
      rmSync(join(project, gone), { recursive: true, force: true });
    }
    writeFileSync(join(project, "bin", `${flavour}.ts`), snippet);
    const manifest = readJson(join(project, "package.json"));
    for (const dev of ["@swc/core", "@swc/jest", "@types/jest", "jest"]) {
      delete manifest.devDependencies[dev];
    }
    delete manifest.scripts.test;
    manifest.dependencies = {
      ...manifest.dependencies,
      "aws-cdk-lib": pinned["aws-cdk-lib"],
      "cdk-nag": pinned["cdk-nag"],
      ...fileSpecs,
    };
    manifest.overrides = fileSpecs;
    if (flavour === "esm") manifest.type = "module";
    writeJson(join(project, "package.json"), manifest);
    const tsconfig = readJson(join(project, "tsconfig.json"));
    tsconfig.compilerOptions.types = ["node"];
    writeJson(join(project, "tsconfig.json"), tsconfig);

    npmInstall(project, OFFLINE);
    const installed = Date.now();
    run(
      join(project, "node_modules/.bin/cdk"),
      ["synth", "--quiet", "--no-notices", "--no-version-reporting", "--no-lookups"],
      project,
    );
    const synthTime = seconds(installed);

    const template = readJson(join(project, "cdk.out", "PasscodeAuth.template.json"));
    const resources = Object.values(template.Resources);
    const count = (type) => resources.filter((r) => r.Type === type).length;
    if (count("AWS::Cognito::UserPool") !== 1 || count("AWS::Cognito::UserPoolClient") !== 1) {
      throw new Error(`${flavour}: the template lacks the pool or the client`);
    }
    const handlers = resources
      .filter((r) => r.Type === "AWS::Lambda::Function")
      .map((r) => r.Properties.Handler)
      .sort();
    const expected = [
      "index.createAuthChallenge",
      "index.defineAuthChallenge",
      "index.preSignUp",
      "index.verifyAuthChallengeResponse",
      "username-sweep.handler",
    ];
    if (JSON.stringify(handlers) !== JSON.stringify(expected)) {
      throw new Error(`${flavour}: unexpected handlers ${handlers.join(", ")}`);
    }
    const assets = readdirSync(join(project, "cdk.out")).filter((f) => f.startsWith("asset."));
    if (assets.length !== 1)
      throw new Error(`${flavour}: expected one Lambda asset, found ${assets.length}`);
    const shipped = readFileSync(join(project, "cdk.out", assets[0], "index.mjs"), "utf8");
    const packed = readFileSync(
      join(project, "node_modules/@cognito-passcode/triggers/lambda/index.mjs"),
      "utf8",
    );
    if (shipped !== packed)
      throw new Error(`${flavour}: the asset is not the packed prebuilt handler`);
    // The tokenHandler prop's asset, the token handler's prebuilt Lambda,
    // resolves from the installed tarball as well (CommonJS shim or import.meta).
    const resolve = "prebuiltTokenHandlerDir()";
    const found = run(
      process.execPath,
      flavour === "cjs"
        ? ["-e", `console.log(require("@cognito-passcode/cdk").${resolve})`]
        : [
            "--input-type=module",
            "-e",
            `const { prebuiltTokenHandlerDir } = await import("@cognito-passcode/cdk"); console.log(${resolve})`,
          ],
      project,
    ).trim();
    const expectedDir = join(project, "node_modules/@cognito-passcode/token-handler/lambda");
    if (
      realpathSync(found) !== realpathSync(expectedDir) ||
      !existsSync(join(found, "index.mjs"))
    ) {
      throw new Error(`${flavour}: prebuiltTokenHandlerDir() gave ${found}`);
    }
    console.log(
      `${flavour}       ${manifest.type === "module" ? "ES module" : "CommonJS"} app of ${lines} lines: installed in ${seconds(t0)}, cdk synth (tsc, cdk-nag) in ${synthTime}`,
    );
  }
  console.log(`cdk pack check passed in ${seconds(started)}`);
} catch (error) {
  console.error(String(error.message ?? error));
  console.error(`cdk pack check FAILED after ${seconds(started)}`);
  process.exitCode = 1;
} finally {
  if (keep) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
