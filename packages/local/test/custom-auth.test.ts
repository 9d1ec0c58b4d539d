import { fileURLToPath } from "node:url";
import { parseTriggerError } from "@cognito-passcode/shared";
import { afterEach, describe, expect, it } from "vitest";
import {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
  type TriggerEvent,
} from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, PASSWORD, sdkClient } from "./support/clients.js";
import {
  answerChallenge as answer,
  answerStep,
  signUp,
  startCustomAuth as start,
} from "./support/flow.js";

const HANDLERS = fileURLToPath(new URL("./support/module-handlers.mjs", import.meta.url));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

async function setUp(options: LocalStackOptions = {}, email = "erin@example.com") {
  const triggers = secretWordTriggers();
  stack = await startLocalStack({
    ...options,
    handlers: { ...triggers.handlers, ...options.handlers },
  });
  const client = sdkClient(stack);
  await signUp(stack, email, client);
  triggers.events.length = 0;
  return { stack, client, events: triggers.events };
}

describe("CUSTOM_AUTH", () => {
  it("returns the challenge with USERNAME set to the internal UUID, and tokens for the right answer", async () => {
    const { stack, client } = await setUp();
    const started = await start(stack, client, "ERIN@example.com");
    expect(started.ChallengeName).toBe("CUSTOM_CHALLENGE");
    expect(started.ChallengeParameters).toEqual({
      hint: "magic word",
      round: "1",
      USERNAME: expect.stringMatching(UUID),
    });
    const done = await answer(stack, client, started.Session, "erin@example.com", "open-sesame");
    expect(done.AuthenticationResult?.AccessToken).toBeTruthy();
    expect(done.AuthenticationResult?.RefreshToken).toBeTruthy();
    expect(done.AuthenticationResult?.TokenType).toBe("Bearer");
    expect(done.AuthenticationResult?.ExpiresIn).toBe(3600);
  });

  it("gives a new session after a wrong answer and fails after the attempts run out", async () => {
    const { stack, client } = await setUp();
    const started = await start(stack, client, "erin@example.com");
    const user = started.ChallengeParameters!.USERNAME!;
    const second = await answer(stack, client, started.Session, user, "wrong");
    expect(second.ChallengeName).toBe("CUSTOM_CHALLENGE");
    expect(second.Session).not.toBe(started.Session);
    expect(second.ChallengeParameters!.round).toBe("2");
    const third = await answer(stack, client, second.Session, user, "wrong");
    await expect(answer(stack, client, third.Session, user, "wrong")).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("accepts each session once", async () => {
    const { stack, client } = await setUp();
    const started = await start(stack, client, "erin@example.com");
    const user = started.ChallengeParameters!.USERNAME!;
    await answer(stack, client, started.Session, user, "wrong");
    await expect(answer(stack, client, started.Session, user, "open-sesame")).rejects.toMatchObject(
      {
        name: "NotAuthorizedException",
        message: "Invalid session for the user, session can only be used once.",
      },
    );
    // A well-formed session the stack never issued (20 to 2048 characters, as the model wants).
    const unknown = "not-a-session-of-this-stack";
    await expect(answer(stack, client, unknown, user, "open-sesame")).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid session for the user.",
    });
    // Shorter than the model's 20 characters: refused by validation, before any lookup.
    await expect(answer(stack, client, "not-a-session", user, "open-sesame")).rejects.toMatchObject(
      {
        name: "InvalidParameterException",
        message:
          "1 validation error detected: Value at 'session' failed to satisfy constraint: Member must have length greater than or equal to 20",
      },
    );
  });

  it("expires sessions after AuthSessionValidity (3 minutes by default)", async () => {
    const { stack, client } = await setUp();
    const started = await start(stack, client, "erin@example.com");
    stack.clock.advance(3 * 60_000 + 1);
    await expect(answerStep(stack, client, started, "open-sesame")).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Invalid session for the user, session is expired.",
    });
  });

  it("honours a longer authSessionValidityMinutes", async () => {
    const { stack, client } = await setUp({ client: { authSessionValidityMinutes: 10 } });
    const started = await start(stack, client, "erin@example.com");
    stack.clock.advance(9 * 60_000);
    const done = await answerStep(stack, client, started, "open-sesame");
    expect(done.AuthenticationResult).toBeDefined();
  });

  it("sends Cognito-shaped events, with ClientMetadata only from RespondToAuthChallenge", async () => {
    // Prepare
    const { stack, client, events } = await setUp();
    // Act
    const started = await start(stack, client, "erin@example.com", { from: "initiate" });
    const user = started.ChallengeParameters!.USERNAME!;
    const second = await answer(stack, client, started.Session, user, "wrong", { from: "respond" });
    await answer(stack, client, second.Session, user, "open-sesame", { from: "respond" });
    // Assess
    expect(events.map((e) => e.trigger)).toEqual([
      "define",
      "create",
      "verify",
      "define",
      "create",
      "verify",
      "define",
    ]);
    const [define1, create1, verify1, define2, create2, , define3] = events.map((e) => e.event);
    const base = {
      version: "1",
      region: "us-east-1",
      userPoolId: stack.userPoolId,
      userName: user,
      callerContext: {
        clientId: stack.clientId,
        awsSdkVersion: expect.stringMatching(/^aws-sdk-/),
      },
    };
    expect(define1).toMatchObject({
      ...base,
      triggerSource: "DefineAuthChallenge_Authentication",
      request: { session: [], userNotFound: false },
    });
    expect(define1!.request.userAttributes).toMatchObject({
      sub: expect.stringMatching(UUID),
      email: "erin@example.com",
      email_verified: "false",
      "cognito:user_status": "CONFIRMED",
    });
    expect(define1!.request).not.toHaveProperty("clientMetadata");
    expect(create1).toMatchObject({
      ...base,
      triggerSource: "CreateAuthChallenge_Authentication",
      request: { challengeName: "CUSTOM_CHALLENGE", session: [], userNotFound: false },
    });
    expect(create1!.request).not.toHaveProperty("clientMetadata");
    expect(verify1).toMatchObject({
      ...base,
      triggerSource: "VerifyAuthChallengeResponse_Authentication",
      request: {
        challengeAnswer: "wrong",
        privateChallengeParameters: { answer: "open-sesame" },
        clientMetadata: { from: "respond" },
        userNotFound: false,
      },
    });
    expect(define2!.request).toMatchObject({
      clientMetadata: { from: "respond" },
      session: [
        { challengeName: "CUSTOM_CHALLENGE", challengeResult: false, challengeMetadata: "ROUND-1" },
      ],
    });
    expect(create2!.request.session).toHaveLength(1);
    expect(define3!.request.session).toEqual([
      { challengeName: "CUSTOM_CHALLENGE", challengeResult: false, challengeMetadata: "ROUND-1" },
      { challengeName: "CUSTOM_CHALLENGE", challengeResult: true, challengeMetadata: "ROUND-2" },
    ]);
  });

  it("runs the challenge for unknown users with userNotFound, and fails them like a wrong answer", async () => {
    const { stack, client, events } = await setUp();
    const known = await start(stack, client, "erin@example.com");
    const unknown = await start(stack, client, "nobody@example.com");
    const again = await start(stack, client, "NOBODY@example.com");
    expect(Object.keys(unknown.ChallengeParameters!).sort()).toEqual(
      Object.keys(known.ChallengeParameters!).sort(),
    );
    expect(unknown.ChallengeParameters!.USERNAME).toMatch(UUID);
    expect(again.ChallengeParameters!.USERNAME).toBe(unknown.ChallengeParameters!.USERNAME);
    const lastDefine = events.filter((e) => e.trigger === "define").at(-1)!.event;
    expect(lastDefine.request.userNotFound).toBe(true);
    // Even the "right" answer fails for a user that does not exist.
    const user = unknown.ChallengeParameters!.USERNAME!;
    let session = unknown.Session;
    for (let i = 0; i < 2; i++) {
      const next = await answer(stack, client, session, user, "open-sesame");
      session = next.Session;
    }
    await expect(answer(stack, client, session, user, "open-sesame")).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("answers UserNotFoundException for unknown users when PreventUserExistenceErrors is LEGACY", async () => {
    const { stack, client, events } = await setUp({
      client: { preventUserExistenceErrors: "LEGACY" },
    });
    await expect(start(stack, client, "nobody@example.com")).rejects.toMatchObject({
      name: "UserNotFoundException",
      message: "User does not exist.",
    });
    // Cognito sets userNotFound only when PreventUserExistenceErrors is ENABLED.
    await start(stack, client, "erin@example.com");
    expect(events[0]!.event.request).not.toHaveProperty("userNotFound");
  });

  it("enforces ExplicitAuthFlows", async () => {
    const { stack, client } = await setUp({
      client: { explicitAuthFlows: ["ALLOW_REFRESH_TOKEN_AUTH"] },
    });
    await expect(start(stack, client, "erin@example.com")).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: "CUSTOM_AUTH flow not enabled for this client",
    });
    const password = await call(stack, "InitiateAuth", {
      ClientId: stack.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: "erin@example.com", PASSWORD },
    });
    expect(password.body).toEqual({
      __type: "InvalidParameterException",
      message: "USER_PASSWORD_AUTH flow not enabled for this client",
    });
  });

  it("surfaces a thrown trigger error as UserLambdaValidationException in Cognito's format", async () => {
    const { stack, client } = await setUp({
      handlers: {
        createAuthChallenge: async () => {
          throw new Error("THROTTLED retryAfterMs=24000");
        },
      },
    });
    const failure = await start(stack, client, "erin@example.com").catch((e: Error) => e);
    expect(failure).toMatchObject({
      name: "UserLambdaValidationException",
      message: "CreateAuthChallenge failed with error THROTTLED retryAfterMs=24000.",
    });
    expect(parseTriggerError((failure as Error).message)).toMatchObject({
      code: "THROTTLED",
      retryAfterMs: 24000,
    });
  });

  it("names each trigger as Cognito does in its error", async () => {
    const boom = async () => {
      throw new Error("boom");
    };
    const { stack, client } = await setUp({ handlers: { verifyAuthChallenge: boom } });
    const started = await start(stack, client, "erin@example.com");
    await expect(answerStep(stack, client, started, "x")).rejects.toMatchObject({
      name: "UserLambdaValidationException",
      message: "VerifyAuthChallengeResponse failed with error boom.",
    });
    await stack.stop();
    const again = await setUp({ handlers: { defineAuthChallenge: boom } });
    await expect(start(again.stack, again.client, "erin@example.com")).rejects.toMatchObject({
      message: "DefineAuthChallenge failed with error boom.",
    });
  });

  it("gives up on a trigger that runs past the time limit", async () => {
    const slow = (event: TriggerEvent) =>
      new Promise((resolve) => setTimeout(() => resolve(event), 1500));
    const { stack, client } = await setUp({
      triggerTimeoutMs: 100,
      handlers: { createAuthChallenge: slow },
    });
    await expect(start(stack, client, "erin@example.com")).rejects.toMatchObject({
      name: "UnexpectedLambdaException",
      message:
        "CreateAuthChallenge invocation failed due to error Socket timeout while invoking Lambda function.",
    });
  });

  it("refuses a trigger answer that is not an event", async () => {
    const { stack, client } = await setUp({ handlers: { defineAuthChallenge: async () => null } });
    await expect(start(stack, client, "erin@example.com")).rejects.toMatchObject({
      name: "InvalidLambdaResponseException",
      message: "Unrecognizable lambda output",
    });
  });

  it("loads handlers from module paths, callback-style ones included", async () => {
    const { stack, client } = await setUp({
      handlers: {
        defineAuthChallenge: `${HANDLERS}#define`,
        createAuthChallenge: `${HANDLERS}#create`,
        verifyAuthChallenge: `${HANDLERS}#verify`,
      },
    });
    const started = await start(stack, client, "erin@example.com");
    expect(started.ChallengeParameters!.from).toBe("module");
    const done = await answerStep(stack, client, started, "from-a-module");
    expect(done.AuthenticationResult).toBeDefined();
  });

  it("fails at start for a module path without that export", async () => {
    await expect(
      startLocalStack({
        handlers: { defineAuthChallenge: `${HANDLERS}#nope` },
      }),
    ).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
      details: { field: "handlers.defineAuthChallenge" },
    });
  });
});
