// Adversarial review of the passkey loop on dynamoDbStore (dynalite): each
// case here failed on the code it was written against.
import { DeleteItemCommand } from "@aws-sdk/client-dynamodb";
import { dynamoDbStore, type PasskeysOptions, removePasskeys } from "@cognito-passcode/triggers";
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

/** Passkeys on for `user`, with dynamoDbStore on dynalite under a key prefix of its own. */
function setup(user: TestUser, passkeyOptions: Partial<Omit<PasskeysOptions, "store">> = {}) {
  const store = dynamoDbStore({
    tableName: table.tableName,
    client: table.client,
    keyPrefix: `r${Math.random().toString(36).slice(2, 8)}#`,
  });
  const h = harness({
    users: [user],
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store, ...passkeyOptions },
  });
  return { h, store };
}

/** A code sign-in of `user` that enrols `device`'s passkey. */
async function enrolWithCode(
  h: ReturnType<typeof setup>["h"],
  user: TestUser,
  device: SoftAuthenticator,
) {
  const enrol = new PasskeyLoop(h.triggers, user);
  await enrol.start();
  await enrol.respond("code", { "passcode:method": "code" });
  const challenge = await enrol.respond(h.codeSentTo(user.attributes.email!)!, ENROL);
  const registration = await device.register(params(challenge).options!);
  expect(await enrol.respond(JSON.stringify(registration), ENROL)).toEqual({ kind: "tokens" });
}

/** What DynamoDB's TTL may do to any item once its `ttl` (epoch seconds) has passed: delete it. */
async function expireItems(nowMs: number): Promise<number> {
  let deleted = 0;
  for (const item of await table.scan()) {
    const ttl = Number(item.ttl?.N);
    if (Number.isFinite(ttl) && ttl * 1000 < nowMs) {
      await table.client.send(
        new DeleteItemCommand({ TableName: table.tableName, Key: { pk: item.pk! } }),
      );
      deleted++;
    }
  }
  return deleted;
}

describe("review: single use outlives the challenge (dynamoDbStore)", () => {
  it("refuses a replayed assertion after the sign-in record's ttl passed while the challenge is still valid", async () => {
    // Prepare: the longest ceremony timeout the option allows (challenge valid 610 s)
    const alice = knownUser();
    const { h } = setup(alice, { timeoutMs: 600_000 });
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, device);
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const replay = loop.fork();
    const assertion = JSON.stringify(await device.authenticate(params(first).options!));
    expect(await loop.respond(assertion)).toEqual({ kind: "tokens" });
    // Act: 400 s later (the challenge is valid for 610 s), after TTL deleted what had expired
    h.clock.now += 400_000;
    await expireItems(h.clock.now);
    const result = await replay.respond(assertion);
    // Assess
    expect(result.kind).not.toBe("tokens");
  });
});

describe("review: removal of the passkeys ends a parked passkey session (dynamoDbStore)", () => {
  it("answers the parked ENROL with NOT_AUTHORIZED after removePasskeys, storing nothing", async () => {
    // Prepare
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const { h, store } = setup(alice);
    const stolen = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, stolen);
    const parked = new PasskeyLoop(h.triggers, alice);
    const first = await parked.start();
    const enrolAgain = await parked.respond(
      JSON.stringify(await stolen.authenticate(params(first).options!)),
      ENROL,
    );
    expect(params(enrolAgain).step).toBe("ENROL");
    const skip = parked.fork();
    expect((await removePasskeys({ sub: alice.attributes.sub!, store })).removed).toBe(1);
    const planted = await softAuthenticator({ origin: ORIGIN }).register(
      params(enrolAgain).options!,
    );
    // Act
    const result = await parked.respond(JSON.stringify(planted), ENROL);
    const skipped = await skip.respond("skip", { "passcode:enrolPasskey": "skip" });
    // Assess
    expect(result).toEqual({ kind: "error", message: "NOT_AUTHORIZED" });
    expect(skipped).toEqual({ kind: "error", message: "NOT_AUTHORIZED" });
    expect((await store.getPasskeys(alice.attributes.sub!))?.passkeys ?? []).toEqual([]);
  });
});
