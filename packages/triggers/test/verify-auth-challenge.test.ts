import { createVerifyAuthChallengeHandler, memoryStore } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
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
    code: h.codeSentTo(user.attributes.email ?? ""),
  };
}

const verify = async (
  h: ReturnType<typeof harness>,
  user: TestUser,
  params: Record<string, string>,
  answer: string,
) =>
  (await h.triggers.verifyAuthChallenge(verifyEvent(user, params, answer))).response.answerCorrect;

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
    const h = harness({ users: [user], codeSecret: "s".repeat(32) });
    const { params, code } = await issue(h, user);
    const other = createVerifyAuthChallengeHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      codeSecret: "t".repeat(32),
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
    expect(registry.claims.get("alice_1")).toBe(user.attributes.sub);
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
    expect(registry.claims.size).toBe(0);
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
    expect(registry.claims.get("alice")).toBe(first.attributes.sub);
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
    // Assess
    expect([first, second, same]).toEqual([true, false, true]);
    expect(user.attributes["custom:username"]).toBe("alice");
    expect(registry.claims.has("bob")).toBe(false);
    expect(h.cognito.calls).toHaveLength(2);
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
    expect(registry.claims.get("alice")).toBe(user.attributes.sub);
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
