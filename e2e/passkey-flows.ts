import type { Page } from "playwright-core";
import { expect } from "vitest";
import { horizontalOverflow, saveScreenshot } from "./harness.js";

/**
 * Screenshots of `page` as it is now, at 1280 and 390 px wide, named
 * `<prefix>-<width>-<name>` in e2e/screenshots (and in /tmp with `tmp`); fails
 * when the page is wider than a 390 px screen.
 */
export async function bothWidths(
  page: Page,
  name: string,
  prefix: string,
  tmp = false,
): Promise<void> {
  const size = page.viewportSize();
  for (const [width, height] of [
    [1280, 800],
    [390, 844],
  ] as const) {
    await page.setViewportSize({ width, height });
    await saveScreenshot(page, `${prefix}-${width}-${name}`);
    if (tmp) await page.screenshot({ path: `/tmp/${prefix}-${width}-${name}.png`, fullPage: true });
  }
  expect(await horizontalOverflow(page), `${name} at 390 px`).toBe(0);
  if (size) await page.setViewportSize(size);
}

/** The value of one ID-token claim as the signed-in screen lists it. */
export async function claim(page: Page, name: string): Promise<string | undefined> {
  await page.getByText("sub", { exact: true }).waitFor();
  return page.evaluate((wanted) => {
    for (const row of Array.from(document.querySelectorAll(".claim"))) {
      if (row.querySelector("dt")?.textContent === wanted) {
        return row.querySelector("dd")?.textContent ?? undefined;
      }
    }
    return undefined;
  }, name);
}

/** Types `email` and clicks "Sign in with a passkey". */
export async function passkeySignIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Email address", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

/** Signs out from the signed-in screen and waits for the email screen. */
export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}
