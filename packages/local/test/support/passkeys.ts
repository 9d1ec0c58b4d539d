import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CLIENT_METADATA, STEP } from "@cognito-passcode/shared";
import type { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { expect } from "vitest";
import type { LocalStack } from "../../src/index.js";
import { answerChallenge, signUp, startCustomAuth } from "./flow.js";

/** The challenge string inside a PASSKEY challenge's request options. */
export function challengeOf(options: string): string {
  return (JSON.parse(options) as { challenge: string }).challenge;
}

/**
 * A first sign-in that enrols a passkey: SignUp, InitiateAuth (PASSKEY), the
 * switch to a code, the emailed code and the username with
 * `passcode:enrolPasskey=true`, then the registration (ENROL). Returns the tokens.
 */
export async function firstSignInWithEnrolment(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  device: ReturnType<typeof softAuthenticator>,
  email: string,
  username: string,
) {
  await signUp(stack, email, client);
  const first = await startCustomAuth(stack, client, email);
  expect(first.ChallengeParameters?.step).toBe(STEP.PASSKEY);
  const user = first.ChallengeParameters!.USERNAME!;
  const code = await answerChallenge(stack, client, first.Session, user, "code", {
    [CLIENT_METADATA.method]: "code",
  });
  expect(code.ChallengeParameters?.step).toBe(STEP.CODE);
  const enrol = { [CLIENT_METADATA.enrolPasskey]: "true" };
  const named = await answerChallenge(
    stack,
    client,
    code.Session,
    user,
    await stack.mailbox.latestCode(email),
    enrol,
  );
  expect(named.ChallengeParameters?.step).toBe(STEP.USERNAME);
  const enrolling = await answerChallenge(stack, client, named.Session, user, username, enrol);
  expect(enrolling.ChallengeParameters?.step).toBe(STEP.ENROL);
  const registration = await device.register(enrolling.ChallengeParameters!.options!);
  const done = await answerChallenge(
    stack,
    client,
    enrolling.Session,
    user,
    JSON.stringify(registration),
    { ...enrol, [CLIENT_METADATA.passkeyName]: "Soft key" },
  );
  return done.AuthenticationResult!;
}
