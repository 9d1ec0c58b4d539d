import type { Page } from "playwright-core";
import { describe, expect, test } from "vitest";
import {
  alertText,
  chooseUsername,
  enterCode,
  pasteCode,
  requestCode,
  signedInHandle,
} from "./flows.js";
import {
  horizontalOverflow,
  mailsTo,
  readCode,
  saveScreenshot,
  uniqueEmail,
  useScenarios,
  wrongCode,
} from "./harness.js";

const e2e = useScenarios();

/** The focused element's id, or its text for a button. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return element?.id || element?.textContent?.trim() || "";
  });
}

describe("examples/web in Chromium against the local stack", () => {
  test("a demo without passkeys says so in config.json, and neither page offers one", async () => {
    // Act
    const { page, demo } = await e2e.start({ width: 1280, height: 800 });
    const config = await (await fetch(new URL("config.json", demo.loginUrl))).json();
    await page.goto(demo.loginUrl);
    await page.getByLabel("Email address", { exact: true }).waitFor();
    const webButtons = await page.getByRole("button", { name: /passkey/i }).count();
    await page.goto(demo.vanillaUrl);
    await page.getByLabel("Email address", { exact: true }).waitFor();
    const vanillaButtons = await page.getByRole("button", { name: /passkey/i }).count();

    // Assess
    expect(config.passkeys).toBe(false);
    expect(webButtons).toBe(0);
    expect(vanillaButtons).toBe(0);
  });

  test("a new user signs up with the keyboard only and picks a username (1280 px)", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo } = scenario;
    const email = uniqueEmail("new");

    // Act: no mouse at all; each screen must put the focus where it is needed.
    await page.goto(demo.loginUrl);
    await page.getByLabel("Email address", { exact: true }).waitFor();
    await scenario.screenshot("web-1280-1-email");
    await page.keyboard.type(email);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await scenario.screenshot("web-1280-2-code");
    const code = await readCode(demo.inboxUrl, email);
    await page.keyboard.type(code);
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
    await page.keyboard.type("4lice");
    await page.getByText("Start with a letter.").waitFor();
    await scenario.screenshot("web-1280-3-username-invalid");
    await page.keyboard.press("Control+A");
    await page.keyboard.type("Alice_1");
    await page.getByText("Looks good: you will be @alice_1.").waitFor();
    await scenario.screenshot("web-1280-4-username-valid");
    await page.keyboard.press("Enter");
    const handle = await signedInHandle(page);
    await page.getByText("custom:username").waitFor();
    await scenario.screenshot("web-1280-5-signed-in");
    await page.emulateMedia({ colorScheme: "dark" });
    await scenario.screenshot("web-1280-5-signed-in-dark");

    // Assess
    expect(handle).toBe("@alice_1");
    expect(await page.getByText(email, { exact: true }).count()).toBeGreaterThan(0);
    const focused = await page.evaluate(() => document.activeElement?.textContent);
    expect(focused).toBe("You're signed in");
  });

  test("a returning user skips the username step and can paste the code (390 px)", async () => {
    // Prepare: sign up once, in another browser context.
    const scenario = await e2e.start({ width: 390, height: 844 });
    const { page, demo } = scenario;
    const email = uniqueEmail("returning");
    await requestCode(page, demo.loginUrl, email);
    await scenario.screenshot("web-390-1-code");
    await enterCode(page, await readCode(demo.inboxUrl, email));
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
    await scenario.screenshot("web-390-2-username");
    await chooseUsername(page, "bob");
    await signedInHandle(page);
    await scenario.screenshot("web-390-3-signed-in");
    expect(await horizontalOverflow(page)).toBe(0);
    const other = await e2e.browser.newContext({ viewport: { width: 390, height: 844 } });
    // Codes to one address are at least 30 s apart (the default throttle).
    demo.stack.clock.advance(31_000);

    try {
      // Act
      const again = await other.newPage();
      await requestCode(again, demo.loginUrl, email.toUpperCase());
      await pasteCode(again, `Your code: ${await readCode(demo.inboxUrl, email, 1)}`);
      const handle = await signedInHandle(again);

      // Assess
      expect(handle).toBe("@bob");
      expect(await again.getByRole("heading", { name: "Choose a username" }).count()).toBe(0);
      expect(await horizontalOverflow(again)).toBe(0);
    } finally {
      await other.close();
    }
  });

  test("a wrong code shows the attempts left, then the right code works", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 390, height: 844 });
    const { page, demo } = scenario;
    const email = uniqueEmail("wrong");
    await requestCode(page, demo.loginUrl, email);
    const code = await readCode(demo.inboxUrl, email);

    // Act
    await enterCode(page, wrongCode(code));
    const message = await alertText(page);
    await scenario.screenshot("web-390-4-wrong-code");
    await page.emulateMedia({ colorScheme: "dark" });
    await scenario.screenshot("web-390-4-wrong-code-dark");
    await page.emulateMedia({ colorScheme: "light" });
    const fieldAfterError = await page
      .getByLabel("Code from the email", { exact: true })
      .inputValue();
    // The cursor is back in the field; Tab walks the screen in reading order.
    const tabOrder: string[] = [await focusedName(page)];
    for (let i = 0; i < 3; i++) {
      await page.keyboard.press("Tab");
      tabOrder.push(await focusedName(page));
    }
    for (let i = 0; i < 3; i++) await page.keyboard.press("Shift+Tab");
    await page.keyboard.type(code);

    // Assess
    expect(message).toContain("That code isn't right.");
    expect(message).toContain("2 attempts left.");
    expect(fieldAfterError).toBe("");
    expect(tabOrder).toEqual(["code", "Verify", "Send a new code", "Use a different email"]);
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(1);
  });

  test("a taken username is refused and another one is accepted", async () => {
    // Prepare: someone else already holds "carol".
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo } = scenario;
    const first = uniqueEmail("carol");
    await requestCode(page, demo.loginUrl, first);
    await enterCode(page, await readCode(demo.inboxUrl, first));
    await chooseUsername(page, "carol");
    expect(await signedInHandle(page)).toBe("@carol");
    const other = await e2e.browser.newContext({ viewport: { width: 1280, height: 800 } });

    try {
      const second = await other.newPage();
      const email = uniqueEmail("notcarol");
      await requestCode(second, demo.loginUrl, email);
      await enterCode(second, await readCode(demo.inboxUrl, email));

      // Act
      await chooseUsername(second, "Carol");
      const message = await alertText(second);
      const praised = await second.getByText("Looks good").count();
      await saveScreenshot(second, "web-1280-6-username-taken");
      await chooseUsername(second, "carol_2");

      // Assess
      expect(message).toContain("@carol is taken. Try another one.");
      expect(message).toMatch(/\d tries left\./);
      expect(praised).toBe(0);
      expect(await signedInHandle(second)).toBe("@carol_2");
    } finally {
      await other.close();
    }
  });

  test("resend is refused during the cooldown, then works after it", async () => {
    // Prepare: the page's clock and the stack's clock move together.
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo } = scenario;
    await page.clock.install();
    // Cognito answers a throttled send with HTTP 400, which Chromium logs.
    scenario.allowConsoleError(/status of 400/);
    const email = uniqueEmail("resend");
    await requestCode(page, demo.loginUrl, email);
    const firstCode = await readCode(demo.inboxUrl, email);

    // Act: too soon.
    await page.getByRole("button", { name: "Send a new code" }).click();
    const throttled = await alertText(page);
    await page.getByRole("button", { name: /Send a new code in 0:\d\d/ }).waitFor();
    await scenario.screenshot("web-1280-7-resend-cooldown");
    // Act: after the cooldown.
    demo.stack.clock.advance(31_000);
    await page.clock.fastForward(31_000);
    await page.getByRole("button", { name: "Send a new code", exact: true }).click();
    await page.getByText("We sent a new code. Check your email.").waitFor();
    await scenario.screenshot("web-1280-8-resent");
    const secondCode = await readCode(demo.inboxUrl, email, 1);
    await enterCode(page, secondCode);

    // Assess
    expect(throttled).toMatch(/You can ask again in (30|29|28) seconds\./);
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(2);
    expect(secondCode).toMatch(/^\d{6}$/);
    expect(firstCode).toMatch(/^\d{6}$/);
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
  });

  test("sign out returns to the email screen and stays signed out after a reload", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo } = scenario;
    const email = uniqueEmail("signout");
    await requestCode(page, demo.loginUrl, email);
    await enterCode(page, await readCode(demo.inboxUrl, email));
    await chooseUsername(page, "dave");
    await signedInHandle(page);
    // The session survives a reload (cookie mode, the demo's default: the token handler's cookie).
    await page.reload();
    expect(await signedInHandle(page)).toBe("@dave");

    // Act
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await scenario.screenshot("web-1280-9-signed-out");
    await page.reload();

    // Assess
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.getByRole("heading", { name: "You're signed in" }).count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    // The token handler expired its cookie.
    const cookies = await scenario.context.cookies();
    expect(cookies.filter((cookie) => cookie.name.startsWith("__Host-"))).toEqual([]);
  });

  test("an expired code is refused and a new one can be sent", async () => {
    // Prepare: the shortest code lifetime the triggers allow, then time passes.
    const scenario = await e2e.start({
      width: 390,
      height: 844,
      stack: { triggers: { code: { ttlSeconds: 60 } } },
    });
    const { page, demo } = scenario;
    await page.clock.install();
    // Cognito answers an expired code with HTTP 400, which Chromium logs.
    scenario.allowConsoleError(/status of 400/);
    const email = uniqueEmail("expired");
    await requestCode(page, demo.loginUrl, email);
    const code = await readCode(demo.inboxUrl, email);

    // Act
    demo.stack.clock.advance(61_000);
    await page.clock.fastForward(61_000);
    await page.getByText("This code has expired. Send a new code.").waitFor();
    await enterCode(page, code);
    const message = await alertText(page);
    await scenario.screenshot("web-390-5-code-expired");

    // Assess
    expect(message).toContain("That code has expired.");
    await page.getByRole("button", { name: "Send a new code", exact: true }).click();
    await page.getByText("We sent a new code. Check your email.").waitFor();
    await enterCode(page, await readCode(demo.inboxUrl, email, 1));
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
  });
  test("'Use a different email' goes back with the address kept for editing", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 390, height: 844 });
    const { page, demo } = scenario;
    const email = uniqueEmail("typo");
    await requestCode(page, demo.loginUrl, email);

    // Act
    await page.getByRole("button", { name: "Use a different email" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // Assess
    const field = page.getByLabel("Email address", { exact: true });
    expect(await field.inputValue()).toBe(email);
    expect(await field.evaluate((input) => input === document.activeElement)).toBe(true);
  });

  test("a network error offers a retry that completes the sign-in step", async () => {
    // Prepare: the sign-in service becomes unreachable after the code was sent.
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo, context } = scenario;
    const email = uniqueEmail("offline");
    await requestCode(page, demo.loginUrl, email);
    const code = await readCode(demo.inboxUrl, email);
    // Cookie mode, the default: the page reaches Cognito through the token handler.
    const cognito = demo.tokenHandlerUrl;
    await context.route(cognito, (route) => route.abort("internetdisconnected"));
    scenario.allowConsoleError(/ERR_INTERNET_DISCONNECTED/);

    // Act
    await enterCode(page, code);
    const message = await alertText(page);
    await scenario.screenshot("web-1280-10-network-error");
    const kept = await page.getByLabel("Code from the email", { exact: true }).inputValue();
    await context.unroute(cognito);
    await page.getByRole("button", { name: "Try again" }).click();

    // Assess
    expect(message).toContain("We couldn't reach the sign-in service.");
    expect(kept).toBe(code);
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();
  });
});
