import { createDefineAuthChallengeHandler, memoryStore } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { encodeCodeMetadata } from "../src/challenge-state.js";
import { emailTag } from "../src/code.js";
import { defineEvent, knownUser, unknownUser } from "./support/events.js";

const NOW = Date.UTC(2026, 0, 1);
const code = {
  codeLength: 6,
  expiresAt: NOW + 180_000,
  salt: "c2FsdHNhbHRzYWx0c2FsdA",
  digest: "ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGlnZXN0ZGk",
  // knownUser()'s address: the code was sent to alice@example.com.
  emailTag: emailTag("alice@example.com"),
};
const CODE = encodeCodeMetadata(code);
const entry = (challengeResult: boolean, challengeMetadata = CODE) => ({
  challengeName: "CUSTOM_CHALLENGE" as const,
  challengeResult,
  challengeMetadata,
});
// Define never touches the registry; the username step only needs one.
const registry = memoryStore();

function define(options: { username?: boolean; now?: number; maxAttempts?: number } = {}) {
  return createDefineAuthChallengeHandler({
    email: { from: "no-reply@example.com" },
    code: { maxAttempts: options.maxAttempts ?? 3 },
    username: options.username ? { registry, maxAttempts: 2 } : false,
    throttle: false,
    now: () => options.now ?? NOW,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
}

describe("defineAuthChallenge", () => {
  it("asks for a custom challenge on an empty session", async () => {
    // Prepare
    const event = defineEvent(knownUser(), []);
    // Act
    const { response } = await define()(event);
    // Assess
    expect(response).toEqual({
      challengeName: "CUSTOM_CHALLENGE",
      issueTokens: false,
      failAuthentication: false,
    });
  });

  it("asks again after a wrong code while attempts remain, then fails", async () => {
    // Prepare
    const handler = define();
    // Act
    const once = await handler(defineEvent(knownUser(), [entry(false)]));
    const twice = await handler(defineEvent(knownUser(), [entry(false), entry(false)]));
    const thrice = await handler(
      defineEvent(knownUser(), [entry(false), entry(false), entry(false)]),
    );
    // Assess
    expect(once.response.challengeName).toBe("CUSTOM_CHALLENGE");
    expect(twice.response.challengeName).toBe("CUSTOM_CHALLENGE");
    expect(thrice.response).toMatchObject({ failAuthentication: true, issueTokens: false });
  });

  it("never issues tokens for a right code answered beyond the attempt budget", async () => {
    // Prepare: a session begun under a larger maxAttempts (a deploy lowered it,
    // or Define and Verify run with different options)
    const event = defineEvent(knownUser(), [entry(false), entry(false), entry(false), entry(true)]);
    // Act
    const { response } = await define({ maxAttempts: 3 })(event);
    // Assess
    expect(response).toMatchObject({ failAuthentication: true, issueTokens: false });
  });

  it("fails a wrong answer once the code has expired", async () => {
    // Prepare
    const event = defineEvent(knownUser(), [entry(false)]);
    // Act
    const { response } = await define({ now: code.expiresAt })(event);
    // Assess
    expect(response).toMatchObject({ failAuthentication: true, issueTokens: false });
  });

  it("issues tokens after a right code when the username step is off", async () => {
    // Prepare
    const event = defineEvent(knownUser(), [entry(false), entry(true)]);
    // Act
    const { response } = await define()(event);
    // Assess
    expect(response).toMatchObject({ issueTokens: true, failAuthentication: false });
  });

  it("asks for a username after a right code when the user has none", async () => {
    // Prepare
    const event = defineEvent(knownUser(), [entry(true)]);
    // Act
    const { response } = await define({ username: true })(event);
    // Assess
    expect(response).toMatchObject({
      challengeName: "CUSTOM_CHALLENGE",
      issueTokens: false,
      failAuthentication: false,
    });
  });

  it("issues tokens after a right code when the user already has a username", async () => {
    // Prepare
    const event = defineEvent(knownUser("alice@example.com", { "custom:username": "alice" }), [
      entry(true),
    ]);
    // Act
    const { response } = await define({ username: true })(event);
    // Assess
    expect(response).toMatchObject({ issueTokens: true, failAuthentication: false });
  });

  it("issues tokens after an accepted username and fails when username attempts run out", async () => {
    // Prepare
    const handler = define({ username: true });
    // Act
    const accepted = await handler(
      defineEvent(knownUser(), [entry(true), entry(false, "USERNAME"), entry(true, "USERNAME")]),
    );
    const again = await handler(defineEvent(knownUser(), [entry(true), entry(false, "USERNAME")]));
    const exhausted = await handler(
      defineEvent(knownUser(), [entry(true), entry(false, "USERNAME"), entry(false, "USERNAME")]),
    );
    // Assess
    expect(accepted.response.issueTokens).toBe(true);
    expect(again.response.challengeName).toBe("CUSTOM_CHALLENGE");
    expect(exhausted.response).toMatchObject({ failAuthentication: true, issueTokens: false });
  });

  it("fails instead of issuing tokens when the email changed after the code passed", async () => {
    // Prepare: the code went to alice@example.com; the attribute now names the victim
    const moved = knownUser("victim@example.org", { "custom:username": "alice" });
    const handler = define({ username: true });
    // Act
    const tokens = await handler(defineEvent(moved, [entry(true)]));
    const afterName = await handler(
      defineEvent(knownUser("victim@example.org"), [entry(true), entry(true, "USERNAME")]),
    );
    const askName = await handler(defineEvent(knownUser("victim@example.org"), [entry(true)]));
    const sameAddress = await handler(
      defineEvent(knownUser("  Alice@EXAMPLE.com", { "custom:username": "alice" }), [entry(true)]),
    );
    // Assess
    for (const { response } of [tokens, afterName, askName]) {
      expect(response).toMatchObject({ issueTokens: false, failAuthentication: true });
    }
    expect(sameAddress.response).toMatchObject({ issueTokens: true, failAuthentication: false });
  });

  it("fails a code step whose address changed between answers", async () => {
    // Prepare
    const event = defineEvent(knownUser("victim@example.org"), [entry(false)]);
    // Act
    const { response } = await define()(event);
    // Assess
    expect(response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it("binds an unknown user's code to what was typed, failing only after a right answer", async () => {
    // Prepare
    const ghost = unknownUser("Alice@Example.com");
    // Act
    const again = await define()(defineEvent(ghost, [entry(false)]));
    // Assess: same as a known user after a wrong answer (no existence oracle)
    expect(again.response).toMatchObject({
      challengeName: "CUSTOM_CHALLENGE",
      issueTokens: false,
      failAuthentication: false,
    });
  });

  it("never issues tokens to an unknown user, even on a forged right answer", async () => {
    // Prepare
    const event = defineEvent(unknownUser(), [entry(true)]);
    // Act
    const { response } = await define()(event);
    // Assess
    expect(response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });

  it.each([
    ["an SRP entry", [{ challengeName: "SRP_A" as const, challengeResult: true }]],
    ["foreign metadata", [entry(true, "MAGIC_LINK")]],
    ["missing metadata", [{ challengeName: "CUSTOM_CHALLENGE" as const, challengeResult: true }]],
    ["a username before the code", [entry(true, "USERNAME")]],
    [
      "a changed code",
      [entry(false), entry(true, encodeCodeMetadata({ ...code, expiresAt: NOW + 1 }))],
    ],
    ["a code after a passed code", [entry(true), entry(true)]],
    ["a code without an address tag", [entry(true, CODE.slice(0, CODE.lastIndexOf(":")))]],
    [
      "a code tagged for another address",
      [entry(true, encodeCodeMetadata({ ...code, emailTag: emailTag("victim@example.org") }))],
    ],
  ])("fails closed on a session with %s", async (_, session) => {
    // Prepare
    const event = defineEvent(knownUser(), session as never);
    // Act
    const { response } = await define({ username: true })(event);
    // Assess
    expect(response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });
});
