import { parseTriggerError } from "@cognito-passcode/shared";
import { memoryStore, type PasscodeTriggerEvent } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { CognitoDriver } from "./support/cognito-driver.js";
import {
  createEvent,
  defineEvent,
  knownUser,
  postAuthenticationEvent,
  preSignUpEvent,
  unknownUser,
  verifyEvent,
} from "./support/events.js";
import { harness } from "./support/harness.js";

describe("createPasscodeTriggers().handler", () => {
  it("dispatches every trigger source it serves", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    // Act
    const defined = await h.triggers.handler(defineEvent(user, []));
    const created = await h.triggers.handler(createEvent(user, []));
    const verified = await h.triggers.handler(
      verifyEvent(
        user,
        created.response.privateChallengeParameters,
        h.codeSentTo("alice@example.com")!,
      ),
    );
    const signedUp = await Promise.all(
      (
        ["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"] as const
      ).map((s) => h.triggers.handler(preSignUpEvent("new@example.com", s))),
    );
    await h.triggers.handler(postAuthenticationEvent(user));
    // Assess
    expect(defined.response.challengeName).toBe("CUSTOM_CHALLENGE");
    expect(created.response.publicChallengeParameters.step).toBe("CODE");
    expect(verified.response.answerCorrect).toBe(true);
    expect(signedUp.map((e) => e.response.autoConfirmUser)).toEqual([true, true, true]);
    expect(user.attributes.email_verified).toBe("true");
  });

  it.each(["CustomMessage_SignUp", "PreTokenGeneration_Authentication", undefined])(
    "throws a clear error for a source it does not serve (%s)",
    async (triggerSource) => {
      // Prepare
      const h = harness();
      const event = {
        ...defineEvent(knownUser(), []),
        triggerSource,
      } as unknown as PasscodeTriggerEvent;
      // Act
      const error = await h.triggers.handler(event).catch((e: Error) => e);
      // Assess
      expect((error as Error).message).toContain(`unsupported triggerSource ${triggerSource}`);
    },
  );
});

describe("the sign-in loop (Cognito driver)", () => {
  it("signs in with the emailed code and verifies the email", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user] });
    const cognito = new CognitoDriver(h.triggers);
    // Act
    const challenge = await cognito.initiateAuth(user);
    const wrong = await cognito.respond(
      "000000" === h.codeSentTo("alice@example.com") ? "111111" : "000000",
    );
    const result = await cognito.respond(h.codeSentTo("alice@example.com")!);
    // Assess
    expect(challenge).toMatchObject({
      kind: "challenge",
      parameters: { step: "CODE", attemptsLeft: "3" },
    });
    expect(wrong).toMatchObject({
      kind: "challenge",
      parameters: { step: "CODE", attemptsLeft: "2" },
    });
    expect(result).toEqual({ kind: "tokens" });
    expect(h.mailbox).toHaveLength(1);
    expect(user.attributes.email_verified).toBe("true");
  });

  it("asks for a username once, refuses a taken one, then remembers it", async () => {
    // Prepare
    const alice = knownUser("alice@example.com");
    const registry = memoryStore();
    await registry.claim("bob", "someone-else");
    const h = harness({ users: [alice], username: { registry }, throttle: false });
    const cognito = new CognitoDriver(h.triggers);
    // Act
    await cognito.initiateAuth(alice);
    const askName = await cognito.respond(h.codeSentTo("alice@example.com")!);
    const taken = await cognito.respond("Bob");
    const done = await cognito.respond("Alice_1");
    await cognito.initiateAuth(alice);
    const secondSignIn = await cognito.respond(h.codeSentTo("alice@example.com")!);
    // Assess
    expect(askName).toEqual({
      kind: "challenge",
      parameters: { step: "USERNAME", minLength: "3", maxLength: "30", attemptsLeft: "5" },
    });
    expect(taken).toEqual({
      kind: "challenge",
      parameters: {
        step: "USERNAME",
        minLength: "3",
        maxLength: "30",
        attemptsLeft: "4",
        rejected: "true",
      },
    });
    expect(done).toEqual({ kind: "tokens" });
    expect(alice.attributes["custom:username"]).toBe("alice_1");
    expect(registry.names.get("alice_1")).toBe(alice.attributes.sub);
    expect(secondSignIn).toEqual({ kind: "tokens" });
  });

  it("fails after maxAttempts wrong codes, and when the code has expired", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user], code: { maxAttempts: 2, ttlSeconds: 60 } });
    const cognito = new CognitoDriver(h.triggers);
    const wrong = () => (h.codeSentTo("alice@example.com") === "123456" ? "654321" : "123456");
    // Act
    await cognito.initiateAuth(user);
    const first = await cognito.respond(wrong());
    const exhausted = await cognito.respond(wrong());
    await cognito.initiateAuth(user);
    h.clock.now += 60_000;
    const expired = await cognito.respond(h.codeSentTo("alice@example.com")!);
    // Assess
    expect(first).toMatchObject({ kind: "challenge", parameters: { attemptsLeft: "1" } });
    expect(exhausted).toEqual({ kind: "failed" });
    expect(expired).toEqual({ kind: "failed" });
  });

  it("treats an unknown user the same way outside, and never signs them in", async () => {
    // Prepare
    const h = harness();
    const ghost = unknownUser("eve@example.com");
    const cognito = new CognitoDriver(h.triggers);
    // Act
    const challenge = await cognito.initiateAuth(ghost);
    const answers = [
      await cognito.respond("123456"),
      await cognito.respond("000000"),
      await cognito.respond("999999"),
    ];
    // Assess
    expect(challenge).toMatchObject({
      kind: "challenge",
      parameters: { step: "CODE", codeLength: "6", attemptsLeft: "3", email: "e***@e***.com" },
    });
    expect(answers.map((a) => a.kind)).toEqual(["challenge", "challenge", "failed"]);
    expect(h.mailbox).toHaveLength(0);
  });

  it("a retried Create after a wrong answer sends nothing and keeps the code", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user] });
    const cognito = new CognitoDriver(h.triggers, { createRetries: () => 2 });
    // Act
    await cognito.initiateAuth(user).catch(() => undefined);
    const afterFirst = h.mailbox.length;
    const code = h.codeSentTo("alice@example.com")!;
    const again = await cognito.respond(code === "000000" ? "111111" : "000000");
    const done = await cognito.respond(code);
    // Assess: with the throttle off, the first position's retries each sent a code
    // (documented); every later position sent nothing, and the last code is the session's.
    expect(afterFirst).toBe(3);
    expect(again).toMatchObject({
      kind: "challenge",
      parameters: { step: "CODE", attemptsLeft: "2" },
    });
    expect(h.mailbox).toHaveLength(3);
    expect(done).toEqual({ kind: "tokens" });
  });

  it("with the throttle on, a retried first Create is refused rather than sending a second email", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user], throttle: { store: memoryStore() } });
    const cognito = new CognitoDriver(h.triggers, { createRetries: () => 1 });
    // Act
    const result = await cognito.initiateAuth(user);
    // Assess
    expect(h.mailbox).toHaveLength(1);
    expect(result.kind).toBe("error");
    const message = result.kind === "error" ? result.message : "";
    expect(parseTriggerError(message)).toEqual({
      code: "THROTTLED",
      details: { retryAfterMs: "30000" },
      retryAfterMs: 30000,
    });
  });
});
