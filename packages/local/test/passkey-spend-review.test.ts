// Second-look review (session of 2026-12-06) of 37a9305, end to end on the
// local stack (real triggers, Pre Token Generation, embedded DynamoDB): a
// WRONG code that names a passkey sign-in's record in progress takes nothing.
// Verify took it on every CODE answer before the code was checked, so anyone
// who knew the address and the challenge (no code, no passkey) turned the
// user's own passkey sign-in into passcode_amr "otp".
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

describe("a passkey sign-in's record in progress (local stack)", () => {
  it("is not spent by a wrong code that names it: the parked sign-in's skip keeps 'pop mfa'", async () => {
    // Prepare: Ada's passkey sign-in, verified and parked at the enrolment step
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

    // Act: someone with her address and that challenge, not her code
    const first = await startCustomAuth(stack, client, email);
    const code = await answerChallenge(stack, client, first.Session, user, "code", {
      [CLIENT_METADATA.method]: "code",
    });
    expect(code.ChallengeParameters?.step).toBe(STEP.CODE);
    const right = await stack.mailbox.latestCode(email);
    const wrong = right === "000000" ? "111111" : "000000";
    const refused = await answerChallenge(stack, client, code.Session, user, wrong, claim);
    expect(refused.AuthenticationResult).toBeUndefined();
    // Ada's parked sign-in goes on: she skips the enrolment, with her proof
    const skipped = await answerChallenge(stack, client, parked.Session, user, "skip", {
      [CLIENT_METADATA.enrolPasskey]: "skip",
      ...claim,
    });

    // Assess
    expect(decodeJwt(skipped.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
  });
});
