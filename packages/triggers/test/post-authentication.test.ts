import { createPostAuthenticationHandler } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import { knownUser, postAuthenticationEvent } from "./support/events.js";
import { harness } from "./support/harness.js";

describe("postAuthentication", () => {
  it("writes nothing: Verify marks the email verified, pinned to the address the code proved", async () => {
    // Prepare: an unverified user whose email is not the one any code went to
    const user = knownUser("victim@example.org");
    const h = harness({ users: [user] });
    const event = postAuthenticationEvent(user);
    // Act
    const returned = await h.triggers.postAuthentication(event);
    // Assess
    expect(h.cognito.calls).toHaveLength(0);
    expect(user.attributes.email_verified).toBe("false");
    expect(returned).toBe(event);
    expect(returned.response).toEqual({});
  });

  it("stays a working factory and dispatcher entry, and needs no Cognito client", async () => {
    // Prepare
    const user = knownUser();
    const h = harness({ users: [user] });
    h.cognito.failNextCalls(1);
    const standalone = createPostAuthenticationHandler({
      email: { from: "no-reply@example.com" },
      throttle: false,
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    // Act
    const viaDispatcher = await h.triggers.handler(postAuthenticationEvent(user));
    const alone = await standalone(postAuthenticationEvent(user));
    // Assess
    expect(viaDispatcher.response).toEqual({});
    expect(alone.response).toEqual({});
    expect(h.cognito.calls).toHaveLength(0);
  });
});
