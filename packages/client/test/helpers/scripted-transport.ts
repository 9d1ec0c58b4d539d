import type { AuthStep, Transport, TransportTokens } from "@cognito-passcode/client";

/** One pending transport call; the test settles it, in any order it likes. */
export interface PendingCall {
  op: keyof Transport;
  input: Record<string, string>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * A Transport whose every call waits until the test settles it: lets unit and
 * property tests drive responses out of order without a network.
 */
export function scriptedTransport() {
  const calls: PendingCall[] = [];
  const make =
    (op: keyof Transport) =>
    (input: Record<string, string>): Promise<never> =>
      new Promise((resolve, reject) => {
        calls.push({ op, input, resolve: resolve as (v: unknown) => void, reject });
      });
  const transport = {
    signUp: make("signUp"),
    initiateAuth: make("initiateAuth"),
    respondToAuthChallenge: make("respondToAuthChallenge"),
    refresh: make("refresh"),
    revokeToken: make("revokeToken"),
    globalSignOut: make("globalSignOut"),
  } as unknown as Transport;
  return {
    transport,
    calls,
    /** Removes and returns the oldest pending call (optionally of one operation). */
    take(op?: keyof Transport): PendingCall {
      const i = op ? calls.findIndex((c) => c.op === op) : 0;
      if (i < 0 || !calls[i]) throw new Error(`no pending ${op ?? "call"}`);
      return calls.splice(i, 1)[0]!;
    },
  };
}

/** Lets pending promise callbacks run. */
export const flush = () => new Promise((r) => setTimeout(r, 0));

/** An unsigned JWT with `payload` (the client only decodes, never verifies). */
export function fakeJwt(payload: Record<string, unknown>): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${b64({ alg: "none" })}.${b64(payload)}.sig`;
}

let serial = 0;
/** Tokens for `claims`, valid for `expiresIn` seconds; `""` as `refreshToken` leaves it out (`undefined` picks a new one). */
export function tokensFor(
  claims: Record<string, unknown>,
  expiresIn = 3600,
  refreshToken: string | undefined = `refresh-${++serial}`,
): TransportTokens {
  return {
    idToken: fakeJwt({ token_use: "id", ...claims }),
    accessToken: fakeJwt({ token_use: "access", sub: claims.sub, n: ++serial }),
    expiresIn,
    ...(refreshToken ? { refreshToken } : {}),
  };
}

/** A CODE challenge step. */
export function codeStep(
  attemptsLeft = 3,
  session = `session-${++serial}`,
  extra: Record<string, string> = {},
): AuthStep {
  return {
    type: "challenge",
    session,
    parameters: {
      step: "CODE",
      codeLength: "6",
      expiresAt: String(Date.UTC(2030, 0, 1)),
      attemptsLeft: String(attemptsLeft),
      email: "a***@e***.com",
      ...extra,
    },
  };
}

/** A USERNAME challenge step. */
export function usernameStep(
  attemptsLeft = 3,
  extra: Record<string, string> = {},
  session = `session-${++serial}`,
): AuthStep {
  return {
    type: "challenge",
    session,
    parameters: {
      step: "USERNAME",
      minLength: "3",
      maxLength: "30",
      attemptsLeft: String(attemptsLeft),
      ...extra,
    },
  };
}

/** An error shaped like a Cognito error from a transport. */
export function cognitoError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
