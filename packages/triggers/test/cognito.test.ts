import { createPasscodeTriggers, memoryStore } from "@cognito-passcode/triggers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createEvent,
  postAuthenticationEvent,
  type TestUser,
  verifyEvent,
} from "./support/events.js";
import { type FakeCognito, startFakeCognito } from "./support/fake-cognito.js";
import { TEST_CODE_SECRET } from "./support/harness.js";

// The real SDK client against a wire-protocol Cognito admin endpoint on
// 127.0.0.1: the AdminUpdateUserAttributes and AdminUserGlobalSignOut calls the triggers make are
// signed, serialised and answered exactly as over the network.
let cognito: FakeCognito;

beforeAll(async () => {
  cognito = await startFakeCognito(["custom:username"]);
});

afterAll(async () => {
  await cognito.stop();
});

const SUB = "5f1d2c3b-4a59-4e6f-8a7b-9c0d1e2f3a4b";
const user = (): TestUser => ({
  userName: SUB,
  attributes: { sub: SUB, email: "wire@example.com", email_verified: "false" },
});
const wireUser = (): TestUser => ({
  userName: SUB,
  attributes: { sub: SUB, email: "Wire@Example.com", email_verified: "false" },
});
/** Codes the triggers "sent" (the deliver hook), newest last. */
const sent: string[] = [];
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function triggers() {
  const registry = memoryStore();
  const t = createPasscodeTriggers({
    email: { from: "no-reply@example.com" },
    username: { registry },
    throttle: false,
    codeSecret: TEST_CODE_SECRET,
    deliver: async (message) => {
      sent.push(/\b(\d{6})\b/.exec(message.text)![1]!);
    },
    unknownUserDelayMs: 0,
    cognito: cognito.client,
    logger: quiet,
  });
  return { t, registry };
}

/** `event` addressed to the fake pool, whose id the triggers' admin calls carry. */
function inPool<E extends { userPoolId: string }>(event: E): E {
  event.userPoolId = cognito.userPoolId;
  return event;
}

/** Sends wireUser a code and returns the Verify event that answers it right. */
async function rightAnswer(t: ReturnType<typeof triggers>["t"]) {
  const issued = await t.createAuthChallenge(createEvent(wireUser(), []));
  return inPool(verifyEvent(wireUser(), issued.response.privateChallengeParameters, sent.at(-1)!));
}

describe("Cognito admin writes through the AWS SDK", () => {
  it("Verify marks the email verified (pinned to the checked address) and writes the claimed username", async () => {
    // Prepare
    cognito.reset([{ username: SUB, attributes: wireUser().attributes }]);
    const { t } = triggers();
    const answer = await rightAnswer(t);
    const name = inPool(verifyEvent(wireUser(), { step: "USERNAME" }, "Wire_User"));
    const post = inPool(postAuthenticationEvent(wireUser()));
    // Act
    const codeOk = await t.verifyAuthChallenge(answer);
    const nameOk = await t.verifyAuthChallenge(name);
    await t.postAuthentication(post);
    // Assess
    expect([codeOk.response.answerCorrect, nameOk.response.answerCorrect]).toEqual([true, true]);
    expect(cognito.user(SUB)?.attributes).toMatchObject({
      email: "Wire@Example.com",
      email_verified: "true",
      "custom:username": "wire_user",
    });
    // A sign-out everywhere, then one write for the email flag, one for the
    // name; PostAuthentication writes nothing.
    expect(cognito.calls).toEqual([
      "AdminUserGlobalSignOut",
      "AdminUpdateUserAttributes",
      "AdminUpdateUserAttributes",
    ]);
  });

  it("a refused AdminUserGlobalSignOut (an IAM policy without it) fails closed: SERVICE_ERROR, no write", async () => {
    // Prepare
    cognito.reset([{ username: SUB, attributes: wireUser().attributes }]);
    cognito.failNext("AdminUserGlobalSignOut", {
      type: "AccessDeniedException",
      message: "User is not authorized to perform: cognito-idp:AdminUserGlobalSignOut",
    });
    const { t } = triggers();
    const answer = await rightAnswer(t);
    // Act
    const failed = await t.verifyAuthChallenge(answer).catch((e: Error) => e);
    // Assess
    expect((failed as Error).message).toBe("SERVICE_ERROR");
    expect(cognito.calls).toEqual(["AdminUserGlobalSignOut"]);
    expect(cognito.user(SUB)?.attributes.email_verified).toBe("false");
  });

  it("a refused attribute write fails closed with SERVICE_ERROR, and the same name succeeds on retry", async () => {
    // Prepare
    cognito.reset([{ username: SUB, attributes: { sub: SUB, email: "wire@example.com" } }]);
    cognito.failNext("AdminUpdateUserAttributes", {
      type: "TooManyRequestsException",
      message: "Rate exceeded",
    });
    const { t } = triggers();
    const event = () => inPool(verifyEvent(user(), { step: "USERNAME" }, "wire_user"));
    // Act
    const failed = await t.verifyAuthChallenge(event()).catch((e: Error) => e);
    const retried = await t.verifyAuthChallenge(event());
    // Assess
    expect((failed as Error).message).toBe("SERVICE_ERROR");
    expect(retried.response.answerCorrect).toBe(true);
    expect(cognito.user(SUB)?.attributes["custom:username"]).toBe("wire_user");
  });
});
