import { type PasscodeEvent, type PasscodeSnapshot, transition } from "@cognito-passcode/client";
import type { PasscodeChallenge, PasscodeErrorCode } from "@cognito-passcode/shared";
import { PASSCODE_ERROR_CODES } from "@cognito-passcode/shared";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { snapshotProblem } from "./helpers/invariants.js";

const code: PasscodeChallenge = {
  step: "CODE",
  codeLength: 6,
  expiresAt: 1_900_000_000_000,
  attemptsLeft: 3,
  maskedEmail: "a***@e***.com",
};
const username: PasscodeChallenge = {
  step: "USERNAME",
  minLength: 3,
  maxLength: 30,
  attemptsLeft: 3,
  rejected: false,
};
const err = (c: PasscodeErrorCode) => ({ code: c, message: c });
const tokens = { idToken: "id", accessToken: "access" };
const user = { sub: "sub-1", email: "alice@example.com", username: "alice" };

const run = (events: PasscodeEvent[], from: PasscodeSnapshot = { status: "signedOut" }) =>
  events.reduce(transition, from);

describe("transition", () => {
  it("walks a new user from email to signed in", () => {
    // Prepare
    const steps: PasscodeEvent[] = [
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
      { type: "submit" },
      { type: "challenge", challenge: username },
      { type: "submit" },
      { type: "signedIn", user, tokens },
    ];
    // Act
    const seen: PasscodeSnapshot[] = [{ status: "signedOut" }];
    for (const e of steps) seen.push(transition(seen[seen.length - 1]!, e));
    // Assess
    expect(seen.map((s) => s.status)).toEqual([
      "signedOut",
      "sendingCode",
      "awaitingCode",
      "verifyingCode",
      "awaitingUsername",
      "submittingUsername",
      "signedIn",
    ]);
    expect(seen[2]).toEqual({
      status: "awaitingCode",
      email: "alice@example.com",
      maskedEmail: "a***@e***.com",
      codeLength: 6,
      expiresAt: 1_900_000_000_000,
      attemptsLeft: 3,
    });
    expect(seen[6]).toEqual({ status: "signedIn", user, method: "code" });
  });

  it("reports CODE_MISMATCH with the fewer attempts of the next CODE challenge", () => {
    const s = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
      { type: "submit" },
      { type: "challenge", challenge: { ...code, attemptsLeft: 2 } },
    ]);
    expect(s).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 2,
      error: { code: "CODE_MISMATCH" },
    });
  });

  it("zeroes attemptsLeft when the session ended, and keeps them on a retryable failure", () => {
    const verifying = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
      { type: "submit" },
    ]);
    const ended = transition(verifying, {
      type: "failed",
      error: err("TOO_MANY_ATTEMPTS"),
      sessionEnded: true,
    });
    const retry = transition(verifying, {
      type: "failed",
      error: err("NETWORK_ERROR"),
      sessionEnded: false,
    });
    expect(ended).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 0,
      error: { code: "TOO_MANY_ATTEMPTS" },
    });
    expect(retry).toMatchObject({
      status: "awaitingCode",
      attemptsLeft: 3,
      error: { code: "NETWORK_ERROR" },
    });
    expect(transition(ended, { type: "submit" })).toBe(ended);
  });

  it("returns to the previous code screen when a resend fails", () => {
    const awaiting = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
    ]);
    const sending = transition(awaiting, { type: "sendCode", email: "ignored", resend: true });
    expect(sending).toMatchObject({ status: "sendingCode", email: "alice@example.com" });
    const back = transition(sending, {
      type: "failed",
      error: { ...err("THROTTLED"), retryAfterMs: 5000 },
      sessionEnded: false,
    });
    expect(back).toEqual({
      ...awaiting,
      error: { code: "THROTTLED", message: "THROTTLED", retryAfterMs: 5000 },
    });
  });

  it("goes back to signedOut when a first request fails", () => {
    const s = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "failed", error: err("NETWORK_ERROR"), sessionEnded: false },
    ]);
    expect(s).toEqual({ status: "signedOut", error: err("NETWORK_ERROR") });
  });

  it("maps a refused username to the reason the trigger gave", () => {
    const submitting = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
      { type: "submit" },
      { type: "challenge", challenge: username },
      { type: "submit" },
    ]);
    const taken = transition(submitting, {
      type: "challenge",
      challenge: { ...username, attemptsLeft: 2, rejected: true, reason: "USERNAME_UNAVAILABLE" },
    });
    const invalid = transition(submitting, {
      type: "challenge",
      challenge: { ...username, rejected: true, reason: "USERNAME_INVALID" },
    });
    expect(taken).toMatchObject({
      status: "awaitingUsername",
      attemptsLeft: 2,
      error: { code: "USERNAME_UNAVAILABLE" },
    });
    expect(invalid).toMatchObject({
      status: "awaitingUsername",
      error: { code: "USERNAME_INVALID" },
    });
    expect(
      transition(submitting, { type: "failed", error: err("SESSION_EXPIRED"), sessionEnded: true }),
    ).toEqual({
      status: "signedOut",
      error: err("SESSION_EXPIRED"),
    });
  });

  it("fails closed on challenges out of protocol order", () => {
    const sending = transition({ status: "signedOut" }, { type: "sendCode", email: "a@b.co" });
    expect(transition(sending, { type: "challenge", challenge: username })).toMatchObject({
      status: "signedOut",
      error: { code: "SERVICE_ERROR" },
    });
  });

  it("refuses signedIn without tokens or without a sub", () => {
    const verifying = run([
      { type: "sendCode", email: "alice@example.com" },
      { type: "challenge", challenge: code },
      { type: "submit" },
    ]);
    for (const event of [
      { type: "signedIn", user, tokens: { idToken: "", accessToken: "a" } },
      { type: "signedIn", user: { ...user, sub: "" }, tokens },
      { type: "signedIn", user, tokens: undefined },
    ] as unknown as PasscodeEvent[]) {
      expect(transition(verifying, event)).toMatchObject({
        status: "signedOut",
        error: { code: "SERVICE_ERROR" },
      });
    }
  });

  it("returns the same object for events that change nothing", () => {
    const signedOut: PasscodeSnapshot = { status: "signedOut" };
    expect(transition(signedOut, { type: "submit" })).toBe(signedOut);
    expect(transition(signedOut, { type: "signedOut" })).toBe(signedOut);
    expect(transition(signedOut, { type: "challenge", challenge: code })).toBe(signedOut);
    expect(transition(signedOut, { type: "signedIn", user, tokens })).toBe(signedOut);
    const signedIn: PasscodeSnapshot = { status: "signedIn", user };
    expect(transition(signedIn, { type: "signedIn", user: { ...user }, tokens })).toBe(signedIn);
    expect(transition(signedIn, { type: "sendCode", email: "x@y.co" })).toBe(signedIn);
  });
});

// ---- property tests ----

const errorArb = fc.record({
  code: fc.constantFrom(...PASSCODE_ERROR_CODES),
  message: fc.constantFrom("m", "Something went wrong."),
});
const challengeArb: fc.Arbitrary<PasscodeChallenge> = fc.oneof(
  fc.record({
    step: fc.constant("CODE" as const),
    codeLength: fc.integer({ min: 1, max: 32 }),
    expiresAt: fc.nat(),
    attemptsLeft: fc.integer({ min: 0, max: 100 }),
    maskedEmail: fc.constantFrom("a***@e***.com", ""),
  }),
  fc
    .tuple(fc.integer({ min: 1, max: 256 }), fc.integer({ min: 0, max: 255 }))
    .chain(([min, extra]) =>
      fc.record({
        step: fc.constant("USERNAME" as const),
        minLength: fc.constant(min),
        maxLength: fc.constant(Math.min(256, min + extra)),
        attemptsLeft: fc.integer({ min: 0, max: 100 }),
        rejected: fc.boolean(),
        reason: fc.option(
          fc.constantFrom("USERNAME_INVALID" as const, "USERNAME_UNAVAILABLE" as const),
          { nil: undefined },
        ),
      }),
    ),
);
const eventArb: fc.Arbitrary<PasscodeEvent> = fc.oneof(
  fc.record({
    type: fc.constant("sendCode" as const),
    email: fc.constantFrom("alice@example.com", "b@c.io"),
    resend: fc.boolean(),
  }),
  fc.constant({ type: "submit" as const }),
  fc.record({ type: fc.constant("challenge" as const), challenge: challengeArb }),
  fc.record({
    type: fc.constant("signedIn" as const),
    user: fc.record({
      sub: fc.constantFrom("", "sub-1", "sub-2"),
      email: fc.constantFrom("a@b.co", ""),
      username: fc.constantFrom(null, "alice"),
    }),
    tokens: fc.oneof(
      fc.constant(undefined),
      fc.record({ idToken: fc.constantFrom("", "id"), accessToken: fc.constantFrom("", "access") }),
    ),
  }) as fc.Arbitrary<PasscodeEvent>,
  fc.record({ type: fc.constant("failed" as const), error: errorArb, sessionEnded: fc.boolean() }),
  fc.record({ type: fc.constant("rejected" as const), error: errorArb }),
  fc.record({
    type: fc.constant("signedOut" as const),
    error: fc.option(errorArb, { nil: undefined }),
  }),
);
const startArb = fc.constantFrom<PasscodeSnapshot>(
  { status: "restoring" },
  { status: "signedOut" },
);

describe("transition (properties)", () => {
  // size "max" on the arrays: fast-check 4 otherwise caps them at ~10 events whatever maxLength says.
  it("never yields an invalid snapshot, whatever the event sequence", () => {
    fc.assert(
      fc.property(startArb, fc.array(eventArb, { maxLength: 40, size: "max" }), (start, events) => {
        let s = start;
        for (const e of events) {
          s = transition(s, e);
          const problem = snapshotProblem(s);
          if (problem) throw new Error(`${problem} after ${JSON.stringify(e)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("enters signedIn only from a signedIn event that carries both tokens", () => {
    fc.assert(
      fc.property(startArb, fc.array(eventArb, { maxLength: 40, size: "max" }), (start, events) => {
        let s = start;
        for (const e of events) {
          const next = transition(s, e);
          if (next.status === "signedIn" && s.status !== "signedIn") {
            expect(e.type).toBe("signedIn");
            const t = (e as Extract<PasscodeEvent, { type: "signedIn" }>).tokens;
            expect(t?.idToken && t.accessToken).toBeTruthy();
          }
          s = next;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("is pure: the same input gives an equal output and the input is untouched", () => {
    fc.assert(
      fc.property(
        startArb,
        fc.array(eventArb, { maxLength: 20 }),
        eventArb,
        (start, events, last) => {
          const s = events.reduce(transition, start);
          const frozen = JSON.stringify(s);
          expect(transition(s, last)).toEqual(transition(s, last));
          expect(JSON.stringify(s)).toBe(frozen);
        },
      ),
    );
  });
});
