import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM script without type declarations
import { BUDGETS, ENTRIES, measure } from "../bench/size.mjs";

/**
 * KNOWN GAP, reported in the issue: issue 4's budget for createPasscodeClient
 * with the fetch transport is 3,000 B min+gzip; it measures 5,961 B (5,884 B
 * before issue 10's checks of token answers, 6,407 B before snapshot messages
 * became codes and reserved names were left to the service). This ceiling
 * (5,884 B plus ~1.8%) is a regression guard, not the budget.
 *
 * Why the budget is out of reach without dropping behaviour the issue asks
 * for (measured on this bundle): its string literals and regexes alone, most
 * of them the wire protocol (operation, field and header names), the error
 * codes, the Cognito exception names mapped to them, the statuses, the email
 * rules and the username rule's messages, are 4,147 B minified and 1,640 B
 * gzipped on their own; the code around them (store, transitions, error
 * mapping, validation, token refresh and storage, sign-out, transport) brought
 * the bundle to 5,884 B. Rewrites of single modules for size moved it by
 * tens of bytes, some up.
 */
const REGRESSION_CEILING = 5_990;

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
