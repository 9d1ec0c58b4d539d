import {
  type CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import type { LocalStack } from "../src/index.js";
import { claims, stackPerTest } from "./support/clients.js";
import { answerStep, refreshWith, requestCode } from "./support/flow.js";

// Pre-account-takeover, end to end through the local stack with the real
// passcode triggers: in a pool WITHOUT AttributesRequireVerificationBeforeUpdate
// (a misconfiguration; the docs require [email]), an attacker signed into
// their own account moves its email to a victim's address (applied at once,
// unverified). When the victim later signs in with that address and proves
// it, they land in that account, so whoever held it before must lose it:
// Verify signs the user out everywhere before it marks the address verified.

const ATTACKER = "mallory@attacker.example";
const VICTIM = "victim@example.org";

const start = stackPerTest();

/** SignUp (UsernameExistsException ignored, as the client does), then code and, when asked, a username. */
async function signInWithCode(
  s: LocalStack,
  client: CognitoIdentityProviderClient,
  email: string,
  username: string,
) {
  const started = await requestCode(s, client, email);
  const answered = await answerStep(s, client, started, await s.mailbox.latestCode(email));
  const done = answered.AuthenticationResult
    ? answered
    : await answerStep(s, client, answered, username);
  return done.AuthenticationResult!;
}

const getUser = (client: CognitoIdentityProviderClient, token: string) =>
  client.send(new GetUserCommand({ AccessToken: token }));

const rotate = (s: LocalStack, client: CognitoIdentityProviderClient, token: string) =>
  client.send(new GetTokensFromRefreshTokenCommand({ ClientId: s.clientId, RefreshToken: token }));

describe("pre-account-takeover through an unverified email change (local stack, real triggers)", () => {
  it("the victim's first proof of the address signs the previous holder out: refresh and access tokens refused, the victim's work", async () => {
    // Prepare: the attacker signs in (keeps the refresh token), then moves the
    // email to the victim's address at once
    const { stack: s, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    const attacker = await signInWithCode(s, client, ATTACKER, "mallory");
    await client.send(
      new UpdateUserAttributesCommand({
        AccessToken: attacker.AccessToken,
        UserAttributes: [{ Name: "email", Value: VICTIM }],
      }),
    );
    const before = await refreshWith(s, attacker.RefreshToken!);
    s.clock.advance(31_000); // past the throttle's minimum interval
    // Act: the victim signs in with their address and the code from their inbox
    const victim = await signInWithCode(s, client, VICTIM, "victim");
    // Assess: before, the moved account still answered the attacker
    expect(before.AuthenticationResult?.AccessToken).toBeTruthy();
    const idToken = claims(victim.IdToken!);
    expect(idToken).toMatchObject({ email: VICTIM, email_verified: true });
    expect(idToken["cognito:username"]).toBe(claims(attacker.IdToken!)["cognito:username"]);
    // The attacker's refresh token, with both refresh operations, and every
    // access token they held, are refused
    await expect(refreshWith(s, attacker.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Refresh Token has been revoked",
    });
    await expect(rotate(s, client, attacker.RefreshToken!)).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    for (const token of [attacker.AccessToken!, before.AuthenticationResult!.AccessToken!]) {
      await expect(getUser(client, token)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
    }
    // The victim's tokens, issued after the sign-out, work
    expect((await getUser(client, victim.AccessToken!)).UserAttributes).toContainEqual({
      Name: "email",
      Value: VICTIM,
    });
    expect((await refreshWith(s, victim.RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("a sign-in with an address already verified signs nobody out: a second device keeps its session", async () => {
    // Prepare: the first sign-in verifies the address
    const { stack: s, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    const first = await signInWithCode(s, client, "ann@example.com", "ann");
    s.clock.advance(31_000);
    // Act
    const second = await signInWithCode(s, client, "ann@example.com", "ann");
    // Assess
    for (const tokens of [first, second]) {
      expect((await getUser(client, tokens.AccessToken!)).Username).toBeTruthy();
      expect((await refreshWith(s, tokens.RefreshToken!)).AuthenticationResult).toBeDefined();
    }
  });

  it("a proven address change signs the user's other sessions out, and the session that proved it stays in", async () => {
    // Prepare: a verified user on two devices moves their own email (applied
    // at once, unverified), then proves the new address on one device
    const { stack: s, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    const laptop = await signInWithCode(s, client, "bea@example.com", "bea");
    s.clock.advance(31_000);
    const phone = await signInWithCode(s, client, "bea@example.com", "bea");
    await client.send(
      new UpdateUserAttributesCommand({
        AccessToken: phone.AccessToken,
        UserAttributes: [{ Name: "email", Value: "bea@example.net" }],
      }),
    );
    s.clock.advance(31_000);
    // Act
    const proved = await signInWithCode(s, client, "bea@example.net", "bea");
    // Assess
    expect(claims(proved.IdToken!)).toMatchObject({
      email: "bea@example.net",
      email_verified: true,
    });
    for (const tokens of [laptop, phone]) {
      await expect(refreshWith(s, tokens.RefreshToken!)).rejects.toMatchObject({
        message: "Refresh Token has been revoked",
      });
    }
    expect((await refreshWith(s, proved.RefreshToken!)).AuthenticationResult).toBeDefined();
  });
});
