// Adversarial review (session of 2026-12-05, second pass) of the USERNAME
// step after a passkey proof: each case here failed on the code it was
// written against; the fix commit says why.
import { memoryStore, removePasskeys } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import { describe, expect, it } from "vitest";
import { knownUser, type TestUser } from "./support/events.js";
import { harness } from "./support/harness.js";
import { optionsOf, PasskeyLoop, parametersOf as params } from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";
const SWITCH = { "passcode:method": "code" };
const ENROL = { "passcode:enrolPasskey": "true" };
const PASSKEYS = { rpId: "localhost", rpName: "Acme", origins: [ORIGIN] };

/**
 * `user` enrols `device` with the username step off; then the deployment
 * turns usernames on (same store), so the user's next passkey sign-in goes
 * on to a USERNAME step.
 */
async function passkeyUserThenUsernamesOn(user: TestUser, device: SoftAuthenticator) {
  const store = memoryStore();
  const before = harness({ users: [user], start: Date.now(), passkeys: { ...PASSKEYS, store } });
  const enrol = new PasskeyLoop(before.triggers, user);
  await enrol.start();
  await enrol.respond("code", SWITCH);
  const registration = await device.register(
    optionsOf(await enrol.respond(before.codeSentTo(user.attributes.email!)!, ENROL)),
  );
  expect(await enrol.respond(JSON.stringify(registration), ENROL)).toEqual({ kind: "tokens" });
  const h = harness({
    users: [user],
    start: Date.now(),
    username: { registry: store },
    passkeys: { ...PASSKEYS, store },
  });
  return { h, store };
}

describe("review: a passkey session parked at USERNAME does not survive the removal of the account's passkeys", () => {
  // As at ENROL (passkey-review.test.ts): the thief of a device signs in with
  // its passkey and is asked for a name; the owner (or the admin recovery,
  // removePasskeys) then removes the account's passkeys. The parked session
  // was proven by a passkey that no longer counts: it must not get tokens
  // (with passcode_amr 'pop mfa') nor write a name on the account.
  it("refuses the parked name with NOT_AUTHORIZED after removePasskeys, claiming and writing nothing", async () => {
    // Prepare
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const stolen = softAuthenticator({ origin: ORIGIN });
    const { h, store } = await passkeyUserThenUsernamesOn(alice, stolen);
    const parked = new PasskeyLoop(h.triggers, alice);
    const atUsername = await parked.respond(
      JSON.stringify(await stolen.authenticate(optionsOf(await parked.start()))),
    );
    expect(params(atUsername)).toMatchObject({ step: "USERNAME" });
    expect((await removePasskeys({ sub: alice.attributes.sub!, store })).removed).toBe(1);
    // Act
    const result = await parked.respond("thief_1");
    // Assess
    expect(result).toEqual({ kind: "error", message: "NOT_AUTHORIZED" });
    expect(alice.attributes["custom:username"]).toBeUndefined();
    expect(await store.ownerOf("thief_1")).toBeUndefined();
    expect(await store.usernameOf(alice.attributes.sub!)).toBeUndefined();
  });

  it("still takes the name while the account has a passkey", async () => {
    // Prepare
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const device = softAuthenticator({ origin: ORIGIN });
    const { h, store } = await passkeyUserThenUsernamesOn(alice, device);
    const loop = new PasskeyLoop(h.triggers, alice);
    const atUsername = await loop.respond(
      JSON.stringify(await device.authenticate(optionsOf(await loop.start()))),
    );
    expect(params(atUsername)).toMatchObject({ step: "USERNAME" });
    // Act
    const result = await loop.respond("alice_1");
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(alice.attributes["custom:username"]).toBe("alice_1");
    expect(await store.ownerOf("alice_1")).toBe(alice.attributes.sub);
  });
});
