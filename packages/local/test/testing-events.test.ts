import type {
  CognitoIdentityProviderClient,
  InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  createPasscodeTriggers,
  type EmailMessage,
  memoryStore,
  type PasscodeTriggers,
} from "@cognito-passcode/triggers";
import {
  type ChallengeSessionEntry,
  type CognitoTestUser,
  type CreatedChallenge,
  cognitoUser,
  createAuthChallengeEvent,
  defineAuthChallengeEvent,
  preSignUpEvent,
  sessionEntry,
  type TestPoolOptions,
  verifyAuthChallengeResponseEvent,
} from "@cognito-passcode/triggers/testing";
import { describe, expect, it } from "vitest";
import type { TriggerEvent } from "../src/index.js";
import { sdkClient, stackPerTest } from "./support/clients.js";
import { answerStep, signUp, startCustomAuth } from "./support/flow.js";

const start = stackPerTest();

/** An event without what depends on the caller's SDK (`awsSdkVersion`) or on the handler (`response`). */
function comparable(event: unknown): unknown {
  const { response: _response, callerContext, ...rest } = structuredClone(event) as TriggerEvent;
  return { ...rest, callerContext: { clientId: callerContext.clientId } };
}

describe("the testing event builders against the events the local stack sends", () => {
  it("build the same Define, Create, Verify and PreSignUp events as a whole sign-up and sign-in", async () => {
    // Prepare: the real triggers behind recorders; they reach the stack's Cognito once it runs.
    const seen: { trigger: string; event: TriggerEvent; answered: TriggerEvent }[] = [];
    const sent: EmailMessage[] = [];
    let triggers: PasscodeTriggers | undefined;
    const record =
      (
        trigger:
          | "defineAuthChallenge"
          | "createAuthChallenge"
          | "verifyAuthChallenge"
          | "preSignUp",
      ) =>
      async (event: TriggerEvent) => {
        const input = structuredClone(event);
        // biome-ignore lint/suspicious/noExplicitAny: each trigger takes its own aws-lambda event type
        const answered = (await triggers![trigger](event as any)) as unknown as TriggerEvent;
        seen.push({ trigger, event: input, answered: structuredClone(answered) });
        return answered;
      };
    const { stack, client } = await start({
      handlers: {
        defineAuthChallenge: record("defineAuthChallenge"),
        createAuthChallenge: record("createAuthChallenge"),
        verifyAuthChallenge: record("verifyAuthChallenge"),
        preSignUp: record("preSignUp"),
      },
    });
    const store = memoryStore();
    triggers = createPasscodeTriggers({
      email: { from: "no-reply@example.com" },
      deliver: async (message) => {
        sent.push(message);
      },
      cognito: sdkClient(stack),
      username: { registry: store },
      throttle: { store },
      codeSecret: "a test secret of 32 or more characters, not for production",
      unknownUserDelayMs: 0,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });

    // Act: sign up, then code, then username.
    await signUp(stack, "ivy@example.com", client);
    const codeStep = await startCustomAuth(stack, client, "ivy@example.com");
    const code = /\b(\d{6})\b/.exec(sent[0]?.text ?? "")?.[1] ?? "";
    const usernameStep = await answerStep(stack, client, codeStep, code);
    const done = await answerStep(
      stack,
      client as CognitoIdentityProviderClient,
      usernameStep as InitiateAuthCommandOutput,
      "ivy_b",
    );

    // Assess: each event the stack sent is what the builders make for the same user and pool.
    expect(done.AuthenticationResult?.IdToken).toBeTruthy();
    const pool: TestPoolOptions = {
      region: stack.region,
      userPoolId: stack.userPoolId,
      clientId: stack.clientId,
    };
    const userAt = (event: TriggerEvent): CognitoTestUser => {
      const attributes = event.request.userAttributes as Record<string, string>;
      return cognitoUser("ivy@example.com", {
        sub: event.userName,
        emailVerified: attributes.email_verified === "true",
        ...(attributes["custom:username"] ? { username: attributes["custom:username"] } : {}),
      });
    };
    const session: ChallengeSessionEntry[] = [];
    let created: CreatedChallenge | undefined;
    const answers = [code, "ivy_b"];
    for (const { trigger, event, answered } of seen) {
      const user = userAt(event);
      const expected =
        trigger === "preSignUp"
          ? preSignUpEvent("ivy@example.com", { ...pool, sub: event.userName })
          : trigger === "defineAuthChallenge"
            ? defineAuthChallengeEvent(user, session, pool)
            : trigger === "createAuthChallenge"
              ? createAuthChallengeEvent(user, session, pool)
              : verifyAuthChallengeResponseEvent(user, created!, answers[session.length]!, pool);
      expect(comparable(expected), trigger).toEqual(comparable(event));
      if (trigger === "createAuthChallenge") created = answered as unknown as CreatedChallenge;
      if (trigger === "verifyAuthChallenge") {
        session.push(sessionEntry(created!, answered.response.answerCorrect as boolean));
      }
    }
    expect(seen.map((s) => s.trigger)).toEqual([
      "preSignUp",
      "defineAuthChallenge",
      "createAuthChallenge",
      "verifyAuthChallenge",
      "defineAuthChallenge",
      "createAuthChallenge",
      "verifyAuthChallenge",
      "defineAuthChallenge",
    ]);
  });
});
