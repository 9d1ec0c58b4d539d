import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll } from "vitest";
import { startDemo } from "../scripts/demo.mjs";

/** Debian's Chromium; playwright-core never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));

/** Launches headless Chromium; Playwright gives it a fresh temporary profile. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

type Demo = Awaited<ReturnType<typeof startDemo>>;
type StackOptions = NonNullable<NonNullable<Parameters<typeof startDemo>[0]>["stack"]>;

/** Saves a full-page screenshot of `page` as `e2e/screenshots/<name>.png`. */
export async function saveScreenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });
}

/** One test's world: the demo (stack + pages) and a fresh browser context. */
export interface Scenario {
  demo: Demo;
  context: BrowserContext;
  page: Page;
  /** Saves `e2e/screenshots/<name>.png` (full page). */
  screenshot(name: string): Promise<void>;
  /** Console errors matching `pattern` are expected (e.g. a 400 the page handles). */
  allowConsoleError(pattern: RegExp): void;
  stop(): Promise<void>;
}

/**
 * True when `a` and `b` are the same URL, `localhost` and `127.0.0.1` being
 * one host (the demo listens on 127.0.0.1 and pages load from either name).
 */
export function sameEndpoint(a: string, b: string): boolean {
  const loopback = (url: string) =>
    url.replace(/^http:\/\/(?:localhost|127\.0\.0\.1):/, "http://loopback:");
  return loopback(a) === loopback(b);
}

/**
 * Starts the demo with `stack` options and opens a new context at `width` x
 * `height`. `passkeys: true` turns the stack's passkeys on (RP id
 * `localhost`, the pages' origins), as `pnpm demo` does.
 */
export async function startScenario(
  browser: Browser,
  options: { stack?: StackOptions; passkeys?: boolean; width?: number; height?: number } = {},
): Promise<Scenario> {
  const demo = await startDemo({
    port: 0,
    stack: options.stack ?? {},
    ...(options.passkeys ? { passkeys: true } : {}),
  });
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
  });
  const page = await context.newPage();
  // Uncaught exceptions and console errors (CSP violations, 404s, React
  // warnings) fail the test unless the test said it expects them.
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    // Chromium logs every 4xx answer. A page load with no session asks the
    // token handler to restore one, which answers 400 NotAuthorizedException
    // (no cookie): those, and only as many as there were, are expected.
    if (restoreRefused(message.text(), message.location().url)) handler400s.push(message.text());
    else errors.push(`console: ${message.text()}`);
  });
  let refusedRestores = 0;
  const handler400s: string[] = [];
  const restoreRefused = (text: string, url: string) =>
    sameEndpoint(url, demo.tokenHandlerUrl) && /status of 400/.test(text);
  page.on("response", (response) => {
    const target = response.request().headers()["x-amz-target"] ?? "";
    if (
      sameEndpoint(response.url(), demo.tokenHandlerUrl) &&
      response.status() === 400 &&
      target.endsWith(".GetTokensFromRefreshToken") &&
      response.headers()["x-amzn-errortype"]?.startsWith("NotAuthorizedException")
    ) {
      refusedRestores++;
    }
  });
  return {
    demo,
    context,
    page,
    screenshot: (name) => saveScreenshot(page, name),
    allowConsoleError: (pattern) => {
      allowed.push(pattern);
    },
    async stop() {
      await context.close();
      await demo.stop();
      // The token handler's 400s beyond the refused restores are errors like any other.
      for (const text of handler400s.slice(refusedRestores)) errors.push(`console: ${text}`);
      const unexpected = errors.filter((error) => !allowed.some((pattern) => pattern.test(error)));
      if (unexpected.length > 0) throw new Error(`page errors: ${unexpected.join("; ")}`);
    },
  };
}

/**
 * Registers the hooks a test file needs: one browser for the file, and the
 * scenario a test started stopped after it (which fails the test on
 * unexpected page errors). Call once at the top of a test file.
 */
export function useScenarios() {
  let browser: Browser | undefined;
  let current: Scenario | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    const scenario = current;
    current = undefined;
    await scenario?.stop();
  });
  return {
    /** The file's browser, for extra contexts (another person, another device). */
    get browser(): Browser {
      if (!browser) throw new Error("the browser starts in beforeAll");
      return browser;
    },
    /** {@link startScenario} in the file's browser; stopped after the test. */
    async start(options?: Parameters<typeof startScenario>[1]): Promise<Scenario> {
      current = await startScenario(this.browser, options);
      return current;
    },
  };
}

interface StoredMail {
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  at: number;
}

/** Every mail sent to `email`, oldest first, read from the inbox's `/store` over HTTP. */
export async function mailsTo(inboxUrl: string, email: string): Promise<StoredMail[]> {
  const response = await fetch(new URL("/store", inboxUrl));
  if (!response.ok) throw new Error(`inbox answered ${response.status}`);
  const { emails } = (await response.json()) as { emails: StoredMail[] };
  const address = email.toLowerCase();
  return emails.filter((mail) =>
    mail.destination.to.some((to) => to.toLowerCase().includes(address)),
  );
}

/**
 * Reads the code from the newest mail to `email`, as a person would: waits
 * until there are more than `after` mails, then takes the first run of 6 to
 * 10 digits in the text body.
 */
export async function readCode(inboxUrl: string, email: string, after = 0): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const mails = await mailsTo(inboxUrl, email);
    if (mails.length > after) {
      const newest = mails[mails.length - 1]!;
      const text = newest.body.text ?? newest.body.html?.replace(/<[^>]*>/g, " ") ?? "";
      const match = /\b(\d{6,10})\b/.exec(text);
      if (!match) throw new Error(`no code in the mail "${newest.subject}"`);
      return match[1]!;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${email} after ${after}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** A fresh address per test, so tests never see each other's mail. */
export function uniqueEmail(label: string): string {
  return `${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;
}

/** A code that is certainly not `code`: same length, every digit shifted. */
export function wrongCode(code: string): string {
  return code.replace(/\d/g, (d) => String((Number(d) + 1) % 10));
}

/** Fails when the page is wider than its viewport (horizontal scrolling on a phone). */
export async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}
