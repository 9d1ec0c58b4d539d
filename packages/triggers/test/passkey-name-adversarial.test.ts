import { memoryStore } from "@cognito-passcode/triggers";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { knownUser } from "./support/events.js";
import { harness } from "./support/harness.js";
import { type LoopResult, PasskeyLoop } from "./support/passkey-loop.js";

const ORIGIN = "http://localhost:5173";

const parametersOf = (result: LoopResult) =>
  result.kind === "challenge" ? result.parameters : ({} as Record<string, string>);

/**
 * Enrols a passkey at a code sign-in whose registration answer names it
 * `name` (`passcode:passkeyName`, which any client can set), and returns the
 * name the store kept.
 */
async function enrolNamed(name: string): Promise<string | undefined> {
  const user = knownUser();
  const store = memoryStore();
  const h = harness({
    users: [user],
    start: Date.now(),
    passkeys: { rpId: "localhost", rpName: "Acme", origins: [ORIGIN], store },
  });
  const device = softAuthenticator({ origin: ORIGIN });
  const loop = new PasskeyLoop(h.triggers, user);
  await loop.start();
  await loop.respond("code", { "passcode:method": "code", "passcode:enrolPasskey": "true" });
  const enrol = await loop.respond(h.codeSentTo(user.attributes.email!)!, {
    "passcode:enrolPasskey": "true",
  });
  expect(parametersOf(enrol).step).toBe("ENROL");
  const registration = await device.register(parametersOf(enrol).options!);
  const result = await loop.respond(JSON.stringify(registration), {
    "passcode:enrolPasskey": "true",
    "passcode:passkeyName": name,
  });
  expect(result).toEqual({ kind: "tokens" });
  return (await store.getPasskeys(user.attributes.sub!))?.passkeys[0]?.name;
}

/** What the token handler's RenamePasskey refuses in a name (packages/token-handler/src/passkeys.ts). */
const REFUSED_BY_RENAME = /[\p{Cc}\p{Bidi_Control}\u2028\u2029\p{Cs}]/u;

describe("the name an enrolment stores (passcode:passkeyName, set by any client)", () => {
  it.each([
    ["a right-to-left override", "\u202Egnp.exe"],
    ["a right-to-left isolate", "Work \u2067laptop"],
    ["a left-to-right mark", "Phone\u200E"],
    ["a line separator", "Phone\u2028Tablet"],
    ["a lone surrogate", "Phone \ud800"],
  ])(
    "keeps no name holding %s (the default 'Passkey' instead), as RenamePasskey refuses it",
    async (_, name) => {
      // Act
      const stored = await enrolNamed(name);
      // Assess
      expect(stored).toBe("Passkey");
    },
  );

  it("keeps emoji, ZWJ sequences and HTML-looking names as sent", async () => {
    expect(await enrolNamed("👨‍👩‍👧‍👦 Family iPad")).toBe("👨‍👩‍👧‍👦 Family iPad");
    expect(await enrolNamed("<b>Work</b> & co")).toBe("<b>Work</b> & co");
  });

  it("property: a stored name is one RenamePasskey would accept", async () => {
    const risky = fc.constantFrom(
      "\u202E",
      "\u202D",
      "\u2066",
      "\u2067",
      "\u2068",
      "\u2069",
      "\u200E",
      "\u200F",
      "\u061C",
      "\u2028",
      "\u2029",
      "\u0000",
      "\u001B",
      "\u0085",
      "\ud800",
      "\udfff",
      "😀",
      "a",
      " ",
      "<",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(risky, { minLength: 1, maxLength: 12 }), async (parts) => {
        const stored = await enrolNamed(`Key ${parts.join("")}`);
        expect(stored).toBeDefined();
        expect(REFUSED_BY_RENAME.test(stored!)).toBe(false);
      }),
      { numRuns: 40 },
    );
  });
});
