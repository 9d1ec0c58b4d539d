import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/`, import.meta.url));

// Tests import the packages by name; resolve those names to source so `vitest`
// needs no build step. The package-shape checks (publint, attw, pack-and-import)
// exercise the built output separately.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@cognito-passcode\/shared$/, replacement: `${src("shared")}index.ts` },
      { find: /^@cognito-passcode\/triggers$/, replacement: `${src("triggers")}index.ts` },
      {
        find: /^@cognito-passcode\/triggers\/(environment|secrets-manager|testing)$/,
        replacement: `${src("triggers")}$1.ts`,
      },
      { find: /^@cognito-passcode\/cdk$/, replacement: `${src("cdk")}index.ts` },
      { find: /^@cognito-passcode\/local$/, replacement: `${src("local")}index.ts` },
      {
        find: /^@cognito-passcode\/token-handler$/,
        replacement: `${src("token-handler")}index.ts`,
      },
      {
        find: /^@cognito-passcode\/token-handler\/(lambda|node|secrets-manager)$/,
        replacement: `${src("token-handler")}$1.ts`,
      },
      { find: /^@cognito-passcode\/client$/, replacement: `${src("client")}index.ts` },
      { find: /^@cognito-passcode\/client\/react$/, replacement: `${src("client")}react.ts` },
      { find: /^@cognito-passcode\/client\/tabs$/, replacement: `${src("client")}tabs.ts` },
      {
        find: /^@cognito-passcode\/client\/passkeys$/,
        replacement: `${src("client")}passkeys.ts`,
      },
      {
        find: /^@cognito-passcode\/client\/cognito-identity-js$/,
        replacement: `${src("client")}cognito-identity-js.ts`,
      },
    ],
  },
  test: {
    include: [
      "packages/*/test/**/*.test.ts",
      "packages/*/test/**/*.test.tsx",
      "examples/*/test/**/*.test.ts",
    ],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: "forks",
    // FC_SEED / FC_PATH replay a fast-check counterexample (see the file).
    setupFiles: ["scripts/fast-check-replay.ts"],
  },
});
