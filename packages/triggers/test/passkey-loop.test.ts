import { parseTriggerError } from "@cognito-passcode/shared";
import {
  memoryStore,
  type PasscodeTriggersOptions,
  type PasskeysOptions,
} from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import { describe, expect, it } from "vitest";
import { passkeyChallengeKey } from "../src/store.js";
import {
  createEvent,
  knownUser,
  type TestUser,
  unknownUser,
  verifyEvent,
} from "./support/events.js";
import { harness } from "./support/harness.js";
import {
  parametersOf as challengeOf,
  type LoopResult,
  optionsOf,
  PasskeyLoop,
} from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";
const SWITCH = { "passcode:method": "code" };
const ENROL = { "passcode:enrolPasskey": "true" };
const SKIP = { "passcode:enrolPasskey": "skip" };

type Store = ReturnType<typeof memoryStore>;

/** A harness with passkeys on, a memoryStore, and the store calls it saw. */
export function passkeyHarness(
  users: TestUser[],
  options: Partial<Omit<PasskeysOptions, "store">> & { allowedEmailDomains?: string[] } = {},
  extra: Partial<PasscodeTriggersOptions> = {},
) {
  const { allowedEmailDomains, ...passkeyOptions } = options;
  const inner = memoryStore();
  const calls: string[] = [];
  // Records every call (a spy: the real store answers).
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.push(String(key));
        return value.apply(target, args);
      };
    },
  }) as Store;
  const h = harness({
    users,
    // memoryStore forgets consumed challenges by the wall clock, so the
    // triggers' clock starts there too.
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store, ...passkeyOptions },
    ...(allowedEmailDomains ? { signUp: { allowedEmailDomains } } : {}),
    ...extra,
  });
  return { ...h, store: inner, calls };
}

type Harness = ReturnType<typeof passkeyHarness>;

/** The challenge (base64url) of a PASSKEY or ENROL challenge's options. */
const nonceOf = (result: LoopResult): string => JSON.parse(optionsOf(result)).challenge;

/** Switch to a code from the PASSKEY challenge and answer it right, with the given metadata. */
async function signInWithCode(
  h: Harness,
  loop: PasskeyLoop,
  metadata: Record<string, string> = {},
) {
  const first = await loop.start();
  expect(challengeOf(first).step).toBe("PASSKEY");
  const codeChallenge = await loop.respond("code", { ...SWITCH, ...metadata });
  expect(challengeOf(codeChallenge).step).toBe("CODE");
  const code = h.codeSentTo(loop.user.attributes.email!);
  return loop.respond(code!, metadata);
}

/** Alice, alone in a harness, at the ENROL challenge of a code sign-in that asked to enrol. */
async function aliceAtEnrol() {
  const alice = knownUser();
  const h = passkeyHarness([alice]);
  const loop = new PasskeyLoop(h.triggers, alice);
  const first = await signInWithCode(h, loop, ENROL);
  return { alice, h, loop, first };
}

/** A first sign-in with a code that enrols `device`'s passkey. */
async function enrolWithCode(h: Harness, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  const enrol = await signInWithCode(h, loop, ENROL);
  expect(challengeOf(enrol).step).toBe("ENROL");
  const registration = await device.register(optionsOf(enrol));
  const result = await loop.respond(JSON.stringify(registration), {
    ...ENROL,
    "passcode:passkeyName": "Test phone",
  });
  expect(result).toEqual({ kind: "tokens" });
  return registration;
}

/** Starts a sign-in and answers the PASSKEY challenge with `device`'s assertion. */
async function signInWithPasskey(
  h: Harness,
  user: TestUser,
  device: SoftAuthenticator,
  overrides: Parameters<SoftAuthenticator["authenticate"]>[1] = {},
) {
  const loop = new PasskeyLoop(h.triggers, user);
  const first = await loop.start();
  const assertion = await device.authenticate(optionsOf(first), overrides);
  const result = await loop.respond(JSON.stringify(assertion), {
    "passcode:passkeyChallenge": nonceOf(first),
  });
  return { loop, first, assertion, result };
}

describe("passkeys in the loop: enrolment and sign-in", () => {
  it("enrols at the first code sign-in, then signs in with the passkey and no email", async () => {
    // Prepare
    const alice = knownUser();
    const h = passkeyHarness([alice]);
    const device = softAuthenticator({ origin: ORIGIN });
    // Act
    await enrolWithCode(h, alice, device);
    const mailsAfterEnrol = h.mailbox.length;
    const { result, first } = await signInWithPasskey(h, alice, device);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(h.mailbox.length).toBe(mailsAfterEnrol);
    const account = await h.store.getPasskeys(alice.attributes.sub!);
    expect(account?.passkeys).toHaveLength(1);
    expect(account?.passkeys[0]).toMatchObject({
      id: device.credentials[0]!.id,
      name: "Test phone",
      deviceType: "multiDevice",
      lastUsedAt: h.clock.now,
    });
    expect(account?.userHandle).toBe(device.credentials[0]!.userHandle);
    expect(account?.userHandle).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The sign-in record Pre Token Generation turns into passcode_amr.
    expect(
      await h.store.takePasskeySignIn(
        passkeyChallengeKey(nonceOf(first)),
        alice.attributes.sub!,
        h.clock.now,
      ),
    ).toBe("pop mfa");
  });

  it("emails the user that a passkey was added, and only then", async () => {
    // Prepare
    const alice = knownUser();
    const h = passkeyHarness([alice]);
    // Act
    await enrolWithCode(h, alice, softAuthenticator({ origin: ORIGIN }));
    // Assess: the code, then the notice
    expect(h.mailbox.map((m) => m.to)).toEqual(["alice@example.com", "alice@example.com"]);
    expect(h.mailbox[1]!.text).toContain("Test phone");
  });

  it("keeps the passkey when the added email cannot be sent", async () => {
    // Prepare
    const alice = knownUser();
    const sent: string[] = [];
    const h = passkeyHarness(
      [alice],
      {},
      {
        deliver: async (message) => {
          if (/passkey/i.test(message.subject)) throw new Error("SES is down");
          sent.push(message.text);
        },
      },
    );
    const device = softAuthenticator({ origin: ORIGIN });
    const loop = new PasskeyLoop(h.triggers, alice);
    await loop.start();
    await loop.respond("code", SWITCH);
    const code = /\b(\d{6})\b/.exec(sent[0]!)![1]!;
    const enrol = await loop.respond(code, ENROL);
    // Act
    const result = await loop.respond(
      JSON.stringify(await device.register(optionsOf(enrol))),
      ENROL,
    );
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys).toHaveLength(1);
    expect(h.logs.some((l) => l.level === "error" && l.message === "passkey notice failed")).toBe(
      true,
    );
  });

  it("Create reads the store once for an ENROL challenge and not at all for PASSKEY or CODE", async () => {
    // Prepare: a verified user, so Verify's right code makes no store call
    const alice = knownUser("alice@example.com", { email_verified: "true" });
    const h = passkeyHarness([alice]);
    const loop = new PasskeyLoop(h.triggers, alice);
    // Act
    await loop.start();
    await loop.respond("code", SWITCH);
    const before = [...h.calls];
    const enrol = await loop.respond(h.codeSentTo("alice@example.com")!, ENROL);
    // Assess
    expect(before).toEqual([]);
    expect(h.calls).toEqual(["getPasskeys"]);
    expect(challengeOf(enrol)).toMatchObject({ step: "ENROL", attemptsLeft: "2" });
    const options = JSON.parse(optionsOf(enrol));
    expect(options).toMatchObject({
      rp: { id: "localhost", name: "Acme" },
      user: { name: "alice@example.com", displayName: "alice@example.com" },
      pubKeyCredParams: [
        { type: "public-key", alg: -8 },
        { type: "public-key", alg: -7 },
        { type: "public-key", alg: -257 },
      ],
      timeout: 120_000,
      excludeCredentials: [],
      authenticatorSelection: {
        residentKey: "required",
        requireResidentKey: true,
        userVerification: "required",
      },
      attestation: "none",
      extensions: { credProps: true },
    });
    expect(options.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(options.user.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("a new user: code, username, then enrolment, with @username as the display name", async () => {
    // Prepare
    const dana = knownUser("dana@example.com");
    const registry = memoryStore();
    const h = passkeyHarness([dana], {}, { username: { registry } });
    const loop = new PasskeyLoop(h.triggers, dana);
    const device = softAuthenticator({ origin: ORIGIN });
    // Act
    const username = await signInWithCode(h, loop, ENROL);
    const enrol = await loop.respond("dana_k", ENROL);
    const result = await loop.respond(
      JSON.stringify(await device.register(optionsOf(enrol))),
      ENROL,
    );
    // Assess
    expect(challengeOf(username).step).toBe("USERNAME");
    expect(JSON.parse(optionsOf(enrol)).user).toMatchObject({
      name: "dana@example.com",
      displayName: "@dana_k",
    });
    expect(result).toEqual({ kind: "tokens" });
    expect(device.credentials[0]!.userName).toBe("dana@example.com");
  });

  it("switching to a code (passcode:method=code) emails a code and gets a CODE challenge", async () => {
    // Prepare
    const alice = knownUser();
    const h = passkeyHarness([alice]);
    const loop = new PasskeyLoop(h.triggers, alice);
    // Act
    await loop.start();
    const next = await loop.respond("code", SWITCH);
    // Assess
    expect(challengeOf(next)).toMatchObject({
      step: "CODE",
      attemptsLeft: "3",
      email: "a***@e***.com",
    });
    expect(h.codeSentTo("alice@example.com")).toMatch(/^\d{6}$/);
    expect(await loop.respond(h.codeSentTo("alice@example.com")!)).toEqual({ kind: "tokens" });
  });

  it("reuses the user handle and excludes stored credentials at a later enrolment", async () => {
    // Prepare
    const alice = knownUser();
    const h = passkeyHarness([alice]);
    const phone = softAuthenticator({ origin: ORIGIN });
    await enrolWithCode(h, alice, phone);
    // Act: a passkey sign-in that asks to enrol another
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const assertion = await phone.authenticate(optionsOf(first));
    const enrol = await loop.respond(JSON.stringify(assertion), ENROL);
    const options = JSON.parse(optionsOf(enrol));
    // Assess
    expect(options.user.id).toBe(phone.credentials[0]!.userHandle);
    expect(options.excludeCredentials.map((c: { id: string }) => c.id)).toEqual([
      phone.credentials[0]!.id,
    ]);
    await expect(phone.register(options)).rejects.toMatchObject({ name: "InvalidStateError" });
    const laptop = softAuthenticator({ origin: ORIGIN });
    const registration = await laptop.register(options);
    expect(await loop.respond(JSON.stringify(registration), ENROL)).toEqual({ kind: "tokens" });
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys).toHaveLength(2);
  });
});

/** Alice with one enrolled passkey on `device` (counter 0 unless `counter` is given at registration). */
async function aliceWithPasskey(
  options: Parameters<typeof passkeyHarness>[1] = {},
  registration: Parameters<SoftAuthenticator["register"]>[1] = {},
) {
  const alice = knownUser();
  const h = passkeyHarness([alice], options);
  const device = softAuthenticator({ origin: ORIGIN });
  const loop = new PasskeyLoop(h.triggers, alice);
  const enrol = await signInWithCode(h, loop, ENROL);
  const answer = await device.register(optionsOf(enrol), registration);
  expect(await loop.respond(JSON.stringify(answer), ENROL)).toEqual({ kind: "tokens" });
  return { alice, h, device };
}

describe("passkeys in the loop: refused assertions", () => {
  it.each([
    ["user verification false", { userVerified: false }],
    ["another origin", { origin: "https://evil.example" }],
    ["another RP id", { rpId: "example.com" }],
    ["another user handle", { userHandle: "b3RoZXItdXNlci1oYW5kbGUtMzItYnl0ZXMtbG9uZ3h4" }],
    [
      "a challenge of another session",
      { challenge: "Y2hhbGxlbmdlLWZyb20tYW5vdGhlci1zZXNzaW9uLTMy" },
    ],
  ])("refuses an assertion with %s, and counts it as an attempt", async (_, overrides) => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    // Act
    const { result } = await signInWithPasskey(h, alice, device, overrides);
    // Assess
    expect(challengeOf(result)).toMatchObject({
      step: "PASSKEY",
      attemptsLeft: "2",
      rejected: "true",
    });
    expect(h.logs.findLast((l) => l.message === "passkey rejected")?.fields?.reason).not.toBe(
      "switch",
    );
  });

  it("refuses an assertion answered after the challenge expired", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const assertion = await device.authenticate(optionsOf(first));
    h.clock.now += 120_000 + 10_000 + 1;
    // Act
    const result = await loop.respond(JSON.stringify(assertion));
    // Assess
    expect(challengeOf(result)).toMatchObject({ step: "PASSKEY", rejected: "true" });
    expect(h.logs.findLast((l) => l.message === "passkey rejected")?.fields).toEqual({
      reason: "expired",
    });
  });

  it("refuses another user's credential, even a valid assertion of it", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    const bob = knownUser("bob@example.com");
    h.users.push(bob);
    // Act: alice's device answers bob's session
    const { result } = await signInWithPasskey(h, bob, device);
    // Assess
    expect(challengeOf(result)).toMatchObject({ step: "PASSKEY", rejected: "true" });
    expect(alice).toBeDefined();
  });

  it("refuses a counter that does not move forward, accepts one that does", async () => {
    // Prepare: a device-bound authenticator that counts, registered at 5
    const { alice, h, device } = await aliceWithPasskey({}, { counter: 5 });
    // Act
    const same = await signInWithPasskey(h, alice, device, { counter: 5 });
    const back = await signInWithPasskey(h, alice, device, { counter: 4 });
    const zero = await signInWithPasskey(h, alice, device, { counter: 0 });
    const forward = await signInWithPasskey(h, alice, device, { counter: 6 });
    const replayedCount = await signInWithPasskey(h, alice, device, { counter: 6 });
    // Assess
    expect([same, back, zero].map((r) => challengeOf(r.result).step)).toEqual([
      "PASSKEY",
      "PASSKEY",
      "PASSKEY",
    ]);
    expect(forward.result).toEqual({ kind: "tokens" });
    expect(challengeOf(replayedCount.result).step).toBe("PASSKEY");
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys[0]?.counter).toBe(6);
  });

  it("fails the sign-in after passkeys.maxAttempts refused assertions", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey({ maxAttempts: 2 });
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    // Act
    const bad = JSON.stringify(
      await device.authenticate(optionsOf(first), { userVerified: false }),
    );
    const second = await loop.respond(bad);
    const third = await loop.respond(
      JSON.stringify(await device.authenticate(optionsOf(second), { userVerified: false })),
    );
    // Assess
    expect(challengeOf(second)).toMatchObject({ attemptsLeft: "1" });
    expect(third).toEqual({ kind: "failed" });
  });

  it("refuses a replayed assertion: again on a copy of the session, and on a new session", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const copy = loop.fork();
    const assertion = JSON.stringify(await device.authenticate(optionsOf(first)));
    // Act
    const original = await loop.respond(assertion);
    const replay = await copy.respond(assertion);
    const other = new PasskeyLoop(h.triggers, alice);
    await other.start();
    const crossSession = await other.respond(assertion);
    // Assess
    expect(original).toEqual({ kind: "tokens" });
    expect(challengeOf(replay)).toMatchObject({ step: "PASSKEY", rejected: "true" });
    expect(challengeOf(crossSession)).toMatchObject({ step: "PASSKEY", rejected: "true" });
  });

  it("lets exactly one of ten identical assertions answered in parallel on one session through", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    const assertion = JSON.stringify(await device.authenticate(optionsOf(first)));
    // Act
    const results = await Promise.all(
      Array.from({ length: 10 }, () => loop.fork().respond(assertion)),
    );
    // Assess
    expect(results.filter((r) => r.kind === "tokens")).toHaveLength(1);
  });

  it("refuses an assertion for an unknown user and outside the allowed domains", async () => {
    // Prepare
    const { h, device } = await aliceWithPasskey({ allowedEmailDomains: ["example.com"] });
    const ghost = unknownUser("alice@example.com");
    // Act
    const unknown = await signInWithPasskey(h, ghost, device);
    // Assess
    expect(challengeOf(unknown.result)).toMatchObject({ step: "PASSKEY", rejected: "true" });
  });

  it("makes the same store calls for a known user with passkeys, one without and an unknown one", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey();
    const carol = knownUser("carol@example.com");
    h.users.push(carol);
    const ghost = unknownUser("ghost@example.com");
    const callsFor = async (user: TestUser) => {
      const loop = new PasskeyLoop(h.triggers, user);
      const first = await loop.start();
      // A well-formed assertion by a credential this user does not hold.
      const assertion = await softAuthenticator({ origin: ORIGIN }).register(
        JSON.stringify({
          challenge: nonceOf(first),
          rp: { id: "localhost", name: "x" },
          user: { id: "dXNlcg", name: "x", displayName: "x" },
          pubKeyCredParams: [{ type: "public-key", alg: -7 }],
        }),
      );
      h.calls.length = 0;
      const params = loop.current!.privateParameters;
      await h.triggers.verifyAuthChallenge(
        verifyEvent(
          user,
          params,
          JSON.stringify({
            ...assertion,
            response: {
              clientDataJSON: assertion.response.clientDataJSON,
              authenticatorData: "AAAA",
              signature: "AAAA",
            },
          }),
        ),
      );
      return [...h.calls];
    };
    // Act
    const calls = [await callsFor(alice), await callsFor(carol), await callsFor(ghost)];
    // Assess
    expect(calls).toEqual([["getPasskeys"], ["getPasskeys"], ["getPasskeys"]]);
    expect(device).toBeDefined();
  });
});

describe("passkeys in the loop: the PASSKEY challenge tells nobody anything", () => {
  it("has one shape for known-with, known-without, unknown and outside-domain identifiers, with no I/O", async () => {
    // Prepare
    const { alice, h } = await aliceWithPasskey({ allowedEmailDomains: ["example.com"] });
    const carol = knownUser("carol@example.com");
    const outside = knownUser("olga@elsewhere.org");
    h.users.push(carol, outside);
    const identifiers = [
      alice,
      carol,
      outside,
      unknownUser("nobody@example.com"),
      unknownUser("0b7c1e2f-0000"),
    ];
    h.calls.length = 0;
    const mails = h.mailbox.length;
    const operations = h.cognito.operations.length;
    // Act
    const answers = await Promise.all(
      identifiers.map(
        async (user) => (await h.triggers.createAuthChallenge(createEvent(user, []))).response,
      ),
    );
    // Assess
    const shapes = answers.map((r) => {
      const challenge = r.privateChallengeParameters.challenge!;
      return {
        public: JSON.stringify(r.publicChallengeParameters).replace(challenge, "C"),
        private: JSON.stringify(r.privateChallengeParameters).replace(challenge, "C"),
        // Not public (Cognito keeps it): the account binding of the proof, same length for all.
        metadata: r.challengeMetadata?.replace(/^PASSKEY:[A-Za-z0-9_-]{16}:[01]$/, "PASSKEY:B"),
      };
    });
    expect(new Set(shapes.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(shapes[0]!.public).toBe(
      '{"step":"PASSKEY","attemptsLeft":"3","options":"{\\"challenge\\":\\"C\\",\\"rpId\\":\\"localhost\\",\\"timeout\\":120000,\\"userVerification\\":\\"required\\",\\"allowCredentials\\":[]}"}',
    );
    expect(new Set(answers.map((r) => r.privateChallengeParameters.challenge)).size).toBe(5);
    expect(h.calls).toEqual([]);
    expect(h.mailbox.length).toBe(mails);
    expect(h.cognito.operations.length).toBe(operations);
  });
});

describe("passkeys in the loop: enrolment refusals", () => {
  it("refuses a registration whose credProps.rk is false, then gives up and issues tokens", async () => {
    // Prepare
    const { alice, h, loop, first } = await aliceAtEnrol();
    const device = softAuthenticator({ origin: ORIGIN });
    // Act
    const second = await loop.respond(
      JSON.stringify(await device.register(optionsOf(first), { rk: false })),
      ENROL,
    );
    const givenUp = await loop.respond(
      JSON.stringify(await device.register(optionsOf(second), { rk: false })),
      ENROL,
    );
    const last = await loop.respond("anything", ENROL);
    // Assess
    expect(challengeOf(second)).toMatchObject({
      step: "ENROL",
      attemptsLeft: "1",
      rejected: "true",
    });
    expect(challengeOf(givenUp)).toEqual({ step: "ENROL", attemptsLeft: "0", rejected: "true" });
    expect(last).toEqual({ kind: "tokens" });
    expect(await h.store.getPasskeys(alice.attributes.sub!)).toBeUndefined();
  });

  it.each([
    ["user verification false", { userVerified: false }],
    ["another origin", { origin: "https://evil.example" }],
    ["another RP id", { rpId: "example.com" }],
    ["another challenge", { challenge: "Y2hhbGxlbmdlLWZyb20tYW5vdGhlci1zZXNzaW9uLTMy" }],
  ])("refuses a registration with %s", async (_, overrides) => {
    // Prepare
    const { alice, h, loop, first } = await aliceAtEnrol();
    // Act
    const answer = await softAuthenticator({ origin: ORIGIN }).register(
      optionsOf(first),
      overrides,
    );
    const result = await loop.respond(JSON.stringify(answer), ENROL);
    // Assess
    expect(challengeOf(result)).toMatchObject({ step: "ENROL", rejected: "true" });
    expect(await h.store.getPasskeys(alice.attributes.sub!)).toBeUndefined();
  });

  it("skip gets tokens without a passkey", async () => {
    // Prepare
    const { alice, h, loop } = await aliceAtEnrol();
    // Act
    const result = await loop.respond("skip", SKIP);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(await h.store.getPasskeys(alice.attributes.sub!)).toBeUndefined();
  });

  it("refuses a credential id another user registered", async () => {
    // Prepare
    const { h, device } = await aliceWithPasskey();
    const bob = knownUser("bob@example.com");
    h.users.push(bob);
    const loop = new PasskeyLoop(h.triggers, bob);
    const first = await signInWithCode(h, loop, ENROL);
    // Act
    const answer = await softAuthenticator({ origin: ORIGIN }).register(optionsOf(first), {
      credentialId: device.credentials[0]!.id,
    });
    const result = await loop.respond(JSON.stringify(answer), ENROL);
    // Assess
    expect(challengeOf(result)).toMatchObject({ step: "ENROL", rejected: "true" });
    expect(await h.store.getPasskeys(bob.attributes.sub!)).toBeUndefined();
  });

  it("a registration answered twice (replayed) is stored once", async () => {
    // Prepare
    const { alice, h, loop, first } = await aliceAtEnrol();
    const answer = JSON.stringify(
      await softAuthenticator({ origin: ORIGIN }).register(optionsOf(first)),
    );
    // Act
    const results = await Promise.all([
      loop.fork().respond(answer, ENROL),
      loop.fork().respond(answer, ENROL),
    ]);
    // Assess
    expect(results.filter((r) => r.kind === "tokens")).toHaveLength(1);
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys).toHaveLength(1);
  });

  it("at maxPerUser the ENROL challenge says PASSKEY_LIMIT and carries no options", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey({ maxPerUser: 1 });
    const loop = new PasskeyLoop(h.triggers, alice);
    const first = await loop.start();
    // Act
    const enrol = await loop.respond(
      JSON.stringify(await device.authenticate(optionsOf(first))),
      ENROL,
    );
    const skipped = await loop.respond("skip", SKIP);
    // Assess
    expect(challengeOf(enrol)).toEqual({
      step: "ENROL",
      attemptsLeft: "2",
      reason: "PASSKEY_LIMIT",
    });
    expect(skipped).toEqual({ kind: "tokens" });
  });

  it("refuses a registration answered after the address it was bound to changed", async () => {
    // Prepare
    const { alice, h, loop, first } = await aliceAtEnrol();
    const answer = JSON.stringify(
      await softAuthenticator({ origin: ORIGIN }).register(optionsOf(first)),
    );
    alice.attributes.email = "mallory@example.com";
    // Act
    const result = await loop.respond(answer, ENROL);
    // Assess: Define also fails the session (the code's address changed)
    expect(result).toEqual({ kind: "failed" });
    expect(await h.store.getPasskeys(alice.attributes.sub!)).toBeUndefined();
  });
});

describe("passkeys in the loop: policy and the takeover rule", () => {
  it("passkeys.required: a right code for a verified user with a passkey fails with PASSKEY_REQUIRED", async () => {
    // Prepare
    const { alice, h, device } = await aliceWithPasskey({ required: true });
    const loop = new PasskeyLoop(h.triggers, alice);
    // Act
    const result = await signInWithCode(h, loop);
    const passkey = await signInWithPasskey(h, alice, device);
    // Assess
    expect(result.kind).toBe("error");
    const message = (result as { message: string }).message;
    expect(
      parseTriggerError(`VerifyAuthChallengeResponse failed with error ${message}.`)?.code,
    ).toBe("PASSKEY_REQUIRED");
    expect(passkey.result).toEqual({ kind: "tokens" });
  });

  it("passkeys.required: a user without a passkey still signs in with a code", async () => {
    // Prepare
    const carol = knownUser("carol@example.com", { email_verified: "true" });
    const h = passkeyHarness([carol], { required: true });
    // Act
    const result = await signInWithCode(h, new PasskeyLoop(h.triggers, carol));
    // Assess
    expect(result).toEqual({ kind: "tokens" });
  });

  it("the first proof of an address removes every passkey, with the global sign-out", async () => {
    // Prepare: the account's address changed to one not yet proven
    const { alice, h, device } = await aliceWithPasskey();
    alice.attributes.email = "alice.new@example.com";
    alice.attributes.email_verified = "false";
    const signOuts = h.cognito.signOuts.length;
    // Act
    const result = await signInWithCode(h, new PasskeyLoop(h.triggers, alice));
    const passkey = await signInWithPasskey(h, alice, device);
    // Assess
    expect(result).toEqual({ kind: "tokens" });
    expect(h.cognito.signOuts.length).toBe(signOuts + 1);
    expect((await h.store.getPasskeys(alice.attributes.sub!))?.passkeys ?? []).toEqual([]);
    expect(challengeOf(passkey.result)).toMatchObject({ step: "PASSKEY", rejected: "true" });
  });

  it("a failed passkey removal at the first proof fails closed", async () => {
    // Prepare
    const alice = knownUser();
    const h = passkeyHarness([alice]);
    h.store.removeAllPasskeys = async () => {
      throw new Error("ProvisionedThroughputExceededException");
    };
    // Act
    const result = await signInWithCode(h, new PasskeyLoop(h.triggers, alice));
    // Assess
    expect(result).toMatchObject({ kind: "error", message: "SERVICE_ERROR" });
    expect(alice.attributes.email_verified).toBe("false");
  });
});
