import fc from "fast-check";
import { compactDecrypt, decodeProtectedHeader } from "jose";
import { describe, expect, it } from "vitest";
import { cookieValues, createCookieSealer } from "../src/cookie.js";
import {
  authenticationResult,
  CLIENT_ID,
  COOKIE,
  clientRequest,
  handlerWith,
  KEY_A,
  KEY_B,
  recordingUpstream,
  refreshRequest,
  setCookieOf,
} from "./support/requests.js";

const HOUR = 3_600_000;
const session = { refreshToken: "rt-secret", expiresAt: Date.now() + HOUR };

describe("the cookie's contents", () => {
  it("are a compact JWE, dir + A256GCM, naming its key, that hides the token", async () => {
    const value = await createCookieSealer([KEY_A], CLIENT_ID, Date.now).seal(session);
    expect(value.split(".")).toHaveLength(5);
    const header = decodeProtectedHeader(value);
    expect(header).toEqual({
      alg: "dir",
      enc: "A256GCM",
      kid: expect.stringMatching(/^[\w-]{16}$/),
    });
    expect(header.kid).not.toContain(KEY_A.slice(0, 8));
    expect(value).not.toContain("rt-secret");
    expect(atob(value.split(".")[3]!.replace(/-/g, "+").replace(/_/g, "/"))).not.toContain(
      "rt-secret",
    );
  });

  it("is not the raw secret: the secret itself does not decrypt it (the key is derived with HKDF)", async () => {
    const value = await createCookieSealer([KEY_A], CLIENT_ID, Date.now).seal(session);
    const raw = new TextEncoder().encode(KEY_A.slice(0, 32));
    await expect(compactDecrypt(value, raw)).rejects.toThrow();
  });

  it("opens to the token and expiry it was sealed with", async () => {
    const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
    const opened = await sealer.open(await sealer.seal(session));
    expect(opened).toEqual({
      refreshToken: "rt-secret",
      expiresAt: Math.floor(session.expiresAt / 1000) * 1000,
      staleKey: false,
    });
  });

  it("does not open for another app client or after its expiry", async () => {
    let now = Date.now();
    const value = await createCookieSealer([KEY_A], CLIENT_ID, () => now).seal(session);
    expect(
      await createCookieSealer([KEY_A], "anotherClient", () => now).open(value),
    ).toBeUndefined();
    now = session.expiresAt + 1000;
    expect(await createCookieSealer([KEY_A], CLIENT_ID, () => now).open(value)).toBeUndefined();
  });
});

describe("the cookie's size", () => {
  it("stays under the browsers' 4096 bytes (name and value) for a Cognito refresh token with room to spare", async () => {
    // A Cognito refresh token is a JWE (RSA-OAEP, A256GCM) of about 1,780
    // characters; 2,048 leaves margin. Browsers drop a larger cookie silently.
    const token = `eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIiwiYWxnIjoiUlNBLU9BRVAifQ.${"x".repeat(1985)}`;
    expect(token).toHaveLength(2048);
    const upstream = recordingUpstream(() => ({ body: authenticationResult(token) }));
    const response = await handlerWith(upstream, { refreshTokenValidityDays: 3650 })(
      clientRequest("RespondToAuthChallenge", {
        ClientId: CLIENT_ID,
        ChallengeName: "CUSTOM_CHALLENGE",
        Session: "s",
        ChallengeResponses: { USERNAME: "a@example.com", ANSWER: "123456" },
      }),
    );
    const [cookie] = response.headers.getSetCookie();
    const pair = cookie!.split(";")[0]!;
    expect(pair.length).toBeLessThan(3100);
    expect(cookie!.length).toBeLessThan(4096);
  });
});

describe("key rotation", () => {
  it("the new key (first) encrypts; the old key (second) still decrypts; a dropped key does not", async () => {
    // Prepare: a cookie sealed before the rotation, with KEY_A alone.
    const before = await createCookieSealer([KEY_A], CLIENT_ID, Date.now).seal(session);
    // Act: after the rotation the list is [KEY_B, KEY_A].
    const rotated = createCookieSealer([KEY_B, KEY_A], CLIENT_ID, Date.now);
    const after = await rotated.seal(session);
    // Assess
    expect(await rotated.open(before)).toMatchObject({ refreshToken: "rt-secret" });
    expect(decodeProtectedHeader(after).kid).toBe(
      decodeProtectedHeader(await createCookieSealer([KEY_B], CLIENT_ID, Date.now).seal(session))
        .kid,
    );
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(await createCookieSealer([KEY_A], CLIENT_ID, Date.now).open(after)).toBeUndefined();
    expect(await createCookieSealer([KEY_B], CLIENT_ID, Date.now).open(before)).toBeUndefined();
  });

  it("through the handler: an old-key cookie refreshes, and a rotated token is resealed with the new key", async () => {
    const old = await createCookieSealer([KEY_A], CLIENT_ID, Date.now).seal(session);
    const upstream = recordingUpstream(() => ({ body: authenticationResult("rt-next") }));
    const handle = handlerWith(upstream, { cookieKeys: [KEY_B, KEY_A] });
    const response = await handle(refreshRequest(old));
    expect(response.status).toBe(200);
    expect(upstream.calls[0]!.body.RefreshToken).toBe("rt-secret");
    const resealed = setCookieOf(response)!.value;
    expect(await createCookieSealer([KEY_B], CLIENT_ID, Date.now).open(resealed)).toMatchObject({
      refreshToken: "rt-next",
    });
  });

  it("through the handler: a refresh without rotation reseals an old-key cookie with the new key, same token and expiry", async () => {
    const old = await createCookieSealer([KEY_A], CLIENT_ID, Date.now).seal(session);
    const upstream = recordingUpstream(() => ({ body: authenticationResult() }));
    const handle = handlerWith(upstream, { cookieKeys: [KEY_B, KEY_A] });
    const response = await handle(refreshRequest(old));
    const resealed = setCookieOf(response)!.value;
    expect(await createCookieSealer([KEY_B], CLIENT_ID, Date.now).open(resealed)).toEqual(
      await createCookieSealer([KEY_A], CLIENT_ID, Date.now).open(old),
    );
    // A cookie already sealed with the first key is left as it is.
    const fresh = await handle(refreshRequest(resealed));
    expect(fresh.headers.getSetCookie()).toEqual([]);
  });

  it("a cookie from a handler with other keys is refused", async () => {
    const foreign = await createCookieSealer(
      ["f".repeat(8) + KEY_B.slice(8)],
      CLIENT_ID,
      Date.now,
    ).seal(session);
    const upstream = recordingUpstream();
    const response = await handlerWith(upstream)(refreshRequest(foreign));
    expect(response.status).toBe(400);
    expect(setCookieOf(response)).toEqual({ value: "", maxAge: 0 });
    expect(upstream.calls).toEqual([]);
  });
});

describe("cookieValues", () => {
  it("finds every value of exactly that name", () => {
    expect(cookieValues(`a=1; ${COOKIE}=x; ${COOKIE}x=y;${COOKIE}=z`, COOKIE)).toEqual(["x", "z"]);
    expect(cookieValues(null, COOKIE)).toEqual([]);
  });

  it("trims only spaces and tabs around a name, as browsers do: a name they do not treat as __Host- is not the handler's cookie", () => {
    // A same-site page may set `\u00A0__Host-…` with Domain: to the browser
    // it is another, unprefixed name (RFC 6265bis trims only SP and HTAB).
    for (const pad of ["\u00A0", "\u000B", "\u000C", "\uFEFF"]) {
      expect(cookieValues(`${pad}${COOKIE}=planted`, COOKIE)).toEqual([]);
    }
    expect(cookieValues(` \t${COOKIE}=x`, COOKIE)).toEqual(["x"]);
    // Any padding but spaces and tabs (in a ByteString: any byte, blanks
    // favoured) makes another name.
    const padding = fc.string({
      unit: fc.oneof(
        fc.constantFrom(" ", "\t", "\n", "\v", "\f", "\r", "\u00A0", "\u0085"),
        fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
      ),
    });
    fc.assert(
      fc.property(padding, padding, (before, after) => {
        fc.pre(!/[;=]/.test(before + after));
        const found = cookieValues(`${before}${COOKIE}${after}=v`, COOKIE).length > 0;
        expect(found).toBe(/^[ \t]*$/.test(before) && /^[ \t]*$/.test(after));
      }),
      { numRuns: 500 },
    );
  });

  it("through the handler: a look-alike name a sibling subdomain planted is never opened", async () => {
    // Prepare: the attacker's own valid cookie (from their own sign-in),
    // planted under a name that trims to the handler's, before the victim's.
    const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
    const planted = await sealer.seal({ ...session, refreshToken: "rt-attacker" });
    const victim = await sealer.seal(session);
    const upstream = recordingUpstream(() => ({ body: authenticationResult() }));
    // Act
    await handlerWith(upstream)(
      clientRequest(
        "GetTokensFromRefreshToken",
        { ClientId: CLIENT_ID },
        { cookie: `\u00A0${COOKIE}=${planted}; ${COOKIE}=${victim}` },
      ),
    );
    // Assess
    expect(upstream.calls.map((c) => c.body.RefreshToken)).toEqual(["rt-secret"]);
  });

  it("through the handler: the cookie sent twice (only a browser flaw lets a second __Host- one in) refreshes neither, and sign-out revokes both", async () => {
    // Prepare: a nameless cookie `=__Host-…=<attacker's>` (refused by current
    // browsers, not by every old one) reaches the server as a second value,
    // sent first when its Path is longer.
    const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
    const planted = await sealer.seal({ ...session, refreshToken: "rt-attacker" });
    const victim = await sealer.seal(session);
    const cookie = `${COOKIE}=${planted}; ${COOKIE}=${victim}`;
    const upstream = recordingUpstream(() => ({ body: authenticationResult("rt-next") }));
    const handle = handlerWith(upstream);
    // Act
    const refresh = await handle(
      clientRequest("GetTokensFromRefreshToken", { ClientId: CLIENT_ID }, { cookie }),
    );
    const signOut = await handle(clientRequest("RevokeToken", { ClientId: CLIENT_ID }, { cookie }));
    // Assess: which one is the host's own cannot be told, so neither
    // refreshes; expiring would drop the host's own and keep the planted one.
    expect(refresh.status).toBe(400);
    expect(refresh.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException");
    expect(refresh.headers.getSetCookie()).toEqual([]);
    expect(upstream.calls.map((c) => [c.operation, c.body.Token])).toEqual([
      ["RevokeToken", "rt-attacker"],
      ["RevokeToken", "rt-secret"],
    ]);
    expect(setCookieOf(signOut)).toEqual({ value: "", maxAge: 0 });
  });
});
