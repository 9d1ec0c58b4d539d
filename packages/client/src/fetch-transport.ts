import { checkClientId, configurationError } from "./options.js";
import { tokensFrom } from "./tokens.js";
import type { AuthStep, Transport } from "./transport.js";

/** Options for {@link createFetchTransport}. */
export interface FetchTransportOptions {
  /** The user pool app client id (a public client, without a secret). */
  clientId: string;
  /** The pool's AWS region, e.g. `eu-west-1`. Give this or `endpoint`. */
  region?: string;
  /** A full endpoint URL instead of the regional one (the local stack, a proxy). */
  endpoint?: string;
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

/** Resolves where requests go, validating `region` / `endpoint`. */
export function resolveEndpoint(options: { region?: unknown; endpoint?: unknown }): string {
  const { region, endpoint } = options;
  if ((region === undefined) === (endpoint === undefined)) {
    throw configurationError("region", "or endpoint: give exactly one");
  }
  if (region !== undefined) {
    if (typeof region !== "string" || !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(region)) {
      throw configurationError("region", "must be an AWS region, e.g. eu-west-1");
    }
    return `https://cognito-idp.${region}.amazonaws.com/`;
  }
  if (typeof endpoint !== "string" || !/^https?:\/\/[^\s/]+/i.test(endpoint)) {
    throw configurationError("endpoint", "must be an http(s) URL");
  }
  return endpoint;
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
 * `Content-Type: application/x-amz-json-1.1`), with no dependency.
 * Cognito errors reject with `name` set to the exception name; network
 * failures reject with `fetch`'s own `TypeError`.
 *
 * @example
 * ```ts
 * const transport = createFetchTransport({ clientId, region: "eu-west-1" });
 * ```
 */
export function createFetchTransport(options: FetchTransportOptions): Transport {
  const { clientId, fetch: customFetch } = options;
  checkClientId(clientId);
  if (customFetch !== undefined && typeof customFetch !== "function") {
    throw configurationError("fetch", "must be a function");
  }
  const url = resolveEndpoint(options);

  async function call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
    const response = await (customFetch ?? fetch)(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify({ ClientId: clientId, ...body }),
    });
    // A proxy's HTML error page does not parse: keep the status, report a service error.
    const data = (await response.json().catch(() => null)) ?? {};
    if (!response.ok) {
      const error = new Error(String(data.message ?? data.Message ?? response.statusText));
      // `com.amazonaws#NotAuthorizedException` or `UserLambdaValidationException:http://...`
      error.name = String(
        data.__type ?? response.headers.get("x-amzn-errortype") ?? `Http${response.status}`,
      ).replace(/^.*#|:.*$/g, "");
      throw error;
    }
    return data;
  }

  return {
    async signUp({ username, password }) {
      await call("SignUp", {
        Username: username,
        Password: password,
        UserAttributes: [{ Name: "email", Value: username }],
      });
    },
    async initiateAuth({ username }) {
      return authStep(
        await call("InitiateAuth", {
          AuthFlow: "CUSTOM_AUTH",
          AuthParameters: { USERNAME: username },
        }),
      );
    },
    async respondToAuthChallenge({ username, session, answer }) {
      return authStep(
        await call("RespondToAuthChallenge", {
          ChallengeName: "CUSTOM_CHALLENGE",
          Session: session,
          ChallengeResponses: { USERNAME: username, ANSWER: answer },
        }),
      );
    },
    async refresh({ refreshToken }) {
      const data = await call<AuthResponse>("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      });
      return tokensFrom(data.AuthenticationResult);
    },
    async revokeToken({ refreshToken }) {
      await call("RevokeToken", { Token: refreshToken });
    },
    async globalSignOut({ accessToken }) {
      // GlobalSignOut takes no ClientId: `undefined` drops it from the JSON body.
      await call("GlobalSignOut", { AccessToken: accessToken, ClientId: undefined });
    },
  };
}
