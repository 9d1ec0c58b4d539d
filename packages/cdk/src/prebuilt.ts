import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * The folder of the prebuilt Lambda handlers that `@cognito-passcode/triggers`
 * ships (`lambda/index.mjs`, `lambda/username-sweep.mjs`), resolved from
 * wherever this package is installed. No esbuild, Docker or `import.meta` in
 * your app: the CommonJS build of this package carries a shim.
 */
export function prebuiltHandlerDir(): string {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve("@cognito-passcode/triggers/package.json")), "lambda");
  if (!existsSync(join(dir, "index.mjs"))) {
    throw new Error(
      `${join(dir, "index.mjs")} is missing: reinstall @cognito-passcode/triggers (in the repository, run \`pnpm run build\`)`,
    );
  }
  return dir;
}
