import {
  type AuthStep,
  createPasscodeClient,
  type PasscodeSnapshot,
  type PasscodeTokens,
  transition,
} from "@cognito-passcode/client";
import {
  credentialJSON,
  decodeOptions,
  passkeyName,
  passkeys,
  passkeyTransition,
} from "@cognito-passcode/client/passkeys";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { snapshotProblem } from "./helpers/invariants.js";
import {
  codeStep,
  cognitoError,
  flush,
  type PendingCall,
  scriptedTransport,
  tokensFor,
  usernameStep,
} from "./helpers/scripted-transport.js";
import { stubWebAuthn } from "./helpers/stub-webauthn.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const requestOptions = JSON.stringify({
  challenge: "Y2hhbGxlbmdlLW9mLXRoaXJ0eS10d28tYnl0ZXMtLi4u",
  rpId: "localhost",
  timeout: 120000,
  userVerification: "required",
  allowCredentials: [],
});
const creationOptions = JSON.stringify({
  rp: { id: "localhost", name: "App" },
  user: { id: "dXNlci1oYW5kbGU", name: "alice@example.com", displayName: "@alice" },
  challenge: "ZW5yb2wtY2hhbGxlbmdl",
  pubKeyCredParams: [{ type: "public-key", alg: -7 }],
  excludeCredentials: [{ type: "public-key", id: "b2xkLWNyZWQ", transports: ["internal"] }],
  authenticatorSelection: { residentKey: "required", userVerification: "required" },
  attestation: "none",
});

let serial = 0;
const passkeyStep = (attemptsLeft = 3, rejected = false): AuthStep => ({
  type: "challenge",
  session: `pk-${++serial}`,
  parameters: {
    step: "PASSKEY",
    attemptsLeft: String(attemptsLeft),
    options: requestOptions,
    ...(rejected && { rejected: "true" }),
  },
});
const enrolStep = (attemptsLeft = 2, extra: Record<string, string> = {}): AuthStep => ({
  type: "challenge",
  session: `en-${++serial}`,
  parameters: {
    step: "ENROL",
    attemptsLeft: String(attemptsLeft),
    ...(attemptsLeft > 0 && !extra.reason && { options: creationOptions }),
    ...extra,
  },
});
const tokens = (): AuthStep => ({ type: "tokens", tokens: tokensFor(claims) });

/** A minimal browser WebAuthn: each ceremony does what `script` says next (default: succeed). */
function fakeBrowser() {
  const script: ("ok" | "NotAllowedError" | "InvalidStateError" | "hold")[] = [];
  const signals: AbortSignal[] = [];
  const state = { open: 0 };
  stubWebAuthn(async (kind, input) => {
    signals.push(input.signal);
    const next = script.shift() ?? "ok";
    if (next === "hold") {
      state.open++;
      await new Promise((_, reject) =>
        input.signal.addEventListener("abort", () => {
          state.open--;
          reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
        }),
      );
    }
    if (next !== "ok") throw Object.assign(new Error(next), { name: next });
    const json = { id: `${kind}-cred`, rawId: `${kind}-cred`, type: "public-key", response: {} };
    return { toJSON: () => json };
  });
  return { script, signals, state };
}

function setup(withPlugin = true, extra: Record<string, unknown> = {}) {
  const script = scriptedTransport();
  const client = createPasscodeClient({
    clientId: "client123",
    transport: script.transport,
    autoSignUp: false,
    ...(withPlugin && { passkeys: passkeys() }),
    ...extra,
  });
  const statuses: string[] = [];
  client.subscribe(() => statuses.push(client.getSnapshot().status));
  return { client, script, statuses };
}
type Setup = ReturnType<typeof setup>;

/** requestCode answered at once with the CODE step: returns `ctx`, its client awaiting the code. */
async function atCode(ctx: Setup) {
  const requested = ctx.client.requestCode("alice@example.com");
  ctx.script.take("initiateAuth").resolve(codeStep());
  await requested;
  return ctx;
}

/**
 * The code, asking to enrol, answered with the USERNAME step, then the name:
 * both answers carry passcode:enrolPasskey "true". Returns the name's answer
 * (not yet answered) and submitUsername's promise.
 */
async function codeThenNameEnrolling({ client, script }: Setup) {
  const submitted = client.submitCode("123456", { enrolPasskey: true });
  const code = script.take("respondToAuthChallenge");
  expect(code.input.clientMetadata).toEqual({ "passcode:enrolPasskey": "true" });
  code.resolve(usernameStep());
  await submitted;
  const named = client.submitUsername("alice");
  const username = script.take("respondToAuthChallenge");
  expect(username.input.clientMetadata).toEqual({ "passcode:enrolPasskey": "true" });
  return { named, username };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("the core client on a deployment with passkeys on (no ./passkeys)", () => {
  it("answers a PASSKEY challenge during requestCode with the switch to a code, staying sendingCode", async () => {
    const { client, script, statuses } = setup(false);
    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(passkeyStep());
    await flush();
    const sw = script.take("respondToAuthChallenge");
    expect(sw.input).toMatchObject({
      username: "alice@example.com",
      answer: "code",
      clientMetadata: { "passcode:method": "code" },
    });
    expect(client.getSnapshot().status).toBe("sendingCode");
    sw.resolve(codeStep());
    await requested;
    expect(statuses).toEqual(["sendingCode", "awaitingCode"]);
    const submitted = client.submitCode("123456");
    const answer = script.take("respondToAuthChallenge");
    // A code answer is what it always was: no ClientMetadata.
    expect(answer.input).not.toHaveProperty("clientMetadata");
    answer.resolve(tokens());
    await submitted;
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "code" });
  });

  it("fails closed on a second PASSKEY challenge after the switch (no loop of switches)", async () => {
    const { client, script } = setup(false);
    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(passkeyStep());
    await flush();
    script.take("respondToAuthChallenge").resolve(passkeyStep());
    await requested;
    expect(client.getSnapshot()).toEqual({
      status: "signedOut",
      error: { code: "SERVICE_ERROR", message: "SERVICE_ERROR" },
    });
    expect(script.calls).toEqual([]);
  });

  it("answers an ENROL challenge it did not ask for with a skip, once; a second one fails closed", async () => {
    for (const again of [false, true]) {
      const { client, script } = await atCode(setup(false));
      const submitted = client.submitCode("123456");
      script.take("respondToAuthChallenge").resolve(enrolStep());
      await flush();
      const skip = script.take("respondToAuthChallenge");
      expect(skip.input).toMatchObject({
        answer: "skip",
        clientMetadata: { "passcode:enrolPasskey": "skip" },
      });
      expect(client.getSnapshot().status).toBe("verifyingCode");
      skip.resolve(again ? enrolStep() : tokens());
      await submitted;
      // A second one: the sign-in ends (the code screen with no attempts, as for any protocol fault).
      expect(client.getSnapshot()).toMatchObject(
        again
          ? { status: "awaitingCode", attemptsLeft: 0, error: { code: "SERVICE_ERROR" } }
          : { status: "signedIn", method: "code" },
      );
      expect(script.calls).toEqual([]);
    }
  });

  it("a PASSKEY challenge after a code answer fails closed", async () => {
    const { client, script } = await atCode(setup(false));
    const submitted = client.submitCode("123456");
    script.take("respondToAuthChallenge").resolve(passkeyStep());
    await submitted;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SERVICE_ERROR" },
    });
  });

  it("rejects every passkey method and enrolPasskey with CONFIGURATION_ERROR, sending nothing", async () => {
    const { client, script } = await atCode(setup(false));
    await expect(client.submitCode("123456", { enrolPasskey: true })).rejects.toMatchObject({
      name: "PasscodeError",
      code: "CONFIGURATION_ERROR",
    });
    for (const call of [
      () => client.signInWithPasskey("alice@example.com"),
      () => client.retryPasskey(),
      () => client.switchToCode(),
      () => client.enrolPasskey(),
      () => client.skipEnrolment(),
      () => client.listPasskeys(),
      () => client.renamePasskey("id", "name"),
      () => client.removePasskey("id"),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: "CONFIGURATION_ERROR" });
    }
    expect(script.calls).toEqual([]);
    expect(client.getSnapshot().status).toBe("awaitingCode");
    // enrolPasskey: false is no request for enrolment: accepted.
    const submitted = client.submitCode("123456", { enrolPasskey: false });
    expect(script.take("respondToAuthChallenge").input).not.toHaveProperty("clientMetadata");
    await flush();
    void submitted;
  });
});

describe("the ./passkeys plug-in with a scripted service", () => {
  /** Signs in with a passkey up to the assertion answer in flight. */
  async function toAssertion(extra: { enrolPasskey?: boolean } = {}) {
    const browser = fakeBrowser();
    const ctx = setup(true);
    const started = ctx.client.signInWithPasskey(" Alice@Example.com", extra);
    expect(ctx.client.getSnapshot()).toEqual({
      status: "startingPasskey",
      email: "alice@example.com",
    });
    const initiate = ctx.script.take("initiateAuth");
    expect(initiate.input.username).toBe("alice@example.com");
    return { ...ctx, browser, started, initiate };
  }

  /** A passkey sign-in whose assertion is refused: PASSKEY_REJECTED, 2 attempts left. */
  async function afterRefusedAssertion() {
    const ctx = await toAssertion();
    ctx.initiate.resolve(passkeyStep());
    await flush();
    ctx.script.take("respondToAuthChallenge").resolve(passkeyStep(2, true));
    await ctx.started;
    return ctx;
  }

  it("never calls SignUp, sends the assertion with passcode:passkeyChallenge, and signs in with method passkey", async () => {
    const { client, script, statuses, started, initiate } = await toAssertion();
    initiate.resolve(passkeyStep());
    await flush();
    const answer = script.take("respondToAuthChallenge");
    expect(JSON.parse(answer.input.answer!)).toMatchObject({ id: "get-cred" });
    expect(answer.input.clientMetadata).toEqual({
      "passcode:passkeyChallenge": JSON.parse(requestOptions).challenge,
    });
    expect(client.getSnapshot()).toEqual({
      status: "verifyingPasskey",
      email: "alice@example.com",
      attemptsLeft: 3,
    });
    answer.resolve(tokens());
    await started;
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "passkey" });
    expect(statuses).toEqual([
      "startingPasskey",
      "authenticatingPasskey",
      "verifyingPasskey",
      "signedIn",
    ]);
  });

  it("a passkey proof followed by a USERNAME step sends passcode:passkeyChallenge with the username (the answer that gets tokens)", async () => {
    const { client, script, started, initiate } = await toAssertion();
    initiate.resolve(passkeyStep());
    await flush();
    script.take("respondToAuthChallenge").resolve(usernameStep());
    await started;
    expect(client.getSnapshot().status).toBe("awaitingUsername");
    const named = client.submitUsername("alice");
    const username = script.take("respondToAuthChallenge");
    expect(username.input.clientMetadata).toEqual({
      "passcode:passkeyChallenge": JSON.parse(requestOptions).challenge,
    });
    username.resolve(tokens());
    await named;
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "passkey" });
  });

  it("a refused assertion, switchToCode, then a code with enrolment: no answer after the switch carries passcode:passkeyChallenge", async () => {
    const browser = fakeBrowser();
    const ctx = await afterRefusedAssertion();
    const { client, script } = ctx;
    const switched = client.switchToCode();
    script.take("respondToAuthChallenge").resolve(codeStep());
    await switched;
    const { named, username } = await codeThenNameEnrolling(ctx);
    browser.script.push("ok");
    username.resolve(enrolStep());
    await flush();
    const registration = script.take("respondToAuthChallenge");
    expect(registration.input.clientMetadata).not.toHaveProperty("passcode:passkeyChallenge");
    registration.resolve(enrolStep(1, { rejected: "true" }));
    await named;
    const skipped = client.skipEnrolment();
    const skip = script.take("respondToAuthChallenge");
    expect(skip.input.clientMetadata).toEqual({
      "passcode:enrolPasskey": "skip",
    });
    skip.resolve(tokens());
    await skipped;
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "code" });
  });

  it("a refused assertion waits for a click with PASSKEY_REJECTED; switchToCode switches; the code then signs in with method code", async () => {
    const ctx = await afterRefusedAssertion();
    const { client, script } = ctx;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingPasskey",
      attemptsLeft: 2,
      error: { code: "PASSKEY_REJECTED" },
    });
    const switched = client.switchToCode();
    expect(client.getSnapshot()).toEqual({ status: "sendingCode", email: "alice@example.com" });
    const sw = script.take("respondToAuthChallenge");
    expect(sw.input).toMatchObject({
      answer: "code",
      clientMetadata: { "passcode:method": "code" },
    });
    sw.resolve(codeStep());
    await switched;
    const submitted = client.submitCode("123456");
    script.take("respondToAuthChallenge").resolve(tokens());
    await submitted;
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "code" });
  });

  it("the last assertion refused ends the sign-in with TOO_MANY_ATTEMPTS; an earlier one's network failure waits for a click", async () => {
    const { client, script, started, initiate } = await toAssertion();
    initiate.resolve(passkeyStep(2));
    await flush();
    script.take("respondToAuthChallenge").reject(new TypeError("Failed to fetch"));
    await started;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingPasskey",
      attemptsLeft: 2,
      error: { code: "NETWORK_ERROR" },
    });
    const retried = client.retryPasskey();
    await flush();
    script.take("respondToAuthChallenge").resolve(passkeyStep(1, true));
    await retried;
    const last = client.retryPasskey();
    await flush();
    script
      .take("respondToAuthChallenge")
      .reject(cognitoError("NotAuthorizedException", "Incorrect username or password."));
    await last;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "TOO_MANY_ATTEMPTS" },
    });
  });

  it("PASSKEY_REQUIRED from Verify after a right code is shown on the code screen; signInWithPasskey is offered from there", async () => {
    fakeBrowser();
    const { client, script } = setup(true);
    const requested = client.requestCode("alice@example.com");
    script.take("initiateAuth").resolve(passkeyStep());
    await flush();
    script.take("respondToAuthChallenge").resolve(codeStep());
    await requested;
    const submitted = client.submitCode("123456");
    script
      .take("respondToAuthChallenge")
      .reject(
        cognitoError(
          "UserLambdaValidationException",
          "VerifyAuthChallengeResponse failed with error PASSKEY_REQUIRED.",
        ),
      );
    await submitted;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      error: { code: "PASSKEY_REQUIRED" },
    });
    void client.signInWithPasskey("alice@example.com");
    expect(client.getSnapshot().status).toBe("startingPasskey");
  });

  it("sends enrolPasskey on every later answer once asked; a cancelled registration waits, enrolPasskey retries, tokens say passkeyEnrolled", async () => {
    const browser = fakeBrowser();
    const ctx = await atCode(setup(true));
    const { client, script } = ctx;
    const { named, username } = await codeThenNameEnrolling(ctx);
    browser.script.push("NotAllowedError");
    username.resolve(enrolStep());
    await named;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingEnrolment",
      attemptsLeft: 2,
      error: { code: "PASSKEY_CANCELLED" },
    });
    expect(script.calls).toEqual([]);
    const enrolled = client.enrolPasskey();
    await flush();
    const registration = script.take("respondToAuthChallenge");
    expect(JSON.parse(registration.input.answer!)).toMatchObject({ id: "create-cred" });
    expect(registration.input.clientMetadata).toEqual({
      "passcode:enrolPasskey": "true",
      "passcode:passkeyName": expect.any(String),
    });
    registration.resolve(tokens());
    await enrolled;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedIn",
      method: "code",
      passkeyEnrolled: true,
    });
  });

  it("a refused registration, then the given-up ENROL (no options): enrolPasskey is refused, skip signs in without passkeyEnrolled", async () => {
    fakeBrowser();
    const { client, script } = await atCode(setup(true));
    const submitted = client.submitCode("123456", { enrolPasskey: true });
    script.take("respondToAuthChallenge").resolve(enrolStep());
    await flush();
    script.take("respondToAuthChallenge").resolve(enrolStep(0, { rejected: "true" }));
    await submitted;
    expect(client.getSnapshot()).toEqual({
      status: "awaitingEnrolment",
      attemptsLeft: 0,
      error: { code: "PASSKEY_REJECTED", message: "PASSKEY_REJECTED" },
    });
    await client.enrolPasskey();
    expect(client.getSnapshot().error?.code).toBe("INVALID_STATE");
    const skipped = client.skipEnrolment();
    const skip = script.take("respondToAuthChallenge");
    expect(skip.input).toMatchObject({
      answer: "skip",
      clientMetadata: { "passcode:enrolPasskey": "skip" },
    });
    skip.resolve(tokens());
    await skipped;
    expect(client.getSnapshot()).toEqual({
      status: "signedIn",
      user: { sub: "sub-1", email: "alice@example.com", username: "alice" },
      method: "code",
    });
  });

  it("PASSKEY_LIMIT: no dialog, the enrolment screen says why", async () => {
    fakeBrowser();
    const { client, script } = setup(true);
    const started = client.signInWithPasskey("alice@example.com", { enrolPasskey: true });
    script.take("initiateAuth").resolve(passkeyStep());
    await flush();
    const assertion = script.take("respondToAuthChallenge");
    expect(assertion.input.clientMetadata).toMatchObject({ "passcode:enrolPasskey": "true" });
    assertion.resolve(enrolStep(2, { reason: "PASSKEY_LIMIT" }));
    await started;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingEnrolment",
      reason: "PASSKEY_LIMIT",
      error: { code: "PASSKEY_LIMIT" },
    });
  });

  it.each(["reset", "signOut", "signInWithPasskey", "switchToCode"] as const)(
    "aborts an open dialog on %s, and sends nothing for it",
    async (how) => {
      const { client, script, browser, started, initiate } = await toAssertion();
      browser.script.push("hold");
      initiate.resolve(passkeyStep());
      await flush();
      expect(client.getSnapshot().status).toBe("authenticatingPasskey");
      const [signal] = browser.signals;
      expect(signal!.aborted).toBe(false);
      // Bound methods: callable without the object.
      const { switchToCode } = client;
      if (how === "reset") client.reset();
      else if (how === "signOut") void client.signOut();
      else if (how === "switchToCode") void switchToCode();
      else void client.signInWithPasskey("bob@example.com");
      expect(signal!.aborted).toBe(true);
      await started;
      await flush();
      // Nothing answers the first challenge with an assertion.
      const answers = script.calls.filter((c) => c.op === "respondToAuthChallenge");
      expect(answers.every((c) => c.input.answer === "code")).toBe(true);
      if (how === "signInWithPasskey") {
        expect(client.getSnapshot()).toEqual({
          status: "startingPasskey",
          email: "bob@example.com",
        });
      }
      if (how === "switchToCode") expect(client.getSnapshot().status).toBe("sendingCode");
      if (how === "reset" || how === "signOut") {
        expect(client.getSnapshot().status).toBe("signedOut");
      }
    },
  );

  it("without WebAuthn (no navigator): PASSKEY_UNSUPPORTED, and switchToCode still works", async () => {
    vi.stubGlobal("navigator", undefined);
    vi.stubGlobal("PublicKeyCredential", undefined);
    const { client, script } = setup(true);
    const started = client.signInWithPasskey("alice@example.com");
    script.take("initiateAuth").resolve(passkeyStep());
    await started;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingPasskey",
      error: { code: "PASSKEY_UNSUPPORTED" },
    });
    void client.switchToCode();
    expect(script.take("respondToAuthChallenge").input.answer).toBe("code");
  });

  it("malformed options JSON fails closed, and an invalid email sends nothing", async () => {
    fakeBrowser();
    const { client, script } = setup(true);
    await client.signInWithPasskey("not-an-email");
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "INVALID_EMAIL" },
    });
    expect(script.calls).toEqual([]);
    const started = client.signInWithPasskey("alice@example.com");
    script.take("initiateAuth").resolve({
      type: "challenge",
      session: "s",
      parameters: { step: "PASSKEY", attemptsLeft: "3", options: "{not json" },
    });
    await started;
    expect(client.getSnapshot()).toMatchObject({
      status: "signedOut",
      error: { code: "SERVICE_ERROR" },
    });
  });

  it("on a deployment without passkeys, signInWithPasskey lands on the code the service sent", async () => {
    fakeBrowser();
    const { client, script } = setup(true);
    const started = client.signInWithPasskey("alice@example.com");
    script.take("initiateAuth").resolve(codeStep());
    await started;
    expect(client.getSnapshot()).toMatchObject({
      status: "awaitingCode",
      email: "alice@example.com",
    });
  });
});

describe("passkey management calls", () => {
  async function signedInWith(fetch: typeof globalThis.fetch, extra: Record<string, unknown> = {}) {
    const script = scriptedTransport();
    const client = createPasscodeClient({
      clientId: "client123",
      transport: script.transport,
      autoSignUp: false,
      tokenHandler: "https://app.example.com/auth",
      fetch,
      passkeys: passkeys(),
      ...extra,
    });
    await flush();
    script.take("refresh").resolve(tokensFor(claims));
    await flush();
    await flush();
    expect(client.getSnapshot().status).toBe("signedIn");
    return client;
  }

  const answer = (status: number, body: unknown, type?: string) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", ...(type && { "x-amzn-errortype": type }) },
    });

  it("posts each operation to the token handler with the access token, its header and credentials", async () => {
    const seen: { url: string; init: RequestInit }[] = [];
    const fetch = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      const target = new Headers(init.headers).get("x-amz-target");
      return answer(
        200,
        target === "CognitoPasscodeService.ListPasskeys"
          ? {
              Passkeys: [
                {
                  Id: "abc",
                  Name: "Phone",
                  CreatedAt: 1,
                  LastUsedAt: 2,
                  Synced: true,
                  Transports: ["hybrid"],
                },
                { Id: "def", Name: "Key", CreatedAt: 3, Synced: false, Transports: [] },
              ],
            }
          : {},
      );
    }) as unknown as typeof globalThis.fetch;
    const client = await signedInWith(fetch);
    const { accessToken } = (await client.getTokens()) as PasscodeTokens;
    expect(await client.listPasskeys()).toEqual([
      {
        id: "abc",
        name: "Phone",
        createdAt: 1,
        lastUsedAt: 2,
        synced: true,
        transports: ["hybrid"],
      },
      { id: "def", name: "Key", createdAt: 3, synced: false, transports: [] },
    ]);
    await client.renamePasskey("abc", "My phone");
    const signal = vi.fn(async () => {});
    vi.stubGlobal("PublicKeyCredential", { signalUnknownCredential: signal });
    vi.stubGlobal("location", { hostname: "app.example.com" });
    await client.removePasskey("def");
    expect(signal).toHaveBeenCalledWith({ rpId: "app.example.com", credentialId: "def" });
    expect(
      seen.map(({ url, init }) => {
        const h = new Headers(init.headers);
        return [
          url,
          init.method,
          init.credentials,
          h.get("x-amz-target"),
          h.get("x-cognito-passcode"),
          JSON.parse(String(init.body)),
        ];
      }),
    ).toEqual([
      [
        "https://app.example.com/auth",
        "POST",
        "include",
        "CognitoPasscodeService.ListPasskeys",
        "1",
        { AccessToken: accessToken },
      ],
      [
        "https://app.example.com/auth",
        "POST",
        "include",
        "CognitoPasscodeService.RenamePasskey",
        "1",
        { AccessToken: accessToken, Id: "abc", Name: "My phone" },
      ],
      [
        "https://app.example.com/auth",
        "POST",
        "include",
        "CognitoPasscodeService.DeletePasskey",
        "1",
        { AccessToken: accessToken, Id: "def" },
      ],
    ]);
  });

  it("REAUTHENTICATE is SESSION_EXPIRED (the session stays); other refusals and failures reject with their codes", async () => {
    const replies = [
      () => answer(400, { __type: "NotAuthorizedException", message: "REAUTHENTICATE" }),
      () => answer(400, { message: "nope" }, "ResourceNotFoundException"),
      () => {
        throw new TypeError("Failed to fetch");
      },
      () => answer(200, { Passkeys: "not a list" }),
    ];
    const fetch = (async () => replies.shift()!()) as unknown as typeof globalThis.fetch;
    const client = await signedInWith(fetch);
    await expect(client.removePasskey("abc")).rejects.toMatchObject({ code: "SESSION_EXPIRED" });
    expect(client.getSnapshot().status).toBe("signedIn");
    await expect(client.renamePasskey("abc", "x")).rejects.toMatchObject({
      code: "SERVICE_ERROR",
      details: { cause: "ResourceNotFoundException" },
    });
    await expect(client.listPasskeys()).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    await expect(client.listPasskeys()).rejects.toMatchObject({ code: "SERVICE_ERROR" });
  });

  it("managementUrl wins over tokenHandler; without either, or signed out, the calls reject", async () => {
    const urls: string[] = [];
    const fetch = (async (url: string) => {
      urls.push(url);
      return answer(200, { Passkeys: [] });
    }) as unknown as typeof globalThis.fetch;
    const client = await signedInWith(fetch, {
      passkeys: passkeys({ managementUrl: "https://manage.example.com/" }),
    });
    await client.listPasskeys();
    expect(urls).toEqual(["https://manage.example.com/"]);
    void client.signOut();
    await expect(client.listPasskeys()).rejects.toMatchObject({ code: "INVALID_STATE" });
    const memory = createPasscodeClient({
      clientId: "client123",
      region: "eu-west-1",
      passkeys: passkeys(),
    });
    await expect(memory.listPasskeys()).rejects.toMatchObject({ code: "CONFIGURATION_ERROR" });
    expect(() => passkeys({ managementUrl: 42 as never })).toThrow(/managementUrl/);
  });
});

describe("WebAuthn JSON helpers", () => {
  it("the fallback decodes options to bytes and encodes a credential back to base64url", () => {
    const decoded = decodeOptions(JSON.parse(creationOptions));
    expect(Buffer.from(decoded.challenge as Uint8Array).toString()).toBe("enrol-challenge");
    expect(Buffer.from((decoded.user as { id: Uint8Array }).id).toString()).toBe("user-handle");
    expect(
      Buffer.from((decoded.excludeCredentials as { id: Uint8Array }[])[0]!.id).toString(),
    ).toBe("old-cred");
    const bytes = (s: string) => new TextEncoder().encode(s).buffer;
    expect(
      credentialJSON({
        id: "aWQ",
        rawId: bytes("id"),
        type: "public-key",
        getClientExtensionResults: () => ({ credProps: { rk: true } }),
        response: {
          clientDataJSON: bytes("{}"),
          authenticatorData: bytes("ad"),
          signature: new Uint8Array([251, 255]),
          userHandle: bytes("uh"),
        },
      }),
    ).toEqual({
      id: "aWQ",
      rawId: "aWQ",
      type: "public-key",
      authenticatorAttachment: undefined,
      clientExtensionResults: { credProps: { rk: true } },
      response: {
        clientDataJSON: "e30",
        authenticatorData: "YWQ",
        signature: "-_8",
        userHandle: "dWg",
      },
    });
  });

  it("names a passkey after the browser and platform, at most 64 characters, and reads nothing without a navigator", () => {
    vi.stubGlobal("navigator", {
      userAgentData: {
        brands: [{ brand: "Not A(Brand" }, { brand: "Chromium" }, { brand: "Google Chrome" }],
        platform: "Windows",
      },
    });
    expect(passkeyName()).toBe("Google Chrome on Windows");
    vi.stubGlobal("navigator", { userAgentData: { brands: [{ brand: "B".repeat(80) }] } });
    expect(passkeyName()).toHaveLength(64);
    vi.stubGlobal("navigator", undefined);
    expect(passkeyName()).toBe("Passkey");
  });
});

describe("passkey screens (properties)", () => {
  const events = fc.oneof(
    fc.constantFrom(
      { type: "startPasskey", email: "a@example.com" },
      { type: "ceremony" },
      { type: "submit" },
      { type: "sendCode", email: "a@example.com" },
      { type: "signedOut" },
      { type: "restore" },
    ),
    fc.record({
      type: fc.constant("failed"),
      error: fc.constantFrom(
        { code: "PASSKEY_CANCELLED", message: "PASSKEY_CANCELLED" },
        { code: "NETWORK_ERROR", message: "NETWORK_ERROR" },
        { code: "SESSION_EXPIRED", message: "SESSION_EXPIRED" },
      ),
      sessionEnded: fc.boolean(),
    }),
    fc.record({
      type: fc.constant("rejected"),
      error: fc.constant({ code: "INVALID_STATE", message: "INVALID_STATE" }),
    }),
    fc.record({
      type: fc.constant("challenge"),
      challenge: fc.oneof(
        fc.record({
          step: fc.constant("PASSKEY"),
          attemptsLeft: fc.nat(3),
          rejected: fc.boolean(),
          options: fc.constant(requestOptions),
        }),
        fc.constantFrom(
          { step: "ENROL", attemptsLeft: 2, rejected: false, options: creationOptions },
          { step: "ENROL", attemptsLeft: 1, rejected: true, options: creationOptions },
          { step: "ENROL", attemptsLeft: 0, rejected: true },
          { step: "ENROL", attemptsLeft: 2, rejected: false, reason: "PASSKEY_LIMIT" },
          {
            step: "CODE",
            attemptsLeft: 3,
            codeLength: 6,
            expiresAt: 9e12,
            maskedEmail: "a***@e***.com",
          },
          { step: "USERNAME", attemptsLeft: 3, minLength: 3, maxLength: 30, rejected: false },
        ),
      ),
    }),
    fc.record({
      type: fc.constant("signedIn"),
      user: fc.constantFrom(
        { sub: "s1", email: "a@example.com", username: null },
        { sub: "", email: "a@example.com", username: null },
      ),
      tokens: fc.constantFrom(
        { idToken: "i", accessToken: "a" },
        { idToken: "", accessToken: "a" },
      ),
    }),
  );

  it("every sequence of events keeps valid snapshots, and signedIn comes only from a request in flight with tokens and a sub", () => {
    fc.assert(
      fc.property(fc.array(events, { maxLength: 30, size: "max" }), (sequence) => {
        let s: PasscodeSnapshot = { status: "signedOut" };
        for (const event of sequence as never[]) {
          // The plug-in's transition first, then the core's, as the client applies them.
          const next: PasscodeSnapshot = passkeyTransition(s, event) ?? transition(s, event);
          expect(snapshotProblem(next)).toBeUndefined();
          if (next.status === "signedIn" && s.status !== "signedIn") {
            const e = event as { type: string; user: { sub: string }; tokens: { idToken: string } };
            expect(e.type).toBe("signedIn");
            expect(e.user.sub).not.toBe("");
            expect(e.tokens.idToken).not.toBe("");
            // From a request in flight (or a restore), never from a screen or a dialog.
            expect(s.status).toMatch(/^(sending|verifying|submitting|starting|restoring)/);
          }
          s = next;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

/** A response for a pending call, chosen by `n`, including the passkey steps. */
function settle(call: PendingCall, n: number): boolean {
  const errors = [
    new TypeError("Failed to fetch"),
    cognitoError("NotAuthorizedException", "Incorrect username or password."),
    cognitoError("UserLambdaValidationException", "failed with error PASSKEY_REQUIRED."),
  ];
  if (n < errors.length) {
    call.reject(errors[n]);
    return false;
  }
  const k = n - errors.length;
  if (call.op === "initiateAuth" || call.op === "respondToAuthChallenge") {
    const steps = [
      passkeyStep(k % 4),
      passkeyStep(1, true),
      enrolStep(2),
      enrolStep(0, { rejected: "true" }),
      codeStep(),
      usernameStep(),
      tokens(),
    ];
    const step = steps[k % steps.length]!;
    call.resolve(step);
    return step.type === "tokens";
  }
  if (call.op === "refresh") {
    call.resolve(tokensFor(claims));
    return true;
  }
  call.resolve(undefined);
  return false;
}

describe("the client with ./passkeys under arbitrary calls, dialogs and answers (properties)", () => {
  it("is never signedIn without tokens the service issued, says passkey only after an assertion was sent, and leaves no dialog open after reset, signOut or a new sign-in", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ kind: fc.constant("call" as const), method: fc.nat(11) }),
            fc.record({
              kind: fc.constant("settle" as const),
              pick: fc.nat(5),
              outcome: fc.nat(12),
            }),
            fc.record({
              kind: fc.constant("dialog" as const),
              next: fc.constantFrom("ok", "NotAllowedError", "InvalidStateError", "hold"),
            }),
          ),
          // size "max": fast-check 4 otherwise caps arrays at ~10 items whatever maxLength says.
          { maxLength: 40, size: "max" },
        ),
        async (actions) => {
          const browser = fakeBrowser();
          const { client, script } = setup(true);
          const problems: string[] = [];
          const tokenChecks: Promise<PasscodeTokens | null>[] = [];
          let issued = 0;
          let signIns = 0;
          let assertions = 0;
          client.subscribe(() => {
            const s = client.getSnapshot();
            const problem = snapshotProblem(s);
            if (problem) problems.push(problem);
            if (s.status === "signedIn") {
              tokenChecks.push(client.getTokens());
              if (s.method === "passkey" && assertions === 0) problems.push("passkey unsent");
            }
          });
          let previous = client.getSnapshot().status;
          client.subscribe(() => {
            const now = client.getSnapshot().status;
            if (now === "signedIn" && previous !== "signedIn") signIns++;
            previous = now;
          });
          const calls: (() => unknown)[] = [
            () => client.requestCode("alice@example.com"),
            () => client.submitCode("123456", { enrolPasskey: true }),
            () => client.submitUsername("alice"),
            () => client.signInWithPasskey("alice@example.com"),
            () => client.signInWithPasskey("bob@example.com", { enrolPasskey: true }),
            () => client.retryPasskey(),
            () => client.switchToCode(),
            () => client.enrolPasskey(),
            () => client.skipEnrolment(),
            () => client.reset(),
            () => client.signOut(),
            () => client.submitCode("123456"),
          ];
          for (const action of actions) {
            if (action.kind === "call") {
              const { status } = client.getSnapshot();
              // Reset and sign-out anywhere, a new passkey sign-in or switchToCode from the dialog.
              const ends =
                [9, 10].includes(action.method) ||
                ([3, 4, 6].includes(action.method) && status === "authenticatingPasskey");
              void calls[action.method]!();
              // A dialog open before them is aborted at once.
              if (ends && browser.state.open > 0) problems.push(`dialog left open after ${status}`);
            } else if (action.kind === "dialog") {
              browser.script.push(action.next);
            } else if (script.calls.length > 0) {
              const call = script.calls.splice(action.pick % script.calls.length, 1)[0]!;
              if (call.op === "respondToAuthChallenge" && call.input.clientMetadata) {
                const meta = call.input.clientMetadata as unknown as Record<string, string>;
                if (meta["passcode:passkeyChallenge"]) assertions++;
              }
              if (settle(call, action.outcome)) issued++;
            }
            await flush();
          }
          expect(problems).toEqual([]);
          expect(signIns).toBeLessThanOrEqual(issued);
          for (const t of await Promise.all(tokenChecks)) expect(t).not.toBeNull();
          // (The revocation a sign-out sends is never answered here: not awaited.)
          void client.signOut();
          expect(browser.state.open).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });
});
