import { normalizeEmail } from "@cognito-passcode/shared";
import {
  createVerifyAuthChallengeHandler,
  dynamoDbStore,
  memoryStore,
  type ThrottleRules,
} from "@cognito-passcode/triggers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailTag } from "../src/code.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import {
  createEvent,
  knownUser,
  type TestUser,
  unknownUser,
  verifyEvent,
} from "./support/events.js";
import { harness } from "./support/harness.js";

async function issue(h: ReturnType<typeof harness>, user: TestUser) {
  const { response } = await h.triggers.createAuthChallenge(createEvent(user, []));
  return {
    params: response.privateChallengeParameters,
    code: h.codeSentTo(normalizeEmail(user.attributes.email ?? "")),
  };
}

const verify = async (
  h: ReturnType<typeof harness>,
  user: TestUser,
  params: Record<string, string>,
  answer: string,
) =>
  (await h.triggers.verifyAuthChallenge(verifyEvent(user, params, answer))).response.answerCorrect;

/** Alice, whose address is unverified, answers her code right twice (a retried Verify). */
async function rightCodeTwice() {
  const user = knownUser("Alice@Example.com");
  const h = harness({ users: [user] });
  const { params, code } = await issue(h, user);
  const answers = [await verify(h, user, params, code!), await verify(h, user, params, code!)];
  return { user, h, answers };
}

describe("verifyAuthChallenge: CODE", () => {
  it("accepts the right code, also typed with a space or hyphen", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    // Act
    const plain = await verify(h, user, params, code!);
    const spaced = await verify(h, user, params, `${code!.slice(0, 3)} ${code!.slice(3)}`);
    const hyphen = await verify(h, user, params, `${code!.slice(0, 3)}-${code!.slice(3)}`);
    // Assess
    expect([plain, spaced, hyphen]).toEqual([true, true, true]);
  });

  it("refuses a wrong code, a malformed answer and an empty one", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    // Act
    const results = await Promise.all(
      [wrong, `${code}0`, code!.slice(1), "abcdef", "", "１２３４５６"].map((a) =>
        verify(h, user, params, a),
      ),
    );
    // Assess
    expect(results).toEqual([false, false, false, false, false, false]);
  });

  it("refuses the right code at and after its expiry, from the stored timestamp", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    // Act
    h.clock.now = Number(params.expiresAt) - 1;
    const justBefore = await verify(h, user, params, code!);
    h.clock.now = Number(params.expiresAt);
    const atExpiry = await verify(h, user, params, code!);
    // Assess
    expect(justBefore).toBe(true);
    expect(atExpiry).toBe(false);
  });

  it("refuses when the private parameters were tampered with", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    // Act
    const laterExpiry = await verify(
      h,
      user,
      { ...params, expiresAt: String(Number(params.expiresAt) + 600_000) },
      code!,
    );
    const otherSalt = await verify(h, user, { ...params, salt: "AAAAAAAAAAAAAAAAAAAAAA" }, code!);
    const shortDigest = await verify(
      h,
      user,
      { ...params, digest: params.digest!.slice(0, 20) },
      code!,
    );
    const missing = await verify(h, user, {}, code!);
    // Assess
    expect([laterExpiry, otherSalt, shortDigest, missing]).toEqual([false, false, false, false]);
  });

  it("keys the digest with codeSecret: a different secret refuses the right code", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user], codeSecret: "s3cr3t-S-for-the-digest-0123456789" });
    const { params, code } = await issue(h, user);
    const other = createVerifyAuthChallengeHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      codeSecret: "t0ther-T-for-the-digest-0123456789",
      now: () => h.clock.now,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    // Act
    const same = await verify(h, user, params, code!);
    const different = (await other(verifyEvent(user, params, code!))).response.answerCorrect;
    // Assess
    expect(same).toBe(true);
    expect(different).toBe(false);
  });

  it("refuses every answer of an unknown user", async () => {
    // Prepare
    const h = harness();
    const ghost = unknownUser("eve@example.com");
    const { response } = await h.triggers.createAuthChallenge(createEvent(ghost, []));
    // Act: even the real digest's code, were it known, is refused
    const answers = await Promise.all(
      ["000000", "123456", "999999"].map((a) =>
        verify(h, ghost, response.privateChallengeParameters, a),
      ),
    );
    // Assess
    expect(answers).toEqual([false, false, false]);
  });

  it("never logs the code or the answer", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    // Act
    await verify(h, user, params, code!);
    await verify(h, user, params, "654321");
    // Assess
    const logged = JSON.stringify(h.logs);
    expect(logged).not.toContain(code!);
    expect(logged).not.toContain("654321");
  });
});

describe("verifyAuthChallenge: CODE bound to the address it was sent to", () => {
  it("refuses the right code once the user's email is another address, and logs no address", async () => {
    // Prepare: the code went to mallory, who then changes the email to the victim's
    const user = knownUser("mallory@example.com");
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    // Act
    user.attributes.email = "victim@example.org";
    const changed = await verify(h, user, params, code!);
    user.attributes.email = "Mallory@Example.COM";
    const sameAddress = await verify(h, user, params, code!);
    // Assess
    expect(changed).toBe(false);
    expect(sameAddress).toBe(true);
    expect(h.logs).toContainEqual({
      level: "info",
      message: "code rejected",
      fields: { reason: "address-changed" },
    });
    expect(JSON.stringify(h.logs)).not.toMatch(/victim|mallory/i);
    expect(h.cognito.calls.map((c) => c.attributes.email)).toEqual(["Mallory@Example.COM"]);
  });

  it("covers the address in the digest: a state re-tagged for the victim still refuses", async () => {
    // Prepare
    const user = knownUser("mallory@example.com");
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    const victim = "victim@example.org";
    // Act
    user.attributes.email = victim;
    const retagged = await verify(h, user, { ...params, emailTag: emailTag(victim) }, code!);
    const untagged = await verify(h, user, { ...params, emailTag: "" }, code!);
    // Assess
    expect([retagged, untagged]).toEqual([false, false]);
    expect(h.cognito.calls).toHaveLength(0);
    expect(user.attributes.email_verified).toBe("false");
  });

  it("binds an unknown user's fake code to what was typed, and refuses it anyway", async () => {
    // Prepare
    const h = harness({ throttle: { store: memoryStore() } });
    const ghost = unknownUser("Eve@Example.com");
    const { response } = await h.triggers.createAuthChallenge(createEvent(ghost, []));
    // Act
    const answer = await verify(h, ghost, response.privateChallengeParameters, "123456");
    // Assess
    expect(answer).toBe(false);
    expect(response.privateChallengeParameters.emailTag).toBe(emailTag("eve@example.com"));
    expect(h.cognito.calls).toHaveLength(0);
  });
});

describe("verifyAuthChallenge: email_verified", () => {
  it("marks the email verified on a right code with one write pinned to the address it checked", async () => {
    // Prepare, Act
    const { user, h, answers } = await rightCodeTwice();
    // Assess
    expect(answers).toEqual([true, true]);
    expect(h.cognito.calls).toEqual([
      {
        UserPoolId: "eu-west-1_Ab12Cd34E",
        Username: user.userName,
        attributes: { email: "Alice@Example.com", email_verified: "true" },
      },
    ]);
    expect(user.attributes.email_verified).toBe("true");
  });

  it("writes nothing on a wrong, expired or malformed answer, or for an unknown user", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const ghost = unknownUser("ghost@example.com");
    const fake = await h.triggers.createAuthChallenge(createEvent(ghost, []));
    // Act
    await verify(h, user, params, wrong);
    await verify(h, user, params, "12ab");
    await verify(h, ghost, fake.response.privateChallengeParameters, code!);
    h.clock.now = Number(params.expiresAt);
    await verify(h, user, params, code!);
    // Assess
    expect(h.cognito.calls).toHaveLength(0);
    expect(user.attributes.email_verified).toBe("false");
  });

  it("fails closed with SERVICE_ERROR when the write fails, and a retry writes it", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    h.cognito.failNextCalls(1);
    // Act
    const error = await h.triggers
      .verifyAuthChallenge(verifyEvent(user, params, code!))
      .catch((e: Error) => e);
    const retried = await verify(h, user, params, code!);
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(retried).toBe(true);
    expect(user.attributes.email_verified).toBe("true");
  });
});

describe("verifyAuthChallenge: signs the user out everywhere before it verifies an address", () => {
  // A pool without AttributesRequireVerificationBeforeUpdate lets a signed-in
  // attacker move their account's email to a victim's address at once; when
  // the victim signs in with it and proves it, whoever held the account
  // before must lose it: Verify ends every other session first.
  it("calls AdminUserGlobalSignOut for the user, then the pinned write, on a right code for an unverified address", async () => {
    // Prepare, Act
    const { user, h, answers } = await rightCodeTwice();
    // Assess: one sign-out, before the one write; the verified address costs nothing more
    expect(answers).toEqual([true, true]);
    expect(h.cognito.operations).toEqual(["AdminUserGlobalSignOut", "AdminUpdateUserAttributes"]);
    expect(h.cognito.signOuts).toEqual([
      { UserPoolId: "eu-west-1_Ab12Cd34E", Username: user.userName },
    ]);
  });

  it("signs nobody out for an address already verified, a USERNAME answer, a wrong, expired, malformed or moved answer, or an unknown user", async () => {
    // Prepare
    const verified = knownUser("bob@example.com", { email_verified: "true" });
    const user = knownUser("carol@example.com");
    const h = harness({ users: [verified, user], username: { registry: memoryStore() } });
    const fromVerified = await issue(h, verified);
    const { params, code } = await issue(h, user);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    const ghost = unknownUser("ghost@example.com");
    const fake = await h.triggers.createAuthChallenge(createEvent(ghost, []));
    // Act
    const answers = [
      await verify(h, verified, fromVerified.params, fromVerified.code!),
      await verify(h, user, { step: "USERNAME" }, "carol_1"),
      await verify(h, user, params, wrong),
      await verify(h, user, params, "12ab"),
      await verify(h, ghost, fake.response.privateChallengeParameters, code!),
      await verify(
        h,
        { ...user, attributes: { ...user.attributes, email: "x@example.net" } },
        params,
        code!,
      ),
    ];
    h.clock.now = Number(params.expiresAt);
    answers.push(await verify(h, user, params, code!));
    // Assess: the right code of the verified user and the name pass, and only the name is written
    expect(answers).toEqual([true, true, false, false, false, false, false]);
    expect(h.cognito.operations).toEqual(["AdminUpdateUserAttributes"]);
    expect(h.cognito.signOuts).toHaveLength(0);
    expect(user.attributes.email_verified).toBe("false");
  });

  it("fails closed when the sign-out fails: SERVICE_ERROR, no write, no address in the log; a retry signs out and writes", async () => {
    // Prepare
    const user = knownUser("dave@example.com");
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    h.cognito.failNextCalls(1, "AdminUserGlobalSignOut");
    // Act
    const error = await h.triggers
      .verifyAuthChallenge(verifyEvent(user, params, code!))
      .catch((e: Error) => e);
    const afterFailure = { ...user.attributes };
    const retried = await verify(h, user, params, code!);
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(afterFailure.email_verified).toBe("false");
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: "error", message: "global sign-out failed" }),
    );
    expect(JSON.stringify(h.logs)).not.toMatch(/dave/i);
    expect(retried).toBe(true);
    expect(h.cognito.operations).toEqual([
      "AdminUserGlobalSignOut",
      "AdminUserGlobalSignOut",
      "AdminUpdateUserAttributes",
    ]);
    expect(user.attributes.email_verified).toBe("true");
  });

  it("fails closed when the user is gone by the time of the sign-out", async () => {
    // Prepare: deleted between Create and Verify
    const user = knownUser("erin@example.com");
    const h = harness({ users: [user] });
    const { params, code } = await issue(h, user);
    h.users.length = 0;
    // Act
    const error = await h.triggers
      .verifyAuthChallenge(verifyEvent(user, params, code!))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(h.cognito.operations).toEqual(["AdminUserGlobalSignOut"]);
  });

  it("every email_verified write follows a sign-out of that user, and a sign-out happens only on a right code for an unverified address (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            verified: fc.boolean(),
            answer: fc.constantFrom("right", "wrong", "malformed", "expired", "moved"),
            failSignOut: fc.boolean(),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        async (steps) => {
          for (const step of steps) {
            const user = knownUser("frank@example.com", {
              email_verified: step.verified ? "true" : "false",
            });
            const h = harness({ users: [user] });
            const { params, code } = await issue(h, user);
            if (step.failSignOut) h.cognito.failNextCalls(1, "AdminUserGlobalSignOut");
            const answer =
              step.answer === "right" || step.answer === "expired" || step.answer === "moved"
                ? code!
                : step.answer === "wrong"
                  ? String((Number(code) + 1) % 1_000_000).padStart(6, "0")
                  : "abc";
            if (step.answer === "expired") h.clock.now = Number(params.expiresAt);
            const answering =
              step.answer === "moved"
                ? { ...user, attributes: { ...user.attributes, email: "other@example.net" } }
                : user;
            const outcome = await h.triggers
              .verifyAuthChallenge(verifyEvent(answering, params, answer))
              .then((e) => e.response.answerCorrect)
              .catch((e: Error) => e.message);
            const verifies = step.answer === "right" && !step.verified;
            expect(h.cognito.operations).toEqual(
              !verifies
                ? []
                : step.failSignOut
                  ? ["AdminUserGlobalSignOut"]
                  : ["AdminUserGlobalSignOut", "AdminUpdateUserAttributes"],
            );
            expect(outcome).toBe(
              step.answer !== "right"
                ? false
                : verifies && step.failSignOut
                  ? "SERVICE_ERROR"
                  : true,
            );
            expect(user.attributes.email_verified).toBe(
              step.verified || (verifies && !step.failSignOut) ? "true" : "false",
            );
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("verifyAuthChallenge: per-code attempt counter", () => {
  it("of 10 parallel answers to one challenge, checks at most maxAttempts", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user], throttle: { store: memoryStore() } });
    const { params, code } = await issue(h, user);
    // Act: every one of them the right code, all on the same private parameters
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => verify(h, user, params, code!)),
    );
    // Assess
    expect(answers.filter(Boolean)).toHaveLength(3);
    expect(
      h.logs.filter(
        (l) => l.message === "code rejected" && l.fields?.reason === "attempts-exhausted",
      ),
    ).toHaveLength(7);
  });

  it("never checks more than maxAttempts answers of one code, whatever arrives in parallel (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 12 }),
        async (maxAttempts, rightOrWrong) => {
          // Prepare
          const user = knownUser();
          const h = harness({
            users: [user],
            code: { maxAttempts },
            throttle: { store: memoryStore() },
          });
          const { params, code } = await issue(h, user);
          const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
          // Act
          const answers = await Promise.all(
            rightOrWrong.map((right) => verify(h, user, params, right ? code! : wrong)),
          );
          // Assess: accepted plus refused-as-mismatch is what reached the digest
          const mismatches = h.logs.filter((l) => l.fields?.reason === "mismatch").length;
          const accepted = answers.filter(Boolean).length;
          expect(accepted + mismatches).toBe(Math.min(maxAttempts, rightOrWrong.length));
          expect(accepted).toBeLessThanOrEqual(rightOrWrong.filter(Boolean).length);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("refuses the right code after maxAttempts wrong answers sent in parallel", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({
      users: [user],
      code: { maxAttempts: 2 },
      throttle: { store: memoryStore() },
    });
    const { params, code } = await issue(h, user);
    const wrong = (i: number) => String((Number(code) + i) % 1_000_000).padStart(6, "0");
    // Act
    const guesses = await Promise.all([1, 2].map((i) => verify(h, user, params, wrong(i))));
    const right = await verify(h, user, params, code!);
    // Assess
    expect(guesses).toEqual([false, false]);
    expect(right).toBe(false);
    expect(user.attributes.email_verified).toBe("false");
  });

  it("counts an unknown user's answers on the same key shape (same work), and none with throttle off", async () => {
    // Prepare
    const keys: string[] = [];
    const inner = memoryStore();
    const store = {
      ...inner,
      hit: (key: string, now: number, rules: ThrottleRules) => {
        keys.push(key);
        return inner.hit(key, now, rules);
      },
    };
    const user = knownUser();
    const ghost = unknownUser("ghost@example.com");
    const h = harness({ users: [user], throttle: { store } });
    const off = harness({ users: [user] });
    const real = await h.triggers.createAuthChallenge(createEvent(user, []));
    const fake = await h.triggers.createAuthChallenge(createEvent(ghost, []));
    const offIssued = await off.triggers.createAuthChallenge(createEvent(user, []));
    keys.length = 0;
    // Act
    await verify(h, user, real.response.privateChallengeParameters, "000000");
    await verify(h, ghost, fake.response.privateChallengeParameters, "000000");
    await verify(off, user, offIssued.response.privateChallengeParameters, "000000");
    // Assess
    expect(keys).toEqual([
      `attempt#${real.response.privateChallengeParameters.salt}`,
      `attempt#${fake.response.privateChallengeParameters.salt}`,
    ]);
  });
});

describe("verifyAuthChallenge: per-code attempt counter on dynamoDbStore (dynalite)", () => {
  let table: DynaliteTable;
  beforeAll(async () => {
    table = await startDynaliteTable();
  });
  afterAll(async () => {
    await table?.stop();
  });

  it("costs one GetItem and one PutItem per answer, one GetItem once the budget is spent; 10 parallel answers check at most 3", async () => {
    // Prepare: count the DynamoDB operations the store sends
    const operations: string[] = [];
    table.client.middlewareStack.add(
      (next, context) => (args) => {
        operations.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "countOperations" },
    );
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client });
    const user = knownUser();
    const h = harness({ users: [user], throttle: { store } });
    const first = await issue(h, user);
    const wrong = (i: number) => String((Number(first.code) + i) % 1_000_000).padStart(6, "0");
    operations.length = 0;
    // Act: three wrong answers, then the right one, one after the other
    const perAnswer: string[][] = [];
    for (const answer of [wrong(1), wrong(2), wrong(3), first.code!]) {
      const before = operations.length;
      await verify(h, user, first.params, answer);
      perAnswer.push(operations.slice(before));
    }
    h.clock.now += 60_000;
    const second = await issue(h, user);
    const parallel = await Promise.all(
      Array.from({ length: 10 }, () => verify(h, user, second.params, second.code!)),
    );
    // Assess
    expect(perAnswer).toEqual([
      ["GetItemCommand", "PutItemCommand"],
      ["GetItemCommand", "PutItemCommand"],
      ["GetItemCommand", "PutItemCommand"],
      ["GetItemCommand"],
    ]);
    expect(parallel.filter(Boolean)).toHaveLength(3);
  });
});

describe("verifyAuthChallenge: USERNAME", () => {
  const USERNAME = { step: "USERNAME" };

  it("claims a valid name for the user's sub and writes the normalised form", async () => {
    // Prepare
    const user = knownUser();
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    // Act
    const ok = await verify(h, user, USERNAME, "  Alice_1 ");
    // Assess
    expect(ok).toBe(true);
    expect(registry.names.get("alice_1")).toBe(user.attributes.sub);
    expect(h.cognito.calls).toEqual([
      {
        UserPoolId: "eu-west-1_Ab12Cd34E",
        Username: user.userName,
        attributes: { "custom:username": "alice_1" },
      },
    ]);
    expect(user.attributes["custom:username"]).toBe("alice_1");
  });

  it("refuses invalid and reserved names without claiming anything", async () => {
    // Prepare
    const user = knownUser();
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    // Act
    const answers = await Promise.all(
      ["ab", "4lice", "admin", "ålice", "a".repeat(31), ""].map((n) =>
        verify(h, user, USERNAME, n),
      ),
    );
    // Assess
    expect(answers.every((a) => a === false)).toBe(true);
    expect(registry.names.size).toBe(0);
    expect(h.cognito.calls).toHaveLength(0);
  });

  it("refuses a name another user holds, case-insensitively", async () => {
    // Prepare
    const first = knownUser("a@example.com");
    const second = knownUser("b@example.com");
    const registry = memoryStore();
    const h = harness({ users: [first, second], username: { registry } });
    // Act
    const won = await verify(h, first, USERNAME, "alice");
    const lost = await verify(h, second, USERNAME, "ALICE");
    // Assess
    expect([won, lost]).toEqual([true, false]);
    expect(registry.names.get("alice")).toBe(first.attributes.sub);
    expect(second.attributes["custom:username"]).toBeUndefined();
  });

  it("lets the same user claim the same name again (a retried Verify)", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user], username: { registry: memoryStore() } });
    // Act
    const first = await verify(h, user, USERNAME, "alice");
    const retried = await verify(h, user, USERNAME, "Alice");
    // Assess
    expect([first, retried]).toEqual([true, true]);
  });

  it("never replaces a username already set (a second session's USERNAME challenge)", async () => {
    // Prepare: two sessions both reached the USERNAME step before either answered
    const user = knownUser();
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    // Act
    const first = await verify(h, user, USERNAME, "alice");
    const second = await verify(h, user, USERNAME, "bob");
    const same = await verify(h, user, USERNAME, "Alice");
    // Assess: the later sessions finish with the one name the user owns
    expect([first, second, same]).toEqual([true, true, true]);
    expect(user.attributes["custom:username"]).toBe("alice");
    expect(registry.names.has("bob")).toBe(false);
    expect(h.cognito.calls).toHaveLength(1);
  });

  it("gives 5 sessions parked at the USERNAME step and answered at once one name between them", async () => {
    // Prepare: five events built before any answer, so none sees an attribute
    const user = knownUser();
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    const names = ["alpha", "bravo", "charlie", "delta", "echo"];
    const events = names.map((name) => verifyEvent(user, USERNAME, name));
    // Act
    const answers = await Promise.all(events.map((e) => h.triggers.verifyAuthChallenge(e)));
    // Assess
    expect(answers.map((e) => e.response.answerCorrect)).toEqual(names.map(() => true));
    const owned = registry.owners.get(user.attributes.sub!);
    expect(names).toContain(owned);
    expect([...registry.names]).toEqual([[owned, user.attributes.sub]]);
    const written = h.cognito.calls.map(
      (c) => (c as { attributes: Record<string, string> }).attributes,
    );
    expect(written.every((a) => a["custom:username"] === owned)).toBe(true);
    expect(user.attributes["custom:username"]).toBe(owned);
  });

  it("converges a user with a name written but no owner record (an older registry) on that name", async () => {
    // Prepare: the attribute is set, the registry holds the name but no owner record
    const user = knownUser();
    user.attributes["custom:username"] = "alice";
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    // Act
    const answer = await verify(h, user, USERNAME, "bob");
    // Assess
    expect(answer).toBe(true);
    expect(registry.owners.get(user.attributes.sub!)).toBe("alice");
    expect(registry.names.has("bob")).toBe(false);
    expect(h.cognito.calls).toHaveLength(0);
  });

  it("fails closed with SERVICE_ERROR when the attribute write fails, keeping the claim for a retry", async () => {
    // Prepare
    const user = knownUser();
    const registry = memoryStore();
    const h = harness({ users: [user], username: { registry } });
    h.cognito.failNextCalls(1);
    // Act
    const error = await h.triggers
      .verifyAuthChallenge(verifyEvent(user, USERNAME, "alice"))
      .catch((e: Error) => e);
    const retry = await verify(h, user, USERNAME, "alice");
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(retry).toBe(true);
    expect(registry.names.get("alice")).toBe(user.attributes.sub);
    expect(user.attributes["custom:username"]).toBe("alice");
  });

  it("uses a custom attribute and policy", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({
      users: [user],
      username: {
        registry: memoryStore(),
        attribute: "custom:handle",
        policy: { minLength: 2, reserved: ["boss"] },
      },
    });
    // Act
    const reserved = await verify(h, user, USERNAME, "boss");
    const short = await verify(h, user, USERNAME, "jo");
    // Assess
    expect([reserved, short]).toEqual([false, true]);
    expect(user.attributes["custom:handle"]).toBe("jo");
  });
});
