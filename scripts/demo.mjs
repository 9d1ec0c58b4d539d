#!/usr/bin/env node
// `pnpm demo`: builds the packages and the example pages, starts the local
// stack (Cognito + SES inbox + DynamoDB, in this process, refresh-token
// rotation on, passkeys on with RP id `localhost`) and serves the login page
// at http://localhost:<port> (listening on 127.0.0.1), with the token handler
// (@cognito-passcode/token-handler) mounted at `/auth` on the page's own
// origin: the page's default mode keeps the refresh token in an httpOnly
// cookie. Ctrl-C stops everything.
//
//   node scripts/demo.mjs [--port 5173] [--rebuild] [--build-only] [--no-build]
//
// The end-to-end tests import `buildAll` and `startDemo` from here, so the
// tests run exactly what a person runs.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** What gets built, in dependency order, and from what. */
const TARGETS = [
  { dir: "packages/shared", inputs: ["src", "package.json", "tsup.config.ts"] },
  { dir: "packages/triggers", inputs: ["src", "package.json", "tsup.config.ts"] },
  { dir: "packages/client", inputs: ["src", "package.json", "tsup.config.ts"] },
  { dir: "packages/token-handler", inputs: ["src", "package.json", "tsup.config.ts"] },
  { dir: "packages/local", inputs: ["src", "package.json", "tsup.config.ts"] },
  ...["examples/web", "examples/vanilla"].map((dir) => ({
    dir,
    // The pages bundle the client and shared builds: a newer build makes them stale.
    inputs: [
      "src",
      "index.html",
      "package.json",
      "vite.config.ts",
      "../../packages/client/dist",
      "../../packages/shared/dist",
    ],
  })),
];

async function walkTimes(path, pick) {
  let info;
  try {
    info = await stat(path);
  } catch {
    return undefined;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let result;
  for (const entry of await readdir(path)) {
    const time = await walkTimes(join(path, entry), pick);
    if (time !== undefined) result = result === undefined ? time : pick(result, time);
  }
  return result;
}

/** True when `dist` is older than any input, or missing. */
async function isStale(target) {
  const base = join(ROOT, target.dir);
  const built = await walkTimes(join(base, "dist"), Math.min);
  if (built === undefined) return true;
  for (const input of target.inputs) {
    const changed = await walkTimes(join(base, input), Math.max);
    if (changed !== undefined && changed > built) return true;
  }
  return false;
}

function run(command, args, cwd) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(" ")} failed in ${cwd}:\n${output}`));
    });
  });
}

/**
 * Builds every package and example whose `dist` is missing or older than its
 * sources (all of them with `force`). Each one runs its own `build` script.
 */
export async function buildAll({ force = false, log = () => {} } = {}) {
  // Under `pnpm demo`, npm_execpath is pnpm itself; otherwise use the pnpm on PATH.
  const execPath = process.env.npm_execpath;
  const pnpm =
    execPath && /pnpm/.test(execPath) && /\.c?js$/.test(execPath)
      ? { command: process.execPath, args: [execPath] }
      : { command: "pnpm", args: [] };
  let rebuilt = false;
  for (const target of TARGETS) {
    // Examples bundle the packages, so a package rebuilt just now rebuilds them too.
    const stale =
      force || (rebuilt && target.dir.startsWith("examples/")) || (await isStale(target));
    if (!stale) continue;
    log(`Building ${target.dir}…`);
    await run(pnpm.command, [...pnpm.args, "run", "build"], join(ROOT, target.dir));
    rebuilt = true;
  }
}

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".map": "application/json",
};

/** The sites the server hosts: URL prefix -> built folder. Longest prefix first. */
const SITES = [
  { prefix: "/vanilla/", dir: join(ROOT, "examples/vanilla/dist") },
  { prefix: "/", dir: join(ROOT, "examples/web/dist") },
];

function securityHeaders(connectOrigin) {
  return {
    "content-security-policy": [
      "default-src 'self'",
      `connect-src 'self' ${connectOrigin}`,
      "img-src 'self' data:",
      "style-src 'self'",
      "script-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join("; "),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
}

/**
 * True when a `Host` header names loopback (`localhost`, `*.localhost`,
 * `127.x.y.z`, `[::1]`): a page served under any other name could be a DNS
 * rebinding of 127.0.0.1 by another site. Same rule as the local stack's.
 */
export function isLoopbackHost(header) {
  if (typeof header !== "string") return false;
  const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+))(?::\d{1,5})?$/i.exec(header.trim());
  if (!match) return false;
  const name = (match[1] ?? match[2]).toLowerCase().replace(/\.$/, "");
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name === "::1" ||
    /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(name)
  );
}

/** Where the token handler answers, on the page's own origin (both pages use it). */
const AUTH_PATH = "/auth";

/**
 * Imports a built workspace package's export `subpath` (`"."`, `"./node"`)
 * as Node's ESM loader would: the first `import`, `node` or `default`
 * condition of its `exports`. The root has no dependency on the packages.
 */
async function importPackage(dir, subpath) {
  const manifest = JSON.parse(await readFile(join(ROOT, dir, "package.json"), "utf8"));
  let entry = manifest.exports?.[subpath];
  while (entry && typeof entry === "object" && !Array.isArray(entry)) {
    const condition = Object.keys(entry).find((key) => ["import", "node", "default"].includes(key));
    entry = condition === undefined ? undefined : entry[condition];
  }
  if (typeof entry !== "string") throw new Error(`${dir}/package.json exports no "${subpath}"`);
  return import(pathToFileURL(join(ROOT, dir, entry)).href);
}

/**
 * A small static server for the built pages, plus `config.json` for each, and
 * the token handler at {@link AUTH_PATH}. `getState()` is read per request
 * (the stack starts after the server has its port, so the page's origin can
 * be given to the stack's CORS and the handler's allowed origins); it returns
 * `{ config, auth }` once both are ready.
 */
function createPageServer(getState) {
  return createServer(async (req, res) => {
    try {
      if (!isLoopbackHost(req.headers.host)) {
        res.writeHead(403, { "content-type": "text/plain; charset=utf-8" });
        res.end("Forbidden: the demo only answers loopback host names.\n");
        return;
      }
      const state = getState();
      if (!state) {
        res.writeHead(503, { "retry-after": "1" }).end();
        return;
      }
      const { config, auth } = state;
      const url = new URL(req.url ?? "/", "http://localhost");
      if (url.pathname === AUTH_PATH) {
        // The token handler answers every method itself (POST and OPTIONS, others refused).
        await auth(req, res);
        return;
      }
      // `connect-src 'self'` covers the token handler; the stack's origin is
      // there for the memory and storage modes, which call it directly.
      const headers = securityHeaders(new URL(config.endpoint).origin);
      const body = JSON.stringify(config);
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD" }).end();
        return;
      }
      if (url.pathname === "/vanilla") {
        res.writeHead(308, { location: "/vanilla/" }).end();
        return;
      }
      const site = SITES.find((candidate) => url.pathname.startsWith(candidate.prefix));
      const relative = decodeURIComponent(url.pathname.slice(site.prefix.length));
      if (relative === "config.json") {
        res.writeHead(200, {
          ...headers,
          "content-type": TYPES[".json"],
          "cache-control": "no-store",
        });
        res.end(req.method === "HEAD" ? undefined : body);
        return;
      }
      let file = resolve(site.dir, normalize(relative === "" ? "index.html" : relative));
      if (file !== site.dir && !file.startsWith(site.dir + sep)) {
        res.writeHead(404).end();
        return;
      }
      // Unknown paths get the page itself (client-side routes, refreshes).
      const info = await stat(file).catch(() => undefined);
      if (!info?.isFile()) file = join(site.dir, "index.html");
      const content = await readFile(file);
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      const immutable = file.includes(`${sep}assets${sep}`);
      res.writeHead(200, {
        ...headers,
        "content-type": type,
        "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
      });
      res.end(req.method === "HEAD" ? undefined : content);
    } catch (error) {
      if (res.headersSent) res.destroy();
      else res.writeHead(500, { "content-type": "text/plain" }).end(String(error));
    }
  });
}

function listen(server, port, host) {
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolvePromise(server.address().port);
    });
  });
}

/**
 * An SES client on the stack's embedded inbox (`stack.sesEndpoint`), as the
 * stack's own triggers have; @aws-sdk/client-ses is resolved from the
 * triggers package (the root has no dependency on it).
 */
function localSes(stack) {
  const require = createRequire(join(ROOT, "packages/triggers/package.json"));
  const { SESClient } = require("@aws-sdk/client-ses");
  return new SESClient({
    endpoint: stack.sesEndpoint,
    region: stack.region,
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
}

/**
 * Starts the page server and the local stack (both on `host`), and returns
 * their URLs and a `stop()` that closes both. `stack` options go to
 * `startLocalStack` as they are (`triggers`, `now`, ...), over one default:
 * `client.refreshTokenRotation` is `{ enabled: true, retryGracePeriodSeconds: 10 }`,
 * as the CDK construct's token handler client (give
 * `stack.client.refreshTokenRotation` to change it): every page load
 * refreshes, and with no grace a load whose answer is lost (a reload, a
 * dropped connection) would leave a cookie holding a spent token, and the
 * user signed out. The page's origin
 * (`http://<host>:<port>` and `http://localhost:<port>`) is added to
 * `cors.origins`, so the page, and only the page, may call the stack.
 *
 * `passkeys: true` (what `pnpm demo` passes) turns the stack's passkeys on
 * (`triggers.passkeys` = `{ rpId: "localhost", origins: ["http://localhost:<port>"] }`)
 * and the token handler's passkey management (the stack's store and issuer,
 * and a notifier that emails a removal through the stack's SES, as Verify
 * does an addition); `config.json` says `passkeys: true`, else `false` (the
 * pages then offer no passkey);
 * the URLs it returns are then on `http://localhost:<port>`, since WebAuthn
 * refuses an IP address as RP id (the server still listens on `host`).
 * Without it, they are on `http://<host>:<port>` as before.
 *
 * The token handler (`createNodeHandler` of @cognito-passcode/token-handler)
 * answers at `/auth` on the same server, for the stack's app client, allowing
 * those same two origins. Its cookie keys are `cookieKeys`, else one key drawn
 * at random per start: the stack keeps its users and refresh tokens in memory,
 * so a restart ends every session anyway. Needs `buildAll()` first.
 */
export async function startDemo({
  port = 0,
  host = "127.0.0.1",
  stack: stackOptions = {},
  cookieKeys = [randomBytes(32).toString("base64url")],
  passkeys: withPasskeys = false,
} = {}) {
  const local = await importPackage("packages/local", ".");
  const tokenHandler = await importPackage("packages/token-handler", "./node");
  const triggers = await importPackage("packages/triggers", ".");
  let state;
  const server = createPageServer(() => state);
  let pagePort;
  try {
    pagePort = await listen(server, port, host);
  } catch (error) {
    if (error?.code !== "EADDRINUSE" || port === 0) throw error;
    // The preferred port is taken (another demo?): take any free one.
    pagePort = await listen(server, 0, host);
  }
  // WebAuthn needs a host name (RP id `localhost`), never an IP address: the
  // pages are announced on localhost, which resolves to this loopback listener.
  const localOrigin = `http://localhost:${pagePort}`;
  const hostOrigin = `http://${host.includes(":") ? `[${host}]` : host}:${pagePort}`;
  const passkeys =
    stackOptions.triggers?.passkeys ??
    (withPasskeys ? { rpId: "localhost", origins: [localOrigin] } : undefined);
  const origin = passkeys ? localOrigin : hostOrigin;
  const pageOrigins = [...new Set([hostOrigin, localOrigin])];
  let stack;
  let auth;
  let ses;
  try {
    stack = await local.startLocalStack({
      port: 0,
      host,
      ...stackOptions,
      client: {
        refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 10 },
        ...stackOptions.client,
      },
      cors: {
        origins: [...new Set([...(stackOptions.cors?.origins ?? []), ...pageOrigins])],
      },
      ...(passkeys ? { triggers: { ...stackOptions.triggers, passkeys } } : {}),
    });
    // The removal notice goes out as the stack's own triggers send mail: SES
    // SendEmail to the embedded inbox, from the same sender and app name.
    if (passkeys && stack.store) ses = localSes(stack);
    auth = tokenHandler.createNodeHandler({
      clientId: stack.clientId,
      endpoint: stack.endpoint,
      allowedOrigins: pageOrigins,
      cookieKeys,
      // List, rename and remove passkeys at /auth, in the stack's own table;
      // a removal emails the user, as Verify does for an added passkey.
      ...(passkeys && stack.store
        ? {
            passkeys: {
              userPoolId: stack.userPoolId,
              store: stack.store,
              issuer: stack.issuer,
              notify: triggers.createPasskeyNotifier({
                ses,
                email: {
                  from: stackOptions.triggers?.email?.from ?? local.DEFAULT_FROM,
                  ...(stackOptions.triggers?.email?.appName
                    ? { appName: stackOptions.triggers.email.appName }
                    : {}),
                },
              }),
            },
          }
        : {}),
    });
  } catch (error) {
    server.closeAllConnections();
    await new Promise((done) => server.close(() => done()));
    ses?.destroy();
    await stack?.stop();
    throw error;
  }
  state = {
    auth,
    config: {
      endpoint: stack.endpoint,
      region: stack.region,
      clientId: stack.clientId,
      tokenHandler: AUTH_PATH,
      inboxUrl: stack.sesEndpoint,
      // The pages offer passkeys only when the stack has them.
      passkeys: Boolean(passkeys && stack.store),
    },
  };
  let stopped;
  return {
    loginUrl: `${origin}/`,
    vanillaUrl: `${origin}/vanilla/`,
    tokenHandlerUrl: `${origin}${AUTH_PATH}`,
    inboxUrl: stack.sesEndpoint,
    stack,
    stop() {
      stopped ??= (async () => {
        server.closeAllConnections();
        await new Promise((done) => server.close(() => done()));
        ses?.destroy();
        await stack.stop();
      })();
      return stopped;
    },
  };
}

async function main() {
  // The AWS SDK (inside the local stack) warns once that its 2027 releases need
  // Node 22. True, but not something to act on while trying the demo.
  const emitWarning = process.emitWarning.bind(process);
  process.emitWarning = (warning, ...rest) => {
    if (String(warning?.message ?? warning).startsWith("NodeVersionSupportWarning")) return;
    emitWarning(warning, ...rest);
  };
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: process.env.PORT ?? "5173" },
      rebuild: { type: "boolean", default: false },
      "build-only": { type: "boolean", default: false },
      "no-build": { type: "boolean", default: false },
    },
  });
  const started = Date.now();
  if (!values["no-build"]) {
    await buildAll({ force: values.rebuild, log: (line) => console.log(line) });
  }
  if (values["build-only"]) return;

  const demo = await startDemo({ port: Number(values.port), passkeys: true });
  console.log(`Login page: ${demo.loginUrl}`);
  console.log(
    `Token handler: ${demo.tokenHandlerUrl} (the pages' default, refresh token in an httpOnly cookie; ?mode=memory or ?mode=storage to compare)`,
  );
  console.log(`Inbox: ${demo.inboxUrl}`);
  console.log(`Plain DOM example: ${demo.vanillaUrl}`);
  console.log(
    `Ready in ${((Date.now() - started) / 1000).toFixed(1)} s. Sign in with any email address; the code arrives in the inbox. Passkeys are on (RP id localhost): open the pages on localhost, as printed. Press Ctrl-C to stop.`,
  );

  let stopping = false;
  const stop = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log("\nStopping…");
    await demo.stop();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
