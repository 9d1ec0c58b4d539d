import { parseTriggerError } from "@cognito-passcode/shared";
import { createPreSignUpHandler, memoryStore } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { preSignUpEvent } from "./support/events.js";

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

describe("preSignUp", () => {
  it.each(["PreSignUp_SignUp", "PreSignUp_AdminCreateUser"] as const)(
    "auto-confirms and never auto-verifies the email (%s)",
    async (source) => {
      // Prepare
      const handler = createPreSignUpHandler({
        email: { from: "no-reply@example.com" },
        throttle: false,
        logger: quiet,
      });
      // Act
      const { response } = await handler(preSignUpEvent("alice@example.com", source));
      // Assess
      expect(response).toEqual({
        autoConfirmUser: true,
        autoVerifyEmail: false,
        autoVerifyPhone: false,
      });
    },
  );

  it("refuses other domains when allowedEmailDomains is set", async () => {
    // Prepare
    const handler = createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      signUp: { allowedEmailDomains: ["Example.com"] },
      logger: quiet,
    });
    // Act
    const allowed = await handler(preSignUpEvent("Bob@EXAMPLE.com"));
    const refused = await handler(preSignUpEvent("mallory@evil.example")).catch((e: Error) => e);
    const subdomain = await handler(preSignUpEvent("eve@mail.example.com")).catch((e: Error) => e);
    // Assess
    expect(allowed.response.autoConfirmUser).toBe(true);
    expect((refused as Error).message).toBe("INVALID_EMAIL reason=domain");
    expect((subdomain as Error).message).toBe("INVALID_EMAIL reason=domain");
  });

  it("refuses an address the code email could not reach", async () => {
    // Prepare
    const handler = createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      logger: quiet,
    });
    // Act
    const error = await handler(preSignUpEvent("not an email")).catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("INVALID_EMAIL reason=format");
  });

  it("refuses an address with a character that lower-cases to ASCII (KELVIN SIGN)", async () => {
    // Prepare
    const handler = createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      logger: quiet,
      signUp: { allowedEmailDomains: ["korp.com"] },
    });
    // Act: stored as typed, but a code would go to the ASCII look-alike
    const local = await handler(preSignUpEvent("\u212Alice@korp.com")).catch((e: Error) => e);
    const domain = await handler(preSignUpEvent("alice@\u212Aorp.com")).catch((e: Error) => e);
    // Assess
    expect((local as Error).message).toBe("INVALID_EMAIL reason=format");
    expect((domain as Error).message).toBe("INVALID_EMAIL reason=format");
  });

  it("lets an external-provider user without email through when no domain list is set", async () => {
    // Prepare
    const handler = createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      logger: quiet,
    });
    const event = preSignUpEvent("x", "PreSignUp_ExternalProvider");
    event.userName = "Google_1234567890";
    event.request.userAttributes = {};
    // Act
    const { response } = await handler(event);
    // Assess
    expect(response.autoConfirmUser).toBe(true);
    expect(response.autoVerifyEmail).toBe(false);
  });
});

describe("preSignUp and the username attribute", () => {
  const registry = memoryStore();
  const withAttribute = (attribute?: string) =>
    createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      username: { registry, ...(attribute ? { attribute } : {}) },
      logger: quiet,
    });

  it.each(["PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"] as const)(
    "refuses a sign-up that sets custom:username (%s)",
    async (source) => {
      // Prepare: `admin` would skip the USERNAME step, the reserved list and the registry
      const event = preSignUpEvent("mallory@example.com", source);
      event.request.userAttributes["custom:username"] = "admin";
      // Act
      const error = await withAttribute()(event).catch((e: Error) => e);
      // Assess
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toBe("NOT_AUTHORIZED reason=username-attribute");
      expect(parseTriggerError(`PreSignUp failed with error ${(error as Error).message}.`)).toEqual(
        {
          code: "NOT_AUTHORIZED",
          details: { reason: "username-attribute" },
        },
      );
    },
  );

  it("refuses the attribute the triggers are configured with, even when empty, and no other", async () => {
    // Prepare
    const handler = withAttribute("custom:handle");
    const set = (value: string) => {
      const event = preSignUpEvent("nick@example.com");
      event.request.userAttributes["custom:handle"] = value;
      return event;
    };
    const literal = preSignUpEvent("nick@example.com");
    literal.request.userAttributes["custom:username"] = "nick";
    // Act
    const refused = await handler(set("admin")).catch((e: Error) => e.message);
    const empty = await handler(set("")).catch((e: Error) => e.message);
    const other = await handler(literal);
    // Assess
    expect(refused).toBe("NOT_AUTHORIZED reason=username-attribute");
    expect(empty).toBe("NOT_AUTHORIZED reason=username-attribute");
    expect(other.response.autoConfirmUser).toBe(true);
  });

  it("leaves the attribute alone when the username step is off", async () => {
    // Prepare
    const handler = createPreSignUpHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      username: false,
      logger: quiet,
    });
    const event = preSignUpEvent("olive@example.com");
    event.request.userAttributes["custom:username"] = "olive";
    // Act
    const { response } = await handler(event);
    // Assess
    expect(response.autoConfirmUser).toBe(true);
  });
});
