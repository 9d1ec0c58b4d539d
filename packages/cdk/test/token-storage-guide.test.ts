import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
// The client guide's block extractor (fences, titles) and checker, shared rather than copied.
import {
  extractBlocks,
  type GuideBlock,
  typeCheckBlocks,
} from "../../client/test/guide/check-guide.js";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../..");
const src = (pkg: string, file = "index") => [`packages/${pkg}/src/${file}.ts`];

/**
 * The Token storage guide spans the client, the token handler and the CDK
 * construct: its ts blocks are compiled against all three packages' sources
 * (and aws-cdk-lib, @types/node from this package), strict, each block a
 * module of its own; a `title="x.ts"` block can be imported by the others.
 */
const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
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
    "@cognito-passcode/cdk": src("cdk"),
  },
};

function check(blocks: readonly GuideBlock[]) {
  // Virtual files inside packages/cdk, so aws-cdk-lib resolves from its node_modules.
  return typeCheckBlocks(blocks, { options: OPTIONS, dir: join(here, "__guide_blocks__") }).map(
    (errors) => errors.map((d) => `token-storage.md:${d.line}: TS${d.code} ${d.message}`),
  );
}

// Each check compiles a program over three packages' sources: seconds, more on a busy machine.
describe("docs/guides/token-storage.md", { timeout: 180_000 }, () => {
  const page = readFileSync(join(repo, "docs/guides/token-storage.md"), "utf8");
  const blocks = extractBlocks(page);
  const results = check(blocks);

  it("has a block for each of the client (cookie mode, tabs), the Node handler and the CDK construct", () => {
    expect(blocks.map((b) => b.lang)).toEqual(blocks.map(() => "ts"));
    const sources = blocks.map((b) => b.code).join("\n");
    for (const name of [
      "@cognito-passcode/client/tabs",
      "@cognito-passcode/token-handler/node",
      "@cognito-passcode/cdk",
      "tokenHandler:",
    ]) {
      expect(sources).toContain(name);
    }
  });

  it.each(blocks.map((block, i) => [`ts block at line ${block.line}`, i] as const))(
    "%s type-checks",
    (_, i) => {
      expect(results[i]).toEqual([]);
    },
  );

  it("the checker finds a wrong option, a missing export and a wrong type (the control)", () => {
    const bad = check([
      {
        lang: "ts",
        line: 1,
        code: [
          'import { createPasscodeClient } from "@cognito-passcode/client";',
          'createPasscodeClient({ clientId: "c", tokenHandlr: "/auth" });',
        ].join("\n"),
      },
      {
        lang: "ts",
        line: 10,
        code: 'import { nope } from "@cognito-passcode/token-handler/node";',
      },
      {
        lang: "ts",
        line: 20,
        code: [
          'import { PasscodeAuth } from "@cognito-passcode/cdk";',
          "declare const auth: PasscodeAuth;",
          "const url: number = auth.tokenHandlerUrl!;",
        ].join("\n"),
      },
    ]).map((errors) => errors.map((e) => e.split(" ").slice(0, 2).join(" ")));
    expect(bad).toEqual([
      ["token-storage.md:3: TS2561"],
      ["token-storage.md:11: TS2305"],
      ["token-storage.md:23: TS2322"],
    ]);
  });
});
