import { createPasscodeTriggers, memoryStore } from "@cognito-passcode/triggers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postAuthenticationEvent, type TestUser, verifyEvent } from "./support/events.js";
import { type FakeCognito, startFakeCognito } from "./support/fake-cognito.js";

// The real SDK client against a wire-protocol Cognito admin endpoint on
// 127.0.0.1: the AdminUpdateUserAttributes calls the triggers make are
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
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

function triggers() {
  const registry = memoryStore();
  const t = createPasscodeTriggers({
    email: { from: "no-reply@example.com" },
    username: { registry },
    throttle: false,
    cognito: cognito.client,
    logger: quiet,
  });
  return { t, registry };
}

describe("Cognito admin writes through the AWS SDK", () => {
  it("Verify writes the claimed username, PostAuthentication marks the email verified", async () => {
    // Prepare
    cognito.reset([
      {
        username: SUB,
        attributes: { sub: SUB, email: "wire@example.com", email_verified: "false" },
      },
    ]);
    const { t, registry } = triggers();
    const event = verifyEvent(user(), { step: "USERNAME" }, "Wire_User");
    event.userPoolId = cognito.userPoolId;
    const post = postAuthenticationEvent(user());
    post.userPoolId = cognito.userPoolId;
    // Act
    const verified = await t.verifyAuthChallenge(event);
    await t.postAuthentication(post);
    // Assess
    expect(verified.response.answerCorrect).toBe(true);
    expect(cognito.user(SUB)?.attributes).toMatchObject({
      "custom:username": "wire_user",
      email_verified: "true",
    });
    expect(registry.claims.get("wire_user")).toBe(SUB);
    expect(cognito.calls).toEqual(["AdminUpdateUserAttributes", "AdminUpdateUserAttributes"]);
  });

  it("a refused attribute write fails closed with SERVICE_ERROR, and the same name succeeds on retry", async () => {
    // Prepare
    cognito.reset([{ username: SUB, attributes: { sub: SUB, email: "wire@example.com" } }]);
    cognito.failNext("AdminUpdateUserAttributes", {
      type: "TooManyRequestsException",
      message: "Rate exceeded",
    });
    const { t } = triggers();
    const event = () => {
      const e = verifyEvent(user(), { step: "USERNAME" }, "wire_user");
      e.userPoolId = cognito.userPoolId;
      return e;
    };
    // Act
    const failed = await t.verifyAuthChallenge(event()).catch((e: Error) => e);
    const retried = await t.verifyAuthChallenge(event());
    // Assess
    expect((failed as Error).message).toBe("SERVICE_ERROR");
    expect(retried.response.answerCorrect).toBe(true);
    expect(cognito.user(SUB)?.attributes["custom:username"]).toBe("wire_user");
  });
});
