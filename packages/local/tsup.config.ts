import { defineConfig } from "tsup";

export default defineConfig({
  // The CLI is an entry too (dist/cli.js, shebang kept by esbuild); only the library gets types.
  entry: ["src/index.ts", "src/cli.ts"],
  format: ["esm", "cjs"],
  dts: { entry: "src/index.ts" },
  clean: true,
  sourcemap: false,
  target: "es2022",
  treeshake: true,
});
