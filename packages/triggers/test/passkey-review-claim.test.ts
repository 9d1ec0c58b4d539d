// Adversarial review (session of 2026-12-05, second pass) of the passkey
// claim's record: Pre Token Generation cannot see the Cognito session, so the
// record of an abandoned passkey sign-in (verified assertion, no tokens yet)
// could be claimed by a modified client on a code sign-in of the same user.
// Verify sees every answer that can get tokens and knows whether its
// session was proven by a passkey: a code-proven answer that names a
// record takes it first, so the claim is "otp". Each case here failed on the
// code it was written against; the fix commit says why.
import { CLIENT_METADATA } from "@cognito-passcode/shared";
import { memoryStore } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import type { PreTokenGenerationTriggerEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { CLIENT_ID, knownUser, type TestUser, USER_POOL_ID } from "./support/events.js";
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

function setup(user: TestUser, extra: { username?: boolean } = {}) {
  const store = memoryStore();
  const h = harness({
    users: [user],
    start: Date.now(),
    passkeys: { ...PASSKEYS, store },
    ...(extra.username ? { username: { registry: store } } : {}),
  });
  return { ...h, store };
}
type Setup = ReturnType<typeof setup>;

/** The claim Pre Token Generation puts on the tokens of the answer sent with `metadata`. */
async function claimFor(h: Setup, user: TestUser, metadata: Record<string, string> | undefined) {
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
      ...(metadata ? { clientMetadata: metadata } : {}),
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

/** A passkey sign-in with a verified assertion, abandoned at ENROL: its challenge. */
async function abandonedPasskeySignIn(h: Setup, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  const first = await loop.start();
  const enrol = await loop.respond(
    JSON.stringify(await device.authenticate(optionsOf(first))),
    ENROL,
  );
  expect(params(enrol).step).toBe("ENROL");
  return { loop, enrol, challenge: JSON.parse(optionsOf(first)).challenge as string };
}

describe("review: an abandoned passkey sign-in's record gives no 'pop mfa' to a code sign-in", () => {
  it.each([
    ["the code answer", [] as const],
    ["the username answer after the code", ["username"] as const],
    ["the skip of an enrolment after the code", ["enrol", "skip"] as const],
  ])("a modified client naming the record on %s gets 'otp'", async (_, after) => {
    // Prepare: Alice's passkey sign-in, abandoned at the enrolment step
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const h = setup(alice, { username: after[0] === "username" });
    if (after[0] === "username") alice.attributes["custom:username"] = "alice_0";
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, device);
    const { challenge } = await abandonedPasskeySignIn(h, alice, device);
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
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const h = setup(alice);
    const device = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, device);
    const { loop, challenge } = await abandonedPasskeySignIn(h, alice, device);
    const sent = { ...SKIP, [CLIENT_METADATA.passkeyChallenge]: challenge };
    // Act
    const result = await loop.respond("skip", sent);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(await claimFor(h, alice, sent)).toBe("pop mfa");
  });
});
