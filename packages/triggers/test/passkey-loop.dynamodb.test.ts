import { dynamoDbStore } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { knownUser, type TestUser } from "./support/events.js";
import { harness } from "./support/harness.js";
import { PasskeyLoop, parametersOf as params } from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";
const ENROL = { "passcode:enrolPasskey": "true" };

let table: DynaliteTable;
beforeAll(async () => {
  table = await startDynaliteTable();
});
afterAll(async () => {
  await table?.stop();
});

/** Passkeys on, with dynamoDbStore on dynalite; counts the DynamoDB operations sent. */
function setup(users: TestUser[], maxPerUser = 10) {
  const operations: string[] = [];
  const client = table.client;
  client.middlewareStack.add(
    (next, context) => (args) => {
      operations.push(String(context.commandName).replace(/Command$/, ""));
      return next(args);
    },
    { step: "initialize", name: `count-${Math.random()}` },
  );
  const store = dynamoDbStore({
    tableName: table.tableName,
    client,
    keyPrefix: `t${Math.random().toString(36).slice(2, 8)}#`,
  });
  const h = harness({
    users,
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store, maxPerUser },
  });
  return { ...h, store, operations };
}

async function enrol(h: ReturnType<typeof setup>, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  await loop.start();
  await loop.respond("code", { "passcode:method": "code" });
  const challenge = await loop.respond(h.codeSentTo(user.attributes.email!)!, ENROL);
  const registration = await device.register(params(challenge).options!);
  return loop.respond(JSON.stringify(registration), ENROL);
}

describe("passkeys in the loop on dynamoDbStore (dynalite)", () => {
  it("enrols, then a passkey sign-in costs Verify one GetItem, one UpdateItem and one PutItem", async () => {
    // Prepare
    const alice = knownUser();
    const h = setup([alice]);
    const device = softAuthenticator({ origin: ORIGIN });
    expect(await enrol(h, alice, device)).toEqual({ kind: "tokens" });
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const assertion = JSON.stringify(await device.authenticate(params(first).options!));
    h.operations.length = 0;
    // Act
    const result = await loop.respond(assertion);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(h.operations).toEqual(["GetItem", "UpdateItem", "PutItem"]);
  });

  it("lets one of ten identical assertions through, in parallel on one session", async () => {
    // Prepare
    const alice = knownUser();
    const h = setup([alice]);
    const device = softAuthenticator({ origin: ORIGIN });
    await enrol(h, alice, device);
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const assertion = JSON.stringify(await device.authenticate(params(first).options!));
    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, () => loop.fork().respond(assertion)),
    );
    // Assess
    expect(results.filter((r) => r.kind === "tokens")).toHaveLength(1);
  });

  it("lets one of two racing assertions with the same counter through", async () => {
    // Prepare: a counting authenticator registered at 1
    const alice = knownUser();
    const h = setup([alice]);
    const device = softAuthenticator({ origin: ORIGIN });
    const loop0 = new PasskeyLoop(h.triggers, alice);
    await loop0.start();
    await loop0.respond("code", { "passcode:method": "code" });
    const challenge = await loop0.respond(h.codeSentTo("alice@example.com")!, ENROL);
    await loop0.respond(
      JSON.stringify(await device.register(params(challenge).options!, { counter: 1 })),
      ENROL,
    );
    const [a, b] = [new PasskeyLoop(h.triggers, alice), new PasskeyLoop(h.triggers, alice)];
    const [firstA, firstB] = [await a.start(), await b.start()];
    const answers = [
      JSON.stringify(await device.authenticate(params(firstA).options!, { counter: 2 })),
      JSON.stringify(await device.authenticate(params(firstB).options!, { counter: 2 })),
    ];
    // Act
    const results = await Promise.all([a.respond(answers[0]!), b.respond(answers[1]!)]);
    // Assess
    expect(results.filter((r) => r.kind === "tokens")).toHaveLength(1);
  });

  it("refuses a credential id another user holds, and a registration past maxPerUser", async () => {
    // Prepare
    const alice = knownUser();
    const bob = knownUser("bob@example.com");
    const h = setup([alice, bob], 1);
    const device = softAuthenticator({ origin: ORIGIN });
    await enrol(h, alice, device);
    const loop = new PasskeyLoop(h.triggers, bob);
    await loop.start();
    await loop.respond("code", { "passcode:method": "code" });
    const challenge = await loop.respond(h.codeSentTo("bob@example.com")!, ENROL);
    // Act
    const copied = await softAuthenticator({ origin: ORIGIN }).register(
      params(challenge).options!,
      {
        credentialId: device.credentials[0]!.id,
      },
    );
    const refused = await loop.respond(JSON.stringify(copied), ENROL);
    const again = new PasskeyLoop(h.triggers, alice);
    const first = await again.start();
    const full = await again.respond(
      JSON.stringify(await device.authenticate(params(first).options!)),
      ENROL,
    );
    // Assess
    expect(params(refused)).toMatchObject({ step: "ENROL", rejected: "true" });
    expect(await h.store.getPasskeys(bob.attributes.sub!)).toBeUndefined();
    expect(params(full)).toMatchObject({ step: "ENROL", reason: "PASSKEY_LIMIT" });
  });
});
