import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: false,
  target: "es2022",
  treeshake: true,
  // import.meta.url in the ESM build, a __filename-based shim in the CJS one:
  // a CommonJS CDK app (`cdk init app --language typescript`) loads it as is.
  shims: true,
  external: [/^aws-cdk-lib/, "constructs", /^@cognito-passcode\//],
});
