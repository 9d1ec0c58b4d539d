import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startDemo } from "../scripts/demo.mjs";
import { CHROMIUM } from "./harness.js";

// The two attacks a web page open in the developer's browser can try on the
// demo: call the stack cross-origin (read or change users), or rebind its own
// name to 127.0.0.1 and read the inbox (every code) as a same-origin page.
// Chromium's resolver maps `rebind.test` to 127.0.0.1: the last step of DNS
// rebinding, without a DNS server.

let browser: Browser;
let demo: Awaited<ReturnType<typeof startDemo>>;
let foreign: Server;
let foreignOrigin: string;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--host-resolver-rules=MAP rebind.test 127.0.0.1",
    ],
  });
  demo = await startDemo({ port: 0 });
  // Another page on this machine (another dev server, or any site): an origin the stack was not told about.
  foreign = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>other</title>");
  });
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  foreignOrigin = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await new Promise((resolve) => foreign?.close(resolve));
});

/** Runs a Cognito call with fetch inside `origin`'s page; "blocked" when the browser refuses it. */
async function callFrom(origin: string, target: string, body: unknown): Promise<string> {
  const page = await browser.newPage();
  try {
    await page.goto(origin);
    return await page.evaluate(
      async ({ endpoint, target, body }) => {
        try {
          const response = await fetch(`${endpoint}/`, {
            method: "POST",
            headers: {
              "content-type": "application/x-amz-json-1.1",
              "x-amz-target": `AWSCognitoIdentityProviderService.${target}`,
            },
            body: JSON.stringify(body),
          });
          return `status ${response.status}`;
        } catch {
          return "blocked";
        }
      },
      { endpoint: demo.stack.endpoint, target, body },
    );
  } finally {
    await page.close();
  }
}

describe("the demo is safe to run next to other browser tabs", () => {
  test("the login page's origin may call the stack; another origin's page may not", async () => {
    const initiate = {
      ClientId: demo.stack.clientId,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "tab@example.com" },
    };
    expect(await callFrom(demo.loginUrl, "InitiateAuth", initiate)).toBe("status 200");
    expect(await callFrom(foreignOrigin, "InitiateAuth", initiate)).toBe("blocked");
    expect(await callFrom(foreignOrigin, "ListUsers", { UserPoolId: demo.stack.userPoolId })).toBe(
      "blocked",
    );
  });

  test("a rebound name reads nothing: not the inbox, not the stack, not the pages", async () => {
    const page = await browser.newPage();
    try {
      for (const url of [demo.inboxUrl, demo.stack.endpoint, demo.loginUrl]) {
        const port = new URL(url).port;
        for (const path of ["/", "/store", "/health", "/config.json", "/auth"]) {
          const target = `http://rebind.test:${port}${path}`;
          // JSON answers start a download instead of a page: watch the response itself.
          const [response] = await Promise.all([
            page.waitForResponse((r) => r.url() === target),
            page.goto(target).catch(() => null),
          ]);
          const text = await response.text().catch(() => "");
          expect(response.status()).toBe(403);
          expect(text).not.toContain("emails");
          expect(text).not.toContain(demo.stack.clientId);
        }
      }
    } finally {
      await page.close();
    }
  });
});
