import { createPreSignUpHandler } from "@cognito-passcode/triggers";
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
