import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The end-to-end suite, kept out of the root `vitest run`: real Chromium
// against the demo (local stack + built pages). Run with `pnpm test:e2e`,
// which builds first.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  test: {
    include: ["*.e2e.test.ts"],
    globalSetup: ["./global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // One browser at a time: the machine has two cores.
    fileParallelism: false,
  },
});
