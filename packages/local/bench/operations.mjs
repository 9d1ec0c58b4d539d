// Counts the AWS calls the triggers make per sign-in: DynamoDB operations
// (username registry, send throttle, attempt counter) and Cognito admin calls,
// for a new user (sign-up, code, username) and a returning user, with the
// default throttle on a dynamoDbStore in the stack's embedded dynalite. Each
// call is counted at the SDK client's `send`, by command name, so the figures
// are what a deployment pays per sign-in. Needs the built package:
//   pnpm --filter @cognito-passcode/local build && node packages/local/bench/operations.mjs
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { call, signIn } from "./cognito.mjs";

const dist = new URL("../dist/index.js", import.meta.url);
if (!existsSync(dist)) {
  console.error("operations: packages/local/dist is missing; build first");
  process.exit(1);
}
const { startLocalStack } = await import(dist.href);

// The SDK modules the triggers load (peer dependencies of the triggers package).
const fromTriggers = createRequire(new URL("../../triggers/package.json", import.meta.url));
const counts = new Map();
let counting = false;
for (const [pkg, client] of [
  ["@aws-sdk/client-dynamodb", "DynamoDBClient"],
  ["@aws-sdk/client-cognito-identity-provider", "CognitoIdentityProviderClient"],
]) {
  const sdk = await import(fromTriggers.resolve(pkg));
  const send = sdk[client].prototype.send;
  sdk[client].prototype.send = function (command, ...rest) {
    if (counting) {
      const name = `${client === "DynamoDBClient" ? "dynamodb" : "cognito-idp"}:${command.constructor.name.replace(/Command$/, "")}`;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    return send.call(this, command, ...rest);
  };
}

async function measure(label, flow) {
  counts.clear();
  counting = true;
  try {
    await flow();
  } finally {
    counting = false;
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const detail = [...counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
  console.log(`| ${label} | ${total} | ${detail} |`);
}

const stack = await startLocalStack({ logger: { warn() {}, error() {} } });
try {
  const run = Date.now().toString(36);
  const email = `ops.${run}@example.com`;
  console.log("| sign-in | AWS calls by the triggers | by operation |");
  console.log("| --- | ---: | --- |");
  await measure("new user (SignUp, code, username)", async () => {
    await call(stack.endpoint, "SignUp", {
      ClientId: stack.clientId,
      Username: email,
      Password: `${"Aa1!".repeat(8)}${run}`,
      UserAttributes: [{ Name: "email", Value: email }],
    });
    await signIn(stack, email, `ops_${run}`);
  });
  // The throttle's minimum interval (30 s) would refuse an immediate second code.
  stack.clock.advance(60_000);
  await measure("returning user (code)", () => signIn(stack, email, `ops_${run}`));
} finally {
  await stack.stop();
}
