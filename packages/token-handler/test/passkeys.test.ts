import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { isPasscodeError } from "@cognito-passcode/shared";
import { createTokenHandler } from "@cognito-passcode/token-handler";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  ALICE,
  accessClaims,
  BOB,
  ISSUER,
  inMemoryPasskeys,
  managementHandler,
  managementRequest,
  type SigningKey,
  signingKey,
  signToken,
  USER_POOL_ID,
} from "./support/passkeys.js";
import { CLIENT_ID, KEY_A, ORIGIN } from "./support/requests.js";

let key: SigningKey;
beforeAll(async () => {
  key = await signingKey();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A store where Alice has two passkeys and Bob one. */
function seeded() {
  const store = inMemoryPasskeys();
  store.seed(ALICE, {
    id: "YWxpY2UtcGhvbmU",
    name: "Phone",
    createdAt: 1_700_000_000_000,
    lastUsedAt: 1_700_000_100_000,
    backedUp: true,
    transports: ["hybrid", "internal"],
  });
  store.seed(ALICE, {
    id: "YWxpY2Uta2V5",
    name: "Key",
    createdAt: 1_700_000_200_000,
    backedUp: false,
    transports: ["usb"],
  });
  store.seed(BOB, { id: "Ym9iLWxhcHRvcA", name: "Laptop" });
  return store;
}

async function call(
  handle: (request: Request) => Promise<Response>,
  operation: string,
  body: Record<string, unknown>,
) {
  const response = await handle(managementRequest(operation, body));
  return { response, body: (await response.json()) as Record<string, unknown> };
}

describe("passkey management in the token handler", () => {
  it("lists the signed-in user's passkeys, and only theirs", async () => {
    // Prepare
    const { handle, cognito } = managementHandler(key, { store: seeded() });
    const token = await signToken(accessClaims(ALICE), key);
    // Act
    const { response, body } = await call(handle, "ListPasskeys", { AccessToken: token });
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(body).toEqual({
      Passkeys: [
        {
          Id: "YWxpY2UtcGhvbmU",
          Name: "Phone",
          CreatedAt: 1_700_000_000_000,
          LastUsedAt: 1_700_000_100_000,
          Synced: true,
          Transports: ["hybrid", "internal"],
        },
        {
          Id: "YWxpY2Uta2V5",
          Name: "Key",
          CreatedAt: 1_700_000_200_000,
          Synced: false,
          Transports: ["usb"],
        },
      ],
    });
    // GetUser with the same token: Cognito's word that it is not revoked.
    expect(cognito.calls.map((c) => [c.operation, c.body])).toEqual([
      ["GetUser", { AccessToken: token }],
    ]);
  });

  it("lists nothing for a user without passkeys", async () => {
    const { handle } = managementHandler(key);
    const token = await signToken(accessClaims(BOB), key);
    const { response, body } = await call(handle, "ListPasskeys", { AccessToken: token });
    expect(response.status).toBe(200);
    expect(body).toEqual({ Passkeys: [] });
  });

  it("renames the user's own passkey and sends no email", async () => {
    const store = seeded();
    const { handle, notices } = managementHandler(key, { store });
    const token = await signToken(accessClaims(ALICE), key);
    const { response, body } = await call(handle, "RenamePasskey", {
      AccessToken: token,
      Id: "YWxpY2Uta2V5",
      Name: "Yubikey 5 ✓",
    });
    expect(response.status).toBe(200);
    expect(body).toEqual({});
    expect((await store.getPasskeys(ALICE))?.passkeys.map((p) => p.name)).toEqual([
      "Phone",
      "Yubikey 5 ✓",
    ]);
    expect(notices).toEqual([]);
  });

  it("deletes the user's own passkey and emails them that it was removed", async () => {
    const store = seeded();
    const now = Date.now();
    const { handle, notices } = managementHandler(key, { store, handler: { now: () => now } });
    const token = await signToken(accessClaims(ALICE, 30), key);
    const { response, body } = await call(handle, "DeletePasskey", {
      AccessToken: token,
      Id: "YWxpY2UtcGhvbmU",
    });
    expect(response.status).toBe(200);
    expect(body).toEqual({});
    expect((await store.getPasskeys(ALICE))?.passkeys.map((p) => p.id)).toEqual(["YWxpY2Uta2V5"]);
    expect(notices).toEqual([
      { to: "alice@example.com", kind: "removed", name: "Phone", when: now },
    ]);
  });

  it("answers another user's passkey exactly as one that does not exist, and changes nothing", async () => {
    const store = seeded();
    const { handle, notices } = managementHandler(key, { store });
    const token = await signToken(accessClaims(ALICE), key);
    const answers = [];
    for (const id of ["Ym9iLWxhcHRvcA", "bm9uZS1zdWNo"]) {
      for (const [operation, extra] of [
        ["RenamePasskey", { Name: "mine now" }],
        ["DeletePasskey", {}],
      ] as const) {
        const { response, body } = await call(handle, operation, {
          AccessToken: token,
          Id: id,
          ...extra,
        });
        answers.push({
          operation,
          status: response.status,
          type: response.headers.get("x-amzn-errortype"),
          body,
        });
      }
    }
    // Bob's passkey and a passkey of nobody: the same answers, byte for byte.
    expect(answers.slice(0, 2)).toEqual(answers.slice(2));
    expect(answers[0]).toEqual({
      operation: "RenamePasskey",
      status: 400,
      type: "ResourceNotFoundException",
      body: { __type: "ResourceNotFoundException", message: "Passkey not found." },
    });
    expect(answers[1]?.type).toBe("ResourceNotFoundException");
    expect(await store.getPasskeys(BOB)).toEqual({
      passkeys: [expect.objectContaining({ id: "Ym9iLWxhcHRvcA", name: "Laptop" })],
    });
    expect(notices).toEqual([]);
  });

  it("refuses a delete when the sign-in is older than 10 minutes (REAUTHENTICATE), touching nothing", async () => {
    const store = seeded();
    const { handle, cognito, notices, store: recorded } = managementHandler(key, { store });
    for (const age of [601, 3_000, 86_400]) {
      const token = await signToken(accessClaims(ALICE, age), key);
      const { response, body } = await call(handle, "DeletePasskey", {
        AccessToken: token,
        Id: "YWxpY2UtcGhvbmU",
      });
      expect(response.status).toBe(400);
      expect(body).toEqual({ __type: "NotAuthorizedException", message: "REAUTHENTICATE" });
    }
    // Without auth_time at all: refused the same way.
    const { auth_time: _, ...claims } = accessClaims(ALICE);
    const { body } = await call(handle, "DeletePasskey", {
      AccessToken: await signToken(claims, key),
      Id: "YWxpY2UtcGhvbmU",
    });
    expect(body.message).toBe("REAUTHENTICATE");
    expect(recorded.calls).toEqual([]);
    expect(cognito.calls).toEqual([]);
    expect(notices).toEqual([]);
    // An old sign-in still lists and renames.
    const old = await signToken(accessClaims(ALICE, 86_400), key);
    expect((await call(handle, "ListPasskeys", { AccessToken: old })).response.status).toBe(200);
    const renamed = await call(handle, "RenamePasskey", {
      AccessToken: old,
      Id: "YWxpY2UtcGhvbmU",
      Name: "Old phone",
    });
    expect(renamed.response.status).toBe(200);
  });

  it("deletes within 10 minutes of the sign-in, by the handler's clock", async () => {
    const store = seeded();
    // One set of claims: auth_time read from a second accessClaims call could
    // fall in the next second of the real clock, and the "in time" call at
    // its 600,000 ms was then 601,000 ms after the token's sign-in.
    const claims = accessClaims(ALICE, 0);
    const token = await signToken(claims, key);
    const authTime = claims.auth_time as number;
    let now = authTime * 1000 + 600_001;
    const { handle } = managementHandler(key, { store, handler: { now: () => now } });
    const late = await call(handle, "DeletePasskey", { AccessToken: token, Id: "YWxpY2Uta2V5" });
    expect(late.body.message).toBe("REAUTHENTICATE");
    now = authTime * 1000 + 600_000;
    const inTime = await call(handle, "DeletePasskey", { AccessToken: token, Id: "YWxpY2Uta2V5" });
    expect(inTime.response.status).toBe(200);
  });

  it("keeps the deletion when the email fails, and logs only the error's name", async () => {
    const store = seeded();
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const { handle } = managementHandler(key, {
      store,
      notify: async () => {
        const error = new Error("SES refused alice@example.com with code 123456");
        error.name = "MessageRejected";
        throw error;
      },
    });
    const token = await signToken(accessClaims(ALICE), key);
    const { response } = await call(handle, "DeletePasskey", {
      AccessToken: token,
      Id: "YWxpY2UtcGhvbmU",
    });
    expect(response.status).toBe(200);
    expect((await store.getPasskeys(ALICE))?.passkeys.map((p) => p.id)).toEqual(["YWxpY2Uta2V5"]);
    expect(log).toHaveBeenCalledTimes(1);
    const logged = String(log.mock.calls[0]?.[0]);
    expect(JSON.parse(logged)).toEqual({
      level: "error",
      message: "passkey removal notice failed",
      error: "MessageRejected",
    });
    expect(logged).not.toContain("alice");
    expect(logged).not.toContain(token);
  });

  it("relays Cognito's refusal of a revoked (signed-out) token and touches no passkey", async () => {
    const { handle, store } = managementHandler(key, {
      store: seeded(),
      revoked: new Set([ALICE]),
    });
    const token = await signToken(accessClaims(ALICE), key);
    for (const [operation, extra] of [
      ["ListPasskeys", {}],
      ["RenamePasskey", { Id: "YWxpY2Uta2V5", Name: "x" }],
      ["DeletePasskey", { Id: "YWxpY2Uta2V5" }],
    ] as const) {
      const { response, body } = await call(handle, operation, { AccessToken: token, ...extra });
      expect(response.status).toBe(400);
      expect(body).toEqual({
        __type: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
    }
    expect(store.calls).toEqual([]);
  });

  it("refuses a token whose sub Cognito's GetUser does not confirm", async () => {
    const { handle, store } = managementHandler(key, {
      store: seeded(),
      reportedSub: () => BOB,
    });
    const token = await signToken(accessClaims(ALICE), key);
    const { response, body } = await call(handle, "ListPasskeys", { AccessToken: token });
    expect(response.status).toBe(400);
    expect(body.__type).toBe("NotAuthorizedException");
    expect(store.calls).toEqual([]);
  });

  it.each([
    ["an empty name", { Name: "" }],
    ["a blank name", { Name: "   " }],
    ["a 65-character name", { Name: "n".repeat(65) }],
    ["a name with a newline", { Name: "Phone\nSubject: hi" }],
    ["a name with a NUL", { Name: "Pho\u0000ne" }],
    ["a name with DEL", { Name: "Phone\u007f" }],
    ["a name with a C1 control", { Name: "Phone\u0085" }],
    // Bidi controls reorder the text around the name where a page shows it
    // ("Remove “…”? You won't be able to sign in with it"); separators break lines.
    ["a name with a right-to-left override", { Name: "Phone\u202egnp.exe" }],
    ["a name with a right-to-left mark", { Name: "\u200fPhone" }],
    ["a name with a first-strong isolate", { Name: "Phone\u2068" }],
    ["a name with an Arabic letter mark", { Name: "Phone\u061c" }],
    ["a name with a line separator", { Name: "Phone\u2028Subject: hi" }],
    ["a name with a paragraph separator", { Name: "Phone\u2029" }],
    // Not well-formed: the SDKs' encodings (SES's query protocol) throw on it.
    ["a name with a lone high surrogate", { Name: "Ph\ud800one" }],
    ["a name with a lone low surrogate", { Name: "\udfff" }],
    ["a name that is not a string", { Name: 42 }],
    ["an id that is not base64url", { Id: "a+b/c=" }],
    ["an empty id", { Id: "" }],
    ["an id past 1,023 bytes", { Id: "A".repeat(1365) }],
    ["another member", { ClientId: CLIENT_ID }],
    ["a refresh token", { RefreshToken: "rt" }],
  ])("refuses %s before anything is verified or touched", async (_, change) => {
    const { handle, cognito, store } = managementHandler(key, { store: seeded() });
    const token = await signToken(accessClaims(ALICE), key);
    const { response, body } = await call(handle, "RenamePasskey", {
      AccessToken: token,
      Id: "YWxpY2Uta2V5",
      Name: "ok",
      ...change,
    });
    expect(response.status).toBe(400);
    expect(body.__type).toBe("InvalidParameterException");
    expect(cognito.calls).toEqual([]);
    expect(cognito.jwksFetches).toEqual([]);
    expect(store.calls).toEqual([]);
  });

  it("accepts a 64-character name", async () => {
    const { handle } = managementHandler(key, { store: seeded() });
    const token = await signToken(accessClaims(ALICE), key);
    const { response } = await call(handle, "RenamePasskey", {
      AccessToken: token,
      Id: "YWxpY2Uta2V5",
      Name: "n".repeat(64),
    });
    expect(response.status).toBe(200);
  });

  it.each([
    ["a right-to-left script", "הטלפון של דנה"],
    ["Arabic", "هاتف سارة"],
    ["an emoji sequence with zero-width joiners", "👩‍💻 laptop"],
    ["combining marks", "Telefo\u0301n"],
    ["an emoji outside the BMP (a surrogate pair)", "Phone \ud83d\ude00"],
  ])("accepts a name in %s", async (_, name) => {
    const store = seeded();
    const { handle } = managementHandler(key, { store });
    const token = await signToken(accessClaims(ALICE), key);
    const { response } = await call(handle, "RenamePasskey", {
      AccessToken: token,
      Id: "YWxpY2Uta2V5",
      Name: name,
    });
    expect(response.status).toBe(200);
    expect((await store.getPasskeys(ALICE))?.passkeys[1]?.name).toBe(name);
  });

  it("fetches the pool's JWKS once per handler, from Cognito's issuer for the pool", async () => {
    const { handle, cognito } = managementHandler(key, { store: seeded() });
    const token = await signToken(accessClaims(ALICE), key);
    for (let i = 0; i < 3; i++) await call(handle, "ListPasskeys", { AccessToken: token });
    expect(cognito.jwksFetches).toEqual([`${ISSUER}/.well-known/jwks.json`]);
  });

  it("answers a 502, not a sign-out, while the pool's keys cannot be fetched, touching nothing", async () => {
    const store = seeded();
    const fetched: string[] = [];
    const handle = createTokenHandler({
      clientId: CLIENT_ID,
      endpoint: "https://cognito.test/",
      allowedOrigins: [ORIGIN],
      cookieKeys: [KEY_A],
      fetch: (async (url: string) => {
        fetched.push(String(url));
        return new Response("busy", { status: 503 });
      }) as typeof fetch,
      passkeys: { userPoolId: USER_POOL_ID, store },
    });
    const token = await signToken(accessClaims(ALICE), key);
    // Each request tries again: a failed fetch is not cached.
    for (let i = 0; i < 2; i++) {
      const { response, body } = await call(handle, "ListPasskeys", { AccessToken: token });
      expect(response.status).toBe(502);
      expect(body).toEqual({
        __type: "InternalErrorException",
        message: "The user pool's keys are unavailable",
      });
    }
    expect(fetched).toEqual([`${ISSUER}/.well-known/jwks.json`, `${ISSUER}/.well-known/jwks.json`]);
    expect(await store.getPasskeys(ALICE)).toBeDefined();
  });

  it("never follows a redirect for the JWKS: keys planted elsewhere are not trusted", async () => {
    // Prepare: the issuer's host redirects the JWKS to a server holding an
    // attacker's key, and answers GetUser for any token (so only the
    // signature check stands between a forged token and the store).
    const attacker = await signingKey("test-key");
    const planted: string[] = [];
    const elsewhere = createServer((req, res) => {
      planted.push(String(req.url));
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ keys: [attacker.publicJwk] }));
    });
    await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
    const target = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/jwks.json`;
    const issuerHost = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        if (req.url?.endsWith("/.well-known/jwks.json")) {
          res.writeHead(302, { location: target }).end();
          return;
        }
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" }).end(
          JSON.stringify({
            Username: ALICE,
            UserAttributes: [
              { Name: "sub", Value: ALICE },
              { Name: "email", Value: "alice@example.com" },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => issuerHost.listen(0, "127.0.0.1", resolve));
    try {
      const origin = `http://127.0.0.1:${(issuerHost.address() as AddressInfo).port}`;
      const issuer = `${origin}/${USER_POOL_ID}`;
      const store = seeded();
      const handle = createTokenHandler({
        clientId: CLIENT_ID,
        endpoint: `${origin}/`,
        allowedOrigins: [ORIGIN],
        cookieKeys: [KEY_A],
        passkeys: { userPoolId: USER_POOL_ID, store, issuer },
      });
      const forged = await signToken({ ...accessClaims(ALICE, 0), iss: issuer }, attacker);
      // Act
      const { response, body } = await call(handle, "DeletePasskey", {
        AccessToken: forged,
        Id: "YWxpY2UtcGhvbmU",
      });
      // Assess
      expect(response.status).toBe(502);
      expect(body.__type).toBe("InternalErrorException");
      expect(planted).toEqual([]);
      expect((await store.getPasskeys(ALICE))?.passkeys).toHaveLength(2);
    } finally {
      await new Promise((resolve) => issuerHost.close(resolve));
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it("refuses the management targets as unknown operations when passkeys are off", async () => {
    const { handle: on } = managementHandler(key);
    const off = createTokenHandler({
      clientId: CLIENT_ID,
      endpoint: "https://cognito.test/",
      allowedOrigins: [ORIGIN],
      cookieKeys: [KEY_A],
      fetch: (async () => {
        throw new Error("nothing may be fetched");
      }) as typeof fetch,
    });
    const token = await signToken(accessClaims(ALICE), key);
    for (const operation of ["ListPasskeys", "RenamePasskey", "DeletePasskey"]) {
      const { response, body } = await call(off, operation, { AccessToken: token });
      expect(response.status).toBe(400);
      expect(body.__type).toBe("UnknownOperationException");
    }
    // With passkeys on, other names in the handler's namespace are unknown too.
    for (const operation of ["ListUsers", "AddPasskey", "listPasskeys", ""]) {
      const { body } = await call(on, operation, { AccessToken: token });
      expect(body.__type).toBe("UnknownOperationException");
    }
    // And Cognito's namespace does not reach them.
    const cognitoTarget = await on(
      managementRequest(
        "ListPasskeys",
        { AccessToken: token },
        {
          headers: { "x-amz-target": "AWSCognitoIdentityProviderService.ListPasskeys" },
        },
      ),
    );
    expect((await cognitoTarget.json()).__type).toBe("UnknownOperationException");
  });

  it.each([
    [{ userPoolId: "pool" }, "passkeys.userPoolId"],
    [{ userPoolId: "eu-west-1_AbC" as string, store: {} }, "passkeys.store"],
    [{ notify: "yes" }, "passkeys.notify"],
    [{ issuer: "http://cognito.example.com/eu-west-1_TestPool1" }, "passkeys.issuer"],
    [{ issuer: "https://cognito.example.com/other_pool" }, "passkeys.issuer"],
    [{ issuer: `${ISSUER}/` }, "passkeys.issuer"],
    [{ issuer: 42 }, "passkeys.issuer"],
  ])("refuses bad passkeys options at creation (%o)", (change, field) => {
    const make = () =>
      createTokenHandler({
        clientId: CLIENT_ID,
        region: "eu-west-1",
        allowedOrigins: [ORIGIN],
        cookieKeys: [KEY_A],
        passkeys: { userPoolId: USER_POOL_ID, store: inMemoryPasskeys(), ...change } as never,
      });
    let error: unknown;
    try {
      make();
    } catch (e) {
      error = e;
    }
    expect(isPasscodeError(error) && error.code).toBe("CONFIGURATION_ERROR");
    expect((error as { details?: { field?: string } }).details?.field).toBe(field);
  });

  it("accepts a loopback http issuer (the local stack's)", () => {
    expect(() =>
      createTokenHandler({
        clientId: CLIENT_ID,
        region: "eu-west-1",
        allowedOrigins: [ORIGIN],
        cookieKeys: [KEY_A],
        passkeys: {
          userPoolId: USER_POOL_ID,
          store: inMemoryPasskeys(),
          issuer: `http://127.0.0.1:4567/${USER_POOL_ID}`,
        },
      }),
    ).not.toThrow();
  });
});
