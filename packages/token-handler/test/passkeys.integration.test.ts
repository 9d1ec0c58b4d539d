import { createFetchTransport } from "@cognito-passcode/client";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import type { PasskeyNotice, TokenHandlerPasskeyOptions } from "@cognito-passcode/token-handler";
import { afterEach, describe, expect, it } from "vitest";
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
