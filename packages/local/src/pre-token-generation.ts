import { CognitoError } from "./cognito-error.js";
import { type PoolContext, triggerAttributes, triggerEvent } from "./pool.js";
import type { LocalUser } from "./users.js";

/**
 * The claims Cognito documents as not modifiable by Pre Token Generation
 * ("You can not modify the following claims"), refused in
 * `claimsToAddOrOverride` and `claimsToSuppress` alike. Source: the Pre token
 * generation Lambda trigger page of the Cognito developer guide
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html;
 * the list as published in awsdocs/amazon-cognito-developer-guide,
 * doc_source/user-pool-lambda-pre-token-generation.md).
 */
export const PROTECTED_ID_TOKEN_CLAIMS: ReadonlySet<string> = new Set([
  "acr",
  "amr",
  "aud",
  "at_hash",
  "auth_time",
  "azp",
  "cognito:username",
  "exp",
  "iat",
  "identities",
  "iss",
  "jti",
  "nbf",
  "nonce",
  "origin_jti",
  "sub",
  "token_use",
]);

/**
 * Cognito's Pre Token Generation trigger sources the stack issues tokens for:
 * `TokenGeneration_Authentication` at the end of a sign-in (the custom-auth
 * flow is the only sign-in the stack runs; Cognito's other sources, hosted UI,
 * new-password challenge and device authentication, have no counterpart here)
 * and `TokenGeneration_RefreshTokens` on REFRESH_TOKEN_AUTH and
 * GetTokensFromRefreshToken.
 */
export type TokenGenerationSource =
  | "TokenGeneration_Authentication"
  | "TokenGeneration_RefreshTokens";

/** What the trigger asked of the ID token (version 1 changes the ID token only). */
export interface IdTokenCustomization {
  /** Claims added or replaced, as strings (V1_0's `claimsToAddOrOverride`). */
  add: Readonly<Record<string, string>>;
  /** Claims removed; a claim both added and suppressed is suppressed, as AWS documents. */
  suppress: readonly string[];
}

/**
 * Runs the Pre Token Generation trigger, if one is configured, with a version
 * "1" event (Cognito's `V1_0`: `request { userAttributes, groupConfiguration,
 * clientMetadata? }`, `response { claimsOverrideDetails: null }`) and returns
 * what it asked of the ID token. A trigger error fails the call as Cognito
 * does (`UserLambdaValidationException`, "PreTokenGeneration failed with
 * error ..."); an answer that touches a claim Cognito does not let a trigger
 * modify ({@link PROTECTED_ID_TOKEN_CLAIMS}), or that is not V1_0's shape,
 * fails it with `InvalidLambdaResponseException`.
 */
export async function runPreTokenGeneration(
  pool: PoolContext,
  user: LocalUser,
  source: TokenGenerationSource,
  options: { clientMetadata?: Record<string, string> | undefined; userAgent?: string | undefined },
): Promise<IdTokenCustomization | undefined> {
  if (!pool.triggers.has("preTokenGeneration")) return undefined;
  const event = triggerEvent(
    pool,
    source,
    user.username,
    {
      userAttributes: triggerAttributes(user),
      // The stack has no groups: Cognito sends the empty configuration then.
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [], preferredRole: null },
      ...(options.clientMetadata ? { clientMetadata: options.clientMetadata } : {}),
    },
    { userAgent: options.userAgent },
  );
  event.response = { claimsOverrideDetails: null };
  const answered = await pool.triggers.invoke("preTokenGeneration", event);
  return parseCustomization(answered.response.claimsOverrideDetails);
}

function refuse(why: string): CognitoError {
  return new CognitoError(
    "InvalidLambdaResponseException",
    `Invalid PreTokenGeneration response: ${why}`,
  );
}

function parseCustomization(details: unknown): IdTokenCustomization | undefined {
  if (details === null || details === undefined) return undefined;
  if (typeof details !== "object" || Array.isArray(details)) {
    throw refuse("claimsOverrideDetails must be an object");
  }
  const { claimsToAddOrOverride, claimsToSuppress } = details as Record<string, unknown>;
  const add: Record<string, string> = {};
  if (claimsToAddOrOverride !== undefined && claimsToAddOrOverride !== null) {
    if (typeof claimsToAddOrOverride !== "object" || Array.isArray(claimsToAddOrOverride)) {
      throw refuse("claimsToAddOrOverride must be a map of strings");
    }
    for (const [name, value] of Object.entries(claimsToAddOrOverride)) {
      if (typeof value !== "string") {
        throw refuse(`claimsToAddOrOverride.${name} must be a string (version 1 events)`);
      }
      if (PROTECTED_ID_TOKEN_CLAIMS.has(name)) {
        throw refuse(`the claim ${name} cannot be modified`);
      }
      add[name] = value;
    }
  }
  const suppress: string[] = [];
  if (claimsToSuppress !== undefined && claimsToSuppress !== null) {
    if (!Array.isArray(claimsToSuppress) || claimsToSuppress.some((n) => typeof n !== "string")) {
      throw refuse("claimsToSuppress must be a list of strings");
    }
    for (const name of claimsToSuppress as string[]) {
      if (PROTECTED_ID_TOKEN_CLAIMS.has(name)) {
        throw refuse(`the claim ${name} cannot be suppressed`);
      }
      suppress.push(name);
    }
  }
  return { add, suppress };
}
