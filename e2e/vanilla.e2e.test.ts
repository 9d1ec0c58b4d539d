import { describe, expect, test } from "vitest";
import { enterCode, requestCode } from "./flows.js";
import { horizontalOverflow, readCode, uniqueEmail, useScenarios, wrongCode } from "./harness.js";

const e2e = useScenarios();

describe("examples/vanilla (plain DOM, no framework) in Chromium", () => {
  test("a new user signs up, picks a username, signs out (390 px)", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 390, height: 844 });
    const { page, demo } = scenario;
    const email = uniqueEmail("vanilla");

    // Act
    await requestCode(page, demo.vanillaUrl, email);
    await scenario.screenshot("vanilla-390-1-code");
    const code = await readCode(demo.inboxUrl, email);
    await enterCode(page, wrongCode(code));
    await page.getByText("That code is not right. 2 attempts left.").waitFor();
    await scenario.screenshot("vanilla-390-2-wrong-code");
    await enterCode(page, code);
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
    await page.getByLabel("Username", { exact: true }).fill("Erin");
    await page.getByText("You will be @erin.").waitFor();
    await scenario.screenshot("vanilla-390-3-username");
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { name: "You're signed in" }).waitFor();
    await page.getByText('"custom:username": "erin"').waitFor();
    await scenario.screenshot("vanilla-390-4-signed-in");
    const handle = await page.locator("#handle").textContent();
    const overflow = await horizontalOverflow(page);
    await page.getByRole("button", { name: "Sign out" }).click();

    // Assess
    expect(handle).toBe("@erin");
    expect(overflow).toBe(0);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });
});
