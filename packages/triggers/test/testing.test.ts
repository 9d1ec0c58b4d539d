import {
  createPasscodeTriggers,
  type EmailMessage,
  memoryStore,
  type PasscodeTriggersOptions,
} from "@cognito-passcode/triggers";
import {
  cognitoUser,
  createAuthChallengeEvent,
  defineAuthChallengeEvent,
  preSignUpEvent,
  sessionEntry,
  unknownUser,
  verifyAuthChallengeResponseEvent,
} from "@cognito-passcode/triggers/testing";
import { describe, expect, it } from "vitest";

const SECRET = "a test secret of 32 or more characters, not for production";

/** The real triggers on a memory store, with the emails they send kept in `sent`. */
function realTriggers(options: Partial<PasscodeTriggersOptions> = {}) {
  const sent: EmailMessage[] = [];
  const store = memoryStore();
  const triggers = createPasscodeTriggers({
    email: { from: "no-reply@example.com", appName: "Acme" },
    deliver: async (message) => {
      sent.push(message);
    },
    username: { registry: store },
    throttle: { store },
    codeSecret: SECRET,
    unknownUserDelayMs: 0,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...options,
  });
  const codeIn = (message: EmailMessage | undefined) =>
    /\b(\d{6,10})\b/.exec(message?.text ?? "")?.[1];
  return { triggers, sent, codeIn };
}

describe("@cognito-passcode/triggers/testing", () => {
  it("walks the real triggers from Define to tokens for a verified user with a username", async () => {
    // Prepare
    const { triggers, sent, codeIn } = realTriggers();
    const ada = cognitoUser("ada@example.com", { emailVerified: true, username: "ada" });

    // Act
    const first = await triggers.defineAuthChallenge(defineAuthChallengeEvent(ada));
    const created = await triggers.createAuthChallenge(createAuthChallengeEvent(ada));
    const code = codeIn(sent[0]);
    const verified = await triggers.verifyAuthChallenge(
      verifyAuthChallengeResponseEvent(ada, created, code ?? ""),
    );
    const last = await triggers.defineAuthChallenge(
      defineAuthChallengeEvent(ada, [sessionEntry(created, verified.response.answerCorrect)]),
    );

    // Assess
    expect(first.response).toMatchObject({ challengeName: "CUSTOM_CHALLENGE", issueTokens: false });
    expect(created.response.publicChallengeParameters).toMatchObject({
      step: "CODE",
      codeLength: "6",
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]?.to).toBe("ada@example.com");
    expect(verified.response.answerCorrect).toBe(true);
    expect(last.response).toMatchObject({ issueTokens: true, failAuthentication: false });
  });

  it("ends the sign-in after three wrong answers to one code", async () => {
    // Prepare
    const { triggers } = realTriggers();
    const bo = cognitoUser("bo@example.com", { emailVerified: true, username: "bo" });
    const session = [];
    let created = await triggers.createAuthChallenge(createAuthChallengeEvent(bo));

    // Act
    for (let attempt = 0; attempt < 3; attempt++) {
      const verified = await triggers.verifyAuthChallenge(
        verifyAuthChallengeResponseEvent(bo, created, "000000"),
      );
      session.push(sessionEntry(created, verified.response.answerCorrect));
      const defined = await triggers.defineAuthChallenge(defineAuthChallengeEvent(bo, session));
      if (defined.response.failAuthentication) break;
      created = await triggers.createAuthChallenge(createAuthChallengeEvent(bo, session));
    }
    const last = await triggers.defineAuthChallenge(defineAuthChallengeEvent(bo, session));

    // Assess
    expect(session.map((entry) => entry.challengeResult)).toEqual([false, false, false]);
    expect(last.response).toMatchObject({ failAuthentication: true, issueTokens: false });
  });

  it("asks for a username after the code when the user has none", async () => {
    // Prepare
    const { triggers, sent, codeIn } = realTriggers();
    const cy = cognitoUser("cy@example.com", { emailVerified: true });
    const created = await triggers.createAuthChallenge(createAuthChallengeEvent(cy));
    const verified = await triggers.verifyAuthChallenge(
      verifyAuthChallengeResponseEvent(cy, created, codeIn(sent[0]) ?? ""),
    );
    const session = [sessionEntry(created, verified.response.answerCorrect)];

    // Act
    const defined = await triggers.defineAuthChallenge(defineAuthChallengeEvent(cy, session));
    const next = await triggers.createAuthChallenge(createAuthChallengeEvent(cy, session));

    // Assess
    expect(defined.response).toMatchObject({
      challengeName: "CUSTOM_CHALLENGE",
      issueTokens: false,
    });
    expect(next.response.publicChallengeParameters).toMatchObject({ step: "USERNAME" });
  });

  it("gives an unknown address the same challenge and sends nothing", async () => {
    // Prepare
    const { triggers, sent } = realTriggers();
    const nobody = unknownUser("nobody@example.com");

    // Act
    const defined = await triggers.defineAuthChallenge(defineAuthChallengeEvent(nobody));
    const created = await triggers.createAuthChallenge(createAuthChallengeEvent(nobody));
    const verified = await triggers.verifyAuthChallenge(
      verifyAuthChallengeResponseEvent(nobody, created, "123456"),
    );

    // Assess
    expect(defined.response.challengeName).toBe("CUSTOM_CHALLENGE");
    expect(created.response.publicChallengeParameters).toMatchObject({ step: "CODE" });
    expect(verified.response.answerCorrect).toBe(false);
    expect(sent).toHaveLength(0);
  });

  it("builds PreSignUp events the real trigger confirms, and refuses a username attribute in", async () => {
    // Prepare
    const { triggers } = realTriggers();

    // Act
    const plain = await triggers.preSignUp(preSignUpEvent("dee@example.com"));
    const smuggled = triggers.preSignUp(
      preSignUpEvent("eve@example.com", { userAttributes: { "custom:username": "admin" } }),
    );

    // Assess
    expect(plain.response.autoConfirmUser).toBe(true);
    await expect(smuggled).rejects.toThrow();
  });

  it("builds the events Cognito sends: the sub as userName, userNotFound present, responses null", () => {
    // Prepare
    const ada = cognitoUser("Ada@Example.com", { attributes: { locale: "de" } });

    // Act
    const define = defineAuthChallengeEvent(ada, [], {
      region: "us-east-1",
      clientId: "client123",
      clientMetadata: { source: "app" },
    });
    const signUp = preSignUpEvent("Ada@Example.com");

    // Assess
    expect(define).toEqual({
      version: "1",
      region: "us-east-1",
      userPoolId: "us-east-1_Ab12Cd34E",
      userName: ada.userName,
      callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: "client123" },
      triggerSource: "DefineAuthChallenge_Authentication",
      request: {
        userAttributes: {
          sub: ada.userName,
          email: "Ada@Example.com",
          email_verified: "false",
          "cognito:user_status": "CONFIRMED",
          locale: "de",
        },
        userNotFound: false,
        session: [],
        clientMetadata: { source: "app" },
      },
      response: { challengeName: null, issueTokens: null, failAuthentication: null },
    });
    expect(ada.userName).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // The same address (any case) gives the same sub, in the sign-up event too; another gives another.
    expect(cognitoUser("ada@example.com").userName).toBe(ada.userName);
    expect(signUp.userName).toBe(ada.userName);
    expect(cognitoUser("bo@example.com").userName).not.toBe(ada.userName);
    expect(unknownUser("ada@example.com").userName).not.toBe(ada.userName);
  });
});
