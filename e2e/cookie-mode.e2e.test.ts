import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, Cookie, Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { signedInHandle, signUp } from "./flows.js";
import { horizontalOverflow, mailsTo, uniqueEmail, useScenarios } from "./harness.js";

// Cookie mode, the demo's default: the page talks to the token handler at
// /auth on its own origin, which keeps the refresh token in an encrypted
// __Host- cookie. These tests look for the refresh token everywhere a script
// on the page could: every response body, document.cookie, Web Storage and
// IndexedDB.

const e2e = useScenarios();

/** A compact JWE (five dot-separated parts): Cognito's refresh tokens, the local stack's, the handler's cookie. */
const JWE = /eyJ[\w-]*\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+/;
/** A JWT or JWE: any token at all. */
const ANY_TOKEN = /eyJ[\w-]+\.[\w-]*\.[\w-]+/;

interface Seen {
  url: string;
  status: number;
  target: string | undefined;
  requestBody: string;
  body: string;
}

/**
 * Records every response any page of `context` gets, with its body as the
 * page could read it. `settled()` waits for the bodies still being read.
 */
function recordResponses(context: BrowserContext) {
  const seen: Seen[] = [];
  const pending: Promise<void>[] = [];
  context.on("response", (response) => {
    const request = response.request();
    pending.push(
      response
        .text()
        .catch(() => "")
        .then((body) => {
          seen.push({
            url: response.url(),
            status: response.status(),
            target: request.headers()["x-amz-target"]?.split(".").pop(),
            requestBody: request.postData() ?? "",
            body,
          });
        }),
    );
  });
  return {
    seen,
    async settled(): Promise<Seen[]> {
      while (pending.length > 0) await Promise.all(pending.splice(0));
      return seen;
    },
  };
}

/** Every key of a parsed JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => [key, ...keysOf(inner)]);
}

function jsonKeys(text: string): string[] {
  try {
    return keysOf(JSON.parse(text));
  } catch {
    return [];
  }
}

/** Everything a script on `page` can read of its storage, as one string. */
function readableState(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const entries = (storage: Storage) =>
      Array.from({ length: storage.length }, (_, i) => {
        const key = storage.key(i) ?? "";
        return [key, storage.getItem(key)];
      });
    const ask = <T>(request: IDBRequest<T>) =>
      new Promise<T>((resolve, reject) => {
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    const indexedDb: unknown[] = [];
    for (const info of await indexedDB.databases()) {
      if (!info.name) continue;
      const db = await ask(indexedDB.open(info.name));
      for (const name of Array.from(db.objectStoreNames)) {
        const store = db.transaction(name).objectStore(name);
        indexedDb.push({
          db: info.name,
          store: name,
          keys: await ask(store.getAllKeys()),
          values: await ask(store.getAll()),
        });
      }
      db.close();
    }
    return JSON.stringify({
      cookie: document.cookie,
      localStorage: entries(localStorage),
      sessionStorage: entries(sessionStorage),
      indexedDb,
    });
  });
}

/** The token handler's cookie in `context`'s jar (the only `__Host-` cookie the demo sets). */
async function sessionCookie(context: BrowserContext): Promise<Cookie | undefined> {
  return (await context.cookies()).find((cookie) => cookie.name.startsWith("__Host-"));
}

let foreign: Server | undefined;
afterEach(async () => {
  const server = foreign;
  foreign = undefined;
  if (server) await new Promise((done) => server.close(done));
});

/** A plain page on another port of 127.0.0.1: another origin of the same site. */
async function startForeignSite(): Promise<string> {
  foreign = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>other</title>");
  });
  const server = foreign;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** `fetch` to the token handler from `page`, as the client would send it: the status, or "blocked". */
function callHandler(page: Page, url: string, target: string, clientId: string): Promise<string> {
  return page.evaluate(
    async ({ url, target, clientId }) => {
      try {
        const response = await fetch(url, {
          method: "POST",
          credentials: "include",
          headers: {
            "content-type": "application/x-amz-json-1.1",
            "x-amz-target": `AWSCognitoIdentityProviderService.${target}`,
            "x-cognito-passcode": "1",
          },
          body: JSON.stringify({ ClientId: clientId }),
        });
        return `status ${response.status}: ${await response.text()}`;
      } catch {
        return "blocked";
      }
    },
    { url, target, clientId },
  );
}

describe("cookie mode (the demo's default): the refresh token stays out of the page's reach", () => {
  test("after sign-in and a reload, no body, cookie, storage or database the page can read holds it", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo, context } = scenario;
    const responses = recordResponses(context);
    const email = uniqueEmail("cookie");

    // Act
    const handle = await signUp(page, demo.loginUrl, demo.inboxUrl, email, "cookie_1");
    await scenario.screenshot("web-1280-11-cookie-mode-signed-in");
    const afterSignIn = await readableState(page);
    const mailsBefore = (await mailsTo(demo.inboxUrl, email)).length;
    await page.reload();
    const restored = await signedInHandle(page);
    const afterReload = await readableState(page);
    const cookie = await sessionCookie(context);
    const seen = await responses.settled();

    // Assess: the page ran in cookie mode, through the handler.
    expect(handle).toBe("@cookie_1");
    expect(await page.getByTestId("session-mode").getAttribute("data-mode")).toBe("cookie");
    const auth = seen.filter((r) => r.url === demo.tokenHandlerUrl);
    expect(auth.map((r) => r.target)).toEqual(
      expect.arrayContaining([
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetTokensFromRefreshToken",
      ]),
    );
    expect(seen.some((r) => r.url.startsWith(demo.stack.endpoint))).toBe(false);
    // The handler answered with tokens: the checks below look at real token responses.
    expect(auth.some((r) => jsonKeys(r.body).includes("IdToken"))).toBe(true);
    // Assess: the cookie is the handler's, as the draft asks.
    expect(cookie).toMatchObject({
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
      path: "/",
      domain: "127.0.0.1",
    });
    expect(cookie?.name).toMatch(/^__Host-/);
    expect(cookie?.value).toMatch(JWE);
    // Assess: no body the page got, and nothing it sent, carries a refresh token.
    for (const response of seen) {
      expect(jsonKeys(response.body), response.url).not.toContain("RefreshToken");
      expect(response.body, response.url).not.toMatch(JWE);
      expect(response.body, response.url).not.toContain(cookie!.value);
      expect(jsonKeys(response.requestBody), response.url).not.toContain("RefreshToken");
      expect(response.requestBody, response.url).not.toMatch(ANY_TOKEN);
    }
    // Assess: nothing token-like in document.cookie, Web Storage or IndexedDB.
    for (const state of [afterSignIn, afterReload]) {
      expect(state).not.toMatch(ANY_TOKEN);
      expect(state).not.toContain(cookie!.name);
      expect(state).not.toContain("RefreshToken");
    }
    // Assess: the reload restored the session through the cookie, with no new code.
    expect(restored).toBe("@cookie_1");
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(mailsBefore);
  });

  test("the same probe finds the refresh token in storage mode (it can fail)", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 390, height: 844 });
    const { page, demo, context } = scenario;
    const responses = recordResponses(context);
    const email = uniqueEmail("storage");

    // Act
    await signUp(page, `${demo.loginUrl}?mode=storage`, demo.inboxUrl, email, "stored_1");
    await scenario.screenshot("web-390-6-storage-mode-signed-in");
    const state = await readableState(page);
    const seen = await responses.settled();

    // Assess
    expect(await page.getByTestId("session-mode").getAttribute("data-mode")).toBe("storage");
    expect(state).toMatch(JWE);
    expect(seen.some((r) => jsonKeys(r.body).includes("RefreshToken"))).toBe(true);
    expect(await sessionCookie(context)).toBeUndefined();
  });

  test("a page on another origin can neither refresh nor sign out, and the session lives on", async () => {
    // Prepare: signed in; another origin of the same site (another port of
    // 127.0.0.1, which gets the SameSite=Strict cookie) and the demo under
    // its other name (localhost, an allowed origin but another site).
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo, context } = scenario;
    const email = uniqueEmail("csrf");
    await signUp(page, demo.loginUrl, demo.inboxUrl, email, "victim");
    const before = await sessionCookie(context);
    const foreignOrigin = await startForeignSite();
    const crossSiteUrl = new URL(demo.loginUrl);
    crossSiteUrl.hostname = "localhost";
    const clientId = demo.stack.clientId;
    const attacker = await context.newPage();
    // What the handler answered the attacker's page (preflights are not listed).
    const handled: number[] = [];
    attacker.on("response", (response) => {
      if (response.url() === demo.tokenHandlerUrl) handled.push(response.status());
    });

    // Act: fetch with the client's headers (a preflight the handler refuses).
    const results: Record<string, string> = {};
    await attacker.goto(foreignOrigin);
    for (const target of ["GetTokensFromRefreshToken", "RevokeToken", "GlobalSignOut"]) {
      results[`same-site ${target}`] = await callHandler(
        attacker,
        demo.tokenHandlerUrl,
        target,
        clientId,
      );
    }
    // Act: a "simple" request needs no preflight, so it reaches the handler with the cookie.
    const simple = await attacker.evaluate(async (url) => {
      const response = await fetch(url, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: '{"ClientId":"x"}',
      });
      return response.type;
    }, demo.tokenHandlerUrl);
    // Act: a form posted to the handler, a top-level navigation that carries
    // the cookie (Chromium turns the JSON answer into a download: only its status is seen).
    const [formResponse] = await Promise.all([
      attacker.waitForResponse((r) => r.url() === demo.tokenHandlerUrl),
      attacker.evaluate((url) => {
        const form = document.createElement("form");
        form.method = "POST";
        form.action = url;
        form.enctype = "text/plain";
        const field = document.createElement("input");
        field.name = '{"ClientId":"x","a":"';
        field.value = '"}';
        form.append(field);
        document.body.append(form);
        form.submit();
      }, demo.tokenHandlerUrl),
    ]);
    const formStatus = formResponse.status();
    // Act: the demo's own page under its other name, with no CSP in the way of its fetch.
    await context.route(crossSiteUrl.href, (route) =>
      route.fulfill({ contentType: "text/html", body: "<!doctype html><title>other site</title>" }),
    );
    await attacker.goto(crossSiteUrl.href);
    for (const target of ["GetTokensFromRefreshToken", "RevokeToken"]) {
      results[`cross-site ${target}`] = await callHandler(
        attacker,
        demo.tokenHandlerUrl,
        target,
        clientId,
      );
    }
    await attacker.close();
    const after = await sessionCookie(context);
    await page.reload();
    const restored = await signedInHandle(page);

    // Assess: no call got through, and no answer carried tokens.
    for (const [name, result] of Object.entries(results)) {
      expect(result, name).not.toMatch(/^status 200/);
      expect(result, name).not.toMatch(ANY_TOKEN);
    }
    expect(results["same-site GetTokensFromRefreshToken"]).toBe("blocked");
    expect(results["same-site RevokeToken"]).toBe("blocked");
    expect(simple).toBe("opaque");
    expect(formStatus).toBe(403);
    expect(handled.length).toBeGreaterThan(0);
    for (const status of handled) expect(status).toBeGreaterThanOrEqual(400);
    // Assess: the cookie is untouched and the session still restores, with no new code.
    expect(after?.value).toBe(before?.value);
    expect(restored).toBe("@victim");
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(1);
  });
});

describe("cookie mode with tabs shared (shareAcrossTabs)", () => {
  test("sign-in reaches a second tab, and a sign-out in one tab signs the other out within 1 s", async () => {
    // Prepare: a second tab already open on the email screen.
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo, context } = scenario;
    const email = uniqueEmail("tabs");
    const other = await context.newPage();
    await other.goto(demo.loginUrl);
    await other.getByRole("heading", { name: "Sign in" }).waitFor();

    // Act: sign in in the first tab.
    await signUp(page, demo.loginUrl, demo.inboxUrl, email, "tabby");
    const signedInAt = Date.now();
    const otherHandle = await signedInHandle(other);
    const signInReached = Date.now() - signedInAt;
    // Act: sign out in the second tab.
    const signOutAt = Date.now();
    await other.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const signOutReached = Date.now() - signOutAt;
    await scenario.screenshot("web-1280-12-signed-out-by-other-tab");
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // Assess
    expect(otherHandle).toBe("@tabby");
    expect(signInReached).toBeLessThan(1000);
    expect(signOutReached).toBeLessThan(1000);
    expect(await sessionCookie(context)).toBeUndefined();
    expect(await page.getByRole("heading", { name: "You're signed in" }).count()).toBe(0);
  });

  test("with rotation on (no grace period), two tabs refreshing at once both stay signed in", async () => {
    // Prepare: rotation with no retry grace, so a refresh token used twice
    // fails; the page's clock and the stack's move together.
    const scenario = await e2e.start({
      width: 1280,
      height: 800,
      stack: { client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 } } },
    });
    const { page, demo, context } = scenario;
    await context.clock.install();
    const responses = recordResponses(context);
    const email = uniqueEmail("rotate");
    await signUp(page, demo.loginUrl, demo.inboxUrl, email, "rotor");
    const other = await context.newPage();
    await other.goto(demo.loginUrl);
    await signedInHandle(other);
    const expiresBefore = await page.getByTestId("tokens-expire").textContent();
    const cookieBefore = await sessionCookie(context);
    const refreshesBefore = (await responses.settled()).filter(
      (r) => r.target === "GetTokensFromRefreshToken",
    ).length;

    // Act: an hour and a minute later both tabs read their (expired) tokens
    // on the same tick of their 30 s timers, and both refresh.
    demo.stack.clock.advance(61 * 60_000);
    await context.clock.fastForward(61 * 60_000);
    for (const tab of [page, other]) {
      await tab
        .getByTestId("tokens-expire")
        .filter({ hasNotText: expiresBefore ?? "" })
        .waitFor();
    }
    const refreshes = (await responses.settled())
      .filter((r) => r.target === "GetTokensFromRefreshToken")
      .slice(refreshesBefore);
    const cookieAfter = await sessionCookie(context);
    await other.reload();
    const otherAfterReload = await signedInHandle(other);

    // Assess
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes.map((r) => r.status)).toEqual(refreshes.map(() => 200));
    expect(cookieAfter?.value).not.toBe(cookieBefore?.value);
    expect(await signedInHandle(page)).toBe("@rotor");
    expect(otherAfterReload).toBe("@rotor");
    expect(await mailsTo(demo.inboxUrl, email)).toHaveLength(1);
  });
});

describe("each page says which mode it runs, and ?mode= switches it", () => {
  test("web and vanilla, in each mode, at 1280 and 390 px", async () => {
    // Prepare
    const scenario = await e2e.start({ width: 1280, height: 800 });
    const { page, demo } = scenario;
    const seen: Record<string, string | null> = {};

    for (const [name, url] of [
      ["web", demo.loginUrl],
      ["vanilla", demo.vanillaUrl],
    ] as const) {
      for (const mode of ["", "cookie", "storage", "memory"]) {
        for (const width of [1280, 390]) {
          // Act
          await page.setViewportSize({ width, height: width === 390 ? 844 : 800 });
          await page.goto(mode ? `${url}?mode=${mode}` : url);
          await page.getByRole("heading", { name: "Sign in" }).waitFor();
          const note = page.getByTestId("session-mode");
          seen[`${name} ${mode || "default"} ${width}`] = await note.getAttribute("data-mode");
          if (width === 390) expect(await horizontalOverflow(page), `${name} ${mode}`).toBe(0);
          if (mode) await scenario.screenshot(`${name}-${width}-mode-${mode}`);
        }
      }
    }

    // Assess: cookie by default (the demo serves a token handler), else as asked.
    for (const [key, mode] of Object.entries(seen)) {
      const asked = key.split(" ")[1];
      expect(mode, key).toBe(asked === "default" ? "cookie" : asked);
    }
    await page.goto(`${demo.loginUrl}?mode=storage`);
    await expect
      .poll(() => page.getByTestId("session-mode").textContent())
      .toContain("sessionStorage");
    await page.getByRole("link", { name: "cookie" }).click();
    await page.waitForURL(/\?mode=cookie$/);
    expect(await page.getByTestId("session-mode").getAttribute("data-mode")).toBe("cookie");
  });
});
