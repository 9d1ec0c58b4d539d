import { createPasscodeClient, type PasscodeTokens } from "@cognito-passcode/client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { snapshotProblem } from "./helpers/invariants.js";
import {
  codeStep,
  cognitoError,
  flush,
  type PendingCall,
  scriptedTransport,
  tokensFor,
  usernameStep,
} from "./helpers/scripted-transport.js";

type Action =
  | { kind: "call"; method: number; arg: number }
  | { kind: "settle"; pick: number; outcome: number };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("call" as const), method: fc.nat(8), arg: fc.nat(3) }),
  fc.record({ kind: fc.constant("settle" as const), pick: fc.nat(10), outcome: fc.nat(12) }),
);

const claims = [
  { sub: "s1", email: "alice@example.com", "custom:username": "alice" },
  { sub: "s2", email: "bob@example.com" },
  { email: "nosub@example.com" },
];

/** A response (or failure) for a pending call, chosen by `n`; covers the shapes Cognito answers with. */
function settle(call: PendingCall, n: number): void {
  const errors = [
    new TypeError("Failed to fetch"),
    cognitoError("NotAuthorizedException", "Invalid session for the user, session is expired."),
    cognitoError("NotAuthorizedException", "Incorrect username or password."),
    cognitoError(
      "UserLambdaValidationException",
      "CreateAuthChallenge failed with error THROTTLED retryAfterMs=1200.",
    ),
    cognitoError("InternalErrorException", "boom"),
  ];
  if (n < errors.length) {
    call.reject(errors[n]);
    return;
  }
  const k = n - errors.length;
  switch (call.op) {
    case "initiateAuth":
    case "respondToAuthChallenge": {
      const steps = [
        codeStep(k % 4),
        usernameStep(k % 4, k % 2 ? { rejected: "true", reason: "USERNAME_UNAVAILABLE" } : {}),
        { type: "tokens", tokens: tokensFor(claims[k % 3]!, 3600, k === 6 ? "" : "rt") },
        { type: "challenge", session: "s", parameters: { step: "CODE" } },
      ];
      call.resolve(steps[k % steps.length]);
      return;
    }
    case "refresh":
      call.resolve(tokensFor(claims[k % 3]!, 3600, undefined));
      return;
    default:
      call.resolve(undefined);
  }
}

describe("client under arbitrary call and response orders (properties)", () => {
  it("never shows an invalid snapshot, and is never signedIn without tokens", async () => {
    await fc.assert(
      fc.asyncProperty(
        // size "max": fast-check 4 otherwise caps arrays at ~10 items whatever maxLength says.
        fc.array(actionArb, { maxLength: 40, size: "max" }),
        fc.boolean(),
        async (actions, withStorage) => {
          // Prepare
          const script = scriptedTransport();
          const items = new Map<string, string>();
          const client = createPasscodeClient({
            clientId: "c1",
            transport: script.transport,
            refreshMarginMs: 0,
            now: () => 1_000,
            ...(withStorage
              ? {
                  storage: {
                    getItem: (k: string) => items.get(k) ?? null,
                    setItem: (k: string, v: string) => void items.set(k, v),
                    removeItem: (k: string) => void items.delete(k),
                  },
                }
              : {}),
          });
          const problems: string[] = [];
          const tokenChecks: Promise<PasscodeTokens | null>[] = [];
          client.subscribe(() => {
            const s = client.getSnapshot();
            const problem = snapshotProblem(s);
            if (problem) problems.push(problem);
            // getTokens decides synchronously: signedIn must come with tokens at that instant.
            if (s.status === "signedIn") tokenChecks.push(client.getTokens());
          });
          const emails = [
            "alice@example.com",
            "not-an-email",
            "bob@example.com",
            " Alice@Example.COM ",
          ];
          const codes = ["123456", "12345", "abcdef", "000 000"];
          const names = ["alice", "4lice", "admin", "bob_1"];
          // Act
          for (const action of actions) {
            if (action.kind === "call") {
              const arg = action.arg;
              const calls = [
                () => client.requestCode(emails[arg]!),
                () => client.resendCode(),
                () => client.submitCode(codes[arg]!),
                () => client.submitUsername(names[arg]!),
                () => client.reset(),
                () => client.signOut({ global: arg % 2 === 1 }),
                () => client.getTokens(),
                () => client.getSnapshot(),
                () => client.requestCode(emails[0]!),
              ];
              void calls[action.method]!();
            } else if (script.calls.length > 0) {
              const call = script.calls.splice(action.pick % script.calls.length, 1)[0]!;
              settle(call, action.outcome);
            }
            await flush();
          }
          // Assess
          expect(problems).toEqual([]);
          for (const tokens of await Promise.all(tokenChecks)) expect(tokens).not.toBeNull();
          const final = client.getSnapshot();
          if (final.status === "signedIn") expect(await client.getTokens()).not.toBeNull();
          else if (final.status !== "restoring") expect(await client.getTokens()).toBeNull();
        },
      ),
      { numRuns: 300 },
    );
    // Up to 40 actions, each awaiting a timer turn: several seconds on a loaded machine.
  }, 60_000);
});
