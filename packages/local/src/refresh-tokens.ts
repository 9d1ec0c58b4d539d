import { invalidParameter } from "./cognito-error.js";
import {
  type Operation,
  type PoolContext,
  requireAuthFlow,
  requireClient,
  requireString,
} from "./pool.js";

/**
 * `GetTokensFromRefreshToken`, the newer refresh call (Amplify v6 uses it).
 * Refresh-token rotation is off, so no new refresh token comes back, as from
 * REFRESH_TOKEN_AUTH.
 */
export const getTokensFromRefreshToken: Operation = async (pool, input) => {
  requireClient(pool, input);
  const token = requireString(input, "RefreshToken");
  const { AuthenticationResult } = await refresh(pool, { REFRESH_TOKEN: token });
  return { AuthenticationResult };
};

/** REFRESH_TOKEN_AUTH (and its alias REFRESH_TOKEN): new ID and access tokens. */
export async function refresh(
  pool: PoolContext,
  params: Record<string, string>,
): Promise<Record<string, unknown>> {
  requireAuthFlow(pool, "REFRESH_TOKEN_AUTH");
  const token = params.REFRESH_TOKEN;
  if (!token) throw invalidParameter("Missing required parameter REFRESH_TOKEN");
  const result = await pool.tokens.refresh(
    token,
    (username) => pool.users.find(username),
    pool.config.readAttributes,
  );
  return { AuthenticationResult: result, ChallengeParameters: {} };
}
