import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { BrowserContext, CDPSession, Cookie, Page } from "playwright-core";
import { afterEach, describe, expect, test } from "vitest";
import { chooseUsername, enterCode, requestCode, signedInHandle, signUp } from "./flows.js";
import { readCode, uniqueEmail, useScenarios } from "./harness.js";

// Adversarial end-to-end checks of cookie mode as a whole (page + token
// handler + local stack in Chromium): what an attacker's page, an unlucky
// user and several tabs can do to the session, with every response body the
// browser received read back through the DevTools protocol.

const e2e = useScenarios();

/** A JWT or JWE: any token at all. */
const ANY_TOKEN = /eyJ[\w-]+\.[\w-]*\.[\w-]+/;
/** A compact JWE (five parts): a refresh token or the handler's cookie. */
const JWE = /eyJ[\w-]*\.[\w-]*\.[\w-]+\.[\w-]+\.[\w-]+/;

async function sessionCookie(context: BrowserContext): Promise<Cookie | undefined> {
  return (await context.cookies()).find((cookie) => cookie.name.startsWith("__Host-"));
}

/**
 * Every response body a page of `page` got (read through CDP, as the network
 * panel sees it, error answers included), with the request's target.
 */
async function captureBodies(page: Page) {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  const urls = new Map<string, { url: string; target?: string; status: number }>();
  const bodies: { url: string; target?: string; status: number; body: string }[] = [];
  const pending: Promise<void>[] = [];
  cdp.on("Network.requestWillBeSent", (event) => {
    const target = event.request.headers["X-Amz-Target"] ?? event.request.headers["x-amz-target"];
    urls.set(event.requestId, { url: event.request.url, target, status: 0 });
  });
  cdp.on("Network.responseReceived", (event) => {
    const seen = urls.get(event.requestId);
    if (seen) seen.status = event.response.status;
  });
  cdp.on("Network.loadingFinished", (event) => {
    const seen = urls.get(event.requestId);
    if (!seen) return;
    pending.push(
      cdp
        .send("Network.getResponseBody", { requestId: event.requestId })
        .then(({ body, base64Encoded }) => {
          const text = base64Encoded ? Buffer.from(body, "base64").toString("latin1") : body;
          bodies.push({ ...seen, body: text });
        })
        .catch(() => {}),
    );
  });
  return {
    /** Every request of the page to a URL, with its target and status, body read or not. */
    requests: () => [...urls.values()],
    async settled() {
      while (pending.length > 0) await Promise.all(pending.splice(0));
      return bodies;
    },
  };
}

/**
 * Reads every response body any page of `context` gets (the handler's error
 * answers too); `assertClean()` fails on a compact JWE (a refresh token or
 * the cookie) in any of them or a refresh-token member in the handler's.
 */
function watchBodies(context: BrowserContext, handlerUrl: string) {
  const pending: Promise<void>[] = [];
  const found: string[] = [];
  let handlerAnswers = 0;
  context.on("response", (response) => {
    pending.push(
      response
        .text()
        .then((body) => {
          const where = `${response.url()} ${response.status()}`;
          if (JWE.test(body)) found.push(`${where}: a JWE`);
          if (response.url() === handlerUrl) {
            handlerAnswers++;
            if (/refresh_?token/i.test(body)) found.push(`${where}: ${body.slice(0, 80)}`);
          }
        })
        .catch(() => {}),
    );
  });
  return {
    async assertClean(): Promise<void> {
      while (pending.length > 0) await Promise.all(pending.splice(0));
      expect(handlerAnswers).toBeGreaterThan(0);
      expect(found).toEqual([]);
    },
  };
}

let foreign: Server | undefined;
afterEach(async () => {
  const server = foreign;
  foreign = undefined;
  if (server) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

/** A page server on another port of 127.0.0.1 answering `html` (another origin, same site). */
async function startForeignSite(html: string): Promise<string> {
  foreign = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html" }).end(html);
  });
  const server = foreign;
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("two tabs, two people", () => {
  test("a tab signed in as one user, whose cookie another tab's sign-in replaced, ends its session within a second instead of showing the other user, and stays ended an hour on", async () => {
    // Prepare: tab B opens first and asks a code for bob; tab A then signs alice in.
    const scenario = await e2e.start({
      stack: { client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 } } },
    });
    const { page: tabA, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    scenario.allowConsoleError(/status of 400/);
    await context.clock.install();
    const tabB = await context.newPage();
    const bob = uniqueEmail("bob");
    await requestCode(tabB, demo.loginUrl, bob);
    const alice = uniqueEmail("alice");
    expect(await signUp(tabA, demo.loginUrl, demo.inboxUrl, alice, "alice")).toBe("@alice");

    // Act: bob finishes in tab B (the cookie is now his).
    await enterCode(tabB, await readCode(demo.inboxUrl, bob));
    await chooseUsername(tabB, "bob");
    expect(await signedInHandle(tabB)).toBe("@bob");
    // Tab A hears of the sign-in, refreshes through the cookie, gets bob's tokens and signs out.
    await tabA.getByRole("heading", { name: "Sign in" }).waitFor({ timeout: 1_000 });
    // An hour on, tab B's refreshes keep bob signed in; tab A stays signed out.
    demo.stack.clock.advance(61 * 60_000);
    await context.clock.fastForward(61 * 60_000);

    // Assess: tab A never shows bob; it says the session ended; B is still bob.
    await bodies.assertClean();
    expect(await tabA.getByTestId("handle").count()).toBe(0);
    expect(await tabA.getByRole("alert").first().getAttribute("data-error-code")).toBe(
      "SESSION_EXPIRED",
    );
    expect(await signedInHandle(tabB)).toBe("@bob");
  });
});

describe("many tabs under rotation with no grace period", () => {
  test("five tabs refreshing at once after a clock jump all stay signed in, one refresh at a time", async () => {
    // Prepare: five tabs of one signed-in session; no retry grace, so a token used twice is refused.
    const scenario = await e2e.start({
      stack: { client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 } } },
    });
    const { page, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    await context.clock.install();
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("five"), "fiver");
    const tabs = [page];
    for (let i = 0; i < 4; i++) {
      const tab = await context.newPage();
      await tab.goto(demo.loginUrl);
      await signedInHandle(tab);
      tabs.push(tab);
    }
    const refreshes: number[] = [];
    context.on("response", (response) => {
      if (
        response.url() === demo.tokenHandlerUrl &&
        response.request().headers()["x-amz-target"]?.endsWith(".GetTokensFromRefreshToken")
      ) {
        refreshes.push(response.status());
      }
    });
    const before = await Promise.all(
      tabs.map((tab) => tab.getByTestId("tokens-expire").textContent()),
    );

    // Act: an hour and a minute later, every tab's 30 s timer fires on the same tick.
    demo.stack.clock.advance(61 * 60_000);
    await context.clock.fastForward(61 * 60_000);
    await Promise.all(
      tabs.map((tab, i) =>
        tab
          .getByTestId("tokens-expire")
          .filter({ hasNotText: before[i] ?? "" })
          .waitFor(),
      ),
    );
    const handles = await Promise.all(tabs.map((tab) => signedInHandle(tab)));
    await tabs[4]!.reload();

    // Assess: every refresh was answered 200 (none sent a spent token), and a reload still restores.
    await bodies.assertClean();
    expect(handles).toEqual(Array(5).fill("@fiver"));
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    expect(refreshes).toEqual(refreshes.map(() => 200));
    expect(await signedInHandle(tabs[4]!)).toBe("@fiver");
  });

  test("a sign-out in one tab while another refreshes leaves no tab signed in and no cookie that restores", async () => {
    // Prepare
    const scenario = await e2e.start({
      stack: { client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 } } },
    });
    const { page, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    scenario.allowConsoleError(/status of 400/);
    await context.clock.install();
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("race"), "racer");
    const other = await context.newPage();
    await other.goto(demo.loginUrl);
    await signedInHandle(other);
    const cookieBefore = await sessionCookie(context);

    // Act: the tokens expire; as the tabs refresh, one of them signs out.
    demo.stack.clock.advance(61 * 60_000);
    const refreshed = context.clock.fastForward(61 * 60_000);
    await other.getByRole("button", { name: "Sign out" }).click();
    await refreshed;
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await other.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.waitForTimeout(1000);
    const cookieAfter = await sessionCookie(context);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.waitForTimeout(1000);

    // Assess: no cookie survived (or, if one came back, it no longer restores).
    await bodies.assertClean();
    expect(cookieBefore?.value).toMatch(JWE);
    expect(cookieAfter).toBeUndefined();
    expect(await page.getByRole("heading", { name: "You're signed in" }).count()).toBe(0);
  });
});

describe("an unlucky user", () => {
  test("a restore whose answer is lost on the way back (a reload, a dropped connection) does not end the session", async () => {
    // Prepare: the demo as `pnpm demo` runs it (its default rotation).
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    scenario.allowConsoleError(/status of 400|ERR_CONNECTION_RESET/);
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("lost"), "unlucky");
    const before = await sessionCookie(context);
    // The next call to the handler reaches it (Cognito rotates the token),
    // but its answer, and the new cookie, never reach the page.
    let lost = 0;
    await context.route(demo.tokenHandlerUrl, async (route) => {
      if (lost > 0 || route.request().method() !== "POST") return route.continue();
      lost++;
      // Sent from here, not through the browser: its Set-Cookie goes nowhere.
      const request = route.request();
      await fetch(request.url(), {
        method: "POST",
        headers: await request.allHeaders(),
        body: request.postData() ?? "",
      });
      await route.abort("connectionreset");
    });

    // Act
    await page.reload();
    await page.waitForTimeout(5000);
    const afterLoss = await sessionCookie(context);
    await page.reload();

    // Assess
    await bodies.assertClean();
    expect(lost).toBe(1);
    // The client's retry (after 1 s) refreshed again with the same cookie, within the grace period.
    expect(afterLoss?.value).toMatch(JWE);
    expect(afterLoss?.value).not.toBe(before?.value);
    expect(await signedInHandle(page)).toBe("@unlucky");
  });

  test("a sign-out ends the session for good: the cookie's old value no longer refreshes, even from outside a browser, and a tab closed right after the click stays signed out", async () => {
    // Prepare
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    scenario.allowConsoleError(/status of 400/);
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("bye"), "leaver");
    const cookie = await sessionCookie(context);

    // Act: sign out and close the tab at once; come back later in a new tab.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.close();
    const back = await context.newPage();
    back.on("console", () => {});
    await back.goto(demo.loginUrl);
    await back.getByRole("heading", { name: "Sign in" }).waitFor();
    // The old cookie value, replayed with a forged Origin (curl).
    const replay = await fetch(demo.tokenHandlerUrl, {
      method: "POST",
      headers: {
        origin: new URL(demo.loginUrl).origin,
        cookie: `${cookie!.name}=${cookie!.value}`,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
        "x-cognito-passcode": "1",
      },
      body: JSON.stringify({ ClientId: demo.stack.clientId }),
    });

    // Assess
    await bodies.assertClean();
    expect(replay.status).toBe(400);
    expect(replay.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException");
    expect(await back.getByRole("heading", { name: "You're signed in" }).count()).toBe(0);
  });

  test("signing out while Cognito cannot be reached still removes the cookie", async () => {
    // Prepare
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    const bodies = watchBodies(context, demo.tokenHandlerUrl);
    scenario.allowConsoleError(/status of 50\d|status of 400/);
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("offline"), "offline");
    expect(await sessionCookie(context)).toBeDefined();

    // Act
    await demo.stack.stop();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();

    // Assess
    await bodies.assertClean();
    expect(await sessionCookie(context)).toBeUndefined();
  });
});

describe("the cookie in the browser's jar", () => {
  test("lasts 30 days from the sign-in, and a rotation on reload does not push that out", async () => {
    // Prepare
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    const signedInAt = Date.now() / 1000;
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("jar"), "jarred");
    const first = await sessionCookie(context);

    // Act: later, a reload restores (rotation: a new cookie).
    await page.waitForTimeout(5000);
    await page.reload();
    await signedInHandle(page);
    const second = await sessionCookie(context);

    // Assess
    expect(second?.value).not.toBe(first?.value);
    expect(first!.expires - signedInAt).toBeGreaterThan(30 * 86_400 - 30);
    expect(first!.expires - signedInAt).toBeLessThanOrEqual(30 * 86_400 + 30);
    // Max-Age is whole seconds, so the same expiry may land up to 2 s earlier; never later.
    expect(second!.expires - first!.expires).toBeLessThanOrEqual(1);
    expect(second!.expires - first!.expires).toBeGreaterThanOrEqual(-3);
  });
});

describe("the network: no answer the page can read carries a refresh token", () => {
  test("across sign-in, a wrong code, reloads, a rotating refresh, sign-out and a refused restore (CDP bodies, error answers included)", async () => {
    // Prepare
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    scenario.allowConsoleError(/status of 400/);
    await context.clock.install();
    const network = await captureBodies(page);
    const email = uniqueEmail("network");

    // Act: sign up with a wrong code first (an error answer), then the right one.
    await requestCode(page, demo.loginUrl, email);
    const code = await readCode(demo.inboxUrl, email);
    await enterCode(
      page,
      code.replace(/\d/g, (d) => String((Number(d) + 1) % 10)),
    );
    await page.getByRole("alert").first().waitFor();
    await page.getByLabel("Code from the email", { exact: true }).fill("");
    await enterCode(page, code);
    await chooseUsername(page, "netter");
    await signedInHandle(page);
    const cookie = await sessionCookie(context);
    await page.reload();
    await signedInHandle(page);
    // A refresh an hour later (rotation: a new cookie).
    const before = await page.getByTestId("tokens-expire").textContent();
    demo.stack.clock.advance(61 * 60_000);
    await context.clock.fastForward(61 * 60_000);
    await page
      .getByTestId("tokens-expire")
      .filter({ hasNotText: before ?? "" })
      .waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.waitForTimeout(500);
    await page.reload();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.waitForTimeout(500);
    const bodies = await network.settled();

    // Assess
    const sent = network.requests().filter((r) => r.url === demo.tokenHandlerUrl);
    const auth = bodies.filter((b) => b.url === demo.tokenHandlerUrl);
    expect(auth.length).toBeGreaterThanOrEqual(sent.length - 1);
    expect(sent.map((b) => b.target?.split(".").pop())).toEqual(
      expect.arrayContaining([
        "InitiateAuth",
        "RespondToAuthChallenge",
        "GetTokensFromRefreshToken",
        "RevokeToken",
      ]),
    );
    expect(auth.some((b) => b.status >= 400)).toBe(true);
    expect(auth.some((b) => b.body.includes("IdToken"))).toBe(true);
    expect(cookie?.value).toMatch(JWE);
    for (const b of bodies) {
      expect(b.body, `${b.url} ${b.target} ${b.status}`).not.toMatch(JWE);
      expect(b.body, b.url).not.toContain(cookie!.value.slice(-40));
      // The answers (the scripts name RefreshToken in their code).
      if (b.target) expect(b.body, `${b.target} ${b.status}`).not.toMatch(/refresh_?token/i);
    }
    expect(await sessionCookie(context)).toBeUndefined();
  });

  test("switching from storage mode to cookie or memory mode leaves no refresh token a script can read, and ends that session", async () => {
    // Prepare: signed in in storage mode on the React page (the refresh token in sessionStorage).
    const scenario = await e2e.start();
    const { demo, context } = scenario;
    let page = scenario.page;
    const readable = () =>
      page.evaluate(() =>
        JSON.stringify({ ...sessionStorage, ...localStorage, cookie: document.cookie }),
      );
    const stored: string[] = [];
    const after: Record<string, string> = {};
    for (const [name, url, next] of [
      ["web", demo.loginUrl, "cookie"],
      ["vanilla", demo.vanillaUrl, "memory"],
    ] as const) {
      // A tab of its own (sessionStorage is per tab).
      if (name === "vanilla") page = await context.newPage();
      const email = uniqueEmail(name);
      await requestCode(page, `${url}?mode=storage`, email);
      await enterCode(page, await readCode(demo.inboxUrl, email));
      await chooseUsername(page, `${name}_user`);
      await page.getByRole("heading", { name: "You're signed in" }).waitFor();
      stored.push(JWE.exec(await readable())?.[0] ?? "");

      // Act: the page's own link to the other mode.
      await page.getByRole("link", { name: next, exact: true }).click();
      await page.waitForURL(new RegExp(`\\?mode=${next}$`));
      await page.getByRole("heading", { name: "Sign in" }).waitFor();
      await page.waitForTimeout(500);
      after[name] = await readable();
    }
    // What Cognito says of the refresh tokens the storage-mode sessions held.
    const refused: string[] = [];
    for (const token of stored) {
      const response = await fetch(demo.stack.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "AWSCognitoIdentityProviderService.GetTokensFromRefreshToken",
        },
        body: JSON.stringify({ ClientId: demo.stack.clientId, RefreshToken: token }),
      });
      refused.push(response.headers.get("x-amzn-errortype") ?? String(response.status));
    }

    // Assess
    for (const token of stored) expect(token).toMatch(JWE);
    expect(after.web).not.toMatch(ANY_TOKEN);
    expect(after.vanilla).not.toMatch(ANY_TOKEN);
    expect(refused.map((type) => type.split(":")[0])).toEqual([
      "NotAuthorizedException",
      "NotAuthorizedException",
    ]);
  });
});

describe("another origin of the same site", () => {
  test("cannot frame the login page, beacon or image its way to a sign-out, nor talk to it by postMessage", async () => {
    // Prepare: signed in.
    const scenario = await e2e.start();
    const { page, demo, context } = scenario;
    await signUp(page, demo.loginUrl, demo.inboxUrl, uniqueEmail("frame"), "framed");
    const before = await sessionCookie(context);
    const attackerUrl = await startForeignSite("<!doctype html><title>attacker</title>");
    const attacker = await context.newPage();
    attacker.on("console", () => {});
    await attacker.goto(attackerUrl);
    const hits: { status: number; target?: string }[] = [];
    attacker.on("response", (r) => {
      if (r.url().startsWith(demo.tokenHandlerUrl)) {
        hits.push({ status: r.status(), target: r.request().headers()["x-amz-target"] });
      }
    });

    // Act
    await attacker.evaluate(async (url) => {
      const frame = document.createElement("iframe");
      frame.src = url;
      document.body.append(frame);
      await new Promise((done) => setTimeout(done, 1500));
    }, demo.loginUrl);
    // A frame frame-ancestors refused shows Chromium's error page, not the login page.
    const framed = attacker.frames().filter((frame) => frame !== attacker.mainFrame());
    const framedUrls = framed.map((frame) => frame.url());
    const beacons = await attacker.evaluate((url) => {
      const body = JSON.stringify({ ClientId: "x" });
      return [
        navigator.sendBeacon(url, body),
        navigator.sendBeacon(url, new Blob([body], { type: "application/x-amz-json-1.1" })),
      ];
    }, demo.tokenHandlerUrl);
    await attacker.evaluate(async (url) => {
      const img = new Image();
      img.src = url;
      const script = document.createElement("script");
      script.src = url;
      document.body.append(script);
      const opened = window.open(url.replace(/auth$/, ""));
      await new Promise((done) => setTimeout(done, 1500));
      opened?.postMessage("signedOut", "*");
      opened?.postMessage({ type: "signOut" }, "*");
      await new Promise((done) => setTimeout(done, 500));
    }, demo.tokenHandlerUrl);
    await attacker.waitForTimeout(1000);
    const after = await sessionCookie(context);
    await attacker.close();

    // Assess: the frame never showed the page; nothing reached the handler with success.
    expect(framedUrls).toEqual(["chrome-error://chromewebdata/"]);
    expect(beacons.length).toBe(2);
    for (const hit of hits) expect(hit.status, String(hit.target)).toBeGreaterThanOrEqual(400);
    // The opened login page restored the session (a rotation): a new cookie, not none.
    expect(before?.value).toMatch(JWE);
    expect(after?.value).toMatch(JWE);
    expect(await signedInHandle(page)).toBe("@framed");
    await page.reload();
    expect(await signedInHandle(page)).toBe("@framed");
  });
});
