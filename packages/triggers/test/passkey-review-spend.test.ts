// Second-look review (session of 2026-12-06) of 37a9305: Verify takes the
// passkey sign-in record that an answer of a code sign-in names. It took it
// on every CODE answer, right or wrong, before the code was checked: whoever
// knew a user's address and the challenge of that user's passkey sign-in in
// progress (parked at USERNAME or ENROL) could, with no proof at all (a
// sign-in as the user, the switch, any wrong code), spend its record, and the
// user's own passkey sign-in then got passcode_amr "otp". Before 37a9305 that
// took the user's code (a code sign-in with tokens); a CODE answer matters
// only when it is right (a wrong one gets no tokens), and the USERNAME and
// ENROL answers after a code already follow a right one.
import { CLIENT_METADATA } from "@cognito-passcode/shared";
import { memoryStore } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import {
  CLIENT_ID,
  knownUser,
  type TestUser,
  USER_POOL_ID,
  unknownUser,
} from "./support/events.js";
import { harness } from "./support/harness.js";
import { optionsOf, PasskeyLoop, parametersOf as params } from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";
const SWITCH = { "passcode:method": "code" };
const ENROL = { "passcode:enrolPasskey": "true" };
const SKIP = { "passcode:enrolPasskey": "skip" };
const PASSKEYS = { rpId: "localhost", rpName: "Acme", origins: [ORIGIN] };

function setup(user: TestUser) {
  const store = memoryStore();
  const h = harness({ users: [user], start: Date.now(), passkeys: { ...PASSKEYS, store } });
  return { ...h, store };
}
type Setup = ReturnType<typeof setup>;

/** The claim Pre Token Generation puts on the tokens of the answer sent with `metadata`. */
async function claimFor(h: Setup, user: TestUser, metadata: Record<string, string>) {
  const event = {
    version: "1",
    region: "eu-west-1",
    userPoolId: USER_POOL_ID,
    triggerSource: "TokenGeneration_Authentication",
    userName: user.attributes.sub!,
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: CLIENT_ID },
    request: {
      userAttributes: { ...user.attributes },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      clientMetadata: metadata,
    },
    response: { claimsOverrideDetails: null as never },
  } as PreTokenGenerationTriggerEvent;
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

describe("review: a CODE answer without a right code leaves a passkey sign-in's record alone", () => {
  it("a wrong code naming the user's parked passkey sign-in does not take its 'pop mfa'", async () => {
    // Prepare: Alice's passkey sign-in, verified and parked at the enrolment step
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const h = setup(alice);
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, device);
    const parked = new PasskeyLoop(h.triggers, alice);
    const first = await parked.start();
    const challenge = JSON.parse(optionsOf(first)).challenge as string;
    const proof = { [CLIENT_METADATA.passkeyChallenge]: challenge };
    const assertion = JSON.stringify(await device.authenticate(optionsOf(first)));
    expect(params(await parked.respond(assertion, { ...ENROL, ...proof })).step).toBe("ENROL");
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

describe("review: the named record adds no signal on a CODE answer without a right code", () => {
  it("a known user with a passkey, one without, and an unknown address make the same store calls and get the same answer", async () => {
    // Prepare: one store that counts every call, three users
    const withPasskey = knownUser("pk@example.com", { email_verified: "true" });
    const without = knownUser("plain@example.com", { email_verified: "true" });
    const unknown = unknownUser("nobody@example.com");
    const inner = memoryStore();
    const calls: string[] = [];
    const store = new Proxy(inner, {
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
    const h = harness({
      users: [withPasskey, without, unknown],
      start: Date.now(),
      passkeys: { ...PASSKEYS, store },
    });
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode({ ...h, store: inner }, withPasskey, device);
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
