// `pnpm bench`: browser bundle size of @cognito-passcode/client next to the
// alternatives, all measured the same way: esbuild --bundle --minify
// --format=esm --platform=browser, then gzip -9. Plain Node ESM, no build needed:
// our entries bundle from src (and shared's src), the anchors from node_modules.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");
const src = (file) => JSON.stringify(join(pkg, "src", file));

/**
 * Budgets in bytes min+gzip: the core from issue 11 (below every alternative), the react row from
 * issue 4, the passkeys plug-in from issue 15 (design 4.4: 2 KB without the management calls, 3 KB with).
 */
export const BUDGETS = { core: 4700, reactAdds: 400, passkeysAdds: 3072 };

/** The entries: what an app imports for a sign-in with each library. */
export const ENTRIES = {
  core: `export { createPasscodeClient } from ${src("index.ts")};`,
  coreWithReact: `export { createPasscodeClient } from ${src("index.ts")}; export { usePasscode } from ${src("react.ts")};`,
  coreWithVue: `export { createPasscodeClient } from ${src("index.ts")}; export { usePasscode } from ${src("vue.ts")};`,
  coreWithSvelte: `export { createPasscodeClient } from ${src("index.ts")}; export { passcodeStore } from ${src("svelte.ts")};`,
  coreWithTabs: `export { createPasscodeClient } from ${src("index.ts")}; export { shareAcrossTabs } from ${src("tabs.ts")};`,
  coreWithPasskeys: `export { createPasscodeClient } from ${src("index.ts")}; export { passkeys } from ${src("passkeys.ts")};`,
  coreWithIdentityJs: `export { createPasscodeClient } from ${src("index.ts")}; export { createCognitoIdentityJsTransport } from ${src("cognito-identity-js.ts")}; export { CognitoUserPool } from "amazon-cognito-identity-js";`,
  "amazon-cognito-identity-js": `export { CognitoUserPool, CognitoUser, AuthenticationDetails } from "amazon-cognito-identity-js";`,
  "aws-amplify v6": `export { Amplify } from "aws-amplify"; export { signIn, confirmSignIn } from "aws-amplify/auth";`,
  "amazon-cognito-passwordless-auth": `export { Passwordless } from "amazon-cognito-passwordless-auth"; export { requestSignInLink, signInWithLink } from "amazon-cognito-passwordless-auth/magic-link"; export { refreshTokens } from "amazon-cognito-passwordless-auth/refresh";`,
};

/** Bundles `contents` like a browser app would and returns min and min+gzip sizes. */
export async function measure(contents) {
  const result = await build({
    stdin: { contents, resolveDir: pkg, loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    // The frameworks are the app's own: an adapter row counts only the adapter.
    external: ["react", "react-dom", "vue"],
    alias: { "@cognito-passcode/shared": join(pkg, "..", "shared", "src", "index.ts") },
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

async function main() {
  const rows = [];
  const sizes = {};
  for (const [name, contents] of Object.entries(ENTRIES)) {
    try {
      sizes[name] = await measure(contents);
    } catch (error) {
      sizes[name] = { error: error.message.split("\n")[0] };
    }
  }
  const fmt = (n) => n.toLocaleString("en-US");
  const core = sizes.core;
  const reactAdds = sizes.coreWithReact.gzip - core.gzip;
  // The three modes are options of one bundle (memory: neither storage nor
  // tokenHandler; storage; cookie: tokenHandler), so they share one row.
  rows.push([
    "@cognito-passcode/client: createPasscodeClient + fetch transport (memory, storage and cookie modes)",
    core,
    `<= ${fmt(BUDGETS.core)}`,
  ]);
  rows.push([
    "@cognito-passcode/client/react: usePasscode (added bytes)",
    { min: sizes.coreWithReact.min - core.min, gzip: reactAdds },
    `<= ${fmt(BUDGETS.reactAdds)}`,
  ]);
  for (const [name, label] of [
    ["coreWithVue", "@cognito-passcode/client/vue: usePasscode (added bytes)"],
    ["coreWithSvelte", "@cognito-passcode/client/svelte: passcodeStore (added bytes)"],
    ["coreWithTabs", "@cognito-passcode/client/tabs: shareAcrossTabs (added bytes)"],
    [
      "coreWithPasskeys",
      "@cognito-passcode/client/passkeys: passkeys() with the management calls (added bytes)",
    ],
  ]) {
    const adds = sizes[name].error
      ? sizes[name]
      : { min: sizes[name].min - core.min, gzip: sizes[name].gzip - core.gzip };
    rows.push([
      label,
      adds,
      name === "coreWithPasskeys" ? `<= ${fmt(BUDGETS.passkeysAdds)}` : "measured",
    ]);
  }
  rows.push([
    "createPasscodeClient + ./cognito-identity-js transport (the library bundled too)",
    sizes.coreWithIdentityJs,
    "measured",
  ]);
  for (const name of [
    "amazon-cognito-identity-js",
    "aws-amplify v6",
    "amazon-cognito-passwordless-auth",
  ]) {
    rows.push([name, sizes[name], "anchor"]);
  }
  console.log("| bundle | min (B) | min+gzip (B) | budget |");
  console.log("| --- | ---: | ---: | --- |");
  for (const [name, size, budget] of rows) {
    if (size.error) console.log(`| ${name} | error: ${size.error} | | ${budget} |`);
    else console.log(`| ${name} | ${fmt(size.min)} | ${fmt(size.gzip)} | ${budget} |`);
  }
  const over = [
    core.gzip > BUDGETS.core && `core ${core.gzip} B (<= ${BUDGETS.core})`,
    reactAdds > BUDGETS.reactAdds && `react adds ${reactAdds} B (<= ${BUDGETS.reactAdds})`,
  ].filter(Boolean);
  if (over.length > 0) console.error(`\nover budget: ${over.join(", ")}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
