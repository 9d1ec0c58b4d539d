import { describe, expect, it } from "vitest";
import { knownUser, postAuthenticationEvent } from "./support/events.js";
import { harness } from "./support/harness.js";

describe("postAuthentication", () => {
  it("sets email_verified=true with AdminUpdateUserAttributes when it was not", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user] });
    // Act
    await h.triggers.postAuthentication(postAuthenticationEvent(user));
    // Assess
    expect(h.cognito.calls).toEqual([
      {
        UserPoolId: "eu-west-1_Ab12Cd34E",
        Username: user.userName,
        attributes: { email_verified: "true" },
      },
    ]);
    expect(user.attributes.email_verified).toBe("true");
  });

  it("does nothing when the email is already verified", async () => {
    // Prepare
    const user = knownUser("alice@example.com", { email_verified: "true" });
    const h = harness({ users: [user] });
    // Act
    const event = await h.triggers.postAuthentication(postAuthenticationEvent(user));
    // Assess
    expect(h.cognito.calls).toHaveLength(0);
    expect(event.response).toEqual({});
  });

  it("fails with SERVICE_ERROR (logged) when Cognito refuses the write", async () => {
    // Prepare
    const user = knownUser("alice@example.com");
    const h = harness({ users: [user] });
    h.cognito.failNextCalls(1);
    // Act
    const error = await h.triggers
      .postAuthentication(postAuthenticationEvent(user))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("SERVICE_ERROR");
    expect(
      h.logs.some((l) => l.level === "error" && l.fields?.errorName === "TooManyRequestsException"),
    ).toBe(true);
  });
});
