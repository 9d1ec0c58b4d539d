/**
 * Tokens as Cognito issues them. The client accepts nothing else (see
 * `checkTokens` in tokens.ts): a transport that resolves with other values
 * gets `SERVICE_ERROR`, on sign-in and on refresh alike.
 */
export interface TransportTokens {
  /** The ID token (JWT). */
  readonly idToken: string;
  /** The access token (JWT). */
  readonly accessToken: string;
  /** The refresh token; absent on a refresh that does not rotate it. */
  readonly refreshToken?: string;
  /** `ExpiresIn`: the access token's lifetime in seconds, a number from 300 to 86,400 (Cognito's bounds). */
  readonly expiresIn: number;
}

/** The outcome of an authentication request: another challenge, or tokens. */
export type AuthStep =
  | {
      readonly type: "challenge";
      /** Cognito's opaque session for the next answer. */
      readonly session: string;
      /** The public `ChallengeParameters`. */
      readonly parameters: Readonly<Record<string, string>>;
    }
  | { readonly type: "tokens"; readonly tokens: TransportTokens };

/** What every transport call may carry besides its own fields. */
export interface TransportRequest {
  /**
   * Aborted when the client no longer wants the answer (`reset()`,
   * `signOut()`). A transport should stop the request; one that ignores it
   * still works (the client drops the late answer).
   */
  readonly signal?: AbortSignal;
}

/**
 * How the client talks to Cognito. The default is the fetch transport
 * (`createFetchTransport`); `@cognito-passcode/client/cognito-identity-js`
 * provides one built on amazon-cognito-identity-js.
 *
 * Errors: reject with an error whose `code` or `name` is Cognito's exception
 * name (e.g. `NotAuthorizedException`) and whose `message` is Cognito's
 * message; a network failure rejects with a `TypeError` (as `fetch` does) or
 * an error named `NetworkError`. The client maps these to error codes in one place.
 */
export interface Transport {
  // Every input may carry `signal` (see TransportRequest): aborted when the
  // client no longer wants the answer (reset, sign-out). Honouring it is optional.
  /** SignUp with the email as username and a throwaway password. */
  signUp(input: TransportRequest & { username: string; password: string }): Promise<void>;
  /** InitiateAuth with `AuthFlow: CUSTOM_AUTH`. */
  initiateAuth(input: TransportRequest & { username: string }): Promise<AuthStep>;
  /**
   * RespondToAuthChallenge (`CUSTOM_CHALLENGE`) with `answer` as `ANSWER`,
   * and `clientMetadata` as `ClientMetadata` when given (passkeys: the
   * switch to a code, the enrolment flag, the passkey's name and challenge;
   * shared's `CLIENT_METADATA` keys). A transport that drops it cannot ask
   * for a code on a deployment with passkeys on.
   */
  respondToAuthChallenge(
    input: TransportRequest & {
      username: string;
      session: string;
      answer: string;
      clientMetadata?: Readonly<Record<string, string>>;
    },
  ): Promise<AuthStep>;
  /**
   * New ID and access tokens for `refreshToken` (the fetch transport sends
   * `GetTokensFromRefreshToken`). Resolves with a `refreshToken` when the app
   * client rotates refresh tokens: the client then holds and stores that one
   * instead. Without `refreshToken` (cookie mode, the client's `tokenHandler`
   * option) the token handler reads it from its httpOnly cookie.
   */
  refresh(input: TransportRequest & { refreshToken?: string }): Promise<TransportTokens>;
  /**
   * RevokeToken for the refresh token; without `refreshToken` (cookie mode)
   * the token handler revokes the one in its cookie and expires the cookie.
   */
  revokeToken(input: TransportRequest & { refreshToken?: string }): Promise<void>;
  /** GlobalSignOut: invalidates every refresh token of the user. */
  globalSignOut(input: TransportRequest & { accessToken: string }): Promise<void>;
}
