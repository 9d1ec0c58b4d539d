// Adversarial review (session of 2026-12-05, second pass) of d04f699: the
// plug-in's passkey proof (passcode:passkeyChallenge) is merged into every
// later answer of that sign-in, and of no other. A sign-in abandoned after a
// verified assertion (at the enrolment step) and followed, in the same
// client, by a code sign-in for the same address, by way of reset() or a
// sign-out: no answer of the code sign-in names the old challenge.
import { type AuthStep, createPasscodeClient } from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import { afterEach, describe, expect, it, vi } from "vitest";
import { codeStep, flush, scriptedTransport, tokensFor } from "./helpers/scripted-transport.js";
import { stubWebAuthn } from "./helpers/stub-webauthn.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const CHALLENGE = "Y2hhbGxlbmdlLW9mLXRoaXJ0eS10d28tYnl0ZXMtLi4u";
const passkeyStep: AuthStep = {
  type: "challenge",
  session: "pk-1",
  parameters: {
    step: "PASSKEY",
    attemptsLeft: "3",
    options: JSON.stringify({ challenge: CHALLENGE, rpId: "localhost", allowCredentials: [] }),
  },
};
const enrolStep: AuthStep = {
  type: "challenge",
  session: "en-1",
  parameters: {
    step: "ENROL",
    attemptsLeft: "2",
    options: JSON.stringify({
      rp: { id: "localhost", name: "App" },
      user: { id: "dXNlci1oYW5kbGU", name: "alice@example.com", displayName: "alice" },
      challenge: "ZW5yb2wtY2hhbGxlbmdl",
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    }),
  },
};

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the passkey proof stays in its sign-in", () => {
  for (const leave of ["reset", "signOut"] as const) {
    it(`after a passkey sign-in left at the enrolment step (${leave}), a code sign-in sends no passcode:passkeyChallenge`, async () => {
      // Prepare: a verified assertion, then the enrolment step, abandoned
      // The registration dialog is cancelled: the screen waits at the enrolment step.
      stubWebAuthn(async (kind) => {
        if (kind === "create") throw Object.assign(new Error("no"), { name: "NotAllowedError" });
        const json = {
          id: `${kind}-cred`,
          rawId: `${kind}-cred`,
          type: "public-key",
          response: {},
        };
        return { toJSON: () => json };
      });
      const script = scriptedTransport();
      const client = createPasscodeClient({
        clientId: "client123",
        transport: script.transport,
        autoSignUp: false,
        passkeys: passkeys(),
      });
      const started = client.signInWithPasskey("alice@example.com", { enrolPasskey: true });
      script.take("initiateAuth").resolve(passkeyStep);
      await flush();
      const assertion = script.take("respondToAuthChallenge");
      expect(assertion.input.clientMetadata).toMatchObject({
        "passcode:passkeyChallenge": CHALLENGE,
      });
      assertion.resolve(enrolStep);
      await flush();
      await started;
      expect(client.getSnapshot().status).toBe("awaitingEnrolment");
      if (leave === "reset") client.reset();
      else await client.signOut();
      expect(client.getSnapshot().status).toBe("signedOut");
      // Act: a code sign-in for the same address (the core switches to a code)
      const requested = client.requestCode("alice@example.com");
      script.take("initiateAuth").resolve(passkeyStep);
      await flush();
      const sw = script.take("respondToAuthChallenge");
      sw.resolve(codeStep());
      await requested;
      const submitted = client.submitCode("123456");
      const code = script.take("respondToAuthChallenge");
      code.resolve({ type: "tokens", tokens: tokensFor(claims) });
      await submitted;
      // Assess
      expect(sw.input.clientMetadata).toEqual({ "passcode:method": "code" });
      expect(code.input.clientMetadata ?? {}).not.toHaveProperty("passcode:passkeyChallenge");
      expect(client.getSnapshot()).toMatchObject({ status: "signedIn" });
      expect(client.getSnapshot()).not.toHaveProperty("method", "passkey");
    });
  }
});
