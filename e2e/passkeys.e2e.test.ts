import type { Page, Request } from "playwright-core";
import { describe, expect, test } from "vitest";
import { chooseUsername, enterCode, requestCode, signedInHandle } from "./flows.js";
import {
  mailsTo,
  readCode,
  type Scenario,
  saveScreenshot,
  uniqueEmail,
  useScenarios,
} from "./harness.js";
import { claim, passkeySignIn, bothWidths as screenshots, signOut } from "./passkey-flows.js";
import { addVirtualAuthenticator } from "./webauthn.js";

const e2e = useScenarios();

/** Screenshots at 1280 and 390 px, named `passkeys-<width>-<name>`. */
const bothWidths = (page: Page, name: string) => screenshots(page, name, "passkeys");

/**
 * A first sign-in that enrols a passkey: code (with "Sign in faster next
 * time with a passkey" ticked), username, the browser's registration through
 * the virtual authenticator, then the signed-in screen.
 */
async function signUpWithPasskey(
  scenario: Scenario,
  email: string,
  username: string,
  shots = false,
): Promise<void> {
  const { page, demo } = scenario;
  await requestCode(page, demo.loginUrl, email);
  await page.getByLabel("Sign in faster next time with a passkey").check();
  if (shots) await bothWidths(page, "2-code-with-offer");
  await enterCode(page, await readCode(demo.inboxUrl, email));
  await page.getByRole("heading", { name: "Choose a username" }).waitFor();
  // The choice carries over to the username step.
  expect(await page.getByLabel("Sign in faster next time with a passkey").isChecked()).toBe(true);
  await page.getByLabel("Username", { exact: true }).fill(username);
  if (shots) await bothWidths(page, "3-username-with-offer");
  await page.getByRole("button", { name: "Continue" }).click();
  await signedInHandle(page);
}

describe("passkeys in Chromium (virtual authenticator) against the local stack", () => {
  test("enrol at the first sign-in, then sign in with the passkey and no email; a removed passkey falls back to the code", {
    timeout: 120_000,
  }, async () => {
    // Prepare
    const scenario = await e2e.start({ passkeys: true });
    const { page, demo } = scenario;
    const authenticator = await addVirtualAuthenticator(page);
    const email = uniqueEmail("passkey");

    // Act 1: first sign-in with enrolment.
    await page.goto(demo.loginUrl);
    await page.getByRole("button", { name: "Sign in with a passkey" }).waitFor();
    await bothWidths(page, "1-email");
    await signUpWithPasskey(scenario, email, "pia", true);
    await page.getByText("Passkey created.").waitFor();
    await page.getByTestId("passkey").first().waitFor();
    await bothWidths(page, "4-signed-in-enrolled");
    const stored = await authenticator.credentials();
    const firstAmr = await claim(page, "passcode_amr");

    // Assess 1: one discoverable credential for localhost; the sign-in was a code.
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ isResidentCredential: true, rpId: "localhost" });
    expect(await page.getByTestId("passkey").count()).toBe(1);
    expect(firstAmr).toBe("otp");

    // Act 2: rename it through the Passkeys panel.
    await page.getByRole("button", { name: /^Rename / }).click();
    await page.getByLabel("New name").fill("Work laptop");
    await bothWidths(page, "5-rename");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Renamed to “Work laptop”.").waitFor();
    const renamed = await page.getByTestId("passkey").first().textContent();
    expect(renamed).toContain("Work laptop");
    expect(renamed).toContain("Last used never");
    expect(renamed).toContain("On one device only");

    // Act 3: sign out, sign in with the passkey.
    await signOut(page);
    const mailsBefore = (await mailsTo(demo.inboxUrl, email)).length;
    const targets: string[] = [];
    const listen = (request: Request) => {
      const target = request.headers()["x-amz-target"]?.split(".")[1];
      if (target && /^(SignUp|InitiateAuth|RespondToAuthChallenge)$/.test(target)) {
        targets.push(target);
      }
    };
    page.on("request", listen);
    await passkeySignIn(page, demo.loginUrl, email);
    await signedInHandle(page);
    page.off("request", listen);
    const method = await page.getByTestId("sign-in-method").textContent();
    const amr = await claim(page, "passcode_amr");
    await page.getByText(/Last used (?!never)/).waitFor();
    await bothWidths(page, "6-signed-in-with-passkey");
    const mailsAfter = (await mailsTo(demo.inboxUrl, email)).length;

    // Assess 3: signed in by the passkey, no email sent, the claim says so.
    expect(method).toContain("Signed in with a passkey");
    // Two requests to Cognito (through the token handler), no SignUp.
    expect(targets).toEqual(["InitiateAuth", "RespondToAuthChallenge"]);
    expect(mailsAfter).toBe(mailsBefore);
    expect(amr).toBe("pop mfa");
    // The authenticator's counter moved on: the server accepted a higher one.
    expect((await authenticator.credentials())[0]?.signCount).toBeGreaterThan(
      stored[0]?.signCount ?? Number.POSITIVE_INFINITY,
    );

    // Act 4: remove it through the panel (a recent sign-in), sign out, try the passkey.
    await page.getByRole("button", { name: "Remove Work laptop" }).click();
    await bothWidths(page, "7-remove-confirm");
    await page.getByRole("button", { name: "Remove passkey" }).click();
    await page.getByText("Removed “Work laptop”.").waitFor();
    await page.getByText(/No passkeys yet/).waitFor();
    await bothWidths(page, "8-removed");
    await signOut(page);
    await passkeySignIn(page, demo.loginUrl, email);
    // The browser may still offer the dead passkey (the server refuses it) or
    // may have dropped it on the client's signal (no passkey: a cancel).
    const alert = page.getByRole("alert").first();
    await alert.waitFor();
    const refused = await alert.getAttribute("data-error-code");
    await bothWidths(page, "9-removed-passkey-refused");
    const mailsBeforeCode = await mailsTo(demo.inboxUrl, email);
    // Past the throttle's minimum interval since the first code (the stack's clock).
    demo.stack.clock.advance(60_000);
    await page.getByRole("button", { name: "Email me a code instead" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await enterCode(page, await readCode(demo.inboxUrl, email, mailsBeforeCode.length));
    const handle = await signedInHandle(page);

    // Assess 4: refused as a passkey, signed in by the code; the user was told
    // by email when the passkey was added (Verify) and when it was removed
    // (the demo's token handler, through the stack's SES).
    expect(["PASSKEY_REJECTED", "PASSKEY_CANCELLED"]).toContain(refused);
    const notices = mailsBeforeCode.slice(1).map((mail) => mail.subject);
    expect(notices).toEqual([
      "A passkey was added to your account",
      "A passkey was removed from your account",
    ]);
    expect(mailsBeforeCode.at(-1)?.body.text).toContain(
      'A passkey named "Work laptop" was removed',
    );
    expect(handle).toBe("@pia");
    expect(await claim(page, "passcode_amr")).toBe("otp");
  });

  test("a second browser profile without the passkey signs in with the code", async () => {
    // Prepare: enrol in one context (one person's laptop).
    const scenario = await e2e.start({ passkeys: true });
    const { page, demo } = scenario;
    await addVirtualAuthenticator(page);
    const email = uniqueEmail("profiles");
    await signUpWithPasskey(scenario, email, "quinn");
    await signOut(page);

    // Act: another profile (its own context and authenticator, holding nothing).
    const other = await e2e.browser.newContext({ viewport: { width: 390, height: 844 } });
    try {
      const otherPage = await other.newPage();
      const empty = await addVirtualAuthenticator(otherPage);
      await passkeySignIn(otherPage, demo.loginUrl, email);
      await otherPage.getByRole("heading", { name: "Sign in with your passkey" }).waitFor();
      const error = await otherPage.getByRole("alert").first().getAttribute("data-error-code");
      await saveScreenshot(otherPage, "passkeys-390-10-other-profile-no-passkey");
      const mailsBefore = (await mailsTo(demo.inboxUrl, email)).length;
      // Seconds after the sign-up's code: the throttle refuses a new one and
      // says when; the email screen comes back with the address filled in.
      await otherPage.getByRole("button", { name: "Email me a code instead" }).click();
      await otherPage.getByText(/You can ask again in \d+ seconds/).waitFor();
      await saveScreenshot(otherPage, "passkeys-390-10b-code-throttled");
      demo.stack.clock.advance(60_000);
      await otherPage.getByRole("button", { name: "Send code" }).click();
      await otherPage.getByRole("heading", { name: "Check your email" }).waitFor();
      await enterCode(otherPage, await readCode(demo.inboxUrl, email, mailsBefore));
      const handle = await signedInHandle(otherPage);

      // Assess
      expect(error).toBe("PASSKEY_CANCELLED");
      expect(await empty.credentials()).toHaveLength(0);
      expect(handle).toBe("@quinn");
    } finally {
      await other.close();
    }
  });

  test("another account's passkey on the device is refused for this address, with the tries left", async () => {
    // Prepare: the device holds a passkey of one account.
    const scenario = await e2e.start({ passkeys: true });
    const { page, demo } = scenario;
    await addVirtualAuthenticator(page);
    await signUpWithPasskey(scenario, uniqueEmail("owner"), "olga");
    await signOut(page);
    const other = uniqueEmail("other");

    // Act: sign in as another address; the browser offers the only passkey it has.
    await passkeySignIn(page, demo.loginUrl, other);
    await page.getByRole("heading", { name: "Sign in with your passkey" }).waitFor();
    const alert = page.getByRole("alert").first();
    await alert.getByText(/tries left/).waitFor();
    const code = await alert.getAttribute("data-error-code");
    const text = await alert.textContent();
    await bothWidths(page, "10c-other-accounts-passkey-rejected");

    // Assess: refused by the server, two assertions left, nothing sent to the address.
    expect(code).toBe("PASSKEY_REJECTED");
    expect(text).toContain("2 tries left.");
    expect(await mailsTo(demo.inboxUrl, other)).toHaveLength(0);
    expect(await page.getByRole("button", { name: "Try your passkey again" }).count()).toBe(1);
  });

  test("a cancelled ceremony shows the error; the enrolment can be tried again and the sign-in falls back to the code", async () => {
    // Prepare
    const scenario = await e2e.start({ passkeys: true });
    const { page, demo } = scenario;
    const authenticator = await addVirtualAuthenticator(page);
    const email = uniqueEmail("cancel");

    // Act 1: the registration fails user verification (as a dismissed prompt).
    await authenticator.setUserVerified(false);
    await requestCode(page, demo.loginUrl, email);
    await page.getByLabel("Sign in faster next time with a passkey").check();
    await enterCode(page, await readCode(demo.inboxUrl, email));
    await chooseUsername(page, "rene");
    await page.getByRole("heading", { name: "Create a passkey" }).waitFor();
    const enrolError = await page.getByRole("alert").first().getAttribute("data-error-code");
    await bothWidths(page, "11-enrol-cancelled");
    const enrolledWhileCancelled = await authenticator.credentials();
    await authenticator.setUserVerified(true);
    await page.getByRole("button", { name: "Try again" }).click();
    await signedInHandle(page);
    await page.getByText("Passkey created.").waitFor();

    // Assess 1
    expect(enrolError).toBe("PASSKEY_CANCELLED");
    expect(enrolledWhileCancelled).toHaveLength(0);
    expect(await authenticator.credentials()).toHaveLength(1);

    // Act 2: the sign-in's ceremony fails the same way; then the code.
    await signOut(page);
    await authenticator.setUserVerified(false);
    const mailsBefore = (await mailsTo(demo.inboxUrl, email)).length;
    await passkeySignIn(page, demo.loginUrl, email);
    await page.getByRole("heading", { name: "Sign in with your passkey" }).waitFor();
    const signInError = await page.getByRole("alert").first().getAttribute("data-error-code");
    const shown = await page.getByRole("alert").first().textContent();
    await bothWidths(page, "12-sign-in-cancelled");
    demo.stack.clock.advance(60_000);
    await page.getByRole("button", { name: "Email me a code instead" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await enterCode(page, await readCode(demo.inboxUrl, email, mailsBefore));
    const handle = await signedInHandle(page);

    // Assess 2
    expect(signInError).toBe("PASSKEY_CANCELLED");
    expect(shown).toContain("cancelled or timed out");
    expect(handle).toBe("@rene");
    expect(await claim(page, "passcode_amr")).toBe("otp");
  });

  test("removing a passkey on a sign-in older than 10 minutes asks to sign in again", async () => {
    // Prepare: the stack's clock runs 11 minutes behind the token handler's,
    // so every sign-in's auth_time is already 11 minutes old for the handler.
    const scenario = await e2e.start({
      passkeys: true,
      stack: { now: () => Date.now() - 11 * 60_000 },
    });
    const { page } = scenario;
    // The handler's refusal is a 400, which Chromium logs.
    scenario.allowConsoleError(/status of 400/);
    const authenticator = await addVirtualAuthenticator(page);
    await signUpWithPasskey(scenario, uniqueEmail("stale"), "sam");

    // Act
    await page.getByRole("button", { name: /^Remove / }).click();
    await page.getByRole("button", { name: "Remove passkey" }).click();
    const alert = page.getByRole("alert").first();
    await alert.getByText("needs a sign-in from the last few minutes").waitFor();
    await bothWidths(page, "16-remove-needs-recent-sign-in");
    const listed = await page.getByTestId("passkey").count();
    await page.getByRole("button", { name: "Sign in again" }).click();

    // Assess: nothing removed; "Sign in again" leads to the sign-in screen.
    expect(listed).toBe(1);
    expect(await authenticator.credentials()).toHaveLength(1);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });

  test("examples/vanilla signs in with a passkey enrolled on the React page", async () => {
    // Prepare: enrol on the React page (same origin, same RP id).
    const scenario = await e2e.start({ passkeys: true });
    const { page, demo } = scenario;
    const authenticator = await addVirtualAuthenticator(page);
    const email = uniqueEmail("vanilla-passkey");
    await signUpWithPasskey(scenario, email, "vera");
    await signOut(page);
    const mailsBefore = (await mailsTo(demo.inboxUrl, email)).length;

    // Act
    await page.goto(demo.vanillaUrl);
    await page.getByLabel("Email address", { exact: true }).fill(email);
    await bothWidths(page, "13-vanilla-email");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("heading", { name: "You're signed in" }).waitFor();
    await page.getByText('"passcode_amr": "pop mfa"').waitFor();
    await bothWidths(page, "14-vanilla-signed-in");
    const handle = await page.locator("#handle").textContent();

    // Act 2: a cancelled ceremony on the vanilla page, then the code.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await authenticator.setUserVerified(false);
    await page.getByLabel("Email address", { exact: true }).fill(email);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.getByRole("heading", { name: "Sign in with your passkey" }).waitFor();
    await page.getByText("The passkey request was cancelled or timed out.").waitFor();
    await bothWidths(page, "15-vanilla-cancelled");
    demo.stack.clock.advance(60_000);
    await page.getByRole("button", { name: "Email me a code instead" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await enterCode(page, await readCode(demo.inboxUrl, email, mailsBefore));
    await page.getByRole("heading", { name: "You're signed in" }).waitFor();

    // Assess
    expect(handle).toBe("@vera");
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(mailsBefore + 1);
    await page.getByText('"passcode_amr": "otp"').waitFor();
  });
});
