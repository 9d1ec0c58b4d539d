import type {
  ManagedPasskey,
  PasskeyManagementStore,
  PasskeyNotice,
  TokenHandlerOptions,
} from "@cognito-passcode/token-handler";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { CLIENT_ID, clientRequest, handlerWith, recordingUpstream } from "./requests.js";

export const USER_POOL_ID = "eu-west-1_TestPool1";
export const ISSUER = `https://cognito-idp.eu-west-1.amazonaws.com/${USER_POOL_ID}`;
export const JWKS_URL = `${ISSUER}/.well-known/jwks.json`;
export const ALICE = "11111111-1111-4111-8111-111111111111";
export const BOB = "22222222-2222-4222-8222-222222222222";

/** An RS256 key pair, its public JWK carrying `kid`. */
export async function signingKey(kid = "test-key") {
  const pair = await generateKeyPair("RS256");
  const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid, alg: "RS256", use: "sig" };
  return { privateKey: pair.privateKey, publicJwk, kid };
}
export type SigningKey = Awaited<ReturnType<typeof signingKey>>;

/** Claims of an access token as Cognito issues them, for `sub`, signed in `authAgeS` seconds ago. */
export function accessClaims(sub: string, authAgeS = 60): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub,
    iss: ISSUER,
    client_id: CLIENT_ID,
    token_use: "access",
    scope: "aws.cognito.signin.user.admin",
    auth_time: now - authAgeS,
    iat: now - 5,
    exp: now + 3600,
    jti: crypto.randomUUID(),
    username: sub,
  };
}

/** A JWT of `claims` signed with `key` (RS256 and its kid unless `header` says otherwise). */
export async function signToken(
  claims: Record<string, unknown>,
  key: SigningKey,
  header: Record<string, unknown> = {},
): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid, ...header } as { alg: string })
    .sign(key.privateKey);
}

/** The unsigned token `alg: none` makes of `claims`. */
export function unsignedToken(claims: Record<string, unknown>, kid: string): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${part({ alg: "none", kid })}.${part(claims)}.`;
}

/**
 * A stand-in for Cognito's JSON API and the pool's JWKS: GetUser answers the
 * attributes of `users[sub]` for any token whose payload names that sub
 * (the handler verified the signature before; `revoked` subs answer as a
 * signed-out user's token does). Every call is recorded.
 */
export function cognitoStandIn(
  key: SigningKey,
  users: Record<string, string>,
  revoked: ReadonlySet<string> = new Set(),
  /** The sub GetUser reports for a token of `sub` (Cognito's own: the same). */
  reportedSub: (sub: string) => string = (sub) => sub,
) {
  const jwksFetches: string[] = [];
  const upstream = recordingUpstream((operation, body) => {
    if (operation !== "GetUser") return { status: 400, body: { __type: "UnknownOperation" } };
    const token = String(body.AccessToken);
    const { sub } = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as {
      sub: string;
    };
    if (revoked.has(sub)) {
      return {
        status: 400,
        body: { __type: "NotAuthorizedException", message: "Access Token has been revoked" },
      };
    }
    return {
      body: {
        Username: sub,
        UserAttributes: [
          { Name: "sub", Value: reportedSub(sub) },
          { Name: "email", Value: users[sub] },
        ],
      },
    };
  });
  const fetch = (async (url: string | URL | Request, init?: RequestInit) => {
    if (String(url).endsWith("/.well-known/jwks.json")) {
      jwksFetches.push(String(url));
      if (String(url) !== JWKS_URL) return new Response("not found", { status: 404 });
      return new Response(JSON.stringify({ keys: [key.publicJwk] }), {
        headers: { "content-type": "application/json" },
      });
    }
    return upstream.fetch(url, init);
  }) as typeof globalThis.fetch;
  return { calls: upstream.calls, jwksFetches, fetch };
}

/** One call a store received. */
export interface StoreCall {
  method: string;
  args: unknown[];
}

/**
 * A store recording every call before passing it to `inner` (an in-memory
 * store of its own by default): a test sees whether a refused request touched
 * the store at all.
 */
export function recordingStore(inner: PasskeyManagementStore = inMemoryPasskeys()) {
  const calls: StoreCall[] = [];
  const store: PasskeyManagementStore = {
    getPasskeys: (...args) => {
      calls.push({ method: "getPasskeys", args });
      return inner.getPasskeys(...args);
    },
    renamePasskey: (...args) => {
      calls.push({ method: "renamePasskey", args });
      return inner.renamePasskey(...args);
    },
    removePasskey: (...args) => {
      calls.push({ method: "removePasskey", args });
      return inner.removePasskey(...args);
    },
  };
  return { store, calls, inner };
}

/**
 * Passkeys per owner in memory, with the semantics of triggers' PasskeyStore
 * for the three methods the handler uses (rename and remove touch only the
 * owner's own passkeys). `seed` adds one.
 */
export function inMemoryPasskeys(): PasskeyManagementStore & {
  seed(owner: string, passkey: Partial<ManagedPasskey> & { id: string }): void;
} {
  const owners = new Map<string, ManagedPasskey[]>();
  return {
    seed(owner, passkey) {
      const list = owners.get(owner) ?? [];
      list.push({
        name: "Passkey",
        createdAt: 1_700_000_000_000,
        backedUp: true,
        transports: ["internal", "hybrid"],
        ...passkey,
      });
      owners.set(owner, list);
    },
    async getPasskeys(owner) {
      const list = owners.get(owner);
      return list?.length ? { passkeys: list.map((p) => ({ ...p })) } : undefined;
    },
    async renamePasskey(owner, id, name) {
      const found = owners.get(owner)?.find((p) => p.id === id);
      if (found) found.name = name;
      return Boolean(found);
    },
    async removePasskey(owner, id) {
      const list = owners.get(owner) ?? [];
      const at = list.findIndex((p) => p.id === id);
      if (at >= 0) list.splice(at, 1);
      return at >= 0;
    },
  };
}

/** Everything a management test needs: a handler on the stand-in Cognito, a store, the notices sent. */
export function managementHandler(
  key: SigningKey,
  options: {
    users?: Record<string, string>;
    revoked?: ReadonlySet<string>;
    reportedSub?: (sub: string) => string;
    store?: PasskeyManagementStore;
    notify?: (notice: PasskeyNotice) => Promise<void>;
    handler?: Partial<TokenHandlerOptions>;
  } = {},
) {
  const cognito = cognitoStandIn(
    key,
    options.users ?? { [ALICE]: "alice@example.com", [BOB]: "bob@example.com" },
    options.revoked,
    options.reportedSub,
  );
  const recorded = recordingStore(options.store);
  const notices: PasskeyNotice[] = [];
  const handle = handlerWith(
    { calls: cognito.calls, fetch: cognito.fetch },
    {
      passkeys: {
        userPoolId: USER_POOL_ID,
        store: recorded.store,
        notify:
          options.notify ??
          (async (notice) => {
            notices.push(notice);
          }),
      },
      ...options.handler,
    },
  );
  return { handle, cognito, store: recorded, notices };
}

/** A management request as the client's passkeys plug-in sends it, `overrides` as for {@link clientRequest}. */
export function managementRequest(
  operation: string,
  body: unknown,
  overrides: Parameters<typeof clientRequest>[2] = {},
): Request {
  return clientRequest(operation, body, {
    ...overrides,
    headers: { "x-amz-target": `CognitoPasscodeService.${operation}`, ...overrides.headers },
  });
}
