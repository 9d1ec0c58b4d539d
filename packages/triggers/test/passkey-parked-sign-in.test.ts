// A passkey sign-in parked between its proof and its tokens (at the ENROL or
// the USERNAME step): what its record gives a code sign-in of the same user,
// what a wrong code can take from it, and what is left of it once the
// account's passkeys are removed. Adversarial reviews of the session of
// 2026-12-05/06: each case failed on the code it was written against (or, for
// the second-look cases, passed and guards the named commit); the fix commit
// says why.
import { CLIENT_METADATA } from "@cognito-passcode/shared";
import { memoryStore, removePasskeys } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  knownUser,
  preTokenGenerationEvent,
  type TestUser,
  unknownUser,
} from "./support/events.js";
import { harness } from "./support/harness.js";
import {
  type LoopResult,
  optionsOf,
  PasskeyLoop,
  parametersOf as params,
} from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";
const SWITCH = { "passcode:method": "code" };
const ENROL = { "passcode:enrolPasskey": "true" };
const SKIP = { "passcode:enrolPasskey": "skip" };
const PASSKEYS = { rpId: "localhost", rpName: "Acme", origins: [ORIGIN] };

type Store = ReturnType<typeof memoryStore>;

/** Triggers with passkeys on `store` (a new memory store by default), also the username registry with `usernames`. */
function setup(users: TestUser[], options: { usernames?: boolean; store?: Store } = {}) {
  const store = options.store ?? memoryStore();
  const h = harness({
    users,
    start: Date.now(),
    passkeys: { ...PASSKEYS, store },
    ...(options.usernames ? { username: { registry: store } } : {}),
  });
  return { ...h, store };
}
type Setup = ReturnType<typeof setup>;

/** The claim Pre Token Generation puts on the tokens of the answer sent with `metadata`. */
async function claimFor(h: Setup, user: TestUser, metadata: Record<string, string> | undefined) {
  const event = preTokenGenerationEvent(user, metadata);
  const out = (await h.triggers.preTokenGeneration!(event)) as PreTokenGenerationTriggerEvent;
  return out.response.claimsOverrideDetails?.claimsToAddOrOverride?.passcode_amr;
}

/** Enrols `device` in a code sign-in. */
async function enrolWithCode(h: Setup, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  await loop.start();
  await loop.respond("code", SWITCH);
  const enrol = await loop.respond(h.codeSentTo(user.attributes.email!)!, ENROL);
  const answer = JSON.stringify(await device.register(optionsOf(enrol)));
  expect(await loop.respond(answer, ENROL)).toEqual({ kind: "tokens" });
}

/**
 * A passkey sign-in with a verified assertion, parked at ENROL (its answer
 * names its own record with `naming`): its loop and its challenge, and that
 * challenge as ClientMetadata (`proof`).
 */
async function parkAtEnrol(
  h: Setup,
  user: TestUser,
  device: SoftAuthenticator,
  { naming = false } = {},
) {
  const loop = new PasskeyLoop(h.triggers, user);
  const first = await loop.start();
  const challenge = JSON.parse(optionsOf(first)).challenge as string;
  const proof = { [CLIENT_METADATA.passkeyChallenge]: challenge };
  const enrol = await loop.respond(
    JSON.stringify(await device.authenticate(optionsOf(first))),
    naming ? { ...ENROL, ...proof } : ENROL,
  );
  expect(params(enrol).step).toBe("ENROL");
  return { loop, challenge, proof };
}

/** Alice, who enrolled a passkey in a code sign-in, and her passkey sign-in parked at ENROL. */
async function alicesPasskeySignInAtEnrol(options: { naming?: boolean } = {}) {
  const alice = knownUser("alice@example.com", { email_verified: "true" });
  const h = setup([alice]);
  const device = softAuthenticator({ origin: ORIGIN });
  await enrolWithCode(h, alice, device);
  return { alice, h, ...(await parkAtEnrol(h, alice, device, options)) };
}

/**
 * `user` enrols `device` with the username step off; then the deployment
 * turns usernames on (same store), so the user's next passkey sign-in goes
 * on to a USERNAME step.
 */
async function passkeyUserThenUsernamesOn(user: TestUser, device: SoftAuthenticator) {
  const before = setup([user]);
  await enrolWithCode(before, user, device);
  return setup([user], { usernames: true, store: before.store });
}

/** A passkey sign-in of `user` with `device`, parked at the USERNAME step. */
async function parkAtUsername(h: Setup, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  const atUsername = await loop.respond(
    JSON.stringify(await device.authenticate(optionsOf(await loop.start()))),
  );
  expect(params(atUsername)).toMatchObject({ step: "USERNAME" });
  return loop;
}

// Adversarial review (session of 2026-12-05, second pass) of the passkey
// claim's record: Pre Token Generation cannot see the Cognito session, so the
// record of an abandoned passkey sign-in (verified assertion, no tokens yet)
// could be claimed by a modified client on a code sign-in of the same user.
// Verify sees every answer that can get tokens and knows whether its
// session was proven by a passkey: a code-proven answer that names a
// record takes it first, so the claim is "otp" (37a9305).
describe("review: an abandoned passkey sign-in's record gives no 'pop mfa' to a code sign-in", () => {
  it.each([
    ["the code answer", [] as const],
    ["the username answer after the code", ["username"] as const],
    ["the skip of an enrolment after the code", ["enrol", "skip"] as const],
  ])("a modified client naming the record on %s gets 'otp'", async (_, after) => {
    // Prepare: Alice's passkey sign-in, abandoned at the enrolment step
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const h = setup([alice], { usernames: after[0] === "username" });
    if (after[0] === "username") alice.attributes["custom:username"] = "alice_0";
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, device);
    const { challenge } = await parkAtEnrol(h, alice, device);
    // (A user without a name yet: usernames turned on since, say.)
    if (after[0] === "username") delete alice.attributes["custom:username"];
    const claim = { [CLIENT_METADATA.passkeyChallenge]: challenge };
    // Act: a code sign-in of Alice's whose client sends that challenge on every answer
    const loop = new PasskeyLoop(h.triggers, alice);
    await loop.start();
    expect(params(await loop.respond("code", { ...SWITCH, ...claim })).step).toBe("CODE");
    const enrol = after[0] === "enrol" ? ENROL : {};
    let last: LoopResult = await loop.respond(h.codeSentTo("alice@example.com")!, {
      ...enrol,
      ...claim,
    });
    let sent: Record<string, string> = { ...enrol, ...claim };
    for (const step of after) {
      if (step === "username") {
        expect(params(last).step).toBe("USERNAME");
        last = await loop.respond("alice_1", claim);
      } else if (step === "enrol") {
        expect(params(last).step).toBe("ENROL");
      } else {
        sent = { ...SKIP, ...claim };
        last = await loop.respond("skip", sent);
      }
    }
    expect(last).toEqual({ kind: "tokens" });
    // Assess
    expect(await claimFor(h, alice, sent)).toBe("otp");
  });

  it("a passkey sign-in that goes on to enrolment still gets 'pop mfa' on its skip", async () => {
    // Prepare
    const { alice, h, loop, challenge } = await alicesPasskeySignInAtEnrol();
    const sent = { ...SKIP, [CLIENT_METADATA.passkeyChallenge]: challenge };
    // Act
    const result = await loop.respond("skip", sent);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(await claimFor(h, alice, sent)).toBe("pop mfa");
  });
});

// Second-look review (session of 2026-12-06) of 37a9305: Verify takes the
// passkey sign-in record that an answer of a code sign-in names. It took it
// on every CODE answer, right or wrong, before the code was checked: whoever
// knew a user's address and the challenge of that user's passkey sign-in in
// progress (parked at USERNAME or ENROL) could, with no proof at all (a
// sign-in as the user, the switch, any wrong code), spend its record, and the
// user's own passkey sign-in then got passcode_amr "otp" (fixed in 368e321).
// Before 37a9305 that took the user's code (a code sign-in with tokens); a
// CODE answer matters only when it is right (a wrong one gets no tokens), and
// the USERNAME and ENROL answers after a code already follow a right one.
describe("review: a CODE answer without a right code leaves a passkey sign-in's record alone", () => {
  it("a wrong code naming the user's parked passkey sign-in does not take its 'pop mfa'", async () => {
    // Prepare: Alice's passkey sign-in, verified and parked at the enrolment step
    const { alice, h, loop: parked, proof } = await alicesPasskeySignInAtEnrol({ naming: true });
    // Act: someone who knows her address and that challenge, not her code
    const other = new PasskeyLoop(h.triggers, alice);
    await other.start();
    const atCode = await other.respond("code", SWITCH);
    expect(params(atCode).step).toBe("CODE");
    const right = h.codeSentTo("alice@example.com")!;
    const wrong = right === "000000" ? "111111" : "000000";
    const refused = await other.respond(wrong, proof);
    expect(refused.kind).toBe("challenge");
    // Alice's parked sign-in goes on: she skips the enrolment, with her proof
    const sent = { ...SKIP, ...proof };
    const done = await parked.respond("skip", sent);
    // Assess
    expect(done).toEqual({ kind: "tokens" });
    expect(await claimFor(h, alice, sent)).toBe("pop mfa");
  });
});

// Second look at 37a9305/368e321 (enumeration): the store calls and the
// answer of a wrong CODE answer that names a passkey record must not tell a
// user with a passkey from one without or from an unknown address.
describe("review: the named record adds no signal on a CODE answer without a right code", () => {
  it("a known user with a passkey, one without, and an unknown address make the same store calls and get the same answer", async () => {
    // Prepare: one store that counts every call, three users
    const withPasskey = knownUser("pk@example.com", { email_verified: "true" });
    const without = knownUser("plain@example.com", { email_verified: "true" });
    const unknown = unknownUser("nobody@example.com");
    const calls: string[] = [];
    const store = new Proxy(memoryStore(), {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        return typeof value === "function"
          ? (...args: unknown[]) => {
              calls.push(String(key));
              return value.apply(target, args);
            }
          : value;
      },
    });
    const h = setup([withPasskey, without, unknown], { store });
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, withPasskey, device);
    const challenge = JSON.parse(optionsOf(await new PasskeyLoop(h.triggers, withPasskey).start()))
      .challenge as string;
    const proof = { [CLIENT_METADATA.passkeyChallenge]: challenge };
    const seen: { calls: string[]; result: unknown }[] = [];
    for (const user of [withPasskey, without, unknown]) {
      const loop = new PasskeyLoop(h.triggers, user);
      await loop.start();
      expect(params(await loop.respond("code", SWITCH)).step).toBe("CODE");
      const right = user.attributes.email ? h.codeSentTo(user.attributes.email) : undefined;
      const wrong = right === "000000" ? "111111" : "000000";
      // Act
      calls.length = 0;
      const result = await loop.respond(wrong, proof);
      seen.push({ calls: [...calls], result: { ...result, parameters: undefined } });
    }
    // Assess
    expect(seen[0]!.calls).not.toContain("takePasskeySignIn");
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });
});

// Adversarial review (session of 2026-12-05, second pass) of the USERNAME
// step after a passkey proof (88a5779): the holder of a removed (stolen)
// passkey parked at USERNAME claimed a name and got tokens with
// passcode_amr 'pop mfa'.
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
    const h = await passkeyUserThenUsernamesOn(alice, stolen);
    const parked = await parkAtUsername(h, alice, stolen);
    expect((await removePasskeys({ sub: alice.attributes.sub!, store: h.store })).removed).toBe(1);
    // Act
    const result = await parked.respond("thief_1");
    // Assess
    expect(result).toEqual({ kind: "error", message: "NOT_AUTHORIZED" });
    expect(alice.attributes["custom:username"]).toBeUndefined();
    expect(await h.store.ownerOf("thief_1")).toBeUndefined();
    expect(await h.store.usernameOf(alice.attributes.sub!)).toBeUndefined();
  });

  it("still takes the name while the account has a passkey", async () => {
    // Prepare
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const device = softAuthenticator({ origin: ORIGIN });
    const h = await passkeyUserThenUsernamesOn(alice, device);
    const loop = await parkAtUsername(h, alice, device);
    // Act
    const result = await loop.respond("alice_1");
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(alice.attributes["custom:username"]).toBe("alice_1");
    expect(await h.store.ownerOf("alice_1")).toBe(alice.attributes.sub);
  });
});
