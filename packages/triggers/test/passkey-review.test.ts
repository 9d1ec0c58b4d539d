// Adversarial review of the passkey challenge loop (issue 15): each case here
// failed on the code it was written against; the fix commit says why.
import { memoryStore, type PasskeysOptions, removePasskeys } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { codeAddress } from "../src/challenge-state.js";
import { nextStep, passkeyBinding, passkeyMetadata } from "../src/next-step.js";
import { knownUser, type TestUser } from "./support/events.js";
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

function setup(users: TestUser[], options: Partial<Omit<PasskeysOptions, "store">> = {}) {
  const store = memoryStore();
  const h = harness({
    users,
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store, ...options },
  });
  return { ...h, store };
}
type Setup = ReturnType<typeof setup>;

/** A code sign-in (switch, then the emailed code) with `metadata` on the answers. */
async function codeSignIn(h: Setup, user: TestUser, metadata: Record<string, string> = {}) {
  const loop = new PasskeyLoop(h.triggers, user);
  expect(params(await loop.start()).step).toBe("PASSKEY");
  expect(params(await loop.respond("code", { ...SWITCH, ...metadata })).step).toBe("CODE");
  return { loop, result: await loop.respond(h.codeSentTo(user.attributes.email!)!, metadata) };
}

/** Enrols `device` for `user` in a code sign-in. */
async function enrolWithCode(h: Setup, user: TestUser, device: SoftAuthenticator) {
  const { loop, result } = await codeSignIn(h, user, ENROL);
  const registration = await device.register(optionsOf(result));
  expect(await loop.respond(JSON.stringify(registration), ENROL)).toEqual({ kind: "tokens" });
}

/** A passkey sign-in that asks to enrol another passkey: parked at the ENROL challenge. */
async function parkAtEnrol(h: Setup, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  const first = await loop.start();
  const enrol = await loop.respond(
    JSON.stringify(await device.authenticate(optionsOf(first))),
    ENROL,
  );
  expect(params(enrol).step).toBe("ENROL");
  return { loop, enrol };
}

type Parked = Awaited<ReturnType<typeof parkAtEnrol>>;

/** The parked session answers ENROL with a registration from a fresh authenticator. */
async function registerFromParked(parked: Parked) {
  const registration = await softAuthenticator({ origin: ORIGIN }).register(
    optionsOf(parked.enrol),
  );
  return parked.loop.respond(JSON.stringify(registration), ENROL);
}

/** Mallory, her address verified, with a passkey enrolled in a code sign-in. */
async function malloryWithPasskey() {
  const mallory = knownUser("mallory@example.com", { email_verified: "true" });
  const h = setup([mallory]);
  const device = softAuthenticator({ origin: ORIGIN });
  await enrolWithCode(h, mallory, device);
  return { mallory, h, device };
}

/**
 * Mallory moves her account to the victim's address (a pool without
 * AttributesRequireVerificationBeforeUpdate), unverified.
 */
function moveToVictim(user: TestUser) {
  user.attributes.email = "victim@example.com";
  user.attributes.email_verified = "false";
}

/** Alice with a passkey (the one that gets stolen) and a passkey sign-in parked at ENROL. */
async function aliceParkedAtEnrol() {
  const alice = knownUser("alice@example.com", { email_verified: "true" });
  const h = setup([alice]);
  const stolen = softAuthenticator({ origin: ORIGIN });
  await enrolWithCode(h, alice, stolen);
  const parked = await parkAtEnrol(h, alice, stolen);
  return { h, alice, parked };
}

/** Define's settings: 6-digit codes, no username step, passkeys on. */
const SETTINGS = {
  code: { length: 6, ttlMs: 180_000, maxAttempts: 3 },
  username: false as const,
  passkeys: { maxAttempts: 3, enrolMaxAttempts: 2 },
};

describe("review: a passkey session does not survive the eviction of the first proof", () => {
  // Design 5.4: the first proof of an address signs the account out everywhere
  // and removes its passkeys, so whoever held the account before (Mallory, who
  // set the victim's address on her own account) loses it. A passkey session
  // she parked at ENROL before the proof must not bring her back.
  async function mallorysParkedSession() {
    const { mallory, h, device } = await malloryWithPasskey();
    // Mallory moves her account to the victim's address (a pool without
    // AttributesRequireVerificationBeforeUpdate) and parks a passkey session.
    moveToVictim(mallory);
    const parked = await parkAtEnrol(h, mallory, device);
    // The victim proves the address: sign-out everywhere, passkeys removed.
    const victim = await codeSignIn(h, mallory);
    expect(victim.result).toEqual({ kind: "tokens" });
    expect(mallory.attributes.email_verified).toBe("true");
    expect(await h.store.getPasskeys(mallory.attributes.sub!)).toBeUndefined();
    return { h, mallory, parked };
  }

  it("refuses the parked session's registration, and stores no passkey", async () => {
    // Prepare
    const { h, mallory, parked } = await mallorysParkedSession();
    // Act
    const result = await registerFromParked(parked);
    // Assess
    expect(result.kind).not.toBe("tokens");
    expect(await h.store.getPasskeys(mallory.attributes.sub!)).toBeUndefined();
  });

  it("issues no tokens to the parked session's skip", async () => {
    // Prepare
    const { parked } = await mallorysParkedSession();
    // Act
    const result = await parked.loop.respond("skip", SKIP);
    // Assess
    expect(result.kind).not.toBe("tokens");
  });

  it("Define fails a passkey proof once the address is proven or changed (no store needed)", () => {
    // Prepare: a PASSKEY challenge created while the address was not yet verified
    const then = { email: "victim@example.com", email_verified: "false" };
    const session = [
      {
        challengeName: "CUSTOM_CHALLENGE" as const,
        challengeResult: true,
        challengeMetadata: passkeyMetadata(passkeyBinding("victim@example.com", then)),
      },
    ];
    const decide = (attributes: Record<string, string>, metadata = SKIP) =>
      nextStep(session, SETTINGS, attributes, false, attributes.email, metadata).action;
    // Act
    const unchanged = decide(then);
    const proven = decide({ ...then, email_verified: "true" });
    const moved = decide({ ...then, email: "other@example.com" });
    const parked = decide(then, ENROL);
    // Assess
    expect([unchanged, proven, moved, parked]).toEqual(["issueTokens", "fail", "fail", "enrol"]);
  });
});

describe("review: a passkey session parked at USERNAME does not survive the eviction", () => {
  // As at ENROL: Mallory, who holds the victim's address on her own account,
  // parks a passkey sign-in at the USERNAME step; the victim proves the
  // address (sign-out everywhere, passkeys removed). Define fails the parked
  // session afterwards, but Verify runs first: it must not claim and write the
  // name Mallory picks for the account the victim now holds.
  it("refuses the parked session's name after the first proof, and claims and writes nothing", async () => {
    // Prepare: Mallory's passkey (enrolled with the username step off), then a
    // deployment with usernames on and the same store.
    const { mallory, h: first, device } = await malloryWithPasskey();
    const store = first.store;
    const h = {
      ...harness({
        users: [mallory],
        start: Date.now(),
        username: { registry: store },
        passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store },
      }),
      store,
    };
    moveToVictim(mallory);
    const parked = new PasskeyLoop(h.triggers, mallory);
    const atUsername = await parked.respond(
      JSON.stringify(await device.authenticate(optionsOf(await parked.start()))),
    );
    expect(params(atUsername)).toMatchObject({ step: "USERNAME" });
    // The victim proves the address (and is then asked for a name herself).
    const victim = await codeSignIn(h, mallory);
    expect(params(victim.result)).toMatchObject({ step: "USERNAME" });
    expect(mallory.attributes.email_verified).toBe("true");
    expect(await store.getPasskeys(mallory.attributes.sub!)).toBeUndefined();

    // Act
    const result = await parked.respond("mallory_1");

    // Assess
    expect(result.kind).not.toBe("tokens");
    expect(mallory.attributes["custom:username"]).toBeUndefined();
    expect(await store.ownerOf("mallory_1")).toBeUndefined();
    expect(await store.usernameOf(mallory.attributes.sub!)).toBeUndefined();
    // The victim's own session still picks the account's name.
    expect(await victim.loop.respond("victim_1")).toEqual({ kind: "tokens" });
    expect(mallory.attributes["custom:username"]).toBe("victim_1");
  });
});

describe("review: a passkey session does not survive the removal of the account's passkeys", () => {
  // The admin recovery (removePasskeys, with a global sign-out) or the user
  // removing every passkey after a device was stolen: a passkey session the
  // thief parked at ENROL before must not plant a new passkey or get tokens.
  async function parkedThenRemoved() {
    const { h, alice, parked } = await aliceParkedAtEnrol();
    const { removed } = await removePasskeys({ sub: alice.attributes.sub!, store: h.store });
    expect(removed).toBe(1);
    return { h, alice, parked };
  }

  it("refuses the parked session's registration, and stores no passkey", async () => {
    // Prepare
    const { h, alice, parked } = await parkedThenRemoved();
    // Act
    const result = await registerFromParked(parked);
    // Assess
    expect(result.kind).not.toBe("tokens");
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys ?? []).toEqual([]);
  });

  it("issues no tokens to the parked session's skip", async () => {
    // Prepare
    const { parked } = await parkedThenRemoved();
    // Act
    const result = await parked.loop.respond("skip", SKIP);
    // Assess
    expect(result.kind).not.toBe("tokens");
  });
});

describe("review: a removal racing the parked registration", () => {
  it("refuses the registration when the passkeys go between Verify's check and its write", async () => {
    // Prepare
    const { h, alice, parked } = await aliceParkedAtEnrol();
    const registration = await softAuthenticator({ origin: ORIGIN }).register(
      optionsOf(parked.enrol),
    );
    // The admin's removePasskeys lands right after Verify's first read.
    const getPasskeys = h.store.getPasskeys.bind(h.store);
    let reads = 0;
    h.store.getPasskeys = async (owner) => {
      const account = await getPasskeys(owner);
      if (++reads === 1) await removePasskeys({ sub: alice.attributes.sub!, store: h.store });
      return account;
    };
    // Act
    const result = await parked.loop.respond(JSON.stringify(registration), ENROL);
    // Assess
    expect(result.kind).not.toBe("tokens");
    expect((await getPasskeys(alice.attributes.sub!))?.passkeys ?? []).toEqual([]);
  });
});

describe("review: the first proof removes the passkeys before it signs the account out", () => {
  // Mallory (who set the victim's address on her own account) signs in with
  // her passkey in a loop: it is free (no email, no throttle). A sign-in that
  // completes after the victim's global sign-out keeps its tokens, so her
  // passkeys must be gone before the sign-out, not after it.
  it("a passkey sign-in finished during the first proof's sign-out gets no tokens", async () => {
    // Prepare
    const { mallory, h, device } = await malloryWithPasskey();
    moveToVictim(mallory);
    const client = h.cognito.client as unknown as { send: (command: object) => Promise<unknown> };
    const send = client.send.bind(client);
    let raced: LoopResult | undefined;
    client.send = async (command) => {
      const answer = await send(command);
      if (command.constructor.name === "AdminUserGlobalSignOutCommand" && !raced) {
        // Mallory's sign-in lands right after the sign-out.
        const loop = new PasskeyLoop(h.triggers, mallory);
        const first = await loop.start();
        raced = await loop.respond(JSON.stringify(await device.authenticate(optionsOf(first))));
      }
      return answer;
    };
    // Act: the victim proves the address
    const victim = await codeSignIn(h, mallory);
    // Assess
    expect(victim.result).toEqual({ kind: "tokens" });
    expect(raced).toBeDefined();
    expect(raced!.kind).not.toBe("tokens");
  });
});

describe("review: passkey proof binding (property)", () => {
  it("a passkey proof earns tokens only while the address and its email_verified are unchanged", () => {
    const attributes = fc.record({
      email: fc.constantFrom("a@example.com", "A@Example.com ", "b@example.com", "a+x@example.com"),
      email_verified: fc.constantFrom("true", "false", "True", ""),
    });
    fc.assert(
      fc.property(attributes, attributes, fc.boolean(), (then, now, enrolled) => {
        const bound = passkeyBinding(codeAddress(then, "user"), then);
        const session = [
          {
            challengeName: "CUSTOM_CHALLENGE" as const,
            challengeResult: true,
            challengeMetadata: passkeyMetadata(bound),
          },
          ...(enrolled
            ? [
                {
                  challengeName: "CUSTOM_CHALLENGE" as const,
                  challengeResult: true,
                  challengeMetadata: "ENROL",
                },
              ]
            : []),
        ];
        const step = nextStep(session, SETTINGS, now, false, codeAddress(now, "user"), {});
        const same =
          codeAddress(then, "user") === codeAddress(now, "user") &&
          (then.email_verified === "true") === (now.email_verified === "true");
        expect(step.action).toBe(same ? "issueTokens" : "fail");
      }),
      { numRuns: 500 },
    );
  });
});

describe("review: nothing Mallory parked survives the eviction (property)", () => {
  type Stage = "challenge" | "enrol" | "enrolRejected" | "givenUp";
  type Answer = "assertion" | "registration" | "skip" | "junk" | "switch";

  /** Moves a fresh passkey session of Mallory's to `stage`. */
  async function park(h: Setup, user: TestUser, device: SoftAuthenticator, stage: Stage) {
    const loop = new PasskeyLoop(h.triggers, user);
    let last = await loop.start();
    if (stage === "challenge") return { loop, last };
    last = await loop.respond(JSON.stringify(await device.authenticate(optionsOf(last))), ENROL);
    const junk = stage === "enrolRejected" ? 1 : stage === "givenUp" ? 2 : 0;
    for (let i = 0; i < junk; i++) last = await loop.respond("{}", ENROL);
    return { loop, last };
  }

  it("no parked session reaches tokens or stores a passkey after the victim's first proof", async () => {
    const stage = fc.constantFrom<Stage>("challenge", "enrol", "enrolRejected", "givenUp");
    const answer = fc.constantFrom<Answer>("assertion", "registration", "skip", "junk", "switch");
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(stage, fc.array(answer, { minLength: 1, maxLength: 4 })), {
          minLength: 1,
          maxLength: 3,
        }),
        async (plans) => {
          const { mallory, h, device } = await malloryWithPasskey();
          moveToVictim(mallory);
          const parked = [];
          for (const [at, answers] of plans) {
            parked.push({ ...(await park(h, mallory, device, at)), answers });
          }
          // The victim proves the address.
          expect((await codeSignIn(h, mallory)).result).toEqual({ kind: "tokens" });
          for (const session of parked) {
            let last = session.last;
            for (const kind of session.answers) {
              if (last.kind !== "challenge") break;
              const options = params(last).options;
              const text =
                kind === "assertion" && options && params(last).step === "PASSKEY"
                  ? JSON.stringify(await device.authenticate(options))
                  : kind === "registration" && options && params(last).step === "ENROL"
                    ? JSON.stringify(await softAuthenticator({ origin: ORIGIN }).register(options))
                    : kind === "skip"
                      ? "skip"
                      : kind === "switch"
                        ? "code"
                        : "{}";
              const metadata = kind === "skip" ? SKIP : kind === "switch" ? SWITCH : ENROL;
              last = await session.loop.respond(text, metadata);
              expect(last.kind).not.toBe("tokens");
            }
          }
          expect((await h.store.getPasskeys(mallory.attributes.sub!))?.passkeys ?? []).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });
});
