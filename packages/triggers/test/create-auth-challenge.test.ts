import { parseTriggerError } from "@cognito-passcode/shared";
import { createCreateAuthChallengeHandler, memoryStore } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { codeMatchesDigest, emailTag } from "../src/code.js";
import { createEvent, knownUser, unknownUser } from "./support/events.js";
import { harness, TEST_CODE_SECRET } from "./support/harness.js";

const NOW = Date.UTC(2026, 0, 1);

describe("createAuthChallenge", () => {
  it("emails a fresh code and returns the CODE challenge without the code", async () => {
    // Prepare
    const user = knownUser("Alice@Example.com", { locale: "fr" });
    const h = harness({ users: [user] });
    // Act
    const { response } = await h.triggers.createAuthChallenge(createEvent(user, []));
    // Assess
    expect(h.mailbox).toHaveLength(1);
    const code = h.codeSentTo("alice@example.com")!;
    expect(code).toMatch(/^\d{6}$/);
    expect(response.publicChallengeParameters).toEqual({
      step: "CODE",
      codeLength: "6",
      expiresAt: String(NOW + 180_000),
      attemptsLeft: "3",
      email: "a***@e***.com",
    });
    const serialized = JSON.stringify(response);
    expect(serialized).not.toContain(code);
    expect(serialized).not.toContain("alice@example.com");
    const p = response.privateChallengeParameters;
    expect(p.step).toBe("CODE");
    const stored = { salt: p.salt!, expiresAt: Number(p.expiresAt), digest: p.digest! };
    expect(codeMatchesDigest(code, stored, "alice@example.com", TEST_CODE_SECRET)).toBe(true);
    expect(p.emailTag).toBe(emailTag("alice@example.com"));
    expect(response.challengeMetadata).toMatch(/^CODE:6:\d+:[\w-]+:[\w-]+:[\w-]{16}$/);
  });

  it("reuses the same code after a wrong answer, sends nothing, and counts attempts down", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    const first = await h.triggers.createAuthChallenge(createEvent(user, []));
    const session = [
      {
        challengeName: "CUSTOM_CHALLENGE" as const,
        challengeResult: false,
        challengeMetadata: first.response.challengeMetadata,
      },
    ];
    // Act
    const again = await h.triggers.createAuthChallenge(createEvent(user, session));
    const retried = await h.triggers.createAuthChallenge(createEvent(user, session));
    // Assess
    expect(h.mailbox).toHaveLength(1);
    expect(again.response.privateChallengeParameters).toEqual(
      first.response.privateChallengeParameters,
    );
    expect(again.response.challengeMetadata).toBe(first.response.challengeMetadata);
    expect(again.response.publicChallengeParameters.attemptsLeft).toBe("2");
    expect(retried.response).toEqual(again.response);
  });

  it("returns the USERNAME challenge after a right code, with rejected after a refusal", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({
      users: [user],
      username: {
        registry: memoryStore(),
        policy: { minLength: 4, maxLength: 20 },
        maxAttempts: 3,
      },
    });
    const first = await h.triggers.createAuthChallenge(createEvent(user, []));
    const passed = {
      challengeName: "CUSTOM_CHALLENGE" as const,
      challengeResult: true,
      challengeMetadata: first.response.challengeMetadata,
    };
    const refused = {
      challengeName: "CUSTOM_CHALLENGE" as const,
      challengeResult: false,
      challengeMetadata: "USERNAME",
    };
    // Act
    const ask = await h.triggers.createAuthChallenge(createEvent(user, [passed]));
    const askAgain = await h.triggers.createAuthChallenge(createEvent(user, [passed, refused]));
    // Assess
    expect(ask.response.publicChallengeParameters).toEqual({
      step: "USERNAME",
      minLength: "4",
      maxLength: "20",
      attemptsLeft: "3",
    });
    expect(askAgain.response.publicChallengeParameters).toEqual({
      step: "USERNAME",
      minLength: "4",
      maxLength: "20",
      attemptsLeft: "2",
      rejected: "true",
    });
    expect(askAgain.response.challengeMetadata).toBe("USERNAME");
    expect(h.mailbox).toHaveLength(1);
  });

  it("gives an unknown user the same challenge shape and sends no email", async () => {
    // Prepare
    const h = harness();
    const known = knownUser("bob@example.com");
    // Act
    const forUnknown = await h.triggers.createAuthChallenge(
      createEvent(unknownUser("eve@example.com"), []),
    );
    const forKnown = await h.triggers.createAuthChallenge(createEvent(known, []));
    // Assess
    expect(h.mailbox.map((m) => m.to)).toEqual(["bob@example.com"]);
    expect(Object.keys(forUnknown.response.publicChallengeParameters).sort()).toEqual(
      Object.keys(forKnown.response.publicChallengeParameters).sort(),
    );
    expect(Object.keys(forUnknown.response.privateChallengeParameters).sort()).toEqual(
      Object.keys(forKnown.response.privateChallengeParameters).sort(),
    );
    expect(forUnknown.response.publicChallengeParameters.email).toBe("e***@e***.com");
    expect(forUnknown.response.challengeMetadata.length).toBe(
      forKnown.response.challengeMetadata.length,
    );
  });

  it("waits about as long as a send for an unknown user", async () => {
    // Prepare
    const h = harness({ unknownUserDelayMs: 80 });
    // Act
    const started = performance.now();
    await h.triggers.createAuthChallenge(createEvent(unknownUser(), []));
    const elapsed = performance.now() - started;
    // Assess: ±25 % jitter around 80 ms
    expect(elapsed).toBeGreaterThanOrEqual(59);
    expect(elapsed).toBeLessThan(1000);
  });

  it("throttles per normalised email, known and unknown users alike, with retryAfterMs", async () => {
    // Prepare
    const h = harness({
      throttle: {
        store: memoryStore(),
        minIntervalSeconds: 30,
        maxPerWindow: 2,
        windowSeconds: 600,
      },
    });
    const user = knownUser("carol@example.com");
    const ghost = unknownUser("CAROL@example.com ");
    // Act
    await h.triggers.createAuthChallenge(createEvent(user, []));
    const tooSoon = await h.triggers
      .createAuthChallenge(createEvent(ghost, []))
      .catch((e: Error) => e);
    h.clock.now += 30_000;
    await h.triggers.createAuthChallenge(createEvent(ghost, []));
    h.clock.now += 30_000;
    const windowFull = await h.triggers
      .createAuthChallenge(createEvent(user, []))
      .catch((e: Error) => e);
    // Assess
    expect(tooSoon).toBeInstanceOf(Error);
    expect((tooSoon as Error).message).toBe("THROTTLED retryAfterMs=30000");
    expect((windowFull as Error).message).toBe("THROTTLED retryAfterMs=540000");
    expect(
      parseTriggerError(`CreateAuthChallenge failed with error ${(windowFull as Error).message}.`),
    ).toMatchObject({ code: "THROTTLED", retryAfterMs: 540000 });
    expect(h.mailbox).toHaveLength(1);
  });

  it("throws DELIVERY_FAILED when the send fails, logging neither address nor code", async () => {
    // Prepare
    let code = "";
    const h = harness({
      deliver: async (m) => {
        code = /\d{6}/.exec(m.text)![0];
        throw new Error(`Email address is not verified: ${m.to} (${m.text}) code=${code}`);
      },
    });
    const user = knownUser("dave@example.com");
    // Act
    const error = await h.triggers
      .createAuthChallenge(createEvent(user, []))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("DELIVERY_FAILED");
    const logged = JSON.stringify(h.logs);
    expect(logged).toContain("code delivery failed");
    expect(logged).not.toContain("dave@example.com");
    expect(code).toMatch(/^\d{6}$/);
    expect(logged).not.toContain(code);
  });

  it("gives up on a send that outlives email.sendTimeoutMs with DELIVERY_FAILED", async () => {
    // Prepare
    let aborted = false;
    const h = harness({
      email: { from: "no-reply@example.com", sendTimeoutMs: 500 },
      deliver: (_m, { signal }) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            aborted = true;
            reject(signal.reason);
          });
        }),
    });
    // Act
    const started = performance.now();
    const error = await h.triggers
      .createAuthChallenge(createEvent(knownUser(), []))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("DELIVERY_FAILED");
    expect(aborted).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("passes code, expiry, app name and locale to a custom async render", async () => {
    // Prepare
    const seen: unknown[] = [];
    const h = harness({
      code: { length: 8, ttlSeconds: 600 },
      email: {
        from: "Acme <no-reply@example.com>",
        appName: "Acme",
        render: async (input) => {
          seen.push(input);
          return { subject: "s", html: `<b>${input.code}</b>`, text: input.code };
        },
      },
    });
    const user = knownUser("erin@example.com", { locale: "de" });
    // Act
    await h.triggers.createAuthChallenge(createEvent(user, []));
    // Assess
    expect(seen).toEqual([
      { code: h.mailbox[0]!.text, expiresInMinutes: 10, appName: "Acme", locale: "de" },
    ]);
    expect(h.mailbox[0]!.text).toMatch(/^\d{8}$/);
  });

  it("passes a custom render only a well-formed locale (the user sets it at sign-up)", async () => {
    // Prepare
    const seen: (string | undefined)[] = [];
    const h = harness({
      email: {
        from: "no-reply@example.com",
        render: (input) => {
          seen.push(input.locale);
          return { subject: "s", html: input.code, text: input.code };
        },
      },
    });
    const locales = [
      "pt-BR",
      "zh-Hant-TW",
      "../../etc/passwd",
      '"><script>x</script>',
      "e".repeat(40),
    ];
    // Act
    for (const [i, locale] of locales.entries()) {
      await h.triggers.createAuthChallenge(
        createEvent(knownUser(`u${i}@example.com`, { locale }), []),
      );
    }
    // Assess
    expect(seen).toEqual(["pt-BR", "zh-Hant-TW", undefined, undefined, undefined]);
  });

  it("answers an identifier it cannot send to with the fake path, not INVALID_EMAIL (an existence oracle)", async () => {
    // Prepare
    const h = harness();
    // Act
    const { response } = await h.triggers.createAuthChallenge(
      createEvent(unknownUser("not-an-email"), []),
    );
    // Assess
    expect(response.publicChallengeParameters).toMatchObject({ step: "CODE", attemptsLeft: "3" });
    expect(response.publicChallengeParameters.email).toMatch(/^[a-z]\*\*\*@[a-z]\*\*\*\.[a-z]+$/);
    expect(h.mailbox).toHaveLength(0);
  });

  it("wraps an unexpected failure as SERVICE_ERROR and logs it", async () => {
    // Prepare
    const h = harness({
      throttle: {
        store: {
          hit: async () => {
            throw new Error("ProvisionedThroughputExceededException for frank@example.com");
          },
        },
      },
    });
    // Act
    const error = await h.triggers
      .createAuthChallenge(createEvent(knownUser("frank@example.com"), []))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(h.mailbox).toHaveLength(0);
    expect(JSON.stringify(h.logs)).toContain("f***@e***.com");
    expect(JSON.stringify(h.logs)).not.toContain("frank@example.com");
  });

  it("works as a single factory built from the same options", async () => {
    // Prepare
    const sent: string[] = [];
    const create = createCreateAuthChallengeHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      codeSecret: TEST_CODE_SECRET,
      deliver: async (m) => {
        sent.push(m.to);
      },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    // Act
    const { response } = await create(createEvent(knownUser("gina@example.com"), []));
    // Assess
    expect(sent).toEqual(["gina@example.com"]);
    expect(response.publicChallengeParameters.step).toBe("CODE");
  });
});
