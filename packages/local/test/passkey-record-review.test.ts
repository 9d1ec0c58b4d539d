// Adversarial review (session of 2026-12-05, second pass), end to end on the
// local stack (real triggers, Pre Token Generation, embedded DynamoDB): the
// record of a passkey sign-in abandoned at the enrolment step gives a code
// sign-in of the same user no passcode_amr "pop mfa", even from a modified
// client that names it on every answer (the record is spent then: the
// parked passkey sign-in's own skip under-claims, "otp").
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { CLIENT_METADATA, STEP } from "@cognito-passcode/shared";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import type { LocalStack } from "../src/index.js";
import { stackPerTest } from "./support/clients.js";
import { answerChallenge, signUp, startCustomAuth } from "./support/flow.js";

const start = stackPerTest();
const PAGE = "http://localhost:5173";
const ENROL = { [CLIENT_METADATA.enrolPasskey]: "true" };

/** SignUp, the switch, the emailed code and the username, then a registration: Ada's passkey. */
async function enrol(
  stack: LocalStack,
  client: CognitoIdentityProviderClient,
  device: ReturnType<typeof softAuthenticator>,
  email: string,
) {
  await signUp(stack, email, client);
  const first = await startCustomAuth(stack, client, email);
  const user = first.ChallengeParameters!.USERNAME!;
  const code = await answerChallenge(stack, client, first.Session, user, "code", {
    [CLIENT_METADATA.method]: "code",
  });
  const named = await answerChallenge(
    stack,
    client,
    code.Session,
    user,
    await stack.mailbox.latestCode(email),
    ENROL,
  );
  const enrolling = await answerChallenge(stack, client, named.Session, user, "ada", ENROL);
  expect(enrolling.ChallengeParameters?.step).toBe(STEP.ENROL);
  const registration = await device.register(enrolling.ChallengeParameters!.options!);
  const done = await answerChallenge(
    stack,
    client,
    enrolling.Session,
    user,
    JSON.stringify(registration),
    ENROL,
  );
  expect(done.AuthenticationResult?.IdToken).toBeDefined();
}

describe("an abandoned passkey sign-in's record (local stack)", () => {
  it("gives a code sign-in that names it 'otp' (and is spent: the parked sign-in's skip gets 'otp' too)", async () => {
    // Prepare: Ada's passkey sign-in, parked at the enrolment step
    const { stack, client } = await start({
      cors: { origins: [PAGE] },
      triggers: { passkeys: { rpId: "localhost", origins: [PAGE] }, throttle: false },
    });
    const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
    const email = "ada@example.com";
    await enrol(stack, client, device, email);
    const passkey = await startCustomAuth(stack, client, email);
    const options = passkey.ChallengeParameters!.options!;
    const claim = {
      [CLIENT_METADATA.passkeyChallenge]: (JSON.parse(options) as { challenge: string }).challenge,
    };
    const user = passkey.ChallengeParameters!.USERNAME!;
    const parked = await answerChallenge(
      stack,
      client,
      passkey.Session,
      user,
      JSON.stringify(await device.authenticate(options)),
      { ...ENROL, ...claim },
    );
    expect(parked.ChallengeParameters?.step).toBe(STEP.ENROL);

    // Act: a code sign-in whose (modified) client names the parked record on every answer
    const first = await startCustomAuth(stack, client, email);
    const code = await answerChallenge(stack, client, first.Session, user, "code", {
      [CLIENT_METADATA.method]: "code",
      ...claim,
    });
    expect(code.ChallengeParameters?.step).toBe(STEP.CODE);
    const byCode = await answerChallenge(
      stack,
      client,
      code.Session,
      user,
      await stack.mailbox.latestCode(email),
      claim,
    );
    // The parked sign-in's skip, with its own claim
    const skipped = await answerChallenge(stack, client, parked.Session, user, "skip", {
      [CLIENT_METADATA.enrolPasskey]: "skip",
      ...claim,
    });

    // Assess
    expect(decodeJwt(byCode.AuthenticationResult!.IdToken!).passcode_amr).toBe("otp");
    // Taken by the code sign-in's answer: the parked session's skip gets tokens, claimed "otp".
    expect(decodeJwt(skipped.AuthenticationResult!.IdToken!).passcode_amr).toBe("otp");
  });
});
