import { createDefineAuthChallengeHandler, memoryStore } from "@cognito-passcode/triggers";
import type { DefineAuthChallengeTriggerEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeCodeMetadata } from "../src/challenge-state.js";
import { emailTag } from "../src/code.js";
import { nextStep } from "../src/next-step.js";
import { defineEvent, knownUser, unknownUser } from "./support/events.js";

type Session = DefineAuthChallengeTriggerEvent["request"]["session"];
type Entry = Session[number];

const NOW = Date.UTC(2026, 0, 1);
const code = {
  codeLength: 6,
  expiresAt: NOW + 180_000,
  salt: "c2FsdHNhbHRzYWx0c2FsdA",
  digest: "ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk",
  emailTag: emailTag("alice@example.com"),
};
const CODE = encodeCodeMetadata(code);
const OTHER_CODE = encodeCodeMetadata({ ...code, salt: "b3RoZXJzYWx0b3RoZXJzYQ" });
const entry = (challengeMetadata: string, challengeResult: boolean): Entry => ({
  challengeName: "CUSTOM_CHALLENGE",
  challengeResult,
  challengeMetadata,
});
// A PASSKEY challenge created for alice@example.com, address not yet verified.
const ALICE = `${emailTag("alice@example.com")}:0`;
const PASSKEY = `PASSKEY:${ALICE}`;
const P = (ok: boolean) => entry(PASSKEY, ok);
const C = (ok: boolean, metadata = CODE) => entry(metadata, ok);
const U = (ok: boolean) => entry("USERNAME", ok);
const E = (ok: boolean) => entry("ENROL", ok);

const SWITCH = { "passcode:method": "code" };
const ENROL = { "passcode:enrolPasskey": "true" };
const SKIP = { "passcode:enrolPasskey": "skip" };

// Define never calls the store: it reads only the attempt limits.
const store = memoryStore();
const passkeys = {
  rpId: "localhost",
  rpName: "Acme",
  origins: ["http://localhost:5173"],
  store,
  maxAttempts: 3,
  enrol: { maxAttempts: 2 },
};

function define(options: { username?: boolean; off?: boolean } = {}) {
  return createDefineAuthChallengeHandler({
    email: { from: "no-reply@example.com" },
    username: options.username ? { registry: store, maxAttempts: 2 } : false,
    throttle: false,
    now: () => NOW,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...(options.off ? {} : { passkeys }),
  });
}

/** What Define answers, in one word: PASSKEY/CODE/... is a challenge, then tokens or fail. */
async function decide(
  session: Session,
  metadata?: Record<string, string>,
  options: { username?: boolean; off?: boolean; user?: ReturnType<typeof knownUser> } = {},
) {
  const event = defineEvent(options.user ?? knownUser(), session);
  if (metadata) (event.request as { clientMetadata?: object }).clientMetadata = metadata;
  const { response } = await define(options)(event);
  if (response.issueTokens) return "tokens";
  if (response.failAuthentication) return "fail";
  return response.challengeName;
}

const settings = (username = false) => ({
  code: { length: 6, ttlMs: 180_000, maxAttempts: 3 },
  username: username
    ? { registry: store, attribute: "custom:username", maxAttempts: 2 }
    : (false as const),
  passkeys: { maxAttempts: 3, enrolMaxAttempts: 2 },
});

describe("nextStep with passkeys (design table 1.5)", () => {
  it("starts every session with PASSKEY, known or unknown", () => {
    // Act
    const known = nextStep([], settings(), knownUser().attributes, false);
    const unknown = nextStep([], settings(), {}, true);
    // Assess
    expect(known).toEqual({ action: "passkey", attemptsLeft: 3, rejected: false });
    expect(unknown).toEqual(known);
  });

  it("after a refused PASSKEY asks again while attempts remain, then fails", () => {
    // Act
    const steps = [1, 2, 3].map((n) =>
      nextStep(
        Array.from({ length: n }, () => P(false)),
        settings(),
        {},
        false,
      ),
    );
    // Assess
    expect(steps).toEqual([
      { action: "passkey", attemptsLeft: 2, rejected: true },
      { action: "passkey", attemptsLeft: 1, rejected: true },
      { action: "fail", reason: "passkey-attempts-exhausted" },
    ]);
  });

  it("switches to a new CODE on passcode:method=code, also after refused assertions", () => {
    // Act
    const first = nextStep([P(false)], settings(), {}, false, undefined, SWITCH);
    const later = nextStep(
      [P(false), P(false), P(false)],
      settings(),
      {},
      false,
      undefined,
      SWITCH,
    );
    const spent = nextStep(
      [P(false), P(false), P(false), P(false)],
      settings(),
      {},
      false,
      undefined,
      SWITCH,
    );
    // Assess: the switch itself costs no passkey attempt
    expect(first).toEqual({ action: "code", attemptsLeft: 3 });
    expect(later).toEqual({ action: "code", attemptsLeft: 3 });
    expect(spent).toEqual({ action: "fail", reason: "passkey-attempts-exhausted" });
  });

  it("ignores passcode:method=code on a CODE answer and values over 256 characters", () => {
    // Act
    const onCode = nextStep([P(false), C(false)], settings(), {}, false, undefined, SWITCH);
    const long = nextStep([P(false)], settings(), {}, false, undefined, {
      "passcode:method": `code${" ".repeat(256)}`,
    });
    // Assess
    expect(onCode).toMatchObject({ action: "code", code: { salt: code.salt }, attemptsLeft: 2 });
    expect(long).toEqual({ action: "passkey", attemptsLeft: 2, rejected: true });
  });

  it("issues tokens after a right passkey and after a right code that followed the switch", async () => {
    // Act
    const passkey = await decide([P(true)]);
    const codeProof = await decide([P(false), C(false), C(true)]);
    // Assess
    expect([passkey, codeProof]).toEqual(["tokens", "tokens"]);
  });

  it("fails entries out of order: P after C, C without a switch, C after a right P, E before a proof", async () => {
    // Act
    const results = await Promise.all(
      [
        [P(false), C(false), P(true)],
        [C(true)],
        [P(true), C(true)],
        [E(true)],
        [P(false), E(true)],
        [P(false), C(false), E(true)],
        [P(true), E(true), E(true)],
        [P(false), C(true, CODE), C(true, OTHER_CODE)],
        [P(false), C(false, CODE), C(true, OTHER_CODE)],
        [P(true), P(true)],
        [U(true)],
      ].map((session) => decide(session, ENROL, { username: true })),
    );
    // Assess
    expect(results).toEqual(Array(11).fill("fail"));
  });

  it("refuses PASSKEY and ENROL entries when passkeys are off", async () => {
    // Act
    const results = await Promise.all(
      [[P(true)], [C(true), E(true)], [P(false), C(true)]].map((s) => decide(s, {}, { off: true })),
    );
    // Assess
    expect(results).toEqual(["fail", "fail", "fail"]);
  });

  it("asks for the username after a right passkey, then ENROL when the answer asks for it", async () => {
    // Act
    const username = await decide([P(true)], ENROL, { username: true });
    const enrol = await decide([P(true), U(true)], ENROL, { username: true });
    const noEnrol = await decide([P(true), U(true)], {}, { username: true });
    // Assess
    expect([username, enrol, noEnrol]).toEqual(["CUSTOM_CHALLENGE", "CUSTOM_CHALLENGE", "tokens"]);
    expect(nextStep([P(true), U(true)], settings(true), {}, false, undefined, ENROL)).toEqual({
      action: "enrol",
      attemptsLeft: 2,
      rejected: false,
      emailTag: ALICE,
    });
  });

  it("binds ENROL after a code proof to the proven address's tag", () => {
    // Act
    const step = nextStep([P(false), C(true)], settings(), {}, false, "alice@example.com", ENROL);
    const moved = nextStep([P(false), C(true)], settings(), {}, false, "eve@example.com", ENROL);
    // Assess
    expect(step).toEqual({
      action: "enrol",
      attemptsLeft: 2,
      rejected: false,
      emailTag: code.emailTag,
    });
    expect(moved).toEqual({ action: "fail", reason: "address-changed" });
  });

  it("ENROL: success, skip, refusals, the given-up challenge and its answer", () => {
    const run = (tail: Entry[], metadata?: Record<string, string>) =>
      nextStep([P(true), ...tail], settings(), {}, false, undefined, metadata);
    // Assess
    expect(run([E(true)])).toEqual({ action: "issueTokens" });
    expect(run([E(false)], SKIP)).toEqual({ action: "issueTokens" });
    expect(run([E(false)], ENROL)).toEqual({
      action: "enrol",
      attemptsLeft: 1,
      rejected: true,
      emailTag: ALICE,
    });
    expect(run([E(false), E(false)], ENROL)).toEqual({
      action: "enrol",
      attemptsLeft: 0,
      rejected: true,
      emailTag: ALICE,
    });
    expect(run([E(false), E(false), E(false)], ENROL)).toEqual({ action: "issueTokens" });
    expect(run([E(false), E(false), E(false), E(false)], ENROL)).toMatchObject({ action: "fail" });
  });

  it("never issues tokens to an unknown user or outside the allowed domains, whatever the session", async () => {
    // Act
    const unknown = await decide([P(true)], {}, { user: unknownUser() as never });
    const outside = nextStep(
      [P(true)],
      { ...settings(), allowedEmailDomains: new Set(["corp.example"]) },
      { email: "alice@example.com" },
      false,
    );
    // Assess
    expect(unknown).toBe("fail");
    expect(outside).toEqual({ action: "fail", reason: "email-not-allowed" });
  });

  it("reaches tokens only through a P=true or a right C entry (property)", () => {
    const anyEntry = fc.oneof(
      fc.boolean().map(P),
      fc.boolean().map((ok) => C(ok)),
      fc.boolean().map((ok) => C(ok, OTHER_CODE)),
      fc.boolean().map(U),
      fc.boolean().map(E),
      fc.constantFrom<Entry>(
        { challengeName: "SRP_A", challengeResult: true } as Entry,
        { challengeName: "CUSTOM_CHALLENGE", challengeResult: true, challengeMetadata: "TOKENS" },
        { challengeName: "CUSTOM_CHALLENGE", challengeResult: true } as Entry,
      ),
    );
    const metadata = fc.dictionary(
      fc.constantFrom("passcode:method", "passcode:enrolPasskey", "passcode:passkeyName", "other"),
      fc.constantFrom("code", "true", "skip", "passkey", "", "x".repeat(300)),
    );
    let tokens = 0;
    fc.assert(
      fc.property(
        fc.array(anyEntry, { maxLength: 10 }),
        metadata,
        fc.boolean(),
        fc.boolean(),
        (session, clientMetadata, username, hasName) => {
          const attributes = {
            email: "alice@example.com",
            ...(hasName ? { "custom:username": "al" } : {}),
          };
          const step = nextStep(
            session,
            settings(username),
            attributes,
            false,
            "alice@example.com",
            clientMetadata,
          );
          if (step.action !== "issueTokens") return;
          tokens++;
          const proofs = session.filter(
            (e) =>
              e.challengeResult === true &&
              (e.challengeMetadata === PASSKEY ||
                e.challengeMetadata === CODE ||
                e.challengeMetadata === OTHER_CODE),
          );
          expect(proofs.length).toBe(1);
          // An unknown user never gets tokens, from the same session.
          expect(
            nextStep(session, settings(username), {}, true, "alice@example.com", clientMetadata),
          ).toMatchObject({ action: "fail" });
        },
      ),
      { numRuns: 2000 },
    );
    // The generator does reach tokens (the property is not vacuous).
    expect(tokens).toBeGreaterThan(0);
  });
});
