import {
  AuthenticationDetails,
  CognitoAccessToken,
  CognitoIdToken,
  CognitoRefreshToken,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
  CognitoUserSession,
  type ICognitoStorage,
} from "amazon-cognito-identity-js";
import {
  type AnswerResult,
  type Challenge,
  type ClientDescriptor,
  type ConformanceClient,
  randomPassword,
  type StackEndpoint,
  type Tokens,
  toClientCallError,
} from "./types.js";

/** The library's storage contract, in memory, one per adapter (its default is a module-level map). */
function memoryStorage(): ICognitoStorage {
  const items = new Map<string, string>();
  return {
    setItem: (key, value) => void items.set(key, String(value)),
    getItem: (key) => items.get(key) ?? null,
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
  };
}

function sessionTokens(session: CognitoUserSession): Tokens {
  const refreshToken = session.getRefreshToken().getToken();
  return {
    idToken: session.getIdToken().getJwtToken(),
    accessToken: session.getAccessToken().getJwtToken(),
    ...(refreshToken ? { refreshToken } : {}),
  };
}

type AuthCallbacks = {
  onSuccess: (session: CognitoUserSession) => void;
  onFailure: (error: unknown) => void;
  customChallenge: (params: Record<string, string>) => void;
};

/** A CognitoUser of `pool` that holds these tokens, as the library rebuilds one from storage. */
export function userHolding(
  pool: CognitoUserPool,
  tokens: Tokens,
  storage?: ICognitoStorage,
): CognitoUser {
  const idToken = new CognitoIdToken({ IdToken: tokens.idToken });
  const username = String(idToken.decodePayload()["cognito:username"]);
  const user = new CognitoUser({ Username: username, Pool: pool, Storage: storage });
  user.setSignInUserSession(
    new CognitoUserSession({
      IdToken: idToken,
      AccessToken: new CognitoAccessToken({ AccessToken: tokens.accessToken }),
      RefreshToken: new CognitoRefreshToken({ RefreshToken: tokens.refreshToken ?? "" }),
    }),
  );
  return user;
}

/**
 * The conformance client built on amazon-cognito-identity-js: `CognitoUserPool`
 * with the `endpoint` option, `CognitoUser.initiateAuth` with CUSTOM_AUTH and
 * `sendCustomChallengeAnswer`. The library keeps the sign-in session inside
 * the `CognitoUser`, so the session handle is that object: a stale session
 * cannot be replayed through its public API (the other clients cover that).
 */
export function createCognitoIdentityJsClient(stack: StackEndpoint): ConformanceClient {
  const storage = memoryStorage();
  const pool = new CognitoUserPool({
    UserPoolId: stack.userPoolId,
    ClientId: stack.clientId,
    endpoint: stack.endpoint,
    Storage: storage,
  });

  const authCallbacks = (
    user: CognitoUser,
    resolve: (result: AnswerResult) => void,
    reject: (error: unknown) => void,
  ): AuthCallbacks => ({
    onSuccess: (session) => resolve({ kind: "tokens", tokens: sessionTokens(session) }),
    onFailure: (error) => reject(toClientCallError(error)),
    customChallenge: (params) =>
      resolve({ kind: "challenge", challenge: { params: params ?? {}, session: user } }),
  });

  const userWith = (tokens: Tokens): CognitoUser => userHolding(pool, tokens, storage);

  return {
    signUp: (email) =>
      new Promise<void>((resolve, reject) => {
        pool.signUp(
          email,
          randomPassword(),
          [new CognitoUserAttribute({ Name: "email", Value: email })],
          [],
          (error) => (error ? reject(toClientCallError(error)) : resolve()),
        );
      }),
    startSignIn: (email) =>
      new Promise<Challenge>((resolve, reject) => {
        const user = new CognitoUser({ Username: email, Pool: pool, Storage: storage });
        user.setAuthenticationFlowType("CUSTOM_AUTH");
        user.initiateAuth(
          new AuthenticationDetails({ Username: email }),
          authCallbacks(
            user,
            (result) =>
              result.kind === "challenge"
                ? resolve(result.challenge)
                : reject(new Error("initiateAuth issued tokens without a challenge")),
            reject,
          ),
        );
      }),
    answer: (session, answer) =>
      new Promise<AnswerResult>((resolve, reject) => {
        const user = session as CognitoUser;
        user.sendCustomChallengeAnswer(answer, authCallbacks(user, resolve, reject));
      }),
    refresh: (tokens) =>
      new Promise<Tokens>((resolve, reject) => {
        const user = userWith(tokens);
        user.refreshSession(
          new CognitoRefreshToken({ RefreshToken: tokens.refreshToken ?? "" }),
          (error: unknown, session: CognitoUserSession | null) =>
            error || !session ? reject(toClientCallError(error)) : resolve(sessionTokens(session)),
        );
      }),
    // signOut(callback) revokes the refresh token (RevokeToken) when the access
    // token carries origin_jti, reporting the outcome to the callback; the
    // typings declare the callback without its error argument.
    revoke: (tokens) =>
      new Promise<void>((resolve, reject) => {
        const done = (error?: unknown) => (error ? reject(toClientCallError(error)) : resolve());
        userWith(tokens).signOut(done);
      }),
    globalSignOut: (tokens) =>
      new Promise<void>((resolve, reject) => {
        userWith(tokens).globalSignOut({
          onSuccess: () => resolve(),
          onFailure: (error) => reject(toClientCallError(error)),
        });
      }),
    getUser: (tokens) =>
      new Promise<Record<string, string>>((resolve, reject) => {
        userWith(tokens).getUserAttributes((error, attributes) =>
          error || !attributes
            ? reject(toClientCallError(error))
            : resolve(Object.fromEntries(attributes.map((a) => [a.getName(), a.getValue()]))),
        );
      }),
    updateUserAttributes: (tokens, attributes) =>
      new Promise<void>((resolve, reject) => {
        userWith(tokens).updateAttributes(
          Object.entries(attributes).map(
            ([Name, Value]) => new CognitoUserAttribute({ Name, Value }),
          ),
          (error) => (error ? reject(toClientCallError(error)) : resolve()),
        );
      }),
    async close() {
      storage.clear();
    },
  };
}

/** The amazon-cognito-identity-js client as the conformance suite runs it. */
export const cognitoIdentityJs: ClientDescriptor = {
  name: "amazon-cognito-identity-js",
  capabilities: {
    replayStaleSession: false,
    resubmitUsedSession: true,
    useTokensAfterSignOut: true,
  },
  create: createCognitoIdentityJsClient,
};
