import { defineConfig } from "tsup";

export default defineConfig({
  entry: [
    "src/index.ts",
    "src/react.ts",
    "src/vue.ts",
    "src/svelte.ts",
    "src/cognito-identity-js.ts",
    "src/tabs.ts",
    "src/passkeys.ts",
  ],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: false,
  target: "es2022",
  treeshake: true,
  external: ["react", "vue", "amazon-cognito-identity-js", "@cognito-passcode/shared"],
});
