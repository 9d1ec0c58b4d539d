import { describe, expect, it } from "vitest";
import { CognitoError } from "../src/cognito-error.js";
import { type TriggerEvent, type TriggerHandler, TriggerRunner } from "../src/trigger-runner.js";

const event = (): TriggerEvent => ({
  version: "1",
  region: "us-east-1",
  userPoolId: "us-east-1_Abc123def",
  userName: "u",
  callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "c" },
  triggerSource: "DefineAuthChallenge_Authentication",
  request: { session: [], when: new Date(0) },
  response: {},
});

function runner(handler: TriggerHandler, timeoutMs = 1000) {
  const errors: unknown[] = [];
  const r = new TriggerRunner({ defineAuthChallenge: handler }, timeoutMs, (_, e) =>
    errors.push(e),
  );
  return { r, errors };
}

describe("TriggerRunner", () => {
  it("hands the trigger a copy across a JSON boundary and keeps only its response", async () => {
    // Prepare
    const original = event();
    let seen: unknown;
    const { r } = runner((e: TriggerEvent) => {
      seen = e.request.when;
      e.userName = "changed";
      e.response.challengeName = "CUSTOM_CHALLENGE";
      return Promise.resolve(e);
    });
    // Act
    const answered = await r.invoke("defineAuthChallenge", original);
    // Assess
    expect(original.response).toEqual({});
    expect(answered.userName).toBe("u");
    expect(answered.response).toEqual({ challengeName: "CUSTOM_CHALLENGE" });
    expect(seen).toBe("1970-01-01T00:00:00.000Z");
  });

  it("supports callback-style handlers and passes a Lambda-like context", async () => {
    let remaining = -1;
    const { r } = runner(
      (
        e: TriggerEvent,
        context: { getRemainingTimeInMillis(): number },
        done: (x: null, y: TriggerEvent) => void,
      ) => {
        remaining = context.getRemainingTimeInMillis();
        e.response.issueTokens = true;
        setTimeout(() => done(null, e), 5);
      },
    );
    const answered = await r.invoke("defineAuthChallenge", event());
    expect(answered.response.issueTokens).toBe(true);
    expect(remaining).toBeGreaterThan(0);
    expect(remaining).toBeLessThanOrEqual(1000);
  });

  it("wraps whatever a trigger throws in Cognito's message, and reports it", async () => {
    for (const [thrown, message] of [
      [
        new Error("INVALID_EMAIL reason=domain"),
        "DefineAuthChallenge failed with error INVALID_EMAIL reason=domain.",
      ],
      ["plain string", "DefineAuthChallenge failed with error plain string."],
    ] as const) {
      const { r, errors } = runner(() => Promise.reject(thrown));
      const failure = await r.invoke("defineAuthChallenge", event()).catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(CognitoError);
      expect(failure).toMatchObject({ type: "UserLambdaValidationException", message });
      expect(errors).toEqual([thrown]);
    }
  });

  it("times out a trigger that never answers with UnexpectedLambdaException, and reports it", async () => {
    // Prepare
    const { r, errors } = runner(() => new Promise(() => {}), 50);
    // Act
    const failure = await r.invoke("defineAuthChallenge", event()).catch((e: unknown) => e);
    // Assess: Cognito's wording for a timed-out trigger (observed, see docs/local-stack.md)
    expect(failure).toBeInstanceOf(CognitoError);
    expect(failure).toMatchObject({
      type: "UnexpectedLambdaException",
      message:
        "DefineAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.",
    });
    expect(errors).toHaveLength(1);
  });

  it("keeps a trigger that throws just before the limit a UserLambdaValidationException", async () => {
    const { r } = runner(
      () => new Promise((_, reject) => setTimeout(() => reject(new Error("late")), 10)),
      200,
    );
    await expect(r.invoke("defineAuthChallenge", event())).rejects.toMatchObject({
      type: "UserLambdaValidationException",
      message: "DefineAuthChallenge failed with error late.",
    });
  });

  it.each([
    ["undefined", () => Promise.resolve(undefined)],
    ["an array", () => Promise.resolve([])],
    ["an event without a response object", () => Promise.resolve({ ...event(), response: "yes" })],
  ])("refuses %s as the answer", async (_, handler) => {
    const { r } = runner(handler);
    await expect(r.invoke("defineAuthChallenge", event())).rejects.toMatchObject({
      type: "InvalidLambdaResponseException",
      message: "Unrecognizable lambda output",
    });
  });
});
