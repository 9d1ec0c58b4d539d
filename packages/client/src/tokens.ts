import { PasscodeError } from "@cognito-passcode/shared";
import { decodeJwtPayload } from "./jwt.js";
import { text } from "./storage.js";
import type { TransportTokens } from "./transport.js";

/**
 * The ID token's claims and the lifetime to use, in seconds, for tokens as
 * Cognito issues them. The
 * tokens are strings, the ID and access tokens decode as JWTs and the ID
 * token has a `sub`, a refresh token (optional: a refresh need not rotate it)
 * is a non-empty string, and the lifetime is within Cognito's bounds for
 * access and ID tokens, 5 minutes to 1 day: `ExpiresIn` (the access token's)
 * itself, and the shorter of it and the ID token's `exp - iat` when both are
 * numbers. Nothing is verified: the backend verifies tokens.
 *
 * @throws a `PasscodeError` with code `SERVICE_ERROR` for anything else.
 */
export function checkTokens(tokens: TransportTokens) {
  const { idToken, accessToken, refreshToken, expiresIn } = tokens;
  const claims = decodeJwtPayload(idToken);
  const { iat, exp } = claims ?? {};
  const lifetime =
    typeof iat === "number" && typeof exp === "number" ? Math.min(expiresIn, exp - iat) : expiresIn;
  if (
    !text(claims?.sub) ||
    !decodeJwtPayload(accessToken) ||
    (refreshToken !== undefined && !text(refreshToken)) ||
    // A number (not "3600"), and not NaN.
    +expiresIn !== expiresIn ||
    !(expiresIn <= 86_400 && lifetime >= 300)
  ) {
    throw new PasscodeError("SERVICE_ERROR");
  }
  return { claims: claims!, lifetime };
}

/**
 * Turns Cognito's `AuthenticationResult` into {@link TransportTokens}, the one
 * place both transports do it; throws as {@link checkTokens} does.
 */
export function tokensFrom(result: unknown): TransportTokens {
  // Unchecked until checkTokens below: the service may have sent anything.
  const r = (result ?? {}) as {
    IdToken: string;
    AccessToken: string;
    ExpiresIn: number;
    RefreshToken?: string | null;
  };
  const tokens: TransportTokens = {
    idToken: r.IdToken,
    accessToken: r.AccessToken,
    expiresIn: r.ExpiresIn,
    ...(r.RefreshToken != null && { refreshToken: r.RefreshToken }),
  };
  checkTokens(tokens);
  return tokens;
}
