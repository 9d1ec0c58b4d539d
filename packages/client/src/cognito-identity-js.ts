import {
  AuthenticationDetails,
  CognitoRefreshToken,
  CognitoUser,
  CognitoUserAttribute,
  type CognitoUserPool,
  type CognitoUserSession,
  type ICognitoStorage,
} from "amazon-cognito-identity-js";
import { configurationError } from "./options.js";
import type { AuthStep, Transport, TransportTokens } from "./transport.js";

/** Options for {@link createCognitoIdentityJsTransport}. */
export interface CognitoIdentityJsTransportOptions {
  /**
   * Your pool, e.g. `new CognitoUserPool({ UserPoolId, ClientId, endpoint? })`.
   * The transport never writes tokens to the pool's storage: each request
   * uses a throwaway in-memory storage, and the passcode client decides what
   * to persist.
   */
  userPool: CognitoUserPool;
}

/**
 * Members amazon-cognito-identity-js 5.x and 6.x have but do not declare: the
 * challenge session, and its HTTP client for the two calls it only offers
 * bound to its own token cache (RevokeToken, GlobalSignOut).
 */
interface Undeclared {
  Session: string | null;
  client: {
    request(operation: string, params: object, callback: (err: unknown) => void): void;
  };
}

function memoryStorage(): ICognitoStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

function tokensOf(session: CognitoUserSession): TransportTokens {
  const access = session.getAccessToken();
  const refreshToken = session.getRefreshToken()?.getToken();
  return {
    idToken: session.getIdToken().getJwtToken(),
    accessToken: access.getJwtToken(),
    expiresIn: Math.max(1, access.getExpiration() - access.getIssuedAt()),
    ...(refreshToken ? { refreshToken } : {}),
  };
}

/**
 * A {@link Transport} built on amazon-cognito-identity-js, for apps already
 * using it: `CognitoUser.initiateAuth` and `sendCustomChallengeAnswer` for
 * sign-in, `refreshSession` for refresh, the pool's `signUp`. Errors keep the
 * library's shape (`code` = Cognito's exception name; `NetworkError` offline),
 * which the client maps like the fetch transport's. Note that the library
 * retries `refreshSession` for about 6 seconds before reporting a refusal.
 *
 * @example
 * ```ts
 * import { CognitoUserPool } from "amazon-cognito-identity-js";
 * import { createCognitoIdentityJsTransport } from "@cognito-passcode/client/cognito-identity-js";
 * const userPool = new CognitoUserPool({ UserPoolId, ClientId });
 * const client = createPasscodeClient({
 *   clientId: ClientId,
 *   transport: createCognitoIdentityJsTransport({ userPool }),
 * });
 * ```
 */
export function createCognitoIdentityJsTransport(
  options: CognitoIdentityJsTransportOptions,
): Transport {
  const pool = options?.userPool;
  if (!pool || typeof pool.getClientId !== "function") {
    throw configurationError("userPool", "must be a CognitoUserPool");
  }
  const user = (username: string, session?: string) => {
    const u = new CognitoUser({ Username: username, Pool: pool, Storage: memoryStorage() });
    u.setAuthenticationFlowType("CUSTOM_AUTH");
    if (session) (u as unknown as Undeclared).Session = session;
    return u;
  };
  const probe = user("") as unknown as Undeclared;
  if (typeof probe.client?.request !== "function") {
    throw configurationError("userPool", "needs amazon-cognito-identity-js 5.x or 6.x");
  }

  const request = (operation: string, params: object) =>
    new Promise<void>((resolve, reject) =>
      probe.client.request(operation, params, (err) => (err ? reject(err) : resolve())),
    );

  const auth = (u: CognitoUser, send: (callbacks: object) => void) =>
    new Promise<AuthStep>((resolve, reject) =>
      send({
        onSuccess: (session: CognitoUserSession) =>
          resolve({ type: "tokens", tokens: tokensOf(session) }),
        onFailure: reject,
        customChallenge: (parameters: Record<string, string>) =>
          resolve({
            type: "challenge",
            session: (u as unknown as Undeclared).Session ?? "",
            parameters: parameters ?? {},
          }),
      }),
    );

  return {
    signUp: ({ username, password }) =>
      new Promise<void>((resolve, reject) =>
        pool.signUp(
          username,
          password,
          [new CognitoUserAttribute({ Name: "email", Value: username })],
          [],
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    initiateAuth({ username }) {
      const u = user(username);
      return auth(u, (callbacks) =>
        u.initiateAuth(new AuthenticationDetails({ Username: username }), callbacks as never),
      );
    },
    respondToAuthChallenge({ username, session, answer }) {
      const u = user(username, session);
      return auth(u, (callbacks) => u.sendCustomChallengeAnswer(answer, callbacks as never));
    },
    refresh: ({ refreshToken }) =>
      new Promise<TransportTokens>((resolve, reject) =>
        user("").refreshSession(
          new CognitoRefreshToken({ RefreshToken: refreshToken }),
          (err: unknown, session: CognitoUserSession | null) =>
            err || !session ? reject(err ?? new Error("no session")) : resolve(tokensOf(session)),
        ),
      ),
    revokeToken: ({ refreshToken }) =>
      request("RevokeToken", { Token: refreshToken, ClientId: pool.getClientId() }),
    globalSignOut: ({ accessToken }) => request("GlobalSignOut", { AccessToken: accessToken }),
  };
}
