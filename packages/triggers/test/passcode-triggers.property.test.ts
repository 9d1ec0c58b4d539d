import { validateUsername } from "@cognito-passcode/shared";
import { memoryStore } from "@cognito-passcode/triggers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CognitoDriver, type DriverResult } from "./support/cognito-driver.js";
import { knownUser, type TestUser, unknownUser } from "./support/events.js";
import { harness } from "./support/harness.js";

type Action =
  | { t: "start"; unknown: boolean; retries: number }
  | { t: "code"; kind: "right" | "wrong" | "malformed"; retries: number }
  | { t: "name"; name: string; retries: number }
  | { t: "jump"; ms: number }
  /** The user changes their email attribute (Cognito without required verification). */
  | { t: "email"; to: "victim" | "own" };

const retries = fc.nat({ max: 2 });
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant("start" as const), unknown: fc.boolean(), retries }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant("code" as const),
      kind: fc.constantFrom("right" as const, "wrong" as const, "malformed" as const),
      retries,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant("name" as const),
      name: fc.constantFrom(
        "alice_1",
        "Taken_Name",
        "admin",
        "4lice",
        "x",
        "bob",
        "ålice",
        "ALICE_1",
      ),
      retries,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant("email" as const),
      to: fc.constantFrom("victim" as const, "own" as const),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("jump" as const),
      // Small steps, the expiry boundaries of every ttl, and long jumps.
      ms: fc.oneof(
        fc.nat({ max: 5_000 }),
        fc.constantFrom(59_999, 60_000, 119_999, 180_000, 299_999, 300_000),
        fc.integer({ min: 50_000, max: 400_000 }),
      ),
    }),
  },
);

const config = fc.record({
  usernameOn: fc.constantFrom(true, true, false),
  throttleOn: fc.boolean(),
  hasUsername: fc.constantFrom(false, false, true),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  usernameMaxAttempts: fc.integer({ min: 1, max: 3 }),
  ttlSeconds: fc.integer({ min: 60, max: 300 }),
});

const KNOWN = "known@example.com";
const UNKNOWN = "ghost@example.com";
const VICTIM = "victim@example.org";

describe("sign-in properties (fast-check over Cognito's loop)", () => {
  it("tokens only after a right code within expiry and attempts, sent to the user's current address, and a valid claimed username; email_verified only for a proven address; no email for unknown users; no second email from a retry", async () => {
    await fc.assert(
      fc.asyncProperty(
        config,
        fc.array(action, { minLength: 1, maxLength: 40, size: "max" }),
        async (cfg, actions) => {
          // Prepare
          const user = knownUser(KNOWN, cfg.hasUsername ? { "custom:username": "existing" } : {});
          const ghost = unknownUser(UNKNOWN);
          const registry = memoryStore();
          await registry.claim("taken_name", "another-sub");
          await registry.claim("existing", user.attributes.sub!);
          let createRetries = 0;
          const h = harness({
            users: [user],
            code: { maxAttempts: cfg.maxAttempts, ttlSeconds: cfg.ttlSeconds },
            username: cfg.usernameOn ? { registry, maxAttempts: cfg.usernameMaxAttempts } : false,
            throttle: cfg.throttleOn ? { store: memoryStore() } : false,
          });
          const cognito = new CognitoDriver(h.triggers, { createRetries: () => createRetries });
          // The model of the open session.
          let session:
            | {
                who: TestUser;
                /** The address the code went to (the user's email at the start). */
                sentTo: string;
                step: "CODE" | "USERNAME";
                code?: string;
                expiresAt: number;
                wrong: number;
                refused: number;
                needsUsername: boolean;
              }
            | undefined;

          // Addresses a right code was accepted for while the email was that address.
          const proven = new Set<string>();
          const assertVerifiedOnlyIfProven = () => {
            if (user.attributes.email_verified === "true") {
              expect(proven.has(user.attributes.email!)).toBe(true);
            }
          };

          // Act and Assess, step by step against the model
          for (const a of actions) {
            assertVerifiedOnlyIfProven();
            if (a.t === "jump") {
              h.clock.now += a.ms;
              continue;
            }
            if (a.t === "email") {
              const to = a.to === "victim" ? VICTIM : KNOWN;
              if (user.attributes.email !== to) {
                // As Cognito does when the change applies at once: the new address is unverified.
                user.attributes.email = to;
                user.attributes.email_verified = "false";
              }
              continue;
            }
            if (a.t === "start") {
              const who = a.unknown ? ghost : user;
              const sentTo = user.attributes.email!;
              createRetries = a.retries;
              const before = h.mailbox.length;
              const result = await cognito.initiateAuth(who);
              const sent = h.mailbox.slice(before);
              // Never an email for an unknown user; at most one per start with the
              // throttle on (a retry is refused instead); with it off, retries resend.
              expect(sent.every((m) => m.to === sentTo)).toBe(true);
              if (a.unknown) expect(sent).toHaveLength(0);
              else if (cfg.throttleOn) expect(sent.length).toBeLessThanOrEqual(1);
              else expect(sent).toHaveLength(1 + a.retries);
              session = undefined;
              if (result.kind === "error") {
                expect(cfg.throttleOn).toBe(true);
                expect(result.message).toMatch(
                  /^CreateAuthChallenge failed with error THROTTLED retryAfterMs=\d+\.$/,
                );
                continue;
              }
              expect(result).toMatchObject({
                kind: "challenge",
                parameters: { step: "CODE", attemptsLeft: String(cfg.maxAttempts) },
              });
              const parameters = (result as Extract<DriverResult, { kind: "challenge" }>)
                .parameters;
              session = {
                who,
                sentTo,
                step: "CODE",
                code: a.unknown ? undefined : h.codeSentTo(sentTo),
                expiresAt: Number(parameters.expiresAt),
                wrong: 0,
                refused: 0,
                needsUsername: cfg.usernameOn && !user.attributes["custom:username"],
              };
              continue;
            }
            if (!session) continue;
            createRetries = a.retries;
            const mailBefore = h.mailbox.length;
            let answer: string;
            if (a.t === "name") answer = a.name;
            else if (a.kind === "malformed") answer = "12ab";
            else if (a.kind === "right") answer = session.code ?? "123456";
            else answer = session.code === "000000" ? "000001" : "000000";
            const result = await cognito.respond(answer);
            // Answers never send email, retried Creates included.
            expect(h.mailbox.length).toBe(mailBefore);
            // The email moved away from the address the code went to: no step counts.
            if (!session.who.notFound && user.attributes.email !== session.sentTo) {
              expect(result).toEqual({ kind: "failed" });
              session = undefined;
              continue;
            }

            if (session.step === "CODE") {
              const right =
                !session.who.notFound && answer === session.code && h.clock.now < session.expiresAt;
              if (right) {
                proven.add(session.sentTo);
                if (session.needsUsername) {
                  expect(result).toMatchObject({
                    kind: "challenge",
                    parameters: { step: "USERNAME", attemptsLeft: String(cfg.usernameMaxAttempts) },
                  });
                  session.step = "USERNAME";
                } else {
                  expect(result).toEqual({ kind: "tokens" });
                  session = undefined;
                }
                continue;
              }
              session.wrong++;
              if (session.wrong >= cfg.maxAttempts || h.clock.now >= session.expiresAt) {
                expect(result).toEqual({ kind: "failed" });
                session = undefined;
              } else {
                // Same code, same expiry: nothing new was drawn.
                expect(result).toMatchObject({
                  kind: "challenge",
                  parameters: {
                    step: "CODE",
                    attemptsLeft: String(cfg.maxAttempts - session.wrong),
                    expiresAt: String(session.expiresAt),
                  },
                });
              }
              continue;
            }

            // USERNAME step
            const valid = validateUsername(answer);
            const owner = valid.ok ? await registry.ownerOf(valid.username) : undefined;
            // A user who already owns a name finishes with it, whatever valid name they typed.
            const held = await registry.usernameOf(user.attributes.sub!);
            const accepted =
              valid.ok &&
              (held !== undefined || owner === undefined || owner === user.attributes.sub);
            if (accepted) {
              expect(result).toEqual({ kind: "tokens" });
              session = undefined;
              continue;
            }
            session.refused++;
            if (session.refused >= cfg.usernameMaxAttempts) {
              expect(result).toEqual({ kind: "failed" });
              session = undefined;
            } else {
              expect(result).toMatchObject({
                kind: "challenge",
                parameters: { step: "USERNAME", rejected: "true" },
              });
            }
          }

          // Assess the end state: a username, when set, is valid and claimed by its owner.
          const name = user.attributes["custom:username"];
          if (name !== undefined) {
            expect(validateUsername(name).ok || name === "existing").toBe(true);
            expect(await registry.ownerOf(name)).toBe(user.attributes.sub);
            // At most one username per user, ever: the one the registry holds for the sub.
            expect(await registry.usernameOf(user.attributes.sub!)).toBe(name);
          }
          expect(
            [...registry.names.values()].filter((o) => o === user.attributes.sub).length,
          ).toBeLessThanOrEqual(1);
          assertVerifiedOnlyIfProven();
          expect(h.mailbox.every((m) => m.to === KNOWN || m.to === VICTIM)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("no sequence of answers signs in an unknown user or emails them", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.stringMatching(/^\d{6}$/), fc.string({ maxLength: 12 })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.boolean(),
        async (answers, usernameOn) => {
          // Prepare
          const h = harness({ username: usernameOn ? { registry: memoryStore() } : false });
          const cognito = new CognitoDriver(h.triggers, { createRetries: () => 1 });
          const results: DriverResult[] = [await cognito.initiateAuth(unknownUser(UNKNOWN))];
          // Act
          for (const answer of answers) {
            if (!cognito.active) results.push(await cognito.initiateAuth(unknownUser(UNKNOWN)));
            results.push(await cognito.respond(answer));
          }
          // Assess
          expect(results.some((r) => r.kind === "tokens")).toBe(false);
          expect(h.mailbox).toHaveLength(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
