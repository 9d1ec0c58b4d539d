// `pnpm bench`: requests per sign-in, counted at `fetch` while the built
// client signs real users in against the built local stack. Run after
// `pnpm run build` (the root `pnpm bench` builds first).

import { startLocalStack } from "../../local/dist/index.js";
import { createPasscodeClient } from "../dist/index.js";

/** A fetch that records the Cognito operation of every request it sends. */
function countingFetch() {
  const operations = [];
  const wrapped = (input, init) => {
    const target = new Headers(init?.headers).get("x-amz-target") ?? "?";
    operations.push(target.replace("AWSCognitoIdentityProviderService.", ""));
    return fetch(input, init);
  };
  return { fetch: wrapped, operations };
}

function expectStatus(snapshot, status) {
  if (snapshot.status !== status) {
    throw new Error(`expected ${status}, got ${snapshot.status} ${JSON.stringify(snapshot.error)}`);
  }
}

async function signIn(stack, email, { autoSignUp, username }) {
  const counter = countingFetch();
  const client = createPasscodeClient({
    clientId: stack.clientId,
    endpoint: stack.endpoint,
    fetch: counter.fetch,
    autoSignUp,
  });
  expectStatus(await client.requestCode(email), "awaitingCode");
  const code = await stack.mailbox.latestCode(email);
  let snapshot = await client.submitCode(code);
  if (username) {
    expectStatus(snapshot, "awaitingUsername");
    snapshot = await client.submitUsername(username);
  }
  expectStatus(snapshot, "signedIn");
  return counter.operations;
}

const stack = await startLocalStack({ port: 0, host: "127.0.0.1" });
try {
  const email = `bench.${Date.now()}@example.com`;
  const rows = [
    [
      "new user, autoSignUp: true",
      await signIn(stack, email, { autoSignUp: true, username: "bench_user" }),
    ],
  ];
  // Past the throttle's minimum interval, without waiting.
  stack.clock.advance(31_000);
  rows.push([
    "returning user, autoSignUp: false",
    await signIn(stack, email, { autoSignUp: false }),
  ]);
  stack.clock.advance(31_000);
  rows.push([
    "returning user, autoSignUp: true, new browser",
    await signIn(stack, email, { autoSignUp: true }),
  ]);
  console.log("\nRequests per sign-in with @cognito-passcode/client (counted at fetch):");
  console.log("| user | requests | operations |");
  console.log("| --- | ---: | --- |");
  for (const [name, operations] of rows) {
    console.log(`| ${name} | ${operations.length} | ${operations.join(", ")} |`);
  }
} finally {
  await stack.stop();
}
