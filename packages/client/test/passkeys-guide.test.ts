import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
// The client guide's block extractor (fences, titles) and checker, shared rather than copied.
import { extractBlocks, type GuideBlock, typeCheckBlocks } from "./guide/check-guide.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const src = (pkg: string, file = "index") => [`packages/${pkg}/src/${file}.ts`];

/**
 * The Passkeys guide spans the client and its `./passkeys` plug-in, the
 * triggers (options, store, notifier, recovery, the soft authenticator), the
 * token handler, the local stack and aws-jwt-verify (the step-up example):
 * its ts and tsx blocks are compiled against those packages' sources, strict,
 * each block a module of its own; a `title="x.ts"` block can be imported by
 * the others.
 */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  moduleDetection: ts.ModuleDetectionKind.Force,
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  noEmit: true,
  types: ["node"],
  baseUrl: repo,
  paths: {
    "@cognito-passcode/client": src("client"),
    "@cognito-passcode/client/*": ["packages/client/src/*.ts"],
    "@cognito-passcode/shared": src("shared"),
    "@cognito-passcode/token-handler": src("token-handler"),
    "@cognito-passcode/token-handler/*": ["packages/token-handler/src/*.ts"],
    "@cognito-passcode/triggers": src("triggers"),
    "@cognito-passcode/triggers/*": ["packages/triggers/src/*.ts"],
    "@cognito-passcode/local": src("local"),
    // The step-up example's verifier: the token handler's own dependency.
    "aws-jwt-verify": ["packages/token-handler/node_modules/aws-jwt-verify/index.d.ts"],
  },
};

function check(blocks: readonly GuideBlock[]) {
  // Virtual files inside packages/client/test, so react resolves from its node_modules.
  return typeCheckBlocks(blocks, {
    options: OPTIONS,
    dir: join(here, "guide", "__passkeys_blocks__"),
  }).map((errors) => errors.map((d) => `passkeys.md:${d.line}: TS${d.code} ${d.message}`));
}

// One program over five packages' sources: seconds, more on a busy machine.
describe("docs/guides/passkeys.md", { timeout: 180_000 }, () => {
  const page = readFileSync(join(repo, "docs/guides/passkeys.md"), "utf8");
  const blocks = extractBlocks(page);
  const results = check(blocks);

  it("has blocks for the triggers, the local stack, the client plug-in, management, step-up and recovery", () => {
    const sources = blocks.map((b) => b.code).join("\n");
    for (const name of [
      "createPasscodeTriggers",
      "passkeys: {",
      "@cognito-passcode/local",
      "@cognito-passcode/triggers/testing",
      "@cognito-passcode/client/passkeys",
      "createTokenHandler",
      "listPasskeys",
      "aws-jwt-verify",
      "auth_time",
      "passcode_amr",
      "removePasskeys",
    ]) {
      expect(sources).toContain(name);
    }
  });

  it.each(blocks.map((block, i) => [`${block.lang} block at line ${block.line}`, i] as const))(
    "%s type-checks",
    (_, i) => {
      expect(results[i]).toEqual([]);
    },
  );

  it("the checker finds a wrong passkeys option and a missing export (the control)", () => {
    const bad = check([
      {
        lang: "ts",
        line: 1,
        code: [
          'import { createPasscodeTriggers, memoryStore } from "@cognito-passcode/triggers";',
          "createPasscodeTriggers({",
          '  email: { from: "a@example.com" },',
          '  codeSecret: "x",',
          '  passkeys: { rpId: "localhost", rpName: "x", origins: [], store: memoryStore(), timeout: 1 },',
          "});",
        ].join("\n"),
      },
      {
        lang: "ts",
        line: 10,
        code: 'import { nope } from "@cognito-passcode/client/passkeys";',
      },
    ]).map((errors) => errors.map((e) => e.split(" ").slice(0, 2).join(" ")));
    expect(bad).toEqual([["passkeys.md:6: TS2561"], ["passkeys.md:11: TS2305"]]);
  });
});
