// @vitest-environment jsdom
import { readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createPasscodeClient } from "@cognito-passcode/client";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { compile } from "svelte/compiler";
import { get } from "svelte/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passcodeStore } from "../src/svelte.js";
import { countingListeners, restoringClient } from "./helpers/counting-client.js";
import { fullSignIn, localStackClient } from "./helpers/full-sign-in.js";
import { codeStep, scriptedTransport } from "./helpers/scripted-transport.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "svelte");

/**
 * Svelte's browser build. Node resolves `svelte` to its server build, whose
 * `mount` throws; a browser bundler picks the `browser` condition, read here
 * from Svelte's own package.json so the test runs what a browser would.
 */
async function svelteInBrowser(): Promise<typeof import("svelte")> {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve("svelte/package.json");
  const { exports } = JSON.parse(await readFile(manifest, "utf8"));
  return import(pathToFileURL(join(dirname(manifest), exports["."].browser)).href);
}

/** Compiles a fixture component (as the Svelte bundler plugins do) and loads it. */
async function loadComponent(name: string, generate: "client" | "server", written: string[]) {
  const source = await readFile(join(fixtures, `${name}.svelte`), "utf8");
  const { js } = compile(source, { filename: `${name}.svelte`, generate });
  const file = join(fixtures, `${name}.${generate}.${process.pid}.gen.js`);
  await writeFile(file, js.code);
  written.push(file);
  return (await import(pathToFileURL(file).href)).default;
}

describe("passcodeStore (svelte)", () => {
  let stack: LocalStack;
  let svelte: typeof import("svelte");
  let SignIn: Parameters<typeof import("svelte").mount>[0];
  const written: string[] = [];
  beforeAll(async () => {
    [stack, svelte, SignIn] = await Promise.all([
      startLocalStack({ port: 0 }),
      svelteInBrowser(),
      loadComponent("SignIn", "client", written),
    ]);
  });
  afterAll(async () => {
    await Promise.all(written.map((file) => rm(file, { force: true })));
    await stack?.stop();
  });

  it("renders a full sign-in against the local stack in a Svelte 5 component", async () => {
    // Prepare
    const target = document.body.appendChild(document.createElement("div"));
    const app = svelte.mount(SignIn, { target, props: { client: localStackClient(stack) } });
    svelte.flushSync();

    // Act + Assess: each step re-renders from the store.
    await fullSignIn(
      stack,
      {
        label: () => target.querySelector("label")?.textContent,
        alert: () => target.querySelector("[role=alert]")?.textContent,
        text: () => target.textContent?.trim(),
        answer: (value) => {
          const input = target.querySelector("input")!;
          input.value = value;
          input.dispatchEvent(new Event("input", { bubbles: true }));
          target.querySelector("form")!.requestSubmit();
        },
      },
      "sv",
    );
    await svelte.unmount(app);
    target.remove();
  });

  it("stops listening to the client when the component is destroyed", async () => {
    // Prepare
    const { client, listening } = countingListeners(
      createPasscodeClient({ clientId: "c1", transport: scriptedTransport().transport }),
    );
    const target = document.body.appendChild(document.createElement("div"));
    const app = svelte.mount(SignIn, { target, props: { client } });
    svelte.flushSync();
    expect(listening()).toBe(1);

    // Act
    await svelte.unmount(app);

    // Assess
    expect(listening()).toBe(0);
    target.remove();
  });

  it("renders on the server and leaves no listener behind on the client", async () => {
    // Prepare: one client for every request, as a module-scope client is on a server.
    const { client, listening } = restoringClient();
    const [{ render }, OnServer] = await Promise.all([
      import("svelte/server"),
      loadComponent("SignIn", "server", written),
    ]);

    // Act: two server renders.
    const pages = [
      render(OnServer, { props: { client } }),
      render(OnServer, { props: { client } }),
    ];

    // Assess
    for (const page of pages) expect(page.body).toContain("<p>restoring</p>");
    expect(listening()).toBe(0);
  });

  it("keeps Svelte's store contract: the current value at once, every change, then silence", async () => {
    // Prepare
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
    });
    const store = passcodeStore(client);
    const seen: string[] = [];

    // Act
    const off = store.subscribe((snapshot) => seen.push(snapshot.status));
    const first = [...seen];
    const out = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await out;
    off();
    await client.reset();

    // Assess
    expect(first).toEqual(["signedOut"]);
    expect(seen).toEqual(["signedOut", "sendingCode", "awaitingCode"]);
    expect(client.getSnapshot().status).toBe("signedOut");
    expect(get(store)).toBe(client.getSnapshot());
  });
});

describe("passcodeStore (svelte): a change made while the first value is delivered", () => {
  it("reaches the subscriber: the store never stays on a stale snapshot", async () => {
    // Prepare: a subscriber that acts on the first value it sees (a refused email here).
    const client = createPasscodeClient({
      clientId: "c1",
      transport: scriptedTransport().transport,
    });
    const seen: unknown[] = [];
    // Act
    const off = passcodeStore(client).subscribe((snapshot) => {
      seen.push(snapshot);
      if (seen.length === 1) void client.requestCode("not-an-email");
    });
    // Assess
    expect(client.getSnapshot().error?.code).toBe("INVALID_EMAIL");
    expect(seen.at(-1)).toBe(client.getSnapshot());
    off();
  });
});
