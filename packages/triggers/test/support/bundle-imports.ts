import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { build } from "esbuild";

/** Every import (static and dynamic) the built ES module `file` leaves to the runtime, as esbuild lists them. */
export async function bundleImports(file: string): Promise<string[]> {
  const { metafile } = await build({
    entryPoints: [file],
    bundle: true,
    write: false,
    metafile: true,
    platform: "node",
    format: "esm",
    packages: "external",
    logLevel: "silent",
  });
  return Object.values(metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
}

/** Whether the Lambda Node.js runtime provides the module `path`: a Node.js built-in or an AWS SDK v3 package. */
export function lambdaRuntimeProvides(path: string): boolean {
  return builtinModules.includes(path.replace(/^node:/, "")) || path.startsWith("@aws-sdk/");
}

/** The relative module specifiers a built ES module imports statically, and those it imports with `import()`. */
export function relativeImportsOf(file: string): { static: string[]; dynamic: string[] } {
  const source = readFileSync(file, "utf8");
  const rel = (m: RegExpMatchArray) => m[1]!;
  return {
    static: [...source.matchAll(/(?:\bfrom|\bimport)\s*["'](\.\/[^"']+)["']/g)].map(rel),
    dynamic: [...source.matchAll(/\bimport\(\s*["'](\.\/[^"']+)["']\s*\)/g)].map(rel),
  };
}

/**
 * The files of a code-split ES module bundle that `entry` loads at start-up (its static closure,
 * the entry included) and the ones it can load only later, through `import()`; names relative to
 * the entry's directory.
 */
export function moduleGraph(entry: string): { eager: Set<string>; lazy: Set<string> } {
  const dir = dirname(entry);
  const closure = (roots: string[]) => {
    const seen = new Set<string>();
    const todo = [...roots];
    while (todo.length > 0) {
      const file = todo.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const spec of relativeImportsOf(join(dir, file)).static) todo.push(spec.slice(2));
    }
    return seen;
  };
  const eager = closure([entry.slice(dir.length + 1)]);
  const dynamic = [...eager].flatMap((f) =>
    relativeImportsOf(join(dir, f)).dynamic.map((s) => s.slice(2)),
  );
  const lazy = new Set([...closure(dynamic)].filter((f) => !eager.has(f)));
  return { eager, lazy };
}
