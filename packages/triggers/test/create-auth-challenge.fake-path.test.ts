import { isValidEmail, maskEmail } from "@cognito-passcode/shared";
import {
  memoryStore,
  type PasscodeTriggersOptions,
  type ThrottleRules,
  type ThrottleStore,
} from "@cognito-passcode/triggers";
import type { CreateAuthChallengeTriggerEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createEvent,
  defineEvent,
  knownUser,
  type TestUser,
  unknownUser,
  verifyEvent,
} from "./support/events.js";
import { harness } from "./support/harness.js";

// Who gets an email: only an existing user whose current email is valid and
// inside signUp.allowedEmailDomains. Everyone else takes the fake path, which
// a caller cannot tell from a real send: same challenge, same throttle, no email.

const ALLOWED = ["example.com"];
/** What a real mask looks like: one character, `***@`, one character, `***.<tld>`. */
const MASK = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]\*\*\*@[a-z0-9]\*\*\*\.[a-z]{2,63}$/;
const UUID = "5b0e3a7c-9d41-4c2e-8f6a-1e2d3c4b5a69";
/** Top-level domains in use (generic and country codes), to check placeholders against. */
const REAL_TLDS = (
  "com net org edu gov info biz io co me app dev ai ac ae ar at au be bg br by ca ch cl cn cz de dk " +
  "ee es eu fi fr gr hk hr hu id ie il in ir is it jp kr kz lt lu lv mx my ng nl no nz pe ph pk pl " +
  "pt ro rs ru sa se sg si sk th tr tw ua uk us uy vn za"
).split(" ");

/** A known user whose email is `email`, signed in by its sub (as Cognito resolves a sub). */
const bySub = (email: string): TestUser => knownUser(email);
/** What Cognito hands Create for a USERNAME that is no user: what was typed, no attributes. */
const ghost = (typed: string): TestUser => unknownUser(typed);

/** A throttle store that records every hit and answers with a memoryStore. */
function recordingStore() {
  const inner = memoryStore();
  const hits: { key: string; rules: ThrottleRules }[] = [];
  const store: ThrottleStore = {
    hit(key, nowMs, rules) {
      hits.push({ key, rules });
      return inner.hit(key, nowMs, rules);
    },
  };
  return { store, hits };
}

async function create(h: ReturnType<typeof harness>, who: TestUser) {
  return h.triggers.createAuthChallenge(createEvent(who, []));
}

/** Keys and value formats, not values: what a caller could compare across identifiers. */
function shape(response: CreateAuthChallengeTriggerEvent["response"]) {
  const p = response.publicChallengeParameters;
  return {
    publicKeys: Object.keys(p).sort(),
    step: p.step,
    codeLength: p.codeLength,
    expiresAt: p.expiresAt,
    attemptsLeft: p.attemptsLeft,
    emailLooksMasked: MASK.test(p.email ?? ""),
    privateKeys: Object.keys(response.privateChallengeParameters).sort(),
    privateLengths: Object.entries(response.privateChallengeParameters)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}:${value.length}`),
    metadataLength: response.challengeMetadata.length,
  };
}

describe("createAuthChallenge: the fake path", () => {
  it("gives a UUID-shaped USERNAME that is no user a CODE challenge with a placeholder mask, never INVALID_EMAIL", async () => {
    // Prepare
    const h = harness();
    // Act
    const real = await create(h, bySub("alice@example.com"));
    const unknown = await create(h, ghost(UUID)).catch((e: Error) => e);
    // Assess
    expect(unknown).not.toBeInstanceOf(Error);
    const fake = (unknown as CreateAuthChallengeTriggerEvent).response;
    expect(shape(fake)).toEqual(shape(real.response));
    expect(fake.publicChallengeParameters.email).toMatch(MASK);
    expect(h.mailbox.map((m) => m.to)).toEqual(["alice@example.com"]);
  });

  it("never answers INVALID_EMAIL, whatever was typed", async () => {
    // Prepare
    const h = harness();
    const typed = ["not-an-email", "Google_1234567890", "alice@localhost", "\u212Alice@korp.com"];
    // Act
    const outcomes = await Promise.all(
      typed.map((t) =>
        create(h, ghost(t)).then(
          (e) => e.response.publicChallengeParameters.email,
          (e: Error) => e.message,
        ),
      ),
    );
    // Assess
    for (const masked of outcomes) expect(masked).toMatch(MASK);
    expect(h.mailbox).toHaveLength(0);
  });

  it("derives the placeholder with a keyed hash: stable per identifier, and across instances with codeSecret", async () => {
    // Prepare
    const codeSecret = "k7Qw2pX9zR4mN8vB3cT6yH1jL5dF0sGa";
    const one = harness({ codeSecret });
    const two = harness({ codeSecret });
    const other = harness({ codeSecret: "o2Lx8Rk4Pz6Wq1Ny9Mt3Hv5Jb7Cd0FsE" });
    const mask = async (h: ReturnType<typeof harness>, typed: string) =>
      (await create(h, ghost(typed))).response.publicChallengeParameters.email;
    // Act
    const first = await mask(one, UUID);
    const again = await mask(one, UUID.toUpperCase());
    const elsewhere = await mask(two, UUID);
    const differentKey = await Promise.all(
      Array.from({ length: 8 }, (_, i) => mask(other, `${UUID.slice(0, -1)}${i}`)),
    );
    const manyIds = await Promise.all(
      Array.from({ length: 8 }, (_, i) => mask(one, `${UUID.slice(0, -1)}${i}`)),
    );
    // Assess
    expect(again).toBe(first);
    expect(elsewhere).toBe(first);
    // Not a constant: eight identifiers under one key, or one set under another key, differ.
    expect(new Set(manyIds).size).toBeGreaterThan(1);
    expect(differentKey).not.toEqual(manyIds);
  });

  it("gives an unknown UUID one placeholder on every Lambda instance, as a real sub gets one mask", async () => {
    // Prepare: eight "Lambda instances" (eight handler builds) with the options
    // every deployment must now give, codeSecret among them.
    const victim = knownUser("victim@example.com");
    const masks = { ghost: new Set<string>(), real: new Set<string>() };
    // Act
    for (let i = 0; i < 8; i++) {
      const h = harness({ users: [victim] });
      masks.ghost.add((await create(h, ghost(UUID))).response.publicChallengeParameters.email!);
      masks.real.add((await create(h, victim)).response.publicChallengeParameters.email!);
    }
    // Assess: asking for one identifier a few times no longer tells a sub from a non-user.
    expect(masks.real.size).toBe(1);
    expect(masks.ghost.size).toBe(1);
  });

  it("draws placeholders from the shapes real masks take: digits first, country-code TLDs", async () => {
    // Prepare
    const h = harness();
    // Act
    const masks: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const id = `${UUID.slice(0, 24)}${i.toString(16).padStart(12, "0")}`;
      masks.push((await create(h, ghost(id))).response.publicChallengeParameters.email!);
    }
    // Assess
    const tlds = masks.map((m) => m.slice(m.lastIndexOf(".") + 1));
    const share = (pick: (m: string) => boolean) => masks.filter(pick).length / masks.length;
    for (const tld of ["com", "net", "org", "de", "uk", "fr", "ca", "au", "nl", "br"]) {
      expect(tlds).toContain(tld);
    }
    expect(share((m) => m.endsWith(".com"))).toBeGreaterThan(0.3);
    expect(share((m) => m.endsWith(".com"))).toBeLessThan(0.7);
    expect(share((m) => /^\d/.test(m))).toBeGreaterThan(0.01);
    expect(share((m) => /^\d/.test(m))).toBeLessThan(0.15);
    expect(share((m) => /@\d/.test(m))).toBeLessThan(0.1);
  });

  it("shows for every identifier a placeholder that is some real address's mask (property)", async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 }), fc.emailAddress()),
        async (typed) => {
          fc.pre(typed.trim() !== "" && !isValidEmail(typed));
          // Act
          const p = (await create(h, ghost(typed))).response.publicChallengeParameters.email!;
          // Assess: `c***@d***.tld`, where c and d are a letter or digit and tld a real one.
          const shape = /^([a-z0-9])\*\*\*@([a-z0-9])\*\*\*\.([a-z]{2,})$/.exec(p);
          expect(shape, p).not.toBeNull();
          const [, first, domainFirst, tld] = shape!;
          expect(REAL_TLDS).toContain(tld);
          const address = `${first}x@${domainFirst}x.${tld}`;
          expect(isValidEmail(address)).toBe(true);
          expect(maskEmail(address)).toBe(p);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("with allowedEmailDomains [acme.com], gives every identifier the only mask a real user can have, ?***@a***.com", async () => {
    // Prepare: every real user of this deployment shows `?***@a***.com`, so a
    // placeholder of any other shape would tell a non-user in one request.
    const h = harness({ signUp: { allowedEmailDomains: ["acme.com"] } });
    const real = await create(h, bySub("jane@acme.com"));
    // Act
    const masks: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const id = `${UUID.slice(0, 24)}${i.toString(16).padStart(12, "0")}`;
      masks.push((await create(h, ghost(id))).response.publicChallengeParameters.email!);
    }
    // Assess
    expect(real.response.publicChallengeParameters.email).toBe("j***@a***.com");
    const unlike = masks.filter((m) => !/^[a-z0-9]\*\*\*@a\*\*\*\.com$/.test(m));
    expect(unlike).toEqual([]);
    // The local part's initial still varies as real users' do.
    expect(new Set(masks.map((m) => m[0])).size).toBeGreaterThan(15);
    expect(h.mailbox.map((m) => m.to)).toEqual(["jane@acme.com"]);
  });

  it("with several allowed domains, masks every placeholder as some allowed address, and uses each domain (property)", async () => {
    // Prepare
    const allowed = ["acme.com", "Beta.Example.CO.UK", "z9.io"];
    const h = harness({ signUp: { allowedEmailDomains: allowed } });
    const domainMasks = new Set(allowed.map((d) => maskEmail(`x@${d}`).split("@")[1]));
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })),
        async (typed) => {
          fc.pre(typed.trim() !== "" && !isValidEmail(typed));
          // Act
          const p = (await create(h, ghost(typed))).response.publicChallengeParameters.email!;
          // Assess: the mask of `<c>@<an allowed domain>`, as maskEmail writes it.
          const [local, domain] = p.split("@");
          expect(local).toMatch(/^[a-z0-9]\*\*\*$/);
          expect(domainMasks).toContain(domain);
          expect(
            maskEmail(`${local![0]}@${allowed.find((d) => maskEmail(`x@${d}`).endsWith(domain!))}`),
          ).toBe(p);
          seen.add(domain!);
        },
      ),
      { numRuns: 300 },
    );
    expect(seen).toEqual(domainMasks);
  });

  it("sends nothing to a user whose email moved outside allowedEmailDomains, and answers exactly as for an unknown user", async () => {
    // Prepare
    const h = harness({ signUp: { allowedEmailDomains: ALLOWED } });
    const moved = bySub("mallory@elsewhere.example");
    // Act
    const forMoved = await create(h, moved);
    const forUnknown = await create(h, ghost("mallory@elsewhere.example"));
    const forInside = await create(h, bySub("olga@example.com"));
    // Assess
    expect(h.mailbox.map((m) => m.to)).toEqual(["olga@example.com"]);
    expect(forMoved.response.publicChallengeParameters).toEqual(
      forUnknown.response.publicChallengeParameters,
    );
    expect(shape(forMoved.response)).toEqual(shape(forInside.response));
  });

  it("sends nothing to an existing user whose email is missing or invalid", async () => {
    // Prepare
    const h = harness();
    const noEmail = knownUser("x");
    delete noEmail.attributes.email;
    // Act
    const a = await create(h, noEmail);
    const b = await create(h, knownUser("al ice@example.com"));
    // Assess
    expect(a.response.publicChallengeParameters.email).toMatch(MASK);
    expect(b.response.publicChallengeParameters.email).toMatch(MASK);
    expect(h.mailbox).toHaveLength(0);
  });

  it("waits the unknown-user delay on the outside-domain path", async () => {
    // Prepare
    const h = harness({ unknownUserDelayMs: 80, signUp: { allowedEmailDomains: ALLOWED } });
    // Act
    const started = performance.now();
    await create(h, bySub("nina@elsewhere.example"));
    const elapsed = performance.now() - started;
    // Assess: ±25 % jitter around 80 ms
    expect(elapsed).toBeGreaterThanOrEqual(59);
    expect(elapsed).toBeLessThan(1000);
  });

  it("makes the same throttle calls on every path as a real send", async () => {
    // Prepare
    const run = async (who: TestUser) => {
      const { store, hits } = recordingStore();
      const h = harness({ throttle: { store }, signUp: { allowedEmailDomains: ALLOWED } });
      await create(h, who);
      return hits;
    };
    // Act
    const real = await run(bySub("pia@example.com"));
    const unknown = await run(ghost("pia@example.com"));
    const outside = await run(bySub("pia@elsewhere.example"));
    const unknownOutside = await run(ghost("pia@elsewhere.example"));
    const uuid = await run(ghost(UUID));
    // Assess
    expect(real).toHaveLength(2);
    expect(unknown).toEqual(real);
    expect(outside).toEqual(unknownOutside);
    for (const hits of [outside, uuid]) {
      expect(hits.map((x) => x.rules)).toEqual(real.map((x) => x.rules));
      expect(hits.map((x) => x.key.replace(/#[\w-]{16}/, "#<tag>"))).toEqual(
        real.map((x) => x.key.replace(/#[\w-]{16}/, "#<tag>")),
      );
    }
  });

  it("throttles an unknown UUID and an outside-domain user like anyone else", async () => {
    // Prepare
    const throttle = { store: memoryStore(), minIntervalSeconds: 30 };
    const h = harness({ throttle, signUp: { allowedEmailDomains: ALLOWED } });
    // Act
    const outcomes: string[] = [];
    for (const who of [ghost(UUID), ghost(UUID), bySub("q@elsewhere.example")]) {
      outcomes.push(
        await create(h, who).then(
          () => "challenge",
          (e: Error) => e.message,
        ),
      );
    }
    const again = await create(h, ghost("Q@elsewhere.example")).catch((e: Error) => e.message);
    // Assess
    expect(outcomes).toEqual(["challenge", "THROTTLED retryAfterMs=30000", "challenge"]);
    expect(again).toBe("THROTTLED retryAfterMs=30000");
  });

  it("gives unknown users, unknown UUIDs and outside-domain users a real user's challenge shape (property)", async () => {
    const local = fc
      .array(fc.stringMatching(/^[a-z0-9_-]{1,6}$/), { minLength: 1, maxLength: 3 })
      .map((parts) => parts.join("."));
    const label = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,10}[a-z0-9]$/);
    const tld = fc.constantFrom("com", "org", "io", "net");
    await fc.assert(
      fc.asyncProperty(
        local,
        label,
        tld,
        fc.uuid(),
        fc.boolean(),
        fc.option(fc.constant("Sx9-fake-path-secret-0123456789ab"), { nil: undefined }),
        async (l, d, t, uuid, throttled, codeSecret) => {
          // Prepare
          const options: Partial<PasscodeTriggersOptions> = {
            signUp: { allowedEmailDomains: ALLOWED },
            ...(throttled ? { throttle: { store: memoryStore() } } : {}),
            ...(codeSecret ? { codeSecret } : {}),
          };
          const h = harness(options);
          const outside = `${l}@${d}.${t}`;
          fc.pre(outside.endsWith("@example.com") === false);
          // Act
          const real = await create(h, bySub(`${l}@example.com`));
          const others = [
            await create(h, ghost(`${l}x@example.com`)),
            await create(h, ghost(uuid)),
            await create(h, bySub(outside)),
            await create(h, ghost(`${l}y@${d}.${t}`)),
          ];
          // Assess
          expect(shape(real.response).emailLooksMasked).toBe(true);
          for (const other of others) expect(shape(other.response)).toEqual(shape(real.response));
          expect(h.mailbox.map((m) => m.to)).toEqual([`${l}@example.com`]);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("createAuthChallenge: one mailbox, one throttle", () => {
  it("counts +tag, case and Gmail-dot variants of one mailbox against one budget", async () => {
    // Prepare
    const throttle = { store: memoryStore(), minIntervalSeconds: 0, maxPerWindow: 2 };
    const h = harness({ throttle });
    const variants = [
      knownUser("rita@gmail.com"),
      knownUser("Rita+1@gmail.com"),
      ghost("r.i.t.a+2@googlemail.com"),
      knownUser("ri.ta@gmail.com"),
    ];
    // Act
    const outcomes: string[] = [];
    for (const who of variants) {
      outcomes.push(
        await create(h, who).then(
          () => "challenge",
          (e: Error) => e.message,
        ),
      );
    }
    // Assess
    expect(outcomes).toEqual([
      "challenge",
      "challenge",
      "THROTTLED retryAfterMs=900000",
      "THROTTLED retryAfterMs=900000",
    ]);
    expect(h.mailbox.map((m) => m.to)).toEqual(["rita@gmail.com", "rita+1@gmail.com"]);
  });

  it("keeps different mailboxes apart (dots matter outside Gmail)", async () => {
    // Prepare
    const throttle = { store: memoryStore(), minIntervalSeconds: 30 };
    const h = harness({ throttle });
    // Act
    const outcomes: string[] = [];
    for (const email of ["s.am@example.com", "sam@example.com", "sam+x@example.com"]) {
      outcomes.push(
        await create(h, knownUser(email)).then(
          () => "challenge",
          (e: Error) => e.message,
        ),
      );
    }
    // Assess
    expect(outcomes).toEqual(["challenge", "challenge", "THROTTLED retryAfterMs=30000"]);
  });

  it("lets no more than maxPerWindow codes reach one mailbox in a window, whatever mix of variants (property)", async () => {
    const tag = fc.stringMatching(/^[a-z0-9]{0,6}$/);
    const variant = fc.record({
      tag: fc.option(tag, { nil: undefined }),
      // Distinct positions inside `tomas`, so no two dots touch.
      dots: fc.subarray([4, 3, 2, 1]),
      googlemail: fc.boolean(),
      upper: fc.boolean(),
      known: fc.boolean(),
      advanceMs: fc.oneof(fc.nat({ max: 5_000 }), fc.integer({ min: 60_000, max: 400_000 })),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(60, 300, 900),
        fc.array(variant, { minLength: 1, maxLength: 30, size: "max" }),
        async (maxPerWindow, windowSeconds, requests) => {
          // Prepare
          const h = harness({
            throttle: { store: memoryStore(), minIntervalSeconds: 0, maxPerWindow, windowSeconds },
          });
          const delivered: number[] = [];
          // Act
          for (const r of requests) {
            h.clock.now += r.advanceMs;
            let local = "tomas";
            for (const at of r.dots) local = `${local.slice(0, at)}.${local.slice(at)}`;
            let email = `${local}${r.tag === undefined ? "" : `+${r.tag}`}@${r.googlemail ? "googlemail" : "gmail"}.com`;
            if (r.upper) email = email.toUpperCase();
            const before = h.mailbox.length;
            const outcome = await create(h, r.known ? knownUser(email) : ghost(email)).then(
              () => "challenge",
              (e: Error) => e.message,
            );
            if (outcome !== "challenge") expect(outcome).toMatch(/^THROTTLED retryAfterMs=\d+$/);
            if (h.mailbox.length > before) delivered.push(h.clock.now);
          }
          // Assess: the busiest window of delivered codes
          const windowMs = windowSeconds * 1000;
          let most = 0;
          for (let i = 0, j = 0; i < delivered.length; i++) {
            while (delivered[i]! - delivered[j]! >= windowMs) j++;
            most = Math.max(most, i - j + 1);
          }
          expect(most).toBeLessThanOrEqual(maxPerWindow);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("Verify and Define on the fake path", () => {
  it("Verify refuses a right code once the user's domain is no longer allowed", async () => {
    // Prepare: a code sent while example.com was allowed, checked by triggers that no longer allow it
    const codeSecret = "c0de-Secret-for-the-fake-path-5678";
    const user = bySub("uma@example.com");
    const users = [user];
    const before = harness({ codeSecret, users, signUp: { allowedEmailDomains: ["example.com"] } });
    const after = harness({ codeSecret, users, signUp: { allowedEmailDomains: ["example.org"] } });
    const { response } = await create(before, user);
    const code = before.codeSentTo("uma@example.com")!;
    // Act
    const accepted = await before.triggers.verifyAuthChallenge(
      verifyEvent(user, response.privateChallengeParameters, code),
    );
    const refused = await after.triggers.verifyAuthChallenge(
      verifyEvent(user, response.privateChallengeParameters, code),
    );
    // Assess
    expect(accepted.response.answerCorrect).toBe(true);
    expect(refused.response.answerCorrect).toBe(false);
  });

  it("Define fails a session whose code passed for a user outside the allowed domains", async () => {
    // Prepare
    const h = harness({ signUp: { allowedEmailDomains: ALLOWED } });
    const inside = bySub("vic@example.com");
    const { response } = await create(h, inside);
    const passed = [
      {
        challengeName: "CUSTOM_CHALLENGE" as const,
        challengeResult: true,
        challengeMetadata: response.challengeMetadata,
      },
    ];
    // Act
    const forInside = await h.triggers.defineAuthChallenge(defineEvent(inside, passed));
    const forOutside = await h.triggers.defineAuthChallenge(
      defineEvent(bySub("vic@elsewhere.example"), passed),
    );
    // Assess
    expect(forInside.response.issueTokens).toBe(true);
    expect(forOutside.response).toMatchObject({ issueTokens: false, failAuthentication: true });
  });
});
