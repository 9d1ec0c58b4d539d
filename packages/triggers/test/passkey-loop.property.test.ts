import { memoryStore } from "@cognito-passcode/triggers";
import { type SoftAuthenticator, softAuthenticator } from "@cognito-passcode/triggers/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { knownUser, type TestUser, unknownUser } from "./support/events.js";
import { harness } from "./support/harness.js";
import { type LoopResult, PasskeyLoop } from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";

/** Enrols `device` for `user` through a code sign-in. */
async function enrol(h: ReturnType<typeof harness>, user: TestUser, device: SoftAuthenticator) {
  const loop = new PasskeyLoop(h.triggers, user);
  await loop.start();
  await loop.respond("code", { "passcode:method": "code" });
  const enrolChallenge = await loop.respond(h.codeSentTo(user.attributes.email!)!, {
    "passcode:enrolPasskey": "true",
  });
  if (enrolChallenge.kind !== "challenge") throw new Error("no ENROL challenge");
  const registration = await device.register(enrolChallenge.parameters.options!);
  const end = await loop.respond(JSON.stringify(registration), { "passcode:enrolPasskey": "true" });
  if (end.kind !== "tokens") throw new Error("enrolment failed");
}

type Forgery =
  | "honest"
  | "uv-false"
  | "origin"
  | "rp-id"
  | "user-handle"
  | "challenge"
  | "other-device"
  | "replay";

const action = fc.oneof(
  fc.record({ kind: fc.constant("switch" as const) }),
  fc.record({ kind: fc.constant("code" as const), right: fc.boolean() }),
  fc.record({ kind: fc.constant("garbage" as const), text: fc.string({ maxLength: 40 }) }),
  fc.record({
    kind: fc.constant("assertion" as const),
    forgery: fc.constantFrom<Forgery>(
      "honest",
      "uv-false",
      "origin",
      "rp-id",
      "user-handle",
      "challenge",
      "other-device",
      "replay",
    ),
  }),
  fc.record({ kind: fc.constant("register" as const), rk: fc.boolean() }),
);
const metadata = fc.dictionary(
  fc.constantFrom("passcode:method", "passcode:enrolPasskey"),
  fc.constantFrom("code", "true", "skip"),
);

describe("passkey loop (property)", () => {
  it("reaches tokens only after the user's own verified passkey or the right code", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(action, metadata), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (steps, asUnknown) => {
          const alice = knownUser();
          const mallory = knownUser("mallory@example.com");
          const users = [alice, mallory];
          const store = memoryStore();
          const h = harness({
            users,
            start: Date.now(),
            passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store },
          });
          const aliceDevice = softAuthenticator({ origin: ORIGIN });
          const malloryDevice = softAuthenticator({ origin: ORIGIN });
          await enrol(h, alice, aliceDevice);
          await enrol(h, mallory, malloryDevice);
          // An honest assertion of an earlier, finished sign-in, for replays.
          const earlier = new PasskeyLoop(h.triggers, alice);
          const earlierFirst = await earlier.start();
          const old = JSON.stringify(
            await aliceDevice.authenticate(
              (earlierFirst as { parameters: Record<string, string> }).parameters.options!,
            ),
          );
          await earlier.respond(old);

          const target: TestUser = asUnknown ? unknownUser("nobody@example.com") : alice;
          const loop = new PasskeyLoop(h.triggers, target);
          let result: LoopResult = await loop.start();
          let proofSent = false;
          for (const [step, meta] of steps) {
            if (result.kind !== "challenge") break;
            const params = result.parameters;
            let answer: string;
            if (step.kind === "switch") answer = "code";
            else if (step.kind === "garbage") answer = step.text;
            else if (step.kind === "code") {
              const code = h.codeSentTo("alice@example.com") ?? "123456";
              answer = step.right ? code : String((Number(code) + 1) % 1_000_000).padStart(6, "0");
              // Alice's code proves nothing for an unknown target: no code was sent to it.
              if (step.right && params.step === "CODE" && !asUnknown) proofSent = true;
            } else if (step.kind === "register") {
              answer = params.options?.includes('"rp"')
                ? JSON.stringify(
                    await softAuthenticator({ origin: ORIGIN }).register(params.options, {
                      rk: step.rk,
                    }),
                  )
                : "{}";
            } else if (step.forgery === "replay") {
              answer = old;
            } else if (params.step === "PASSKEY" && params.options) {
              const overrides = {
                honest: {},
                "uv-false": { userVerified: false },
                origin: { origin: "https://evil.example" },
                "rp-id": { rpId: "evil.example" },
                "user-handle": { userHandle: "b3RoZXItdXNlci1oYW5kbGUtMzItYnl0ZXMtbG9uZ3h4" },
                challenge: { challenge: "Y2hhbGxlbmdlLWZyb20tYW5vdGhlci1zZXNzaW9uLTMy" },
                "other-device": {},
              }[step.forgery];
              const device = step.forgery === "other-device" ? malloryDevice : aliceDevice;
              answer = JSON.stringify(await device.authenticate(params.options, overrides));
              if (step.forgery === "honest" && !asUnknown) proofSent = true;
            } else {
              answer = "{}";
            }
            result = await loop.respond(answer, meta);
          }
          if (result.kind === "tokens") expect(proofSent).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});
