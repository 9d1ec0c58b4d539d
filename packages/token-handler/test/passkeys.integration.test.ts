import { createFetchTransport } from "@cognito-passcode/client";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { CLIENT_METADATA, STEP } from "@cognito-passcode/shared";
import type { PasskeyNotice, TokenHandlerPasskeyOptions } from "@cognito-passcode/token-handler";
import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { afterEach, describe, expect, it } from "vitest";
import { passkey } from "../../triggers/test/support/passkey-contract.js";
import { browserFetch, startHandlerServer } from "./support/browser.js";
import { inMemoryPasskeys, recordingStore } from "./support/passkeys.js";
import { KEY_A, ORIGIN } from "./support/requests.js";

const started: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

async function setUp(
  passkeys: (stack: LocalStack) => Partial<TokenHandlerPasskeyOptions> = () => ({}),
) {
  const stack = await startLocalStack({ port: 0, triggers: { throttle: false } });
  started.push(stack);
  const passkeyStore = inMemoryPasskeys();
  const recorded = recordingStore(passkeyStore);
  const notices: PasskeyNotice[] = [];
  const handler = await startHandlerServer({
    clientId: stack.clientId,
    endpoint: stack.endpoint,
    allowedOrigins: [ORIGIN],
    cookieKeys: [KEY_A],
    // Sign-in times (auth_time) come from the stack's clock: the handler reads the same one.
    now: stack.clock.now,
    passkeys: {
      userPoolId: stack.userPoolId,
      issuer: stack.issuer,
      store: recorded.store,
      notify: async (notice) => {
        notices.push(notice);
      },
      ...passkeys(stack),
    },
  });
  started.push(handler);
  const page = browserFetch(ORIGIN);
  const transport = createFetchTransport({
    clientId: stack.clientId,
    tokenHandler: handler.url,
    fetch: page.fetch,
  });
  /** A management call from the page, as the client's plug-in sends it. */
  const manage = async (operation: string, body: Record<string, unknown>) => {
    const response = await page.fetch(handler.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `CognitoPasscodeService.${operation}`,
        "x-cognito-passcode": "1",
      },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  return { stack, transport, manage, passkeyStore, recorded, notices };
}

type Context = Awaited<ReturnType<typeof setUp>>;

/** A code sign-in of `email` through the handler; its tokens and `sub`. */
async function signIn({ stack, transport }: Context, email: string) {
  await transport.signUp({ username: email, password: `P${"w0".repeat(20)}!` });
  const first = await transport.initiateAuth({ username: email });
  if (first.type !== "challenge") throw new Error("expected the code challenge");
  const named = await transport.respondToAuthChallenge({
    username: email,
    session: first.session,
    answer: await stack.mailbox.latestCode(email),
  });
  if (named.type !== "challenge") throw new Error("expected the username challenge");
  const done = await transport.respondToAuthChallenge({
    username: email,
    session: named.session,
    answer: email.split("@")[0]!.replace(/\W/g, "_"),
  });
  if (done.type !== "tokens") throw new Error("expected tokens");
  const { accessToken, idToken } = done.tokens;
  const sub = JSON.parse(Buffer.from(accessToken.split(".")[1]!, "base64url").toString()).sub;
  return { accessToken, idToken, sub: sub as string };
}

describe("passkey management against the local stack", () => {
  it("lists, renames and deletes the signed-in user's passkeys with a real access token, and emails the removal", async () => {
    const ctx = await setUp();
    const alice = await signIn(ctx, "alice@example.com");
    ctx.passkeyStore.seed(alice.sub, {
      id: "cGhvbmUtY3JlZA",
      name: "Phone",
      transports: ["hybrid"],
    });
    ctx.passkeyStore.seed(alice.sub, { id: "bGFwdG9wLWNyZWQ", name: "Laptop", backedUp: false });

    const listed = await ctx.manage("ListPasskeys", { AccessToken: alice.accessToken });
    expect(listed.status).toBe(200);
    expect(
      (listed.body.Passkeys as { Id: string; Synced: boolean }[]).map((p) => [p.Id, p.Synced]),
    ).toEqual([
      ["cGhvbmUtY3JlZA", true],
      ["bGFwdG9wLWNyZWQ", false],
    ]);

    const renamed = await ctx.manage("RenamePasskey", {
      AccessToken: alice.accessToken,
      Id: "bGFwdG9wLWNyZWQ",
      Name: "Work laptop",
    });
    expect(renamed).toEqual({ status: 200, body: {} });
    expect(ctx.notices).toEqual([]);

    const deleted = await ctx.manage("DeletePasskey", {
      AccessToken: alice.accessToken,
      Id: "cGhvbmUtY3JlZA",
    });
    expect(deleted).toEqual({ status: 200, body: {} });
    expect(ctx.notices).toEqual([
      { to: "alice@example.com", kind: "removed", name: "Phone", when: expect.any(Number) },
    ]);
    const after = await ctx.manage("ListPasskeys", { AccessToken: alice.accessToken });
    expect(after.body.Passkeys).toEqual([
      expect.objectContaining({ Id: "bGFwdG9wLWNyZWQ", Name: "Work laptop" }),
    ]);
  });

  it("answers another user's passkey as a missing one, and refuses the ID token and a signed-out user's token", async () => {
    const ctx = await setUp();
    const alice = await signIn(ctx, "alice@example.com");
    const bob = await signIn(ctx, "bob@example.com");
    ctx.passkeyStore.seed(bob.sub, { id: "Ym9iLWNyZWQ", name: "Bob's phone" });

    for (const [operation, extra] of [
      ["RenamePasskey", { Name: "stolen" }],
      ["DeletePasskey", {}],
    ] as const) {
      const bobs = await ctx.manage(operation, {
        AccessToken: alice.accessToken,
        Id: "Ym9iLWNyZWQ",
        ...extra,
      });
      const nobodys = await ctx.manage(operation, {
        AccessToken: alice.accessToken,
        Id: "bm9ib2R5",
        ...extra,
      });
      expect(bobs).toEqual({
        status: 400,
        body: { __type: "ResourceNotFoundException", message: "Passkey not found." },
      });
      expect(nobodys).toEqual(bobs);
    }
    expect(await ctx.passkeyStore.getPasskeys(bob.sub)).toEqual({
      passkeys: [expect.objectContaining({ id: "Ym9iLWNyZWQ", name: "Bob's phone" })],
    });
    expect((await ctx.manage("ListPasskeys", { AccessToken: alice.accessToken })).body).toEqual({
      Passkeys: [],
    });

    // The pool's real ID token is not an access token.
    ctx.recorded.calls.length = 0;
    const withId = await ctx.manage("ListPasskeys", { AccessToken: bob.idToken });
    expect(withId.body).toEqual({
      __type: "NotAuthorizedException",
      message: "Invalid Access Token",
    });
    // Signed out everywhere: the token still verifies, but Cognito's GetUser says revoked.
    const cognito = await fetch(ctx.stack.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.GlobalSignOut",
      },
      body: JSON.stringify({ AccessToken: bob.accessToken }),
    });
    expect(cognito.status).toBe(200);
    const revoked = await ctx.manage("DeletePasskey", {
      AccessToken: bob.accessToken,
      Id: "Ym9iLWNyZWQ",
    });
    expect(revoked.status).toBe(400);
    expect(revoked.body.__type).toBe("NotAuthorizedException");
    expect(ctx.recorded.calls).toEqual([]);
    expect(await ctx.passkeyStore.getPasskeys(bob.sub)).toBeDefined();
    expect(ctx.notices).toEqual([]);
  });

  it("on the stack's own dynamoDbStore, another user's passkey answers as a missing one and keeps its name, entry and id claim", async () => {
    const ctx = await setUp((stack) => ({ store: stack.store! }));
    const store = ctx.stack.store!;
    const alice = await signIn(ctx, "alice@example.com");
    const bob = await signIn(ctx, "bob@example.com");
    const bobs = passkey({ name: "Bob's phone" });
    expect(await store.addPasskey(bob.sub, "Ym9i", bobs, { max: 10 })).toEqual({ status: "added" });
    const nobodys = passkey().id;

    for (const [operation, extra] of [
      ["RenamePasskey", { Name: "stolen" }],
      ["DeletePasskey", {}],
    ] as const) {
      const taken = await ctx.manage(operation, {
        AccessToken: alice.accessToken,
        Id: bobs.id,
        ...extra,
      });
      const missing = await ctx.manage(operation, {
        AccessToken: alice.accessToken,
        Id: nobodys,
        ...extra,
      });
      expect(taken).toEqual({
        status: 400,
        body: { __type: "ResourceNotFoundException", message: "Passkey not found." },
      });
      expect(missing).toEqual(taken);
    }
    expect((await store.getPasskeys(bob.sub))?.passkeys).toEqual([
      expect.objectContaining({ id: bobs.id, name: "Bob's phone" }),
    ]);
    // Bob's id claim stands: nobody, Alice included, can take the credential id.
    expect(
      await store.addPasskey(alice.sub, "YWxpY2U", passkey({ id: bobs.id }), { max: 10 }),
    ).toEqual({ status: "duplicate" });
    expect(await store.getPasskeys(alice.sub)).toBeUndefined();
    expect(ctx.notices).toEqual([]);
  });

  it("asks for a fresh sign-in (REAUTHENTICATE) to delete 10 minutes after it, and deletes after a new one", async () => {
    const ctx = await setUp();
    const first = await signIn(ctx, "carol@example.com");
    ctx.passkeyStore.seed(first.sub, { id: "Y2Fyb2w", name: "Phone" });
    ctx.stack.clock.advance(10 * 60_000 + 1_000);

    const late = await ctx.manage("DeletePasskey", {
      AccessToken: first.accessToken,
      Id: "Y2Fyb2w",
    });
    expect(late).toEqual({
      status: 400,
      body: { __type: "NotAuthorizedException", message: "REAUTHENTICATE" },
    });
    // Listing still works with the same, older sign-in.
    expect((await ctx.manage("ListPasskeys", { AccessToken: first.accessToken })).status).toBe(200);

    const again = await ctx.transport.initiateAuth({ username: "carol@example.com" });
    if (again.type !== "challenge") throw new Error("expected the code challenge");
    const done = await ctx.transport.respondToAuthChallenge({
      username: "carol@example.com",
      session: again.session,
      answer: await ctx.stack.mailbox.latestCode("carol@example.com"),
    });
    if (done.type !== "tokens") throw new Error("expected tokens");
    const fresh = await ctx.manage("DeletePasskey", {
      AccessToken: done.tokens.accessToken,
      Id: "Y2Fyb2w",
    });
    expect(fresh).toEqual({ status: 200, body: {} });
    expect(ctx.notices.map((n) => [n.to, n.kind, n.name])).toEqual([
      ["carol@example.com", "removed", "Phone"],
    ]);
  });

  it("keeps asking for a fresh sign-in after a refresh through the cookie: a refreshed token carries the old auth_time", async () => {
    const ctx = await setUp();
    const first = await signIn(ctx, "dave@example.com");
    ctx.passkeyStore.seed(first.sub, { id: "ZGF2ZQ", name: "Phone" });
    ctx.stack.clock.advance(10 * 60_000 + 1_000);
    // The refresh cookie (all a stolen long-lived session holds) mints new tokens...
    const refreshed = await ctx.transport.refresh({});
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    // ...whose sign-in is still the old one: no authority to delete.
    const answer = await ctx.manage("DeletePasskey", {
      AccessToken: refreshed.accessToken,
      Id: "ZGF2ZQ",
    });
    expect(answer).toEqual({
      status: 400,
      body: { __type: "NotAuthorizedException", message: "REAUTHENTICATE" },
    });
    // And the cookie alone is no authority for the management operations.
    const cookieOnly = await ctx.manage("ListPasskeys", {});
    expect(cookieOnly.body.__type).toBe("InvalidParameterException");
    expect(ctx.recorded.calls).toEqual([]);
    expect(ctx.notices).toEqual([]);
  });

  it("refuses the stack's tokens when the issuer is left at Cognito's (the issuer is checked)", async () => {
    const ctx = await setUp(() => ({ issuer: undefined }));
    const alice = await signIn(ctx, "alice@example.com");
    const answer = await ctx.manage("ListPasskeys", { AccessToken: alice.accessToken });
    expect(answer).toEqual({
      status: 400,
      body: { __type: "NotAuthorizedException", message: "Invalid Access Token" },
    });
    expect(ctx.recorded.calls).toEqual([]);
  });
});

const PAGE = "http://localhost:5173";

/** The members of the answers this test reads. */
interface Answer {
  Session?: string;
  ChallengeParameters?: { step: string; USERNAME: string; options: string; rejected?: string };
  AuthenticationResult?: { AccessToken: string };
  Passkeys?: Record<string, unknown>[];
}

/** The `sub` of a JWT (already verified by whoever issued it here). */
const subOf = (token: string): string =>
  JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()).sub;

describe("passkeys enrolled by the real triggers, managed through the handler", () => {
  /** The stack with passkeys on, its own store (dynamoDbStore on dynalite) behind the handler. */
  async function setUpEnrolled() {
    const stack = await startLocalStack({
      port: 0,
      triggers: { throttle: false, passkeys: { rpId: "localhost", origins: [PAGE] } },
    });
    started.push(stack);
    if (!stack.store) throw new Error("the stack has no store");
    const notices: PasskeyNotice[] = [];
    const handler = await startHandlerServer({
      clientId: stack.clientId,
      endpoint: stack.endpoint,
      allowedOrigins: [PAGE],
      cookieKeys: [KEY_A],
      now: stack.clock.now,
      passkeys: {
        userPoolId: stack.userPoolId,
        issuer: stack.issuer,
        store: stack.store,
        notify: async (notice) => {
          notices.push(notice);
        },
      },
    });
    started.push(handler);
    const page = browserFetch(PAGE);
    /** One call through the handler, Cognito's or its own. */
    const call = async (target: string, body: Record<string, unknown>) => {
      const response = await page.fetch(handler.url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": target,
          "x-cognito-passcode": "1",
        },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as Answer };
    };
    const cognito = (operation: string, body: Record<string, unknown>) =>
      call(`AWSCognitoIdentityProviderService.${operation}`, { ClientId: stack.clientId, ...body });
    const manage = (operation: string, body: Record<string, unknown>) =>
      call(`CognitoPasscodeService.${operation}`, body);
    const respond = (session: string, username: string, answer: string, meta = {}) =>
      cognito("RespondToAuthChallenge", {
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: session,
        ChallengeResponses: { USERNAME: username, ANSWER: answer },
        ClientMetadata: meta,
      });
    return { stack, notices, cognito, manage, respond };
  }

  it("lists the passkey a first sign-in enrolled, renames it, and removes it so it no longer signs in", async () => {
    const { stack, notices, cognito, manage, respond } = await setUpEnrolled();
    const device = softAuthenticator({ origin: PAGE, rpId: "localhost" });
    const email = "ada@example.com";
    // A first sign-in through the handler: switch to a code, code, username, registration.
    await cognito("SignUp", { Username: email, Password: `P${"w0".repeat(20)}!` });
    const first = await cognito("InitiateAuth", {
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    });
    expect(first.body.ChallengeParameters!.step).toBe(STEP.PASSKEY);
    const user = first.body.ChallengeParameters!.USERNAME;
    const code = await respond(first.body.Session!, user, "code", {
      [CLIENT_METADATA.method]: "code",
    });
    const enrol = { [CLIENT_METADATA.enrolPasskey]: "true" };
    const named = await respond(
      code.body.Session!,
      user,
      await stack.mailbox.latestCode(email),
      enrol,
    );
    expect(named.body.ChallengeParameters!.step).toBe(STEP.USERNAME);
    const enrolling = await respond(named.body.Session!, user, "ada", enrol);
    expect(enrolling.body.ChallengeParameters!.step).toBe(STEP.ENROL);
    const registration = await device.register(enrolling.body.ChallengeParameters!.options);
    const done = await respond(enrolling.body.Session!, user, JSON.stringify(registration), {
      ...enrol,
      [CLIENT_METADATA.passkeyName]: "Soft key",
    });
    const accessToken: string = done.body.AuthenticationResult!.AccessToken;
    const id = device.credentials[0]!.id;

    // List, rename, list.
    const listed = await manage("ListPasskeys", { AccessToken: accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.Passkeys).toEqual([
      expect.objectContaining({ Id: id, Name: "Soft key", CreatedAt: expect.any(Number) }),
    ]);
    expect(
      await manage("RenamePasskey", { AccessToken: accessToken, Id: id, Name: "Laptop" }),
    ).toEqual({ status: 200, body: {} });
    expect(
      (await manage("ListPasskeys", { AccessToken: accessToken })).body.Passkeys![0]!.Name,
    ).toBe("Laptop");

    // Remove: the notice names it, and the credential no longer signs in.
    expect(await manage("DeletePasskey", { AccessToken: accessToken, Id: id })).toEqual({
      status: 200,
      body: {},
    });
    expect(notices.map((n) => [n.to, n.kind, n.name])).toEqual([
      ["ada@example.com", "removed", "Laptop"],
    ]);
    expect(await stack.store!.getPasskeys(subOf(accessToken))).toMatchObject({ passkeys: [] });
    const again = await cognito("InitiateAuth", {
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: email },
    });
    const options = again.body.ChallengeParameters!.options;
    const assertion = await device.authenticate(options);
    const refused = await respond(again.body.Session!, user, JSON.stringify(assertion), {
      [CLIENT_METADATA.passkeyChallenge]: JSON.parse(options).challenge,
    });
    expect(refused.body.AuthenticationResult).toBeUndefined();
    expect(refused.body.ChallengeParameters).toMatchObject({
      step: STEP.PASSKEY,
      rejected: "true",
    });
  });
});
