import { builtinModules } from "node:module";
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
