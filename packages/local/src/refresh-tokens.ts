import { invalidParameter } from "./cognito-error.js";
import {
  clientMetadata,
  type Operation,
  type PoolContext,
  type RequestInfo,
  requireAuthFlow,
  requireClient,
  requireString,
} from "./pool.js";
import { runPreTokenGeneration } from "./pre-token-generation.js";
import type { LocalUser } from "./users.js";

/**
 * The Pre Token Generation run of a refresh (`TokenGeneration_RefreshTokens`),
 * with the call's `ClientMetadata` when the API carries one (both refresh
 * calls have the member in Cognito's model).
 */
function refreshCustomizer(
  pool: PoolContext,
  input: Record<string, unknown>,
  request: RequestInfo | undefined,
) {
  const metadata = clientMetadata(input);
  return (user: LocalUser) =>
    runPreTokenGeneration(pool, user, "TokenGeneration_RefreshTokens", {
      clientMetadata: metadata,
      userAgent: request?.userAgent,
    });
}

/**
 * `GetTokensFromRefreshToken`, the newer refresh call (Amplify v6 uses it),
 * and the only one when the app client rotates refresh tokens. Without
 * rotation it answers new ID and access tokens, as REFRESH_TOKEN_AUTH does;
 * with rotation, a new refresh token too.
 */
export const getTokensFromRefreshToken: Operation = async (pool, input, request) => {
  requireClient(pool, input);
  const token = requireString(input, "RefreshToken");
  // AWS: with rotation, REFRESH_TOKEN_AUTH must be turned off on the app
  // client, so this call cannot depend on ALLOW_REFRESH_TOKEN_AUTH then.
  if (!pool.tokens.rotatesRefreshTokens) requireAuthFlow(pool, "REFRESH_TOKEN_AUTH");
  const result = await pool.tokens.refresh(
    token,
    (username) => pool.users.find(username),
    pool.config.readAttributes,
    refreshCustomizer(pool, input, request),
  );
  return { AuthenticationResult: result };
};

/**
 * REFRESH_TOKEN_AUTH (and its alias REFRESH_TOKEN): new ID and access tokens.
 * Refused when the app client rotates refresh tokens, as AWS documents; the
 * error and its message are the stack's guess.
 */
export async function refresh(
  pool: PoolContext,
  params: Record<string, string>,
  request?: RequestInfo,
  input: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  if (pool.tokens.rotatesRefreshTokens) {
    throw invalidParameter(
      "REFRESH_TOKEN_AUTH is not allowed when refresh token rotation is enabled for this client; use GetTokensFromRefreshToken",
    );
  }
  requireAuthFlow(pool, "REFRESH_TOKEN_AUTH");
  const token = params.REFRESH_TOKEN;
  if (!token) throw invalidParameter("Missing required parameter REFRESH_TOKEN");
  const result = await pool.tokens.refresh(
    token,
    (username) => pool.users.find(username),
    pool.config.readAttributes,
    refreshCustomizer(pool, input, request),
  );
  return { AuthenticationResult: result, ChallengeParameters: {} };
}
