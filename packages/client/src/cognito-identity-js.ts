import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  type CognitoUserPool,
  type ICognitoStorage,
} from "amazon-cognito-identity-js";
import { configurationError } from "./options.js";
import { tokensFrom } from "./tokens.js";
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
 * challenge session, and its HTTP client (for the two calls it only offers
 * bound to its own token cache, RevokeToken and GlobalSignOut, and to read
 * Cognito's answers before the library does).
 */
interface Undeclared {
  Session: string | null;
  client: {
    request(
      operation: string,
      params: object,
      callback: (
        err: unknown,
        data?: { ChallengeName?: string; Session?: string; AuthenticationResult?: unknown },
      ) => void,
    ): void;
  };
}

/** A CognitoUser as the transport uses it: the tokens it last accepted in `issued`. */
type User = CognitoUser & Undeclared & { issued?: TransportTokens };

function memoryStorage(): ICognitoStorage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

/**
 * A {@link Transport} built on amazon-cognito-identity-js, for apps already
 * using it: `CognitoUser.initiateAuth` and `sendCustomChallengeAnswer` for
 * sign-in, the pool's `signUp`, and the library's HTTP client for
 * `GetTokensFromRefreshToken` (refresh, with refresh-token rotation on or
 * off), RevokeToken and GlobalSignOut. Errors keep the library's shape
 * (`code` = Cognito's exception name; `NetworkError` offline), which the
 * client maps like the fetch transport's. It talks to Cognito only: cookie
 * mode (the client's `tokenHandler`) needs the fetch transport.
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
  /**
   * A CognitoUser whose sign-in and refresh answers go through `tokensFrom`
   * before the library reads them, as the fetch transport's do: what passes
   * is kept in `issued` (the library never sees `ExpiresIn`); a malformed
   * answer fails with a `SERVICE_ERROR` `PasscodeError`, not retried, instead
   * of a TypeError from inside the library, which reads as a network failure.
   */
  const user = (username: string, session?: string) => {
    const u = new CognitoUser({ Username: username, Pool: pool, Storage: memoryStorage() }) as User;
    u.setAuthenticationFlowType("CUSTOM_AUTH");
    if (session) u.Session = session;
    const { client } = u;
    if (typeof client?.request !== "function") {
      throw configurationError("userPool", "needs amazon-cognito-identity-js 5.x or 6.x");
    }
    u.client = Object.assign(Object.create(client), {
      request: ((operation, params, callback) =>
        client.request(operation, params, (err, data) => {
          if (
            !err &&
            /^(InitiateAuth|RespondToAuthChallenge)$/.test(operation) &&
            // The fetch transport's rule: a challenge needs its session, anything else is tokens.
            !(data?.ChallengeName === "CUSTOM_CHALLENGE" && data.Session)
          ) {
            try {
              u.issued = tokensFrom(data?.AuthenticationResult);
            } catch (error) {
              return callback(Object.assign(error as Error, { nonRetryable: true }));
            }
          }
          callback(err, data);
        })) satisfies Undeclared["client"]["request"],
    });
    return u;
  };
  const probe = user("");

  const request = (operation: string, params: object) =>
    new Promise<void>((resolve, reject) =>
      probe.client.request(operation, params, (err) => (err ? reject(err) : resolve())),
    );

  const auth = (u: User, send: (callbacks: object) => void) =>
    new Promise<AuthStep>((resolve, reject) =>
      send({
        onSuccess: () => resolve({ type: "tokens", tokens: u.issued! }),
        onFailure: reject,
        customChallenge: (parameters: Record<string, string>) =>
          resolve({
            type: "challenge",
            session: u.Session ?? "",
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
    respondToAuthChallenge({ username, session, answer, clientMetadata }) {
      const u = user(username, session);
      // The library's third argument is ClientMetadata (the switch to a code, passkeys).
      return auth(u, (callbacks) =>
        u.sendCustomChallengeAnswer(answer, callbacks as never, clientMetadata as never),
      );
    },
    refresh({ refreshToken }) {
      // The library's own refreshSession sends REFRESH_TOKEN_AUTH, which an app
      // client that rotates refresh tokens refuses; its HTTP client sends any operation.
      if (!refreshToken) {
        return Promise.reject(configurationError("tokenHandler", "needs the fetch transport"));
      }
      return new Promise<TransportTokens>((resolve, reject) =>
        probe.client.request(
          "GetTokensFromRefreshToken",
          { RefreshToken: refreshToken, ClientId: pool.getClientId() },
          (err, data) => {
            if (err) return reject(err);
            try {
              resolve(tokensFrom(data?.AuthenticationResult));
            } catch (error) {
              reject(error);
            }
          },
        ),
      );
    },
    revokeToken: ({ refreshToken }) =>
      request("RevokeToken", { Token: refreshToken, ClientId: pool.getClientId() }),
    globalSignOut: ({ accessToken }) => request("GlobalSignOut", { AccessToken: accessToken }),
  };
}
