import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../../..");
const clientSrc = join(repo, "packages/client/src");

/** One fenced code block of a Markdown page, as the type checker sees it. */
export interface GuideBlock {
  /** The fence's language: ts, tsx, vue or svelte. */
  readonly lang: string;
  /** Line of the opening fence in the page, 1-based. */
  readonly line: number;
  /** What is type-checked: the block itself, or a component's `<script lang="ts">`. */
  readonly code: string;
  /**
   * The fence's `title="passcode.ts"`, when given: the block is that file, and
   * other blocks may import it (`import { client } from "./passcode"`).
   */
  readonly title?: string;
}

const CHECKED = new Set(["ts", "tsx", "vue", "svelte"]);

/**
 * The ts and tsx blocks of `markdown`, and the `<script lang="ts">` (or
 * `<script setup lang="ts">`) part of its vue and svelte blocks. Markup and
 * templates are not type-checked.
 */
export function extractBlocks(markdown: string): GuideBlock[] {
  const blocks: GuideBlock[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[2]!;
    const lang = open[3]!.toLowerCase();
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trim().startsWith(fence); i++) body.push(lines[i]!);
    if (!CHECKED.has(lang)) continue;
    let code = body.join("\n");
    if (lang === "vue" || lang === "svelte") {
      const script = /<script\b[^>]*\blang="ts"[^>]*>([\s\S]*?)<\/script>/.exec(code);
      if (!script) throw new Error(`line ${start + 1}: a ${lang} block without <script lang="ts">`);
      // Keep the script's line numbers so diagnostics point into the page.
      const before = code.slice(0, script.index).split("\n").length - 1;
      code = "\n".repeat(before) + script[1];
    }
    const title = /\btitle="([\w.-]+\.tsx?)"/.exec(open[4]!)?.[1];
    blocks.push({ lang, line: start + 1, code, ...(title ? { title } : {}) });
  }
  return blocks;
}

/**
 * Declarations every block may use: only the Svelte runes (`$props`,
 * `$state`), global declarations in Svelte's types. Anything else a block
 * uses it imports, as an app's file would.
 */
const GLOBALS = `/// <reference types="svelte" />
export {};
`;

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2023.d.ts", "lib.dom.d.ts"],
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Every block is its own module: names in one do not clash with another.
  moduleDetection: ts.ModuleDetectionKind.Force,
  jsx: ts.JsxEmit.ReactJSX,
  strict: true,
  noUncheckedIndexedAccess: true,
  verbatimModuleSyntax: true,
  skipLibCheck: true,
  noEmit: true,
  // Only what GLOBALS references: the Svelte runes ($props, $state), global
  // declarations in Svelte's types.
  types: [],
  baseUrl: repo,
  // The published names, resolved to source as the tests resolve them.
  paths: {
    "@cognito-passcode/client": ["packages/client/src/index.ts"],
    "@cognito-passcode/client/*": ["packages/client/src/*.ts"],
    "@cognito-passcode/shared": ["packages/shared/src/index.ts"],
  },
};

/** A type error in a block, located in the page. */
export interface GuideDiagnostic {
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

/**
 * Type-checks each block as a module of its own against the client's source
 * types and returns the errors per block (index as in `blocks`).
 */
export function checkBlocks(blocks: readonly GuideBlock[]): GuideDiagnostic[][] {
  // Virtual files inside packages/client, so react, vue and svelte resolve from its node_modules.
  return typeCheckBlocks(blocks, {
    options: OPTIONS,
    dir: join(clientSrc, "..", "test", "guide", "__blocks__"),
    extraFiles: { "globals.d.ts": GLOBALS },
  });
}

/**
 * Type-checks `blocks` as virtual files in `dir` (each a module of its own,
 * named by its `title` or `block-<i>.ts(x)`), plus `extraFiles` (names in
 * `dir` to text), as one program with `options`; returns the errors per block
 * (index as in `blocks`), located in the page. Throws on a second block with
 * the same title and on option or global errors. Other guides' checks (the
 * CDK package's Token storage guide test) use it with their own options.
 */
export function typeCheckBlocks(
  blocks: readonly GuideBlock[],
  {
    options,
    dir,
    extraFiles = {},
  }: {
    options: ts.CompilerOptions;
    /** Where the blocks seem to live: packages resolve from the node_modules above it. */
    dir: string;
    extraFiles?: Record<string, string>;
  },
): GuideDiagnostic[][] {
  const files = new Map<string, string>(
    Object.entries(extraFiles).map(([name, text]) => [join(dir, name), text]),
  );
  const names = blocks.map((block, i) => {
    const name = join(dir, block.title ?? `block-${i}.${block.lang === "tsx" ? "tsx" : "ts"}`);
    if (files.has(name))
      throw new Error(`line ${block.line}: a second block titled ${block.title}`);
    files.set(name, block.code);
    return name;
  });
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile, directoryExists } = host;
  // The blocks' folder exists only here; module resolution asks for it first.
  host.directoryExists = (name) => name === dir || !!directoryExists?.call(host, name);
  host.fileExists = (name) => files.has(name) || fileExists.call(host, name);
  host.readFile = (name) => files.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, version, ...rest) => {
    const text = files.get(name);
    return text === undefined
      ? getSourceFile.call(host, name, version, ...rest)
      : ts.createSourceFile(name, text, version, true);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  if (global.length > 0)
    throw new Error(ts.flattenDiagnosticMessageText(global[0]!.messageText, "\n"));
  return names.map((name, i) => {
    const file = program.getSourceFile(name)!;
    return [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map(
      (d) => ({
        line: blocks[i]!.line + 1 + file.getLineAndCharacterOfPosition(d.start ?? 0).line,
        code: d.code,
        message: ts.flattenDiagnosticMessageText(d.messageText, " "),
      }),
    );
  });
}

/** The client guide's text. */
export function readGuide(): string {
  return readFileSync(join(repo, "docs/guides/client.md"), "utf8");
}
