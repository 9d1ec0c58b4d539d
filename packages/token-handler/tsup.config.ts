import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts", "src/lambda.ts", "src/node.ts", "src/secrets-manager.ts"],
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: false,
    target: "es2022",
    treeshake: true,
  },
  {
    // The prebuilt Lambda handler (lambda/index.mjs): one self-contained ES
    // module, minified, the AWS SDK v3 left out (the nodejs22.x and nodejs24.x
    // runtimes provide it). Built, not committed.
    entry: { index: "src/lambda/index.ts" },
    outDir: "lambda",
    format: ["esm"],
    outExtension: () => ({ js: ".mjs" }),
    platform: "node",
    target: "node22",
    dts: false,
    clean: true,
    sourcemap: false,
    minify: true,
    splitting: false,
    treeshake: true,
    noExternal: [/^@cognito-passcode\//, "jose", /^aws-jwt-verify(\/|$)/],
    external: [/^@aws-sdk\//],
  },
]);
