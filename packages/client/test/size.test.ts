import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { BUDGETS, ENTRIES, measure } from "../bench/size.mjs";

/**
 * KNOWN GAP, reported in issue 11's note: its budget for createPasscodeClient
 * with the fetch transport is 4,700 B min+gzip; it measures 5,620 B after
 * issue 11 (5,961 B before it, with less behaviour: the development-only
 * option checks saved 430 B, measured as the same bundle built with
 * NODE_ENV=development, the one-pattern email rule 94 B, a one-pattern read
 * of trigger errors 85 B; issue 11's own additions, INVALID_STATE and the wait for
 * a restore, the timeout and abort, the error cause, and the review's fixes
 * to them cost about 270 B back).
 * What each required behaviour costs in this bundle was measured by leaving
 * it out, one at a time: the client-side username check 233 B, the trigger
 * error read 211 B, the exception table 126 B, the email check 118 B,
 * autoSignUp 112 B, restore retries 57 B, global sign-out 49 B, the refresh
 * after the username step 47 B; a rewrite of the transition function for
 * size saved 13 B. The gap (920 B) is more
 * than all the optional ones together. This ceiling (5,620 B plus ~1%) is a
 * regression guard, not the budget.
 */
//
// Issue 15 (passkeys), shared protocol: the six PASSKEY_* error codes (the
// client reads trigger errors against the code list) and the decoding of the
// PASSKEY and ENROL challenges took the core from 6,324 B to 6,505 B before
// any client change. The client's part (issue 15, design 4.2-4.3) took it to
// 6,889 B (+384): measured by cutting each piece out of the minified bundle,
// the switch to a code and the skip of an enrolment about 60 B (the target was
// under 150 B for these alone), the eight passkey methods that reject with
// CONFIGURATION_ERROR without the plug-in about 100 B, the plug-in's seam
// (connect, its transition first, challenges handed over) about 75 B, the
// enrolPasskey flag on every answer about 35 B, ClientMetadata in the fetch
// transport, signedIn.method and the busy-status test the rest. The review's
// fail-closed PASSKEY after any answer (no switch/skip loop) took it to 6,895 B.
// Measured again in the review (pnpm bench's build, each piece deleted): the
// eight rejecting methods cost 50 B, not 100 (6,889 -> 6,839 B without them;
// a list of their names split at run time instead measured 6,909 B), the
// switch and the skip 84 B with the review's fix. Sending ClientMetadata when
// the enrolment flag or an answer's metadata is set, instead of counting its
// keys, took the core back from 6,895 B to 6,889 B (same requests). Carrying
// the plug-in's passkey proof on every later answer (a USERNAME step after a
// passkey sign-in kept the claim "otp") took it to 6,900 B: at the ceiling.
// Then 6,916 B: a listener that signs out inside the signedIn notification
// left a rotated refresh token in storage (found by the lifecycle property on
// CI); the fix compares the epoch around the dispatch (+13 B), and the
// methods renamed from use* to retryPasskey/switchToCode so React's hook lint
// leaves them alone (+3 B). The ceiling moved with them, by these bytes only.
// Then 6,920 B: with `tabs` that fix left the rotated token unrevoked (the
// sign-out revokes what it takes from storage under the lock, and found the
// old one); the write is kept with `tabs` (+4 B), and the ceiling moved by it.
// Then the rotated token queued for storage before the dispatch instead (with
// `tabs` but no lock to take, the kept write landed after the sign-out's
// takes): 6,920 B, unchanged. Then 6,924 B: a sign-in no longer tells the
// other tabs "signedIn" after a sign-out that came while its token was being
// stored (they heard "signedOut" first and restored the ended session); +4 B.
const REGRESSION_CEILING = 6_924;

/**
 * Issue 12 (cookie mode, refresh-token rotation, the tab hooks, the token
 * lifecycle in its own module) took the core from 5,618 B to 6,137 B; the
 * tab hooks alone are about 105 B of that (measured by leaving them out).
 * The issue's review fixes (a reused rotated token ends the session and
 * leaves another tab's newer stored token, a sign-out revokes under the tabs'
 * lock but leaves a sign-in made meanwhile, getTokens waits for a restore
 * another tab's sign-in started) took it
 * to 6,226 B. The ceiling is that figure plus ~1%, plus 47 B for the server
 * render's relative `tokenHandler` (no restore, no revocation there; measured
 * as 6,246 B before it and 6,293 B after). `./tabs` is its own entry point:
 * a client that does not import it does not bundle it (test below).
 */
const TABS_ADDS_CEILING = 450;

const here = dirname(fileURLToPath(import.meta.url));

/** The minified bundle of `contents`, as `measure` builds it. */
async function bundle(contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: join(here, ".."), loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
    external: ["react", "react-dom", "vue"],
    alias: { "@cognito-passcode/shared": join(here, "..", "..", "shared", "src", "index.ts") },
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis" },
  });
  return result.outputFiles[0]!.text;
}

// Measured as `pnpm bench` measures (esbuild --bundle --minify --format=esm
// --platform=browser, gzip -9).
describe("bundle size", () => {
  it(`createPasscodeClient with the fetch transport (every mode) stays under ${REGRESSION_CEILING} B min+gzip (issue 11 budget: ${BUDGETS.core} B, not met)`, async () => {
    const { gzip } = await measure(ENTRIES.core);
    expect(gzip).toBeLessThanOrEqual(REGRESSION_CEILING);
  });

  it(`the tabs subpath adds at most ${TABS_ADDS_CEILING} B min+gzip, and only when imported`, async () => {
    const [core, withTabs] = await Promise.all([
      measure(ENTRIES.core),
      measure(ENTRIES.coreWithTabs),
    ]);
    expect(withTabs.gzip - core.gzip).toBeGreaterThan(0);
    expect(withTabs.gzip - core.gzip).toBeLessThanOrEqual(TABS_ADDS_CEILING);
  });

  it(`the passkeys subpath adds at most ${BUDGETS.passkeysAdds} B min+gzip with the management calls, and only when imported`, async () => {
    const [core, withPasskeys] = await Promise.all([
      measure(ENTRIES.core),
      measure(ENTRIES.coreWithPasskeys),
    ]);
    // Measured 2,359 B (8,018 B minified) added with list/rename/remove; 2,522 B
    // (8,634 B) after the review's fixes (the management calls' timeout, the check of
    // ListPasskeys' entries, options the parser refuses, a double click joining the
    // open dialog), 2,555 B after the proof carried on later answers; design 4.4's
    // target is 2 KB without the management calls and 3 KB with them.
    expect(withPasskeys.gzip - core.gzip).toBeGreaterThan(1_000);
    expect(withPasskeys.gzip - core.gzip).toBeLessThanOrEqual(BUDGETS.passkeysAdds);
  });

  it("a client that does not import ./passkeys bundles none of it", async () => {
    const [core, withPasskeys] = await Promise.all([
      bundle(ENTRIES.core),
      bundle(ENTRIES.coreWithPasskeys),
    ]);
    // Strings only the plug-in holds: its ceremonies, the management target, the fallback.
    for (const marker of [
      "CognitoPasscodeService",
      "parseRequestOptionsFromJSON",
      "navigator",
      "passcode:passkeyChallenge",
      "passcode:passkeyName",
      "signalUnknownCredential",
    ]) {
      expect(withPasskeys).toContain(marker);
      expect(core).not.toContain(marker);
    }
  });

  it(`the react subpath adds at most ${BUDGETS.reactAdds} B min+gzip`, async () => {
    const [core, withReact] = await Promise.all([
      measure(ENTRIES.core),
      measure(ENTRIES.coreWithReact),
    ]);
    expect(withReact.gzip - core.gzip).toBeLessThanOrEqual(BUDGETS.reactAdds);
  });
});
