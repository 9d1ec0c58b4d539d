// The record of a passkey sign-in parked at the enrolment step (verified
// assertion, no tokens yet), end to end on the local stack (real triggers,
// Pre Token Generation, embedded DynamoDB): what a code sign-in of the same
// user that names it gets, and what a wrong code that names it takes.
import { CLIENT_METADATA, STEP } from "@cognito-passcode/shared";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { stackPerTest } from "./support/clients.js";
import { answerChallenge, startCustomAuth } from "./support/flow.js";
import { challengeOf, firstSignInWithEnrolment } from "./support/passkeys.js";

const start = stackPerTest();
const PAGE = "http://localhost:5173";
const ENROL = { [CLIENT_METADATA.enrolPasskey]: "true" };

/**
 * Ada enrols a passkey, then signs in with it and asks to enrol another: her
 * passkey sign-in is verified and parked at the enrolment step, its answer
 * naming its record (`claim`: passcode:passkeyChallenge).
 */
async function adasPasskeySignInParkedAtEnrolment() {
  const { stack, client } = await start({
    cors: { origins: [PAGE] },
    triggers: { passkeys: { rpId: "localhost", origins: [PAGE] }, throttle: false },
  });
  const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
  const email = "ada@example.com";
  const enrolled = await firstSignInWithEnrolment(stack, client, device, email, "ada");
  expect(enrolled.IdToken).toBeDefined();
  const passkey = await startCustomAuth(stack, client, email);
  const options = passkey.ChallengeParameters!.options!;
  const claim = { [CLIENT_METADATA.passkeyChallenge]: challengeOf(options) };
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
  return {
    stack,
    client,
    email,
    user,
    claim,
    /** A new code sign-in of Ada's, at its CODE step; `metadata` goes with the switch. */
    async codeSignIn(metadata: Record<string, string> = {}) {
      const first = await startCustomAuth(stack, client, email);
      const code = await answerChallenge(stack, client, first.Session, user, "code", {
        [CLIENT_METADATA.method]: "code",
        ...metadata,
      });
      expect(code.ChallengeParameters?.step).toBe(STEP.CODE);
      return code;
    },
    /** The parked sign-in's skip of the enrolment, with its own claim. */
    skipParked() {
      return answerChallenge(stack, client, parked.Session, user, "skip", {
        [CLIENT_METADATA.enrolPasskey]: "skip",
        ...claim,
      });
    },
  };
}

// Adversarial review (session of 2026-12-05, second pass): the record of a
// passkey sign-in abandoned at the enrolment step gives a code sign-in of the
// same user no passcode_amr "pop mfa", even from a modified client that names
// it on every answer (the record is spent then: the parked passkey sign-in's
// own skip under-claims, "otp"). With the spend disabled (37a9305) it failed:
// expected 'pop mfa' to be 'otp'.
describe("an abandoned passkey sign-in's record (local stack)", () => {
  it("gives a code sign-in that names it 'otp' (and is spent: the parked sign-in's skip gets 'otp' too)", async () => {
    // Prepare: Ada's passkey sign-in, parked at the enrolment step
    const { stack, client, email, user, claim, codeSignIn, skipParked } =
      await adasPasskeySignInParkedAtEnrolment();

    // Act: a code sign-in whose (modified) client names the parked record on every answer
    const code = await codeSignIn(claim);
    const byCode = await answerChallenge(
      stack,
      client,
      code.Session,
      user,
      await stack.mailbox.latestCode(email),
      claim,
    );
    // The parked sign-in's skip, with its own claim
    const skipped = await skipParked();

    // Assess
    expect(decodeJwt(byCode.AuthenticationResult!.IdToken!).passcode_amr).toBe("otp");
    // Taken by the code sign-in's answer: the parked session's skip gets tokens, claimed "otp".
    expect(decodeJwt(skipped.AuthenticationResult!.IdToken!).passcode_amr).toBe("otp");
  });
});

// Second-look review (session of 2026-12-06) of 37a9305: a WRONG code that
// names a passkey sign-in's record in progress takes nothing. Verify took it
// on every CODE answer before the code was checked, so anyone who knew the
// address and the challenge (no code, no passkey) turned the user's own
// passkey sign-in into passcode_amr "otp" (fixed in 368e321; failed before:
// expected 'otp' to be 'pop mfa').
describe("a passkey sign-in's record in progress (local stack)", () => {
  it("is not spent by a wrong code that names it: the parked sign-in's skip keeps 'pop mfa'", async () => {
    // Prepare: Ada's passkey sign-in, verified and parked at the enrolment step
    const { stack, client, email, user, claim, codeSignIn, skipParked } =
      await adasPasskeySignInParkedAtEnrolment();

    // Act: someone with her address and that challenge, not her code
    const code = await codeSignIn();
    const right = await stack.mailbox.latestCode(email);
    const wrong = right === "000000" ? "111111" : "000000";
    const refused = await answerChallenge(stack, client, code.Session, user, wrong, claim);
    expect(refused.AuthenticationResult).toBeUndefined();
    // Ada's parked sign-in goes on: she skips the enrolment, with her proof
    const skipped = await skipParked();

    // Assess
    expect(decodeJwt(skipped.AuthenticationResult!.IdToken!).passcode_amr).toBe("pop mfa");
  });
});
