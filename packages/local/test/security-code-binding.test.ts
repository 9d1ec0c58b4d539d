import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import type { LocalStack } from "../src/index.js";
import { claims, stackPerTest } from "./support/clients.js";
import { answerStep, passcodeSignUpAndSignIn, signUp, startCustomAuth } from "./support/flow.js";

// The review's attack, end to end through the local stack with the real
// passcode triggers, embedded SES and dynalite: a code sent to the
// attacker's inbox must never prove (or verify) a victim's address.

const ATTACKER = "mallory@attacker.example";
const VICTIM = "victim@example.org";
/** The sender of the passcode triggers the stack runs by default. */
const DEFAULT_FROM = "no-reply@cognito-passcode.local";

const start = stackPerTest();

/** Sign-up and a first sign-in (code, then a username): the attacker holds tokens. */
async function attackerSignedIn(s: LocalStack, client: CognitoIdentityProviderClient) {
  const done = await passcodeSignUpAndSignIn(s, ATTACKER, "mallory", client);
  const tokens = done.AuthenticationResult!;
  return { tokens, username: String(claims(tokens.IdToken!)["cognito:username"]) };
}

/** The attacker starts a new sign-in (the code goes to their own inbox), then moves the email. */
async function startThenMoveEmail(s: LocalStack, client: CognitoIdentityProviderClient) {
  const { tokens, username } = await attackerSignedIn(s, client);
  s.clock.advance(31_000); // past the throttle's minimum interval
  const challenge = await startCustomAuth(s, client, ATTACKER);
  const code = await s.mailbox.latestCode(ATTACKER);
  const updated = await client.send(
    new UpdateUserAttributesCommand({
      AccessToken: tokens.AccessToken,
      UserAttributes: [{ Name: "email", Value: VICTIM }],
    }),
  );
  return { challenge, code, username, updated };
}

async function attributesOf(s: LocalStack, client: CognitoIdentityProviderClient, name: string) {
  const user = await client.send(
    new AdminGetUserCommand({ UserPoolId: s.userPoolId, Username: name }),
  );
  return Object.fromEntries((user.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
}

describe("a code proves one address (local stack, real triggers)", () => {
  it("refuses the attacker's code after the email moved to the victim's address at once: no tokens, victim never verified", async () => {
    // Prepare: a pool where an email change applies at once (Cognito without
    // AttributesRequireVerificationBeforeUpdate), so only the library defends
    const { stack: s, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    const { challenge, code, username } = await startThenMoveEmail(s, client);
    const moved = await attributesOf(s, client, username);
    // Act
    const answered = answerStep(s, client, challenge, code);
    // Assess
    expect(moved).toMatchObject({ email: VICTIM, email_verified: "false" });
    await expect(answered).rejects.toMatchObject({ name: "NotAuthorizedException" });
    expect(await attributesOf(s, client, username)).toMatchObject({
      email: VICTIM,
      email_verified: "false",
    });
    // The victim's inbox got the pool's own verification message for the
    // change, never a sign-in code from the triggers.
    const fromTriggers = s.mailbox.messages(VICTIM).filter((m) => m.from.includes(DEFAULT_FROM));
    expect(fromTriggers).toHaveLength(0);
    expect(s.mailbox.messages(ATTACKER).every((m) => m.from.includes(DEFAULT_FROM))).toBe(true);
  });

  it("fails the sign-in when the email moves after a right code, before the USERNAME step", async () => {
    // Prepare: code answered right, the USERNAME challenge open
    const { stack: s, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    await signUp(s, ATTACKER, client);
    const started = await startCustomAuth(s, client, ATTACKER);
    const named = await answerStep(s, client, started, await s.mailbox.latestCode(ATTACKER));
    // The move, here through the admin API (same effect as the user's own change)
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: s.userPoolId,
        Username: ATTACKER,
        UserAttributes: [{ Name: "email", Value: VICTIM }],
      }),
    );
    // Act
    const answered = answerStep(s, client, named, "mallory");
    // Assess
    expect(named.ChallengeParameters?.step).toBe("USERNAME");
    await expect(answered).rejects.toMatchObject({ name: "NotAuthorizedException" });
    expect(await attributesOf(s, client, VICTIM)).toMatchObject({
      email: VICTIM,
      email_verified: "false",
    });
  });

  it("with the emulation on (the default), the email change waits for verification and the attack gains nothing", async () => {
    // Prepare
    const { stack: s, client } = await start();
    const { challenge, code, username, updated } = await startThenMoveEmail(s, client);
    // Act
    const answered = await answerStep(s, client, challenge, code);
    // Assess: the change is pending (a verification code went to the victim's
    // address, which the attacker does not read); the token names the attacker's
    // own, proven address
    expect(updated.CodeDeliveryDetailsList?.[0]).toMatchObject({ AttributeName: "email" });
    const idToken = claims(answered.AuthenticationResult!.IdToken!);
    expect(idToken).toMatchObject({ email: ATTACKER, email_verified: true });
    expect(await attributesOf(s, client, username)).toMatchObject({
      email: ATTACKER,
      email_verified: "true",
    });
  });

  it("the happy path still marks the email verified, and the ID token says so", async () => {
    // Prepare
    const { stack: s, client } = await start();
    await signUp(s, "Alice@Example.com", client);
    // Act
    const started = await startCustomAuth(s, client, "alice@example.com");
    const named = await answerStep(
      s,
      client,
      started,
      await s.mailbox.latestCode("alice@example.com"),
    );
    const done = await answerStep(s, client, named, "alice");
    // Assess
    const idToken = claims(done.AuthenticationResult!.IdToken!);
    expect(idToken).toMatchObject({ email_verified: true, "custom:username": "alice" });
    expect(String(idToken.email).toLowerCase()).toBe("alice@example.com");
  });
});
