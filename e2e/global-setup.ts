import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const NEEDED = [
  "packages/local/dist/index.js",
  "packages/token-handler/dist/node.js",
  // The demo's passkey removal notice (createPasskeyNotifier).
  "packages/triggers/dist/index.js",
  // The pages' passkey plug-in (the passkeys tests need it in the page bundles).
  "packages/client/dist/passkeys.js",
  "examples/web/dist/index.html",
  "examples/vanilla/dist/index.html",
];

/**
 * Fails early, and clearly, when the built files the tests serve are missing.
 * `pnpm test:e2e` builds them first (`node scripts/demo.mjs --build-only`).
 */
export default async function setup(): Promise<void> {
  const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  await access(chromium, constants.X_OK).catch(() => {
    throw new Error(
      `no Chromium at ${chromium}: apt-get install -y chromium (or set CHROMIUM_PATH)`,
    );
  });
  for (const path of NEEDED) {
    const file = fileURLToPath(new URL(`../${path}`, import.meta.url));
    await access(file).catch(() => {
      throw new Error(`${path} is missing: run \`pnpm test:e2e\`, which builds first`);
    });
  }
}
