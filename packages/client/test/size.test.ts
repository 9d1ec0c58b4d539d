import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { BUDGETS, ENTRIES, measure } from "../bench/size.mjs";

/**
 * KNOWN GAP, reported to the lead: issue 4's budget for createPasscodeClient
 * with the fetch transport is 3,000 B min+gzip; it measures 6,352 B (down from
 * 6,977 B). This ceiling is that size plus ~2%, a regression guard, not the
 * budget.
 *
 * Why the budget is out of reach without dropping required behaviour: the
 * parts of shared the client must run (email check, code check,
 * validateUsername with the reserved list and its messages,
 * parseChallengeParameters, parseTriggerError, PasscodeError for option
 * errors, DEFAULT_ERROR_MESSAGES for snapshot errors) are ~2,380 B min+gzip on
 * their own. The client's own code (store, transitions, error mapping, token
 * refresh and storage, option checks, fetch transport) is ~4,560 B on its own;
 * bundled together they share some of gzip's dictionary.
 */
const REGRESSION_CEILING = 6_480;

// Measured as `pnpm bench` measures (esbuild --bundle --minify --format=esm
// --platform=browser, gzip -9).
describe("bundle size", () => {
  it(`createPasscodeClient with the fetch transport stays under ${REGRESSION_CEILING} B min+gzip (issue budget: ${BUDGETS.core} B, not met)`, async () => {
    const { gzip } = await measure(ENTRIES.core);
    expect(gzip).toBeLessThanOrEqual(REGRESSION_CEILING);
  });

  it(`the react subpath adds at most ${BUDGETS.reactAdds} B min+gzip`, async () => {
    const [core, withReact] = await Promise.all([
      measure(ENTRIES.core),
      measure(ENTRIES.coreWithReact),
    ]);
    expect(withReact.gzip - core.gzip).toBeLessThanOrEqual(BUDGETS.reactAdds);
  });
});
