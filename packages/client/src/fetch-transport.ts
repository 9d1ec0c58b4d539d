import { checkClientId, configurationError } from "./options.js";
import { tokensFrom } from "./tokens.js";
import type { AuthStep, Transport } from "./transport.js";

/** Options for {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The user pool app client id (a public client, without a secret). */
  clientId: string;
  /** The pool's AWS region, e.g. `eu-west-1`. Give this, `endpoint`, or both; `""` means unset. */
  region?: string | undefined;
  /** A full endpoint URL (the local stack, a proxy); wins over `region`. `""` means unset. */
  endpoint?: string | undefined;
  /**
   * Cookie mode: the URL of your token handler (`@cognito-passcode/token-handler`,
   * mounted on your site), absolute or relative, e.g. `"/auth"`. Every request
   * goes there instead of Cognito, with `credentials: "include"` and the header
   * `X-Cognito-Passcode: 1`; `region` and `endpoint` are then not needed.
   * Refresh and RevokeToken are sent without a refresh token: the handler
   * keeps it in an httpOnly cookie. `""` means unset.
   */
  tokenHandler?: string | undefined;
  /**
   * Milliseconds to wait for each answer (headers and body) before the call
   * rejects with an error named `TimeoutError` (the client's `NETWORK_ERROR`).
   * @default 15000
   */
  timeoutMs?: number;
  /**
   * The `fetch` to use.
   * @default globalThis.fetch, looked up at call time
   */
  fetch?: typeof fetch;
}

interface AuthResponse {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
  AuthenticationResult?: unknown;
}

/**
 * Resolves where requests go: `endpoint` when given, else the regional
 * endpoint of `region` (`""` counts as unset). Throws a
 * `CONFIGURATION_ERROR` when neither is given; development builds also check
 * that `region` looks like an AWS region (even beside an `endpoint`) and
 * `endpoint` like an http(s) URL.
 */
export function resolveEndpoint(options: { region?: unknown; endpoint?: unknown }): string {
  const { region, endpoint } = options;
  if (process.env.NODE_ENV !== "production") {
    if (region && (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region))) {
      throw configurationError("region", "must be an AWS region, e.g. eu-west-1");
    }
    if (endpoint && (typeof endpoint !== "string" || !/^https?:\/\/[^\s/]+/i.test(endpoint))) {
      throw configurationError("endpoint", "must be an http(s) URL");
    }
  }
  if (endpoint) return endpoint as string;
  if (region) return `https://cognito-idp.${region}.amazonaws.com/`;
  throw configurationError("region", "or endpoint: give one");
}

function authStep(data: AuthResponse): AuthStep {
  if (data.ChallengeName === "CUSTOM_CHALLENGE" && data.Session) {
    return { type: "challenge", session: data.Session, parameters: data.ChallengeParameters ?? {} };
  }
  return { type: "tokens", tokens: tokensFrom(data.AuthenticationResult) };
}

/**
 * The default transport: Cognito's JSON protocol over `fetch` (`POST` with
 * `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>` and
 * `Content-Type: application/x-amz-json-1.1`), with no dependency, to
 * Cognito or (with `tokenHandler`) to your token handler. Refresh is
 * `GetTokensFromRefreshToken`, which works whether or not the app client
 * rotates refresh tokens.
 * Cognito errors reject with `name` set to the exception name; network
 * failures reject with `fetch`'s own `TypeError`; an answer slower than
 * `timeoutMs` rejects with an error named `TimeoutError`; an aborted
 * `signal` rejects with `fetch`'s `AbortError`.
 *
 * @example
 * ```ts
 * const transport = createFetchTransport({ clientId, region: "eu-west-1" });
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): Transport {
  const { clientId, fetch: customFetch, timeoutMs = 15_000, tokenHandler } = options;
  checkClientId(clientId);
  if (process.env.NODE_ENV !== "production") {
    if (customFetch !== undefined && typeof customFetch !== "function") {
      throw configurationError("fetch", "must be a function");
    }
    if (!(timeoutMs > 0)) throw configurationError("timeoutMs", "must be a number > 0");
    if (tokenHandler !== undefined && typeof tokenHandler !== "string") {
      throw configurationError("tokenHandler", "must be a URL");
    }
  }
  const cookie = !!tokenHandler;
  const url = tokenHandler || resolveEndpoint(options);

  async function call(
    operation: string,
    body: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<AuthResponse> {
    const controller = new AbortController();
    const abort = () => controller.abort();
    let timedOut = false;
    // Timers hold at most 2^31 - 1 ms: a longer wait (Infinity) would fire at once.
    const timer = setTimeout(
      () => {
        timedOut = true;
        abort();
      },
      Math.min(timeoutMs, 2 ** 31 - 1),
    );
    signal?.addEventListener("abort", abort);
    if (signal?.aborted) abort();
    try {
      const response = await (customFetch ?? fetch)(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
          // The token handler's CSRF defence: a custom header forces a CORS preflight.
          ...(cookie && { "x-cognito-passcode": "1" }),
        },
        body: JSON.stringify({ ClientId: clientId, ...body }),
        signal: controller.signal,
        // Sends the handler's httpOnly cookie, and lets its Set-Cookie land.
        ...(cookie && { credentials: "include" as const }),
      });
      // A proxy's HTML error page does not parse: keep the status, report a service error.
      // A body cut short by the timeout or `signal` rejects (below), never reads as `{}`.
      const data =
        (await response.json().catch((error: unknown) => {
          if (controller.signal.aborted) throw error;
        })) ?? {};
      if (!response.ok) {
        const error = new Error(String(data.message ?? data.Message ?? response.statusText));
        // `com.amazonaws#NotAuthorizedException` or `UserLambdaValidationException:http://...`
        error.name = String(
          data.__type ?? response.headers.get("x-amzn-errortype") ?? `Http${response.status}`,
        ).replace(/^.*#|:.*$/gs, "");
        throw error;
      }
      return data;
    } catch (error) {
      if (!timedOut) throw error;
      const timeout = new Error(`${operation} timed out`);
      timeout.name = "TimeoutError";
      throw timeout;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abort);
    }
  }

  return {
    async signUp({ username, password, signal }) {
      await call(
        "SignUp",
        {
          Username: username,
          Password: password,
          UserAttributes: [{ Name: "email", Value: username }],
        },
        signal,
      );
    },
    async initiateAuth({ username, signal }) {
      return authStep(
        await call(
          "InitiateAuth",
          { AuthFlow: "CUSTOM_AUTH", AuthParameters: { USERNAME: username } },
          signal,
        ),
      );
    },
    async respondToAuthChallenge({ username, session, answer, signal, clientMetadata }) {
      return authStep(
        await call(
          "RespondToAuthChallenge",
          {
            ChallengeName: "CUSTOM_CHALLENGE",
            Session: session,
            ChallengeResponses: { USERNAME: username, ANSWER: answer },
            // `undefined` leaves it out of the JSON body.
            ClientMetadata: clientMetadata,
          },
          signal,
        ),
      );
    },
    async refresh({ refreshToken, signal }) {
      // Works with refresh-token rotation on or off (REFRESH_TOKEN_AUTH is refused when on).
      // `undefined` drops RefreshToken from the body: the token handler reads its cookie.
      const data = await call("GetTokensFromRefreshToken", { RefreshToken: refreshToken }, signal);
      return tokensFrom(data.AuthenticationResult);
    },
    async revokeToken({ refreshToken, signal }) {
      await call("RevokeToken", { Token: refreshToken }, signal);
    },
    async globalSignOut({ accessToken, signal }) {
      // GlobalSignOut takes no ClientId: `undefined` drops it from the JSON body.
      await call("GlobalSignOut", { AccessToken: accessToken, ClientId: undefined }, signal);
    },
  };
}
