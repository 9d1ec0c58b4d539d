import { JwtVerifier } from "aws-jwt-verify";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import type { Tokens } from "../clients/types.js";

/**
 * aws-jwt-verify's default fetcher speaks only https (node:https); the local
 * stack serves its JWKS over http, so hand it one built on `fetch`.
 */
const httpFetcher: Fetcher = {
  async fetch(uri) {
    const response = await fetch(uri);
    if (response.status !== 200) throw new Error(`JWKS fetch: status ${response.status}`);
    return response.arrayBuffer();
  },
};

/** The verified claims of one sign-in: the ID token's and the access token's. */
export interface VerifiedTokens {
  readonly id: JwtPayload;
  readonly access: JwtPayload;
}

/** Where the verifier finds the stack's keys and what it expects of the tokens. */
export interface TokenIssuer {
  readonly issuer: string;
  readonly jwksUrl: string;
  readonly clientId: string;
}

/**
 * Verifies ID and access tokens against the stack's JWKS with aws-jwt-verify,
 * as a resource server would: RS256 signature by a published key, issuer,
 * expiry, `token_use`, audience (ID token) and `client_id` (access token).
 */
export function createTokenVerifier(
  stack: TokenIssuer,
): (tokens: Tokens) => Promise<VerifiedTokens> {
  const jwksCache = new SimpleJwksCache({ fetcher: httpFetcher });
  const idVerifier = JwtVerifier.create(
    {
      issuer: stack.issuer,
      audience: stack.clientId,
      jwksUri: stack.jwksUrl,
      customJwtCheck: ({ header, payload }) => {
        if (header.alg !== "RS256") throw new Error(`ID token alg ${String(header.alg)}`);
        if (payload.token_use !== "id") throw new Error("not an ID token");
      },
    },
    { jwksCache },
  );
  // Cognito access tokens carry `client_id`, not `aud`.
  const accessVerifier = JwtVerifier.create(
    {
      issuer: stack.issuer,
      audience: null,
      jwksUri: stack.jwksUrl,
      customJwtCheck: ({ header, payload }) => {
        if (header.alg !== "RS256") throw new Error(`access token alg ${String(header.alg)}`);
        if (payload.token_use !== "access") throw new Error("not an access token");
        if (payload.client_id !== stack.clientId)
          throw new Error("access token for another client");
      },
    },
    { jwksCache },
  );
  return async (tokens) => ({
    id: await idVerifier.verify(tokens.idToken),
    access: await accessVerifier.verify(tokens.accessToken),
  });
}
