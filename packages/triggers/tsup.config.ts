import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts", "src/environment.ts", "src/secrets-manager.ts", "src/testing.ts"],
    format: ["esm", "cjs"],
    dts: true,
    clean: true,
    sourcemap: false,
    target: "es2022",
    treeshake: true,
  },
  {
    // The prebuilt Lambda handlers (lambda/index.mjs, lambda/username-sweep.mjs):
    // ES modules, minified, the AWS SDK v3 left out (the nodejs22.x and
    // nodejs24.x runtimes provide it). Built, not committed. Code splitting:
    // @simplewebauthn/server (about 440 KB, 110 to 180 ms to evaluate), which
    // Verify loads with `await import()` in its passkey branches only, lands
    // in a chunk of its own (lambda/chunk-*.mjs, shipped with the rest of
    // lambda/), so a code-only function never reads it; code shared by the
    // two entries lands in a chunk both import.
    entry: { index: "src/lambda/index.ts", "username-sweep": "src/lambda/username-sweep.ts" },
    outDir: "lambda",
    format: ["esm"],
    outExtension: () => ({ js: ".mjs" }),
    platform: "node",
    target: "node22",
    dts: false,
    clean: true,
    sourcemap: false,
    minify: true,
    splitting: true,
    treeshake: true,
    // Bundled, not left to the runtime: the workspace packages and the
    // WebAuthn verifier (a dependency, which tsup would otherwise keep external).
    noExternal: [/^@cognito-passcode\//, /^@simplewebauthn\//],
    external: [/^@aws-sdk\//],
  },
]);
