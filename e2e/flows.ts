import type { Page } from "playwright-core";
import { readCode } from "./harness.js";

/** Opens the page and asks for a code for `email`, by mouse and form fields. */
export async function requestCode(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Email address", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Send code" }).click();
  await page.getByRole("heading", { name: "Check your email" }).waitFor();
}

/** Types the code into the code field; the page submits it once it is complete. */
export async function enterCode(page: Page, code: string): Promise<void> {
  await page.getByLabel("Code from the email", { exact: true }).fill(code);
}

/** Pastes `text` into the code field, as the clipboard would. */
export async function pasteCode(page: Page, text: string): Promise<void> {
  const field = page.getByLabel("Code from the email", { exact: true });
  await field.focus();
  await field.evaluate((input, pasted) => {
    const data = new DataTransfer();
    data.setData("text/plain", pasted);
    input.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true }));
  }, text);
}

/** Picks a username and continues. */
export async function chooseUsername(page: Page, name: string): Promise<void> {
  await page.getByLabel("Username", { exact: true }).fill(name);
  await page.getByRole("button", { name: "Continue" }).click();
}

/** Waits for the signed-in screen and returns the `@username` it shows. */
export async function signedInHandle(page: Page): Promise<string> {
  await page.getByRole("heading", { name: "You're signed in" }).waitFor();
  return (await page.getByTestId("handle").textContent())?.trim() ?? "";
}

/** The text of the alert on screen, once there is one. */
export async function alertText(page: Page): Promise<string> {
  const alert = page.getByRole("alert").first();
  await alert.waitFor();
  return (await alert.textContent()) ?? "";
}

/**
 * Signs `email` up from the email screen to the signed-in screen (code from
 * the inbox, then `username`), and returns the `@username` shown.
 */
export async function signUp(
  page: Page,
  url: string,
  inboxUrl: string,
  email: string,
  username: string,
): Promise<string> {
  await requestCode(page, url, email);
  await enterCode(page, await readCode(inboxUrl, email));
  await chooseUsername(page, username);
  return signedInHandle(page);
}
