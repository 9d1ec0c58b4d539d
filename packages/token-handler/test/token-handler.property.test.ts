import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createCookieSealer } from "../src/cookie.js";
import {
  authenticationResult,
  CLIENT_ID,
  COOKIE,
  clientRequest,
  gateBreakage,
  handlerWith,
  KEY_A,
  KEY_B,
  recordingUpstream,
} from "./support/requests.js";

const FORWARDED = [
  "SignUp",
  "InitiateAuth",
  "RespondToAuthChallenge",
  "GetTokensFromRefreshToken",
  "RevokeToken",
  "GlobalSignOut",
] as const;

/** A valid body for each operation the client sends. */
const VALID: Record<(typeof FORWARDED)[number], Record<string, unknown>> = {
  SignUp: { ClientId: CLIENT_ID, Username: "a@example.com", Password: "p".repeat(64) },
  InitiateAuth: {
    ClientId: CLIENT_ID,
    AuthFlow: "CUSTOM_AUTH",
    AuthParameters: { USERNAME: "a@example.com" },
  },
  RespondToAuthChallenge: {
    ClientId: CLIENT_ID,
    ChallengeName: "CUSTOM_CHALLENGE",
    Session: "s",
    ChallengeResponses: { USERNAME: "a@example.com", ANSWER: "123456" },
  },
  GetTokensFromRefreshToken: { ClientId: CLIENT_ID },
  RevokeToken: { ClientId: CLIENT_ID },
  GlobalSignOut: { AccessToken: "access" },
};

const REFRESH_KEYS = ["RefreshToken", "refreshToken", "refresh_token", "REFRESH_TOKEN"];
/** Refresh tokens look like nothing else in an answer. */
const refreshToken = fc.stringMatching(/^[A-Za-z0-9_-]{12,40}$/).map((s) => `rt.${s}`);

/**
 * Any JSON answer shape, with `token` planted under refresh-token keys at
 * random depths (and, sometimes, inside another string).
 */
const answerWith = (token: string) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.jsonValue({ maxDepth: 1 }),
      fc.constant(token),
      fc.constant(`Bearer ${token} trailing`),
      fc.array(tie("value"), { maxLength: 3 }),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom(...REFRESH_KEYS, "AuthenticationResult", "__proto__"),
          fc.string(),
        ),
        tie("value"),
        { maxKeys: 4 },
      ),
    ),
  })).value;

/** Whether two compact JWEs decode to the same bytes, segment by segment. */
function sameBytes(a: string, b: string): boolean {
  const pa = a.split(".");
  const pb = b.split(".");
  return (
    pa.length === pb.length &&
    pa.every((part, i) => Buffer.from(part, "base64url").equals(Buffer.from(pb[i]!, "base64url")))
  );
}

async function cookieFor(token: string) {
  const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
  return `${COOKIE}=${await sealer.seal({ refreshToken: token, expiresAt: Date.now() + 3_600_000 })}`;
}

describe("properties of the token handler", () => {
  it("no response body ever carries a refresh token, whatever Cognito answers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORWARDED),
        refreshToken,
        refreshToken.chain((issued) => answerWith(issued).map((shape) => [issued, shape] as const)),
        fc.integer({ min: 200, max: 599 }),
        fc.boolean(),
        fc.context(),
        async (operation, held, [issued, shape], status, standard, ctx) => {
          // Prepare: any answer, with the issued token wherever the shape puts
          // it, and in its standard place.
          const body = standard
            ? { ...authenticationResult(issued), extra: shape }
            : { payload: shape, AuthenticationResult: { RefreshToken: issued } };
          const upstream = recordingUpstream(() => ({ status, body }));
          const handle = handlerWith(upstream);
          // Act
          const response = await handle(
            clientRequest(operation, VALID[operation], { cookie: await cookieFor(held) }),
          );
          const text = await response.text();
          ctx.log(text);
          // Assess
          expect(text).not.toContain(issued);
          expect(text).not.toContain(held);
          expect(text).not.toMatch(/"refresh_?token"/i);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("every Set-Cookie has the required attributes, no Domain, and the __Host- prefix", async () => {
    const cookie =
      /^__Host-[^=;\s]+=[\w.-]*; Path=\/; Secure; HttpOnly; SameSite=Strict; Max-Age=\d+$/;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...FORWARDED),
        fc.option(refreshToken, { nil: undefined }),
        fc.constantFrom(200, 400, 500),
        fc.constantFrom(
          "NotAuthorizedException",
          "TooManyRequestsException",
          "InternalErrorException",
        ),
        fc.boolean(),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
        async (operation, issued, status, type, withCookie, suffix) => {
          const upstream = recordingUpstream(() =>
            status === 200
              ? { body: authenticationResult(issued) }
              : { status, body: { __type: type, message: "no" } },
          );
          const handle = handlerWith(upstream, { cookieName: `__Host-${suffix}` });
          const sealer = createCookieSealer([KEY_A], CLIENT_ID, Date.now);
          const value = await sealer.seal({ refreshToken: "rt.held", expiresAt: Date.now() + 9e6 });
          const response = await handle(
            clientRequest(operation, VALID[operation], {
              ...(withCookie ? { cookie: `__Host-${suffix}=${value}` } : {}),
            }),
          );
          for (const header of response.headers.getSetCookie()) {
            expect(header).toMatch(cookie);
            expect(header.startsWith(`__Host-${suffix}=`)).toBe(true);
            expect(header).not.toMatch(/domain/i);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("refuses every disallowed origin, method, missing header, cross-site fetch, operation, flow and client id, and forwards nothing", async () => {
    const breakage = gateBreakage();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FORWARDED), breakage, async (operation, overrides) => {
        const upstream = recordingUpstream(() => ({ body: authenticationResult("rt.x") }));
        const response = await handlerWith(upstream)(
          clientRequest(operation, VALID[operation], overrides),
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(upstream.calls).toEqual([]);
        expect(response.headers.getSetCookie()).toEqual([]);
        if ("headers" in overrides && "origin" in (overrides.headers ?? {})) {
          expect(response.headers.get("access-control-allow-origin")).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses every other operation, flow, challenge and client id, and forwards nothing", async () => {
    const body = fc.oneof(
      fc
        .string({ minLength: 1, maxLength: 40 })
        .filter((op) => !(FORWARDED as readonly string[]).includes(op))
        .map((op) => ({ operation: op, body: VALID.InitiateAuth })),
      fc
        .string()
        .filter((f) => f !== "CUSTOM_AUTH")
        .map((AuthFlow) => ({
          operation: "InitiateAuth",
          body: { ...VALID.InitiateAuth, AuthFlow },
        })),
      fc
        .constantFrom(
          "USER_SRP_AUTH",
          "USER_PASSWORD_AUTH",
          "REFRESH_TOKEN_AUTH",
          "USER_AUTH",
          "ADMIN_NO_SRP_AUTH",
        )
        .map((AuthFlow) => ({
          operation: "InitiateAuth",
          body: { ...VALID.InitiateAuth, AuthFlow },
        })),
      fc
        .string()
        .filter((c) => c !== "CUSTOM_CHALLENGE")
        .map((ChallengeName) => ({
          operation: "RespondToAuthChallenge",
          body: { ...VALID.RespondToAuthChallenge, ChallengeName },
        })),
      fc
        .tuple(
          fc.constantFrom(...FORWARDED),
          fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        )
        .filter(([, id]) => id !== CLIENT_ID)
        .map(([operation, ClientId]) => ({ operation, body: { ...VALID[operation], ClientId } })),
      fc
        .tuple(fc.constantFrom(...FORWARDED), fc.string({ minLength: 1 }), fc.jsonValue())
        .filter(
          ([op, key]) =>
            !Object.hasOwn(VALID[op], key) &&
            ![
              "ClientMetadata",
              "AnalyticsMetadata",
              "UserContextData",
              "DeviceKey",
              "ValidationData",
              "UserAttributes",
              "Session",
              "ChallengeResponses",
              "AuthParameters",
              "Password",
              "Username",
              "AccessToken",
              "ClientId",
            ].includes(key),
        )
        .map(([operation, key, value]) => ({
          operation,
          body: { ...VALID[operation], [key]: value },
        })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ operation, body }) => {
        const upstream = recordingUpstream(() => ({ body: {} }));
        const cookie = await cookieFor("rt.held");
        const response = await handlerWith(upstream)(clientRequest(operation, body, { cookie }));
        expect(response.status).toBe(400);
        expect(upstream.calls).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses any cookie that was tampered with or sealed with a key it does not know, and forwards nothing", async () => {
    const good = (await cookieFor("rt.held")).slice(COOKIE.length + 1);
    const foreign = await createCookieSealer([KEY_B], CLIENT_ID, Date.now).seal({
      refreshToken: "rt.held",
      expiresAt: Date.now() + 9e6,
    });
    const otherClient = await createCookieSealer([KEY_A], "someOtherClient", Date.now).seal({
      refreshToken: "rt.held",
      expiresAt: Date.now() + 9e6,
    });
    const tampered = fc.oneof(
      fc
        .tuple(fc.nat({ max: good.length - 1 }), fc.constantFrom(..."ABCabc012-_."))
        .map(([i, c]) => good.slice(0, i) + c + good.slice(i + 1))
        // Base64url's last character can carry unused bits: a change there may
        // decode to the very same bytes, which is no tampering at all.
        .filter((v) => !sameBytes(v, good)),
      fc.nat({ max: good.length - 1 }).map((i) => good.slice(0, i)),
      fc.string({ maxLength: 200 }).filter((v) => !/[;\r\n\0]/.test(v)),
      fc.constantFrom(
        foreign,
        otherClient,
        `${good}.x`,
        good.replace(/^[^.]+/, "eyJhbGciOiJub25lIn0"),
      ),
    );
    await fc.assert(
      fc.asyncProperty(tampered, async (value) => {
        const upstream = recordingUpstream(() => ({ body: authenticationResult() }));
        const response = await handlerWith(upstream)(
          clientRequest("GetTokensFromRefreshToken", VALID.GetTokensFromRefreshToken, {
            cookie: `${COOKIE}=${value}`,
          }),
        );
        expect(response.status).toBe(400);
        expect(response.headers.get("x-amzn-errortype")).toBe("NotAuthorizedException");
        expect(upstream.calls).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });
});
