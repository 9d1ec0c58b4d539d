/**
 * The common face of the four real clients the conformance suite drives. Each
 * adapter in this folder maps these calls onto one library's public API and
 * nothing else; the scenarios never see which library is underneath.
 */

/** Cognito's public challenge parameters, exactly as the client library handed them over. */
export type ChallengeParameters = Readonly<Record<string, string>>;

/**
 * A challenge in progress: its public parameters and the adapter's handle on
 * the sign-in session (a session string, or the library object that holds it).
 */
export interface Challenge {
  readonly params: ChallengeParameters;
  readonly session: unknown;
}

/** The tokens Cognito issued, as raw JWT strings. */
export interface Tokens {
  readonly idToken: string;
  readonly accessToken: string;
  /** Absent when a refresh did not rotate the refresh token. */
  readonly refreshToken?: string;
}

/** The outcome of answering a challenge: another challenge, or tokens. */
export type AnswerResult =
  | { readonly kind: "challenge"; readonly challenge: Challenge }
  | { readonly kind: "tokens"; readonly tokens: Tokens };

/**
 * A service error as the client library reported it, normalised: `name` is
 * Cognito's error type (`NotAuthorizedException`, ...), `message` its message.
 */
export class ClientCallError extends Error {
  constructor(name: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
  }
}

/** What a client library can express; scenarios it cannot express run on the other clients. */
export interface ClientCapabilities {
  /**
   * The caller can answer with an older session handle after a newer one was
   * issued (a replayed, stale session). Libraries that keep the session
   * internally always send their latest one.
   */
  readonly replayStaleSession: boolean;
  /** The caller can answer again with a session that already produced tokens (a double submit). */
  readonly resubmitUsedSession: boolean;
  /** The client can refresh or call GetUser with tokens it holds after revoking or signing out. */
  readonly useTokensAfterSignOut: boolean;
}

/** The operations every conformance scenario is written against. */
export interface ConformanceClient {
  /** SignUp with the email as username and a random password the user never sees. */
  signUp(email: string): Promise<void>;
  /** InitiateAuth with CUSTOM_AUTH; resolves with the first custom challenge. */
  startSignIn(email: string): Promise<Challenge>;
  /** RespondToAuthChallenge with CUSTOM_CHALLENGE and this answer. */
  answer(session: unknown, answer: string): Promise<AnswerResult>;
  /** Fresh tokens from the refresh token. */
  refresh(tokens: Tokens): Promise<Tokens>;
  /** RevokeToken on the refresh token (the client's sign-out). */
  revoke(tokens: Tokens): Promise<void>;
  /** GlobalSignOut with the access token. */
  globalSignOut(tokens: Tokens): Promise<void>;
  /** GetUser: the user's attributes as a name -> value map. */
  getUser(tokens: Tokens): Promise<Record<string, string>>;
  /** UpdateUserAttributes with the access token. */
  updateUserAttributes(tokens: Tokens, attributes: Record<string, string>): Promise<void>;
  /** Releases whatever the adapter holds. */
  close(): Promise<void>;
}

/** A client library under test: its name, what it can express, and how to build it for a stack. */
export interface ClientDescriptor {
  readonly name: string;
  readonly capabilities: ClientCapabilities;
  create(stack: StackEndpoint): ConformanceClient;
}

/** Where a client finds the stack. */
export interface StackEndpoint {
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  readonly clientId: string;
}

/** A random password meeting any Cognito password policy, never used to sign in. */
export function randomPassword(): string {
  const bytes = new Uint8Array(45);
  crypto.getRandomValues(bytes);
  return `${Buffer.from(bytes).toString("base64")}aA1!`;
}

/** Reads `{ name, message }` off whatever a library threw, as a {@link ClientCallError}. */
export function toClientCallError(error: unknown): ClientCallError {
  if (error instanceof ClientCallError) return error;
  if (typeof error === "object" && error !== null) {
    const e = error as { name?: unknown; code?: unknown; message?: unknown; __type?: unknown };
    const rawName =
      (typeof e.code === "string" && e.code) ||
      (typeof e.__type === "string" && e.__type) ||
      (typeof e.name === "string" && e.name) ||
      "Error";
    const name = rawName.split("#").pop() ?? rawName;
    const message = typeof e.message === "string" ? e.message : String(error);
    return new ClientCallError(name, message, { cause: error });
  }
  return new ClientCallError("Error", String(error), { cause: error });
}
