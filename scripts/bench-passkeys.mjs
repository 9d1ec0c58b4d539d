// `pnpm bench`, passkeys (issue 15): what turning passkeys on costs.
//   1. the prebuilt triggers handler (packages/triggers/lambda): what a
//      code-only function reads (index.mjs and the chunks it imports
//      statically) and what the first passkey answer adds (the chunks it
//      loads with `import()`: @simplewebauthn/server), minified and gzip -9;
//   2. the cold import of those chunks, in fresh Node processes that have
//      already loaded index.mjs (what Verify's first passkey answer waits for);
//   3. the client's `./passkeys` plug-in, measured by the client's own size
//      bench (packages/client/bench/size.mjs: its entries and `measure`);
//   4. requests per sign-in, counted at `fetch` while the built client (with
//      the plug-in, its WebAuthn calls answered by the soft authenticator of
//      @cognito-passcode/triggers/testing) signs users in against the built
//      local stack (real triggers, embedded SES and dynalite), passkeys on
//      and off.
// Plain Node ESM; run after `pnpm run build` (the root `pnpm bench` builds
// first). Usage: node scripts/bench-passkeys.mjs [--runs 7]
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lambdaDir = join(root, "packages", "triggers", "lambda");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const RUNS = Number(arg("--runs", "7"));
const fmt = (n) => n.toLocaleString("en-US");
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
let failed = 0;
const section = async (title, run) => {
  console.log(`\n### ${title}\n`);
  try {
    await run();
  } catch (error) {
    failed++;
    console.log(`not measured: ${error instanceof Error ? error.message : String(error)}`);
  }
};

// --- 1 and 2: the prebuilt triggers handler --------------------------------

/** Relative `./x.mjs` imports of a bundle file: static (`from"./x.mjs"`, `import"./x.mjs"`) and dynamic (`import("./x.mjs")`). */
function importsOf(file) {
  const code = readFileSync(join(lambdaDir, file), "utf8");
  const dynamic = new Set(
    [...code.matchAll(/\bimport\(\s*["']\.\/([^"']+\.mjs)["']\s*\)/g)].map((m) => m[1]),
  );
  const stat = new Set(
    [...code.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.mjs)["']/g)].map((m) => m[1]),
  );
  return { stat, dynamic };
}

/** The files `entry` reads before any `import()` runs, and the ones only an `import()` reaches. */
function closure(entry) {
  const eager = new Set();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift();
    if (eager.has(file)) continue;
    eager.add(file);
    for (const next of importsOf(file).stat) queue.push(next);
  }
  const lazy = new Set();
  const lazyQueue = [...eager].flatMap((file) => [...importsOf(file).dynamic]);
  while (lazyQueue.length > 0) {
    const file = lazyQueue.shift();
    if (eager.has(file) || lazy.has(file)) continue;
    lazy.add(file);
    const { stat, dynamic } = importsOf(file);
    lazyQueue.push(...stat, ...dynamic);
  }
  return { eager: [...eager], lazy: [...lazy] };
}

const sizeOf = (files) => {
  let min = 0;
  let gzip = 0;
  for (const file of files) {
    const code = readFileSync(join(lambdaDir, file));
    min += code.length;
    gzip += gzipSync(code, { level: 9 }).length;
  }
  return { min, gzip };
};

/** Whether a chunk holds @simplewebauthn/server (strings minification keeps: its attestation formats and errors). */
const isWebAuthnChunk = (file) => {
  const code = readFileSync(join(lambdaDir, file), "utf8");
  return code.includes("fido-u2f") && code.includes("android-safetynet");
};

const triggerChunks = () => {
  if (!existsSync(join(lambdaDir, "index.mjs"))) {
    throw new Error("packages/triggers/lambda/index.mjs is missing: build the triggers first");
  }
  const { eager, lazy } = closure("index.mjs");
  const webauthn = lazy.filter(isWebAuthnChunk);
  return { eager, lazy, webauthn };
};

await section(
  "prebuilt triggers handler (packages/triggers/lambda), with and without the passkey chunk",
  () => {
    const { eager, lazy, webauthn } = triggerChunks();
    const all = readdirSync(lambdaDir).filter((f) => f.endsWith(".mjs"));
    const rows = [
      [`code-only function reads (${eager.join(", ")})`, sizeOf(eager)],
      [
        `+ @simplewebauthn/server chunk, loaded by the first passkey answer (${webauthn.join(", ") || "none found"})`,
        sizeOf(webauthn),
      ],
    ];
    const otherLazy = lazy.filter((f) => !webauthn.includes(f));
    if (otherLazy.length > 0) {
      rows.push([
        `+ other chunks loaded with import() (${otherLazy.join(", ")})`,
        sizeOf(otherLazy),
      ]);
    }
    rows.push([`passkeys function reads (all of the above)`, sizeOf([...eager, ...lazy])]);
    rows.push([
      `lambda/ as shipped (${all.length} files, username-sweep.mjs included)`,
      sizeOf(all),
    ]);
    console.log("| what | minified | min+gzip |");
    console.log("| --- | ---: | ---: |");
    for (const [name, { min, gzip }] of rows)
      console.log(`| ${name} | ${fmt(min)} B | ${fmt(gzip)} B |`);
    if (webauthn.length === 0)
      throw new Error("no chunk with @simplewebauthn/server under lambda/");
  },
);

await section(`cold import of the passkey chunk (fresh Node processes, median of ${RUNS})`, () => {
  const { eager, webauthn } = triggerChunks();
  if (webauthn.length === 0) throw new Error("no chunk with @simplewebauthn/server under lambda/");
  // index.mjs's static chunks first (as a warm-started function has them),
  // then the passkey chunk(s), timed. index.mjs itself is not imported: its
  // init reads the environment and starts SDK calls, which is not measured here.
  const script = `
const dir = ${JSON.stringify(pathToFileURL(lambdaDir).href)};
for (const f of ${JSON.stringify(eager.filter((f) => f !== "index.mjs"))}) await import(dir + "/" + f);
const t = performance.now();
for (const f of ${JSON.stringify(webauthn)}) await import(dir + "/" + f);
process.stdout.write(String(performance.now() - t));`;
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: lambdaDir,
      encoding: "utf8",
    });
    times.push(Number(out));
  }
  console.log("| what | median | min | max |");
  console.log("| --- | ---: | ---: | ---: |");
  console.log(
    `| import() of ${webauthn.join(", ")} (Node ${process.versions.node}) | ${median(times).toFixed(1)} ms | ${Math.min(...times).toFixed(1)} ms | ${Math.max(...times).toFixed(1)} ms |`,
  );
});

// --- 3: the client plug-in -------------------------------------------------

await section(
  "@cognito-passcode/client/passkeys (from packages/client/bench/size.mjs)",
  async () => {
    const { ENTRIES, measure } = await import(
      pathToFileURL(join(root, "packages", "client", "bench", "size.mjs")).href
    );
    const names = Object.keys(ENTRIES).filter((name) => /passkey/i.test(name));
    if (names.length === 0) throw new Error("size.mjs has no passkeys entry yet");
    const core = await measure(ENTRIES.core);
    console.log("| entry | minified | min+gzip | added to the core (min+gzip) |");
    console.log("| --- | ---: | ---: | ---: |");
    console.log(`| core | ${fmt(core.min)} B | ${fmt(core.gzip)} B | - |`);
    for (const name of names) {
      const size = await measure(ENTRIES[name]);
      console.log(
        `| ${name} | ${fmt(size.min)} B | ${fmt(size.gzip)} B | ${fmt(size.gzip - core.gzip)} B |`,
      );
    }
  },
);

// --- 4: requests per sign-in -----------------------------------------------

/** A fetch that records the Cognito operation of every request it sends. */
function countingFetch() {
  const operations = [];
  const wrapped = (input, init) => {
    const target = new Headers(init?.headers).get("x-amz-target") ?? "?";
    operations.push(target.replace(/^AWSCognitoIdentityProviderService\./, ""));
    return fetch(input, init);
  };
  return { fetch: wrapped, operations };
}

/**
 * The browser's WebAuthn API, answered by the soft authenticator: the
 * plug-in hands `PublicKeyCredential.parse*OptionsFromJSON` the options JSON
 * and sends the credential's `toJSON()`, so the JSON goes through unchanged.
 */
function installSoftWebAuthn(authenticator) {
  const parse = (json) => ({ json });
  const credential = (response) => ({ ...response, toJSON: () => response });
  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  define("PublicKeyCredential", {
    parseRequestOptionsFromJSON: parse,
    parseCreationOptionsFromJSON: parse,
  });
  define("navigator", {
    userAgent: "bench",
    credentials: {
      get: async ({ publicKey }) => credential(await authenticator.authenticate(publicKey.json)),
      create: async ({ publicKey }) => credential(await authenticator.register(publicKey.json)),
    },
  });
}

function expectStatus(snapshot, status) {
  if (snapshot.status !== status) {
    throw new Error(`expected ${status}, got ${snapshot.status} ${JSON.stringify(snapshot.error)}`);
  }
}

/** The ID token's `passcode_amr` claim, or "-" when it has none. */
async function amrOf(client) {
  const tokens = await client.getTokens();
  const payload = JSON.parse(Buffer.from(tokens.idToken.split(".")[1], "base64url").toString());
  return payload.passcode_amr ?? "-";
}

/** Requests per flow as docs/design/passkeys.md section 1.6 (and the Passkeys guide) state them. */
const DESIGN = {
  "first sign-in: username step|off": 4,
  "first sign-in: username step and enrolment|on": 6,
  "code sign-in, returning user (autoSignUp: false)|off": 2,
  "code sign-in, returning user (autoSignUp: false)|on": 3,
  "code sign-in, returning user, new browser (autoSignUp: true)|off": 3,
  "code sign-in, returning user, new browser (autoSignUp: true)|on": 4,
  "passkey sign-in, returning user|on": 2,
};

async function countRequests() {
  const local = await import(pathToFileURL(join(root, "packages/local/dist/index.js")).href);
  const clientPkg = await import(pathToFileURL(join(root, "packages/client/dist/index.js")).href);
  const plugin = await import(pathToFileURL(join(root, "packages/client/dist/passkeys.js")).href);
  const testing = await import(pathToFileURL(join(root, "packages/triggers/dist/testing.js")).href);
  const rows = [];
  for (const passkeysOn of [false, true]) {
    const origin = "http://localhost:5173";
    const stack = await local.startLocalStack({
      port: 0,
      triggers: passkeysOn ? { passkeys: { rpId: "localhost", origins: [origin] } } : {},
    });
    try {
      const authenticator = testing.softAuthenticator({ origin, rpId: "localhost" });
      installSoftWebAuthn(authenticator);
      const run = async (flow, steps, { autoSignUp = false } = {}) => {
        const counter = countingFetch();
        const client = clientPkg.createPasscodeClient({
          clientId: stack.clientId,
          endpoint: stack.endpoint,
          fetch: counter.fetch,
          autoSignUp,
          ...(passkeysOn ? { passkeys: plugin.passkeys() } : {}),
        });
        const emailsBefore = stack.mailbox.messages().length;
        const snapshot = await steps(client);
        expectStatus(snapshot, "signedIn");
        rows.push({
          flow,
          design: DESIGN[`${flow}|${passkeysOn ? "on" : "off"}`],
          passkeys: passkeysOn ? "on" : "off",
          // The sign-in's requests only: copied before the sign-out's RevokeToken.
          operations: [...counter.operations],
          emails: stack.mailbox.messages().length - emailsBefore,
          method: `${snapshot.method ?? "-"}${snapshot.passkeyEnrolled ? ", passkeyEnrolled" : ""}`,
          amr: await amrOf(client),
        });
        await client.signOut();
        // Past the throttle's minimum interval, without waiting.
        stack.clock.advance(31_000);
      };
      const email = `bench.passkeys.${passkeysOn ? "on" : "off"}.${Date.now()}@example.com`;
      const enrol = passkeysOn ? { enrolPasskey: true } : undefined;
      await run(
        passkeysOn ? "first sign-in: username step and enrolment" : "first sign-in: username step",
        async (client) => {
          expectStatus(await client.requestCode(email), "awaitingCode");
          const code = await stack.mailbox.latestCode(email);
          expectStatus(await client.submitCode(code, enrol), "awaitingUsername");
          return client.submitUsername(`bench_${passkeysOn ? "on" : "off"}`, enrol);
        },
        { autoSignUp: true },
      );
      await run("code sign-in, returning user (autoSignUp: false)", async (client) => {
        expectStatus(await client.requestCode(email), "awaitingCode");
        return client.submitCode(await stack.mailbox.latestCode(email));
      });
      await run(
        "code sign-in, returning user, new browser (autoSignUp: true)",
        async (client) => {
          expectStatus(await client.requestCode(email), "awaitingCode");
          return client.submitCode(await stack.mailbox.latestCode(email));
        },
        { autoSignUp: true },
      );
      if (passkeysOn) {
        await run("passkey sign-in, returning user", (client) => client.signInWithPasskey(email));
      }
    } finally {
      await stack.stop();
    }
  }
  return rows;
}

await section(
  "requests per sign-in, passkeys off and on (local stack, real triggers, soft authenticator; counted at fetch)",
  async () => {
    const rows = await countRequests();
    console.log(
      "| flow | passkeys | requests (design) | emails sent | signedIn | passcode_amr | operations |",
    );
    console.log("| --- | --- | ---: | ---: | --- | --- | --- |");
    const off = [];
    for (const r of rows) {
      if (r.operations.length !== r.design) off.push(r.flow);
      console.log(
        `| ${r.flow} | ${r.passkeys} | ${r.operations.length} (${r.design}) | ${r.emails} | ${r.method} | ${r.amr} | ${r.operations.join(", ")} |`,
      );
    }
    if (off.length > 0) throw new Error(`request counts differ from the design: ${off.join("; ")}`);
  },
);

process.exit(failed > 0 ? 1 : 0);
