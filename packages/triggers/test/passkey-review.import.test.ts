// Review: @simplewebauthn/server that cannot be loaded (a lambda bundle
// without its chunk) is the server's fault: SERVICE_ERROR, logged as an
// error, nothing stored, and not the user's passkey "rejected".
import { memoryStore } from "@cognito-passcode/triggers";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { describe, expect, it, vi } from "vitest";
import { knownUser } from "./support/events.js";
import { harness } from "./support/harness.js";
import { optionsOf, PasskeyLoop } from "./support/passkey-loop.js";

vi.mock("@simplewebauthn/server", () => {
  throw new Error("Cannot find module '@simplewebauthn/server'");
});

const ORIGIN = "http://localhost:5173";
const ENROL = { "passcode:enrolPasskey": "true" };
function setup() {
  const alice = knownUser();
  const store = memoryStore();
  const h = harness({
    users: [alice],
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store },
  });
  return { alice, store, h, device: softAuthenticator({ origin: ORIGIN }) };
}

describe("review: the WebAuthn library cannot be loaded", () => {
  it("answers a registration with SERVICE_ERROR and stores nothing", async () => {
    // Prepare
    const { alice, store, h, device } = setup();
    const loop = new PasskeyLoop(h.triggers, alice);
    await loop.start();
    await loop.respond("code", { "passcode:method": "code" });
    const enrol = await loop.respond(h.codeSentTo("alice@example.com")!, ENROL);
    // Act
    const result = await loop.respond(
      JSON.stringify(await device.register(optionsOf(enrol))),
      ENROL,
    );
    // Assess
    expect(result).toEqual({ kind: "error", message: "SERVICE_ERROR" });
    expect(await store.getPasskeys(alice.attributes.sub!)).toBeUndefined();
    expect(h.logs.some((l) => l.level === "error")).toBe(true);
  });

  it("answers an assertion of a stored credential with SERVICE_ERROR, no attempt spent", async () => {
    // Prepare: a stored credential (its key is never read: the library is missing)
    const { alice, store, h, device } = setup();
    const first = await new PasskeyLoop(h.triggers, alice).start();
    await device.register({
      rp: { id: "localhost", name: "Acme" },
      user: { id: "dXNlci1oYW5kbGUtdXNlci1oYW5kbGUtdXNlci1oYW5kbA", name: "a", displayName: "a" },
      challenge: "Y2hhbGxlbmdlY2hhbGxlbmdlY2hhbGxlbmdlY2hhbGw",
      pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    });
    const credential = device.credentials[0]!;
    await store.addPasskey(
      alice.attributes.sub!,
      "dXNlci1oYW5kbGUtdXNlci1oYW5kbGUtdXNlci1oYW5kbA",
      {
        id: credential.id,
        publicKey: credential.publicKey,
        counter: 0,
        transports: [],
        deviceType: "multiDevice",
        backedUp: true,
        aaguid: "00000000-0000-0000-0000-000000000000",
        name: "Phone",
        createdAt: h.clock.now,
      },
      { max: 10 },
    );
    const loop = new PasskeyLoop(h.triggers, alice);
    const challenge = await loop.start();
    // Act
    const result = await loop.respond(
      JSON.stringify(await device.authenticate(optionsOf(challenge))),
    );
    // Assess
    expect(optionsOf(first)).toBeTruthy();
    expect(result).toEqual({ kind: "error", message: "SERVICE_ERROR" });
    expect(h.logs.some((l) => l.level === "error")).toBe(true);
  });
});
