// The token handler's cost: the size of its Lambda bundle (the AWS SDK left
// external, as the Lambda runtime provides it), minified and minified+gzip,
// and the latency a refresh through it adds over a direct
// GetTokensFromRefreshToken, both against the same local stack in the same
// run (median and p95 over N alternating runs). Plain Node ESM; needs the
// built packages (the root `pnpm bench` builds first):
//   pnpm --filter @cognito-passcode/token-handler bench [-- --runs 300]
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..");
const prebuilt = join(pkg, "lambda", "index.mjs");
const nodeEntry = join(pkg, "dist", "node.js");
const localEntry = join(pkg, "..", "local", "dist", "index.js");
for (const file of [prebuilt, nodeEntry, localEntry]) {
  if (!existsSync(file)) {
    console.error(`bench: ${file} is missing; run \`pnpm run build\` first`);
    process.exit(1);
  }
}
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200;
const WARM_UP = 20;
const ORIGIN = "https://app.example.com";
const KEY = "bench-cookie-key-0123456789abcdefghijklmnop";

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

// ---- Bundle size -----------------------------------------------------------
/** An app's own Lambda bundle of the `./lambda` adapter, built like the prebuilt one. */
async function ownBundle() {
  const { outputFiles } = await build({
    stdin: {
      contents: `import { createLambdaHandler } from ${JSON.stringify(join(pkg, "dist", "lambda.js"))};
export const handler = createLambdaHandler({ clientId: "abc", region: "eu-west-1",
  allowedOrigins: ["https://app.example.com"], cookieKeys: [process.env.KEY] });`,
      resolveDir: pkg,
      loader: "js",
    },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node22",
    external: ["@aws-sdk/*"],
    logLevel: "silent",
  });
  return outputFiles[0].contents;
}

const sizes = [
  ["prebuilt lambda/index.mjs (env config, Secrets Manager)", readFileSync(prebuilt)],
  ["own bundle of createLambdaHandler (./lambda)", await ownBundle()],
];
console.log("Lambda bundle size (@aws-sdk/* external, minified)\n");
console.log("| bundle | min | min+gzip |\n| --- | ---: | ---: |");
for (const [name, bytes] of sizes) {
  console.log(`| ${name} | ${kb(bytes.length)} | ${kb(gzipSync(bytes, { level: 9 }).length)} |`);
}

// ---- Refresh latency -------------------------------------------------------
const { startLocalStack } = await import(pathToFileURL(localEntry).href);
const { createNodeHandler } = await import(pathToFileURL(nodeEntry).href);
const stack = await startLocalStack({ port: 0, triggers: { throttle: false } });
const auth = createNodeHandler({
  clientId: stack.clientId,
  endpoint: stack.endpoint,
  allowedOrigins: [ORIGIN],
  cookieKeys: [KEY],
});
const server = createServer((req, res) => void auth(req, res));
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const handlerUrl = `http://127.0.0.1:${server.address().port}/auth`;

/** One Cognito JSON call to `url`; returns the answer and its Set-Cookie headers. */
async function call(url, operation, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      ...headers,
    },
    body: JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${operation}: ${data.__type}: ${data.message}`);
  return { data, cookies: response.headers.getSetCookie() };
}

async function signIn(url, email, headers) {
  const id = { ClientId: stack.clientId };
  await call(url, "SignUp", { ...id, Username: email, Password: `Pw0${"x".repeat(40)}!` }, headers);
  const start = await call(
    url,
    "InitiateAuth",
    {
      ...id,
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    },
    headers,
  );
  const answer = (session, value) =>
    call(
      url,
      "RespondToAuthChallenge",
      {
        ...id,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: session,
        ChallengeResponses: { USERNAME: email, ANSWER: value },
      },
      headers,
    );
  const coded = await answer(start.data.Session, await stack.mailbox.latestCode(email));
  return answer(coded.data.Session, email.split("@")[0]);
}

const browser = { origin: ORIGIN, "x-cognito-passcode": "1", "sec-fetch-site": "same-origin" };
try {
  const direct = await signIn(stack.endpoint, "direct@example.com", {});
  const refreshToken = direct.data.AuthenticationResult.RefreshToken;
  const viaHandler = await signIn(handlerUrl, "handler@example.com", browser);
  const cookie = viaHandler.cookies[0].split(";")[0];

  const directRefresh = () =>
    call(stack.endpoint, "GetTokensFromRefreshToken", {
      ClientId: stack.clientId,
      RefreshToken: refreshToken,
    });
  const handlerRefresh = () =>
    call(
      handlerUrl,
      "GetTokensFromRefreshToken",
      { ClientId: stack.clientId },
      { ...browser, cookie },
    );
  const samples = { direct: [], handler: [] };
  for (let i = 0; i < WARM_UP; i++) {
    await directRefresh();
    await handlerRefresh();
  }
  // Alternate, so both paths meet the same machine load.
  for (let i = 0; i < RUNS; i++) {
    for (const [name, run] of i % 2
      ? [
          ["direct", directRefresh],
          ["handler", handlerRefresh],
        ]
      : [
          ["handler", handlerRefresh],
          ["direct", directRefresh],
        ]) {
      const t = performance.now();
      await run();
      samples[name].push(performance.now() - t);
    }
  }
  const row = (name, values) =>
    `| ${name} | ${percentile(values, 50).toFixed(2)} ms | ${percentile(values, 95).toFixed(2)} ms |`;
  console.log(`\nRefresh latency on the local stack, ${RUNS} runs each, alternating (same run)\n`);
  console.log("| path | median | p95 |\n| --- | ---: | ---: |");
  console.log(row("direct GetTokensFromRefreshToken", samples.direct));
  console.log(row("through the token handler (node adapter, cookie)", samples.handler));
  const added = (p) => (percentile(samples.handler, p) - percentile(samples.direct, p)).toFixed(2);
  console.log(`| added by the handler | ${added(50)} ms | ${added(95)} ms |`);
} finally {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await stack.stop();
}
