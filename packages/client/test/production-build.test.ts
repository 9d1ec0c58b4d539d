import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const pkg = join(import.meta.dirname, "..");

/**
 * The client as a production bundle sees it: `process.env.NODE_ENV` defined
 * as "production" (what Vite, webpack and the size bench do), so the
 * development-only option checks are gone. Loaded from a data URL.
 */
async function productionSource(
  contents = `export { createPasscodeClient } from ${JSON.stringify(join(pkg, "src", "index.ts"))};`,
) {
  const result = await build({
    stdin: {
      contents,
      resolveDir: pkg,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "silent",
    alias: { "@cognito-passcode/shared": join(pkg, "..", "shared", "src", "index.ts") },
    define: { "process.env.NODE_ENV": '"production"' },
  });
  return result.outputFiles[0]!.text;
}

async function productionClient() {
  const source = await productionSource();
  // Nothing reads `process` at run time once the define has replaced it.
  expect(source).not.toMatch(/\bprocess\b/);
  const url = `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`;
  return (await import(url)) as typeof import("../src/index.js");
}

describe("production build", () => {
  it("still refuses a client with neither region nor endpoint, as a CONFIGURATION_ERROR", async () => {
    const { createPasscodeClient } = await productionClient();
    for (const options of [{}, { region: "" }, { region: "", endpoint: "" }]) {
      expect(() => createPasscodeClient({ clientId: "c1", ...options })).toThrow(
        expect.objectContaining({ name: "PasscodeError", code: "CONFIGURATION_ERROR" }),
      );
    }
  });

  it("still refuses storage together with tokenHandler (cookie mode must never store a token)", async () => {
    const { createPasscodeClient } = await productionClient();
    const storage = { getItem: () => null, setItem: () => undefined, removeItem: () => undefined };
    expect(() => createPasscodeClient({ clientId: "c1", tokenHandler: "/auth", storage })).toThrow(
      expect.objectContaining({ name: "PasscodeError", code: "CONFIGURATION_ERROR" }),
    );
  });

  it("leaves the development-only checks out: a malformed option is not checked", async () => {
    const { createPasscodeClient } = await productionClient();
    // Development builds throw for each of these (client.test.ts); production ones do not.
    expect(() =>
      createPasscodeClient({ clientId: "has space", region: "mars", refreshMarginMs: -1 }),
    ).not.toThrow();
  });

  it("leaves ./tabs out of a client that does not import it (and has it in one that does)", async () => {
    const core = await productionSource();
    const withTabs = await productionSource(
      `export { createPasscodeClient } from ${JSON.stringify(join(pkg, "src", "index.ts"))}; export { shareAcrossTabs } from ${JSON.stringify(join(pkg, "src", "tabs.ts"))};`,
    );
    for (const marker of ["BroadcastChannel", "locks", "localStorage"]) {
      expect(core).not.toContain(marker);
      expect(withTabs).toContain(marker);
    }
  });
});
