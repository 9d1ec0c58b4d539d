import { type AuthStep, createPasscodeClient, type PasscodeClient } from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  codeStep,
  cognitoError,
  flush,
  scriptedTransport,
  tokensFor,
} from "./helpers/scripted-transport.js";
import { stubWebAuthn } from "./helpers/stub-webauthn.js";

/**
 * Adversarial cases for ./passkeys: browsers that answer after the client
 * moved on, services that send hostile options and management answers.
 */
const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const requestOptions = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    challenge: "Y2hhbGxlbmdlLW9mLXRoaXJ0eS10d28tYnl0ZXMtLi4u",
    rpId: "localhost",
    userVerification: "required",
    allowCredentials: [],
    ...extra,
  });
let serial = 0;
const passkeyStep = (options = requestOptions()): AuthStep => ({
  type: "challenge",
  session: `pk-${++serial}`,
  parameters: { step: "PASSKEY", attemptsLeft: "3", options },
});

/** A browser whose dialogs ignore their signal and resolve when the test says so. */
function lateBrowser(fallback = false) {
  const open: {
    kind: string;
    publicKey: unknown;
    resolve(v: unknown): void;
    reject(e: unknown): void;
  }[] = [];
  stubWebAuthn(
    (kind, input) =>
      new Promise((resolve, reject) => {
        open.push({ kind, publicKey: input.publicKey, resolve, reject });
      }),
    fallback,
  );
  const credential = (id: string) => {
    const json = { id, rawId: id, type: "public-key", response: {} };
    return { toJSON: () => json };
  };
  return { open, credential };
}

function setup() {
  const script = scriptedTransport();
  const client: PasscodeClient = createPasscodeClient({
    clientId: "client123",
    transport: script.transport,
    autoSignUp: false,
    passkeys: passkeys(),
  });
  return { client, script };
}
type Setup = Pick<ReturnType<typeof setup>, "client" | "script">;

const tokens = (): AuthStep => ({ type: "tokens", tokens: tokensFor(claims) });

/**
 * A passkey sign-in whose PASSKEY challenge carries `options`, up to its
 * dialog; returns `ctx` with signInWithPasskey's promise, not yet settled.
 */
async function startPasskey<T extends Setup>(ctx: T, options = requestOptions()) {
  const started = ctx.client.signInWithPasskey("alice@example.com");
  ctx.script.take("initiateAuth").resolve(passkeyStep(options));
  await flush();
  return { ...ctx, started };
}

/**
 * A code sign-in asking to enrol, the code answered with an ENROL challenge
 * whose creation options name the user id `userId`; returns `ctx` with
 * submitCode's promise, not yet settled.
 */
async function codeAnsweredWithEnrol<T extends Setup>(ctx: T, userId: string) {
  const { client, script } = ctx;
  void client.requestCode("alice@example.com");
  script.take("initiateAuth").resolve(codeStep());
  await flush();
  const submitted = client.submitCode("123456", { enrolPasskey: true });
  script.take("respondToAuthChallenge").resolve({
    type: "challenge",
    session: "en-1",
    parameters: {
      step: "ENROL",
      attemptsLeft: "2",
      options: JSON.stringify({
        challenge: "YWJj",
        rp: { id: "localhost", name: "App" },
        user: { id: userId, name: "alice@example.com", displayName: "alice" },
        pubKeyCredParams: [{ type: "public-key", alg: -7 }],
      }),
    },
  });
  return { ...ctx, submitted };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("a dialog that answers after the client moved on", () => {
  for (const [name, move] of [
    ["reset", (c: PasscodeClient) => c.reset()],
    ["signOut", (c: PasscodeClient) => void c.signOut()],
    ["switchToCode", (c: PasscodeClient) => void c.switchToCode()],
    ["a new passkey sign-in", (c: PasscodeClient) => void c.signInWithPasskey("bob@example.com")],
  ] as const) {
    it(`after ${name}: its credential is never sent, nor shown`, async () => {
      const browser = lateBrowser();
      const { client, script } = setup();
      void client.signInWithPasskey("alice@example.com");
      script.take("initiateAuth").resolve(passkeyStep());
      await flush();
      expect(client.getSnapshot().status).toBe("authenticatingPasskey");
      move(client);
      const after = client.getSnapshot();
      browser.open[0]!.resolve(browser.credential("late"));
      await flush();
      await flush();
      const answers = script.calls.filter(
        (c) => c.op === "respondToAuthChallenge" && c.input.answer !== "code",
      );
      expect(answers).toEqual([]);
      expect(client.getSnapshot()).toBe(after);
    });
  }
});

describe("hostile options", () => {
  const cases: [string, string][] = [
    ["allowCredentials an object", requestOptions({ allowCredentials: { length: 3 } })],
    ["allowCredentials ids not strings", requestOptions({ allowCredentials: [{ id: 7 }] })],
    ["a challenge not base64url", requestOptions({ challenge: "%%%%" })],
    [
      "__proto__ keys",
      '{"challenge":"YWJj","__proto__":{"polluted":"yes"},"allowCredentials":[{"id":"YWJj","__proto__":{"polluted":"yes"}}]}',
    ],
    ["null", "null"],
    ["an array", "[1]"],
    ["rp null", '{"challenge":"YWJj","rp":null}'],
    [
      "1,200 credentials",
      requestOptions({
        allowCredentials: Array.from({ length: 1200 }, () => ({ id: "AA" })),
      }),
    ],
  ];
  for (const fallback of [false, true]) {
    for (const [name, options] of cases) {
      it(`${name} (${fallback ? "fallback" : "native parser"}): no answer sent, no throw, a screen without tokens`, async () => {
        const browser = lateBrowser(fallback);
        const { client, script, started } = await startPasskey(setup(), options);
        for (const d of browser.open)
          d.reject(Object.assign(new Error("x"), { name: "NotAllowedError" }));
        await started;
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        const s = client.getSnapshot();
        expect(s.status).not.toBe("signedIn");
        expect(script.calls.filter((c) => c.op === "respondToAuthChallenge")).toEqual([]);
      });
    }
  }
});

describe("management answers", () => {
  async function signedIn(fetch: typeof globalThis.fetch, timeoutMs?: number) {
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "client123",
      transport: script.transport,
      autoSignUp: false,
      tokenHandler: "https://app.example.com/auth",
      fetch,
      passkeys: passkeys(),
      ...(timeoutMs && { timeoutMs }),
    });
    await flush();
    script.take("refresh").resolve(tokensFor(claims));
    await flush();
    await flush();
    expect(client.getSnapshot().status).toBe("signedIn");
    return client;
  }

  it("a handler that never answers: the calls reject with NETWORK_ERROR (TimeoutError) after timeoutMs, and the session stays", async () => {
    // As fetch does: an aborted signal rejects with its reason.
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as unknown as typeof globalThis.fetch;
    const client = await signedIn(fetch, 50);
    for (const call of [
      () => client.listPasskeys(),
      () => client.renamePasskey("abc", "Phone"),
      () => client.removePasskey("abc"),
    ]) {
      const outcome = await Promise.race([
        call().then(
          () => "resolved",
          (e: { code?: string; details?: { cause?: string } }) => `${e.code} ${e.details?.cause}`,
        ),
        new Promise((r) => setTimeout(() => r("still waiting after 1 s"), 1000)),
      ]);
      expect(outcome).toBe("NETWORK_ERROR TimeoutError");
    }
    expect(client.getSnapshot().status).toBe("signedIn");
  });

  it("a sign-out ends a management call in flight", async () => {
    const fetch = ((_url: string, init: RequestInit) =>
      new Promise((_, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      })) as unknown as typeof globalThis.fetch;
    const client = await signedIn(fetch, 60_000);
    const listed = client.listPasskeys();
    await flush();
    void client.signOut();
    await expect(listed).rejects.toMatchObject({ code: "NETWORK_ERROR" });
  });

  for (const [name, body] of [
    ["a null entry", { Passkeys: [null] }],
    ["a string entry", { Passkeys: ["abc"] }],
    ["an entry without an Id", { Passkeys: [{ Name: "x", CreatedAt: 1 }] }],
    ["an Id that is an object", { Passkeys: [{ Id: { a: 1 }, Name: "x", CreatedAt: 1 }] }],
    [
      "a CreatedAt that is not a number",
      { Passkeys: [{ Id: "abc", Name: "x", CreatedAt: "soon" }] },
    ],
    [
      "a LastUsedAt that is not a number",
      { Passkeys: [{ Id: "abc", Name: "x", CreatedAt: 1, LastUsedAt: {} }] },
    ],
  ] as const) {
    it(`ListPasskeys answering ${name}: listPasskeys rejects with SERVICE_ERROR (no TypeError, no "undefined" ids, no NaN dates)`, async () => {
      const fetch = (async () =>
        new Response(JSON.stringify(body), {
          status: 200,
          headers: { "content-type": "application/json" },
        })) as unknown as typeof globalThis.fetch;
      const client = await signedIn(fetch);
      await expect(client.listPasskeys()).rejects.toMatchObject({ code: "SERVICE_ERROR" });
    });
  }
});

describe("a service that alternates PASSKEY and ENROL before any proof", () => {
  const enrolStep = (): AuthStep => ({
    type: "challenge",
    session: `en-${++serial}`,
    parameters: { step: "ENROL", attemptsLeft: "2", options: '{"challenge":"YWJj"}' },
  });
  for (const withPlugin of [false, true]) {
    it(`requestCode (${withPlugin ? "with" : "without"} ./passkeys) answers a few of them at most, then fails closed`, async () => {
      const script = scriptedTransport();
      const client = createPasscodeClient({
        clientId: "client123",
        transport: script.transport,
        autoSignUp: false,
        ...(withPlugin && { passkeys: passkeys() }),
      });
      const requested = client.requestCode("alice@example.com");
      script.take("initiateAuth").resolve(passkeyStep());
      let answered = 0;
      for (let round = 0; round < 20; round++) {
        await flush();
        const next = script.calls.find((c) => c.op === "respondToAuthChallenge");
        if (!next) break;
        script.take("respondToAuthChallenge");
        answered++;
        // PASSKEY answered with the switch: ENROL (no proof yet); ENROL answered: PASSKEY again.
        next.resolve(next.input.answer === "code" ? enrolStep() : passkeyStep());
      }
      await flush();
      expect(answered).toBeLessThanOrEqual(2);
      await requested;
      expect(client.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "SERVICE_ERROR" },
      });
    });
  }
});

describe("options the browser's parser refuses", () => {
  const domError = (name: string) => Object.assign(new Error(name), { name });
  const cases: [string, string, ((json: unknown) => object) | undefined][] = [
    ["a challenge not base64url (fallback)", requestOptions({ challenge: "%%%%" }), undefined],
    [
      "allowCredentials an object (fallback)",
      requestOptions({ allowCredentials: { a: 1 } }),
      undefined,
    ],
    [
      "a credential id not a string (fallback)",
      requestOptions({ allowCredentials: [{ id: 7 }] }),
      undefined,
    ],
    [
      "EncodingError from parseRequestOptionsFromJSON",
      requestOptions(),
      () => {
        throw domError("EncodingError");
      },
    ],
    [
      "TypeError from parseRequestOptionsFromJSON",
      requestOptions(),
      () => {
        throw new TypeError("missing member");
      },
    ],
  ];
  for (const [name, options, parse] of cases) {
    it(`${name}: no dialog, the sign-in ends with SERVICE_ERROR (not PASSKEY_CANCELLED, which asks the user to retry the same options)`, async () => {
      const browser = lateBrowser(!parse);
      if (parse) vi.stubGlobal("PublicKeyCredential", { parseRequestOptionsFromJSON: parse });
      const { client, script, started } = await startPasskey(setup(), options);
      for (const d of browser.open) d.reject(domError("NotAllowedError"));
      await started;
      expect(browser.open).toEqual([]);
      expect(client.getSnapshot()).toMatchObject({
        status: "signedOut",
        error: { code: "SERVICE_ERROR" },
      });
      expect(script.calls).toEqual([]);
    });
  }

  it("the same for an ENROL's creation options (a user id not base64url, fallback)", async () => {
    const browser = lateBrowser(true);
    const { client, submitted } = await codeAnsweredWithEnrol(setup(), "%%%");
    await submitted;
    expect(browser.open).toEqual([]);
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SERVICE_ERROR" },
    });
  });
});

describe("a service that answers every request at once with any challenge (property)", () => {
  const creation = JSON.stringify({
    rp: { id: "localhost", name: "App" },
    user: { id: "dXNlcg", name: "alice@example.com", displayName: "alice" },
    challenge: "ZW5yb2w",
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
  });
  const challenges: Record<string, string>[] = [
    { step: "PASSKEY", attemptsLeft: "3", options: requestOptions() },
    { step: "PASSKEY", attemptsLeft: "1", rejected: "true", options: requestOptions() },
    { step: "ENROL", attemptsLeft: "2", options: creation },
    { step: "ENROL", attemptsLeft: "1", rejected: "true", options: creation },
    { step: "ENROL", attemptsLeft: "0", rejected: "true" },
    { step: "ENROL", attemptsLeft: "2", reason: "PASSKEY_LIMIT" },
    {
      step: "CODE",
      attemptsLeft: "3",
      codeLength: "6",
      expiresAt: "9999999999999",
      email: "a***@e***.com",
    },
    { step: "USERNAME", attemptsLeft: "3", minLength: "3", maxLength: "30" },
  ];

  it("never has the client send more than 3 requests for one call or dialog, nor sign in without tokens", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(challenges.length - 1), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(9), { maxLength: 25 }),
        async (picks, userCalls) => {
          let turn = 0;
          let sent = 0;
          const next = async (): Promise<AuthStep> => {
            sent++;
            // A runaway client: stop it here, the assertion below reports it.
            if (sent > 50) throw new TypeError("Failed to fetch");
            const parameters = challenges[picks[turn++ % picks.length]!]!;
            return { type: "challenge", session: `s-${turn}`, parameters };
          };
          const transport = {
            signUp: async () => {},
            initiateAuth: next,
            respondToAuthChallenge: next,
            refresh: async () => {
              throw cognitoError("NotAuthorizedException");
            },
            revokeToken: async () => {},
            globalSignOut: async () => {},
          };
          // A dialog is the user's doing (a choice in it): the count starts again.
          stubWebAuthn(async (kind) => {
            sent = 0;
            const id = kind === "get" ? "a" : "r";
            return { toJSON: () => ({ id, type: "public-key", response: {} }) };
          });
          const client = createPasscodeClient({
            clientId: "client123",
            transport,
            autoSignUp: false,
            passkeys: passkeys(),
          });
          const calls = [
            () => client.requestCode("alice@example.com"),
            () => client.submitCode("123456"),
            () => client.submitCode("123456", { enrolPasskey: true }),
            () => client.submitUsername("alice"),
            () => client.signInWithPasskey("alice@example.com"),
            () => client.signInWithPasskey("alice@example.com", { enrolPasskey: true }),
            () => client.retryPasskey(),
            () => client.switchToCode(),
            () => client.enrolPasskey(),
            () => client.skipEnrolment(),
          ];
          for (const i of userCalls) {
            sent = 0;
            await calls[i]!();
            for (let k = 0; k < 5; k++) await flush();
            // At most: InitiateAuth, the switch, and the skip of an ENROL the client did not ask for.
            expect(sent).toBeLessThanOrEqual(3);
            expect(client.getSnapshot().status).not.toBe("signedIn");
          }
          vi.unstubAllGlobals();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("another tab during a passkey sign-in", () => {
  for (const mode of ["storage", "cookie"] as const) {
    it(`(${mode} mode) signing in or out there leaves the dialog and this sign-in alone; its tokens arrive only from this sign-in's answer`, async () => {
      const browser = lateBrowser();
      let receive: ((m: "signedIn" | "signedOut") => void) | undefined;
      const posted: string[] = [];
      const items = new Map<string, string>();
      const script = scriptedTransport();
      const client = createPasscodeClient({
        clientId: "client123",
        transport: script.transport,
        autoSignUp: false,
        passkeys: passkeys(),
        tabs: {
          connect: (_id, r) => {
            receive = r;
            return { lock: (task) => task(), post: (m) => void posted.push(m) };
          },
        },
        ...(mode === "cookie"
          ? { tokenHandler: "https://app.example.com/auth" }
          : {
              storage: {
                getItem: (k: string) => items.get(k) ?? null,
                setItem: (k: string, v: string) => void items.set(k, v),
                removeItem: (k: string) => void items.delete(k),
              },
            }),
      });
      // Restoring: no session yet.
      await flush();
      if (mode === "cookie") script.take("refresh").reject(cognitoError("NotAuthorizedException"));
      await flush();
      await flush();
      expect(client.getSnapshot().status).toBe("signedOut");
      const { started } = await startPasskey({ client, script });
      expect(client.getSnapshot().status).toBe("authenticatingPasskey");
      const dialog = browser.open[0]!;
      const before = client.getSnapshot();
      receive!("signedIn");
      receive!("signedOut");
      await flush();
      expect(client.getSnapshot()).toBe(before);
      expect(script.calls).toEqual([]);
      dialog.resolve(browser.credential("mine"));
      await flush();
      const assertion = script.take("respondToAuthChallenge");
      expect(JSON.parse(assertion.input.answer!).id).toBe("mine");
      assertion.resolve(tokens());
      await started;
      for (let i = 0; i < 3; i++) await flush();
      expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "passkey" });
      expect(posted).toEqual(["signedIn"]);
    });
  }
});

describe("double clicks", () => {
  it("retryPasskey twice: one dialog, no INVALID_STATE on the screen while it is open, one outcome for both", async () => {
    const browser = lateBrowser();
    const { client, script, started } = await startPasskey(setup());
    browser.open[0]!.reject(Object.assign(new Error("x"), { name: "NotAllowedError" }));
    await started;
    expect(client.getSnapshot().status).toBe("awaitingPasskey");
    const first = client.retryPasskey();
    const open = client.getSnapshot();
    expect(open.status).toBe("authenticatingPasskey");
    const second = client.retryPasskey();
    expect(browser.open).toHaveLength(2);
    // Not INVALID_STATE on the screen under the dialog: nothing changed.
    expect(client.getSnapshot()).toBe(open);
    browser.open[1]!.resolve(browser.credential("c"));
    await flush();
    script.take("respondToAuthChallenge").resolve(tokens());
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ status: "signedIn", method: "passkey" });
    expect(b).toBe(a);
  });

  it("enrolPasskey twice: one dialog, no INVALID_STATE on the screen while it is open, one outcome for both", async () => {
    const browser = lateBrowser();
    const { client, script, submitted } = await codeAnsweredWithEnrol(setup(), "dXNlcg");
    await flush();
    browser.open[0]!.reject(Object.assign(new Error("x"), { name: "NotAllowedError" }));
    await submitted;
    expect(client.getSnapshot().status).toBe("awaitingEnrolment");
    const first = client.enrolPasskey();
    const open = client.getSnapshot();
    expect(open).toEqual({ status: "enrollingPasskey", attemptsLeft: 2 });
    const second = client.enrolPasskey();
    expect(browser.open).toHaveLength(2);
    expect(client.getSnapshot()).toBe(open);
    browser.open[1]!.resolve(browser.credential("r"));
    await flush();
    script.take("respondToAuthChallenge").resolve(tokens());
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ status: "signedIn", passkeyEnrolled: true });
    expect(b).toBe(a);
  });
});
