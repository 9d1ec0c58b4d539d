import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
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
  unsignedToken,
} from "./support/passkeys.js";
import { gateBreakage } from "./support/requests.js";

const OPERATIONS = ["ListPasskeys", "RenamePasskey", "DeletePasskey"] as const;
type Operation = (typeof OPERATIONS)[number];

let key: SigningKey;
/** Another key under the same kid: a signature the pool never made. */
let impostor: SigningKey;
beforeAll(async () => {
  key = await signingKey("pool-key");
  impostor = await signingKey("pool-key");
});

function bodyFor(operation: Operation, token: string, id = "YWxpY2UtcGhvbmU") {
  if (operation === "ListPasskeys") return { AccessToken: token };
  if (operation === "RenamePasskey") return { AccessToken: token, Id: id, Name: "Renamed" };
  return { AccessToken: token, Id: id };
}

function seeded() {
  const store = inMemoryPasskeys();
  store.seed(ALICE, { id: "YWxpY2UtcGhvbmU", name: "Phone" });
  store.seed(BOB, { id: "Ym9iLWxhcHRvcA", name: "Laptop" });
  return store;
}

/** Ways to break a token, each one the handler must refuse. */
type Forgery =
  | "expired"
  | "otherClient"
  | "idToken"
  | "wrongSignature"
  | "algNone"
  | "otherIssuer"
  | "globalIssuerOfOtherPool"
  | "noTokenUse"
  | "notYetValid"
  | "unknownKid"
  | "tampered"
  | "garbage";
const FORGERIES: readonly Forgery[] = [
  "expired",
  "otherClient",
  "idToken",
  "wrongSignature",
  "algNone",
  "otherIssuer",
  "globalIssuerOfOtherPool",
  "noTokenUse",
  "notYetValid",
  "unknownKid",
  "tampered",
  "garbage",
];

async function forge(forgery: Forgery, sub: string, noise: string): Promise<string> {
  const claims = accessClaims(sub, 10);
  const now = Math.floor(Date.now() / 1000);
  switch (forgery) {
    case "expired":
      return signToken({ ...claims, iat: now - 7200, exp: now - 1 - (noise.length % 3600) }, key);
    case "otherClient":
      return signToken({ ...claims, client_id: `other${noise}` }, key);
    case "idToken": {
      const { client_id, scope: _, ...rest } = claims;
      return signToken({ ...rest, aud: client_id, token_use: "id", email: "a@example.com" }, key);
    }
    case "wrongSignature":
      return signToken(claims, impostor);
    case "algNone":
      return unsignedToken(claims, key.kid);
    case "otherIssuer":
      return signToken(
        { ...claims, iss: `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other${noise}` },
        key,
      );
    case "globalIssuerOfOtherPool":
      return signToken(
        { ...claims, iss: "https://issuer-cognito-idp.eu-west-2.amazonaws.com/eu-west-2_Other" },
        key,
      );
    case "noTokenUse": {
      const { token_use: _, ...rest } = claims;
      return signToken(rest, key);
    }
    case "notYetValid":
      return signToken({ ...claims, nbf: now + 600 + noise.length }, key);
    case "unknownKid":
      return signToken(claims, impostor, { kid: `k${noise}` });
    case "tampered": {
      const token = await signToken(claims, key);
      const [h, , s] = token.split(".");
      const payload = Buffer.from(
        JSON.stringify({ ...claims, sub: sub === ALICE ? BOB : ALICE }),
      ).toString("base64url");
      return `${h}.${payload}.${s}`;
    }
    case "garbage":
      return `x${noise}`;
  }
}

describe("properties of the passkey management operations", () => {
  it("refuses every forged, expired, foreign or wrong-use token for every operation, touching neither Cognito nor the store", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OPERATIONS),
        fc.constantFrom(...FORGERIES),
        fc.constantFrom(ALICE, BOB),
        fc.stringMatching(/^[A-Za-z0-9]{1,12}$/),
        async (operation, forgery, sub, noise) => {
          // Prepare
          const { handle, cognito, store, notices } = managementHandler(key, { store: seeded() });
          const token = await forge(forgery, sub, noise);
          // Act
          const response = await handle(managementRequest(operation, bodyFor(operation, token)));
          const body = await response.json();
          // Assess
          expect(response.status).toBe(400);
          expect(body).toEqual({
            __type: "NotAuthorizedException",
            message: "Invalid Access Token",
          });
          expect(store.calls).toEqual([]);
          expect(cognito.calls).toEqual([]);
          expect(notices).toEqual([]);
          // The JWKS comes only from the pool's own issuer, never from a token's claim.
          for (const url of cognito.jwksFetches)
            expect(url).toBe(`${ISSUER}/.well-known/jwks.json`);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("refuses every disallowed origin, method, missing or wrong header and cross-site fetch for the passkey targets, verifying and touching nothing", async () => {
    const breakage = gateBreakage();
    const token = await signToken(accessClaims(ALICE, 10), key);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...OPERATIONS), breakage, async (operation, overrides) => {
        const { handle, cognito, store, notices } = managementHandler(key, { store: seeded() });
        const response = await handle(
          managementRequest(operation, bodyFor(operation, token), overrides),
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(cognito.calls).toEqual([]);
        expect(cognito.jwksFetches).toEqual([]);
        expect(store.calls).toEqual([]);
        expect(notices).toEqual([]);
        expect(response.headers.getSetCookie()).toEqual([]);
        if ("headers" in overrides && "origin" in (overrides.headers ?? {})) {
          expect(response.headers.get("access-control-allow-origin")).toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it("refuses every member an operation does not take and every malformed Id or Name, verifying and touching nothing", async () => {
    const token = await signToken(accessClaims(ALICE, 10), key);
    const allowed: Record<Operation, readonly string[]> = {
      ListPasskeys: ["AccessToken"],
      RenamePasskey: ["AccessToken", "Id", "Name"],
      DeletePasskey: ["AccessToken", "Id"],
    };
    const change = fc.oneof(
      fc
        .tuple(fc.constantFrom(...OPERATIONS), fc.string({ minLength: 1 }), fc.jsonValue())
        .filter(([op, key]) => !allowed[op].includes(key))
        .map(([operation, key, value]) => ({
          operation,
          body: { ...bodyFor(operation, token), [key]: value },
        })),
      fc
        .tuple(
          fc.constantFrom<Operation>("RenamePasskey", "DeletePasskey"),
          fc.oneof(
            fc.string().filter((s) => !/^[A-Za-z0-9_-]{1,1364}$/.test(s)),
            fc.jsonValue().filter((v) => typeof v !== "string"),
          ),
        )
        .map(([operation, Id]) => ({ operation, body: { ...bodyFor(operation, token), Id } })),
      fc
        .oneof(
          fc.string({ maxLength: 80 }).filter((s) => s.length > 64 || s.trim() === ""),
          fc
            .tuple(
              fc.string({ maxLength: 30 }),
              fc.integer({ min: 0, max: 0x9f }).filter((c) => c < 0x20 || c >= 0x7f),
              fc.string({ maxLength: 30 }),
            )
            .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
          // Bidi controls, line/paragraph separators and lone surrogates anywhere in a name.
          fc
            .tuple(
              fc.string({ maxLength: 30 }),
              fc.constantFrom(
                0x061c,
                0x200e,
                0x200f,
                ...[0x202a, 0x202b, 0x202c, 0x202d, 0x202e],
                ...[0x2066, 0x2067, 0x2068, 0x2069],
                0x2028,
                0x2029,
                // Lone surrogates (a name that is not well-formed).
                0xd800,
                0xdbff,
                0xdc00,
                0xdfff,
              ),
              fc.string({ maxLength: 30 }),
            )
            .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
          fc.jsonValue().filter((v) => typeof v !== "string"),
        )
        .map((Name) => ({
          operation: "RenamePasskey" as Operation,
          body: { ...bodyFor("RenamePasskey", token), Name },
        })),
      fc
        .tuple(
          fc.constantFrom(...OPERATIONS),
          fc.oneof(
            fc.constant(""),
            fc.jsonValue().filter((v) => typeof v !== "string"),
          ),
        )
        .map(([operation, AccessToken]) => ({
          operation,
          body: { ...bodyFor(operation, token), AccessToken },
        })),
    );
    await fc.assert(
      fc.asyncProperty(change, async ({ operation, body }) => {
        const { handle, cognito, store } = managementHandler(key, { store: seeded() });
        const response = await handle(managementRequest(operation, body));
        expect(response.status).toBe(400);
        expect((await response.json()).__type).toBe("InvalidParameterException");
        expect(cognito.calls).toEqual([]);
        expect(cognito.jwksFetches).toEqual([]);
        expect(store.calls).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it("a user can never see, rename or delete another user's passkey: each answer equals the one for an id nobody has", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<Operation>("RenamePasskey", "DeletePasskey"),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/),
        async (operation, otherId) => {
          const store = seeded();
          store.seed(BOB, { id: otherId === "YWxpY2UtcGhvbmU" ? "Ym9i" : otherId, name: "Bob's" });
          const { handle, notices } = managementHandler(key, { store });
          const token = await signToken(accessClaims(ALICE, 10), key);
          const bobsIds = (await store.getPasskeys(BOB))!.passkeys.map((p) => p.id);
          const answers: string[] = [];
          for (const id of [...bobsIds, "bm9ib2R5LWhhcy1pdA"]) {
            const response = await handle(
              managementRequest(operation, bodyFor(operation, token, id)),
            );
            answers.push(`${response.status} ${await response.text()}`);
          }
          expect(new Set(answers)).toEqual(
            new Set(['400 {"__type":"ResourceNotFoundException","message":"Passkey not found."}']),
          );
          // Bob's passkeys are as they were; Alice's list shows none of them.
          expect((await store.getPasskeys(BOB))!.passkeys.map((p) => [p.id, p.name])).toEqual(
            bobsIds.map((id, i) => [id, i === 0 ? "Laptop" : "Bob's"]),
          );
          const list = await handle(managementRequest("ListPasskeys", { AccessToken: token }));
          const listed = (await list.json()).Passkeys.map((p: { Id: string }) => p.Id);
          expect(listed).toEqual(["YWxpY2UtcGhvbmU"]);
          expect(notices).toEqual([]);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("deletes only within 10 minutes of the sign-in: older or missing auth_time is REAUTHENTICATE with nothing touched or sent", async () => {
    await fc.assert(
      fc.asyncProperty(
        // Around the boundary, within the hour, and up to a refresh token's 30 days.
        fc.option(
          fc.oneof(
            fc.integer({ min: 590, max: 610 }),
            fc.integer({ min: -120, max: 3_600 }),
            fc.integer({ min: -120, max: 30 * 86_400 }),
          ),
          { nil: undefined },
        ),
        async (age) => {
          const now = Date.now();
          const { handle, cognito, store, notices } = managementHandler(key, {
            store: seeded(),
            handler: { now: () => now },
          });
          const claims = accessClaims(ALICE);
          if (age === undefined) delete claims.auth_time;
          else claims.auth_time = Math.floor(now / 1000) - age;
          const token = await signToken(claims, key);
          const response = await handle(
            managementRequest("DeletePasskey", bodyFor("DeletePasskey", token)),
          );
          const body = await response.json();
          if (age !== undefined && now - (Math.floor(now / 1000) - age) * 1000 <= 600_000) {
            expect(response.status).toBe(200);
            expect(notices).toHaveLength(1);
          } else {
            expect(body).toEqual({ __type: "NotAuthorizedException", message: "REAUTHENTICATE" });
            expect(store.calls).toEqual([]);
            expect(cognito.calls).toEqual([]);
            expect(notices).toEqual([]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
