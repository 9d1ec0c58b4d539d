import type { CDPSession, Page } from "playwright-core";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { enterCode, requestCode, signedInHandle } from "./flows.js";
import {
  horizontalOverflow,
  mailsTo,
  readCode,
  type Scenario,
  saveScreenshot,
  uniqueEmail,
  useScenarios,
} from "./harness.js";
import { addVirtualAuthenticator } from "./webauthn.js";

const e2e = useScenarios();

// Everything the demo's own server (local stack, triggers, token handler) logs
// while a test runs: it runs in this process.
let serverLog: string[] = [];
const methods = ["log", "info", "warn", "error", "debug"] as const;
const originals = methods.map((name) => console[name]);
beforeEach(() => {
  serverLog = [];
  for (const name of methods) {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      serverLog.push(
        args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "),
      );
      original.apply(console, args);
    };
  }
});
afterEach(() => {
  methods.forEach((name, i) => {
    console[name] = originals[i]!;
  });
});

/** Screenshots of `page` as it is now, at 1280 and 390 px wide, in /tmp and e2e/screenshots. */
async function bothWidths(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 1280, height: 800 });
  await saveScreenshot(page, `passkeys-adv-1280-${name}`);
  await page.screenshot({ path: `/tmp/passkeys-adv-1280-${name}.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await saveScreenshot(page, `passkeys-adv-390-${name}`);
  await page.screenshot({ path: `/tmp/passkeys-adv-390-${name}.png`, fullPage: true });
  expect(await horizontalOverflow(page), `${name} at 390 px`).toBe(0);
  if (size) await page.setViewportSize(size);
}

/** The value of one ID-token claim as the signed-in screen lists it. */
async function claim(page: Page, name: string): Promise<string | undefined> {
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

async function passkeySignIn(page: Page, url: string, email: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel("Email address", { exact: true }).fill(email);
  await page.getByRole("button", { name: "Sign in with a passkey" }).click();
}

async function signUpWithPasskey(scenario: Scenario, email: string, username: string) {
  const { page, demo } = scenario;
  await requestCode(page, demo.loginUrl, email);
  await page.getByLabel("Sign in faster next time with a passkey").check();
  await enterCode(page, await readCode(demo.inboxUrl, email));
  await page.getByRole("heading", { name: "Choose a username" }).waitFor();
  await page.getByLabel("Username", { exact: true }).fill(username);
  await page.getByRole("button", { name: "Continue" }).click();
  await signedInHandle(page);
  await page.getByText("Passkey created.").waitFor();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

/** A raw authenticator handle on `page` (to swap, hang or remove authenticators). */
async function cdpOf(page: Page): Promise<CDPSession> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  return cdp;
}

async function addAuthenticator(cdp: CDPSession, presence = true): Promise<string> {
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: presence,
    },
  });
  return authenticatorId;
}

/** Secrets that must never reach a log: the full address, codes, JWTs. */
function leaks(lines: string[], email: string, codes: string[]): string[] {
  return lines.filter(
    (line) =>
      line.toLowerCase().includes(email.toLowerCase()) ||
      codes.some((code) => line.includes(code)) ||
      /eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/.test(line),
  );
}

/** Calls the token handler from inside `page` (same origin, its cookie), as the client does. */
const PAGE_CALL = `async (target, body) => {
  const config = await (await fetch("/config.json")).json();
  const response = await fetch(config.tokenHandler, {
    method: "POST",
    credentials: "include",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "AWSCognitoIdentityProviderService." + target,
      "x-cognito-passcode": "1",
    },
    body: JSON.stringify({ ClientId: config.clientId, ...body }),
  });
  return { status: response.status, data: await response.json() };
}`;

interface Step {
  status: number;
  data: {
    Session?: string;
    ChallengeParameters?: Record<string, string>;
    AuthenticationResult?: { IdToken?: string };
  };
}

/** InitiateAuth for `email` and the assertion of the page's authenticator, with `metadata`. */
async function assertInPage(
  page: Page,
  email: string,
  metadata: (challenge: string) => Record<string, string>,
) {
  const init = (await page.evaluate(
    `(${PAGE_CALL})("InitiateAuth", { AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: ${JSON.stringify(email)} } })`,
  )) as Step;
  const options = JSON.parse(init.data.ChallengeParameters!.options!) as { challenge: string };
  const assertion = await page.evaluate(async (json) => {
    // biome-ignore lint/suspicious/noExplicitAny: Chromium's WebAuthn JSON helpers
    const statics = PublicKeyCredential as any;
    const credential = await navigator.credentials.get({
      publicKey: statics.parseRequestOptionsFromJSON(json),
    });
    // biome-ignore lint/suspicious/noExplicitAny: toJSON
    return JSON.stringify((credential as any).toJSON());
  }, options);
  const answer = (await page.evaluate(
    `(${PAGE_CALL})("RespondToAuthChallenge", ${JSON.stringify({
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: init.data.Session,
      ChallengeResponses: { USERNAME: email, ANSWER: assertion },
      ClientMetadata: metadata(options.challenge),
    })})`,
  )) as Step;
  return { challenge: options.challenge, answer };
}

/** The registration for an ENROL challenge, answered with `metadata`; the ID token's passcode_amr. */
async function registerInPage(
  page: Page,
  email: string,
  enrol: Step,
  metadata: Record<string, string>,
) {
  const options = JSON.parse(enrol.data.ChallengeParameters!.options!);
  const registration = await page.evaluate(async (json) => {
    // biome-ignore lint/suspicious/noExplicitAny: Chromium's WebAuthn JSON helpers
    const statics = PublicKeyCredential as any;
    const credential = await navigator.credentials.create({
      publicKey: statics.parseCreationOptionsFromJSON(json),
    });
    // biome-ignore lint/suspicious/noExplicitAny: toJSON
    return JSON.stringify((credential as any).toJSON());
  }, options);
  const answer = (await page.evaluate(
    `(${PAGE_CALL})("RespondToAuthChallenge", ${JSON.stringify({
      ChallengeName: "CUSTOM_CHALLENGE",
      Session: enrol.data.Session,
      ChallengeResponses: { USERNAME: email, ANSWER: registration },
      ClientMetadata: metadata,
    })})`,
  )) as Step;
  return amrOf(answer);
}

function amrOf(answer: Step): string | undefined {
  const token = answer.data.AuthenticationResult?.IdToken;
  if (!token) throw new Error(`no tokens: ${answer.status} ${JSON.stringify(answer.data)}`);
  const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"));
  return payload.passcode_amr;
}

describe("passkeys under attack in Chromium (virtual authenticator, the demo on localhost)", () => {
  test("a 64-character name with no space fits the Passkeys panel at 390 px (renamed, remove question, removed)", {
    timeout: 90_000,
  }, async () => {
    // Prepare
    const scenario = await e2e.start({ passkeys: true, width: 390, height: 844 });
    const { page } = scenario;
    await addVirtualAuthenticator(page);
    await signUpWithPasskey(scenario, uniqueEmail("longname"), "lena");
    const name = "W".repeat(70); // the field keeps 64

    // Act
    await page.getByRole("button", { name: /^Rename / }).click();
    await page.getByLabel("New name").fill(name);
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText(/^Renamed to/).waitFor();
    await bothWidths(page, "long-name-renamed");
    const renamed = await horizontalOverflow(page);
    await page.getByRole("button", { name: /^Remove / }).click();
    await page.getByRole("button", { name: "Remove passkey" }).waitFor();
    await bothWidths(page, "long-name-remove-question");
    const asked = await horizontalOverflow(page);
    await page.getByRole("button", { name: "Remove passkey" }).click();
    await page.getByText(/^Removed/).waitFor();
    await bothWidths(page, "long-name-removed");

    // Assess
    expect(renamed).toBe(0);
    expect(asked).toBe(0);
    expect(await horizontalOverflow(page)).toBe(0);
  });

  test("hostile names in the panel: HTML is text, emoji kept, a bidi override is refused with a reason (not 'a problem')", {
    timeout: 90_000,
  }, async () => {
    // Prepare
    const scenario = await e2e.start({ passkeys: true });
    const { page } = scenario;
    await addVirtualAuthenticator(page);
    await signUpWithPasskey(scenario, uniqueEmail("names"), "nina");
    const rename = async (name: string) => {
      await page.getByRole("button", { name: /^Rename / }).click();
      await page.getByLabel("New name").fill(name);
      await page.getByRole("button", { name: "Save" }).click();
      const shown = page.locator(".passkeys [role=status], .passkeys [role=alert]").first();
      await shown.waitFor();
      return (await shown.textContent()) ?? "";
    };
    const requests: string[] = [];
    page.on("request", (request) => {
      const target = request.headers()["x-amz-target"];
      if (target?.endsWith("RenamePasskey")) requests.push(request.postData() ?? "");
    });

    // Act 1: HTML, then an emoji family (a ZWJ sequence).
    await rename('<img src=x onerror="window.__owned=1">');
    const htmlListed = await page.locator(".passkey-name").first().textContent();
    const owned = await page.evaluate(() => (window as { __owned?: number }).__owned);
    await rename("👨‍👩‍👧‍👦 Family iPad");
    const emojiListed = await page.locator(".passkey-name").first().textContent();
    await bothWidths(page, "emoji-name");

    // Act 2: a right-to-left override (".exe" shown as "exe.").
    const sentBefore = requests.length;
    const refusal = await rename("\u202Egnp.exe");
    await bothWidths(page, "bidi-name-refused");

    // Assess
    expect(htmlListed).toBe('<img src=x onerror="window.__owned=1">');
    expect(owned).toBeUndefined();
    expect(emojiListed).toBe("👨‍👩‍👧‍👦 Family iPad");
    expect(refusal).toContain("can't contain control or text-direction characters");
    expect(requests).toHaveLength(sentBefore);
  });

  test("three refused passkeys end the sign-in with a sentence about the passkey, not 'wrong codes'; a code still signs in", {
    timeout: 90_000,
  }, async () => {
    // Prepare: the device holds one account's passkey; another address signs in with it.
    const scenario = await e2e.start({ passkeys: true });
    scenario.allowConsoleError(/status of 400/);
    const { page, demo } = scenario;
    await addVirtualAuthenticator(page);
    await signUpWithPasskey(scenario, uniqueEmail("holder"), "hugo");
    await signOut(page);
    const email = uniqueEmail("spent");

    // Act: three assertions of the wrong account's passkey.
    await passkeySignIn(page, demo.loginUrl, email);
    await page.getByRole("alert").first().getByText("2 tries left.").waitFor();
    await page.getByRole("button", { name: "Try your passkey again" }).click();
    await page.getByRole("alert").first().getByText("1 try left.").waitFor();
    await page.getByRole("button", { name: "Try your passkey again" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const alert = page.getByRole("alert").first();
    const code = await alert.getAttribute("data-error-code");
    const text = (await alert.textContent()) ?? "";
    await bothWidths(page, "passkey-attempts-spent");
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
    await enterCode(page, await readCode(demo.inboxUrl, email));
    await page.getByRole("heading", { name: "Choose a username" }).waitFor();

    // Assess: the sign-in ended (the session is spent); the words fit what happened.
    expect(code).toBe("TOO_MANY_ATTEMPTS");
    expect(text).not.toContain("wrong codes");
    expect(text).toContain("passkey");
  });
});
