import { attributeList, checkWritable, parseAttributes } from "./attributes.js";
import { CognitoError, notAuthorized, userNotFound } from "./cognito-error.js";
import {
  applyAttributeChanges,
  requireEmailAttribute,
  sendEmailVerificationCode,
  verifyEmailCode,
} from "./email-verification.js";
import { type Operation, type PoolContext, requireString } from "./pool.js";
import type { LocalUser } from "./users.js";

/**
 * Verifies `AccessToken` and finds its user, as Cognito's user APIs do. A
 * token whose user is gone is `missingUser()`: `UserNotFoundException` where
 * the operation's model lists it, else `NotAuthorizedException`.
 */
async function currentUser(
  pool: PoolContext,
  input: Record<string, unknown>,
  missingUser: () => CognitoError = userNotFound,
): Promise<{ user: LocalUser; clientId: string }> {
  const token = requireString(input, "AccessToken");
  const claims = await pool.tokens.verifyAccessToken(token);
  const user = pool.users.find(claims.username);
  if (!user || user.attributes.sub !== claims.sub) throw missingUser();
  if (!user.enabled) throw notAuthorized("User is disabled.");
  return { user, clientId: claims.clientId };
}

/** `GetUser`: the attributes the app client may read. */
export const getUser: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  return {
    Username: user.username,
    UserAttributes: attributeList(user, pool.config.readAttributes),
  };
};

/**
 * `UpdateUserAttributes`: only the attributes the app client may write. A new
 * email is held pending or applied unverified (see `applyAttributeChanges`).
 */
export const updateUserAttributes: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  const changes = parseAttributes(input.UserAttributes, "userAttributes", pool.knownAttributes);
  checkWritable(Object.keys(changes), pool.config.writeAttributes);
  const details = await applyAttributeChanges(pool, user, changes, true);
  return details.length > 0 ? { CodeDeliveryDetailsList: details } : {};
};

/**
 * `GetUserAttributeVerificationCode`: emails a code to the pending email, else
 * the current one; `LimitExceededException` beyond five codes per user and
 * address, or, unless the user owns the address, ten per address to the
 * users who do not, an hour (see `ATTEMPT_LIMITS`).
 */
export const getUserAttributeVerificationCode: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  requireEmailAttribute(requireString(input, "AttributeName"));
  const address = user.pendingEmail ?? user.attributes.email;
  if (address === undefined) throw notAuthorized("User has no email attribute.");
  return { CodeDeliveryDetails: await sendEmailVerificationCode(pool, user, address) };
};

/**
 * `VerifyUserAttribute`: a right code verifies the address it was sent to and
 * applies a pending one; `LimitExceededException`, before any comparison,
 * beyond ten wrong answers per user and address, or, unless the user owns
 * the address, twenty per address by the users who do not, an hour, however
 * many codes were re-issued (see `ATTEMPT_LIMITS`).
 */
export const verifyUserAttribute: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  requireEmailAttribute(requireString(input, "AttributeName"));
  // The model check before every operation has held Code to ConfirmationCodeType.
  verifyEmailCode(pool, user, requireString(input, "Code"));
  return {};
};

/** `DeleteUser`: the user deletes themself. */
export const deleteUser: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  pool.users.delete(user);
  pool.tokens.forget(user.username);
  return {};
};

/**
 * `GlobalSignOut`: revokes every refresh token of the user and the access
 * tokens issued from them. A deleted user's token is `NotAuthorizedException`
 * (the model lists no `UserNotFoundException` for this operation).
 */
export const globalSignOut: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input, () => notAuthorized("User does not exist."));
  pool.tokens.revokeAll(user.username);
  return {};
};

/**
 * `RevokeToken`: revokes one refresh token and the access tokens issued from
 * it. Only errors its model lists: an unknown app client, or a token issued
 * to another one, is `UnauthorizedException`; an ID or access token (a JWT)
 * is `UnsupportedTokenTypeException`; an unknown refresh token is not an
 * error (RFC 7009).
 */
export const revokeToken: Operation = async (pool, input) => {
  const clientId = requireString(input, "ClientId");
  if (clientId !== pool.config.clientId) throw unauthorizedClient();
  const token = requireString(input, "Token");
  if (isJwt(token)) {
    throw new CognitoError("UnsupportedTokenTypeException", "Only refresh tokens can be revoked.");
  }
  try {
    pool.tokens.revoke(token, clientId);
  } catch (error) {
    // The token service says NotAuthorizedException for another client's token.
    if (error instanceof CognitoError && error.type === "NotAuthorizedException") {
      throw unauthorizedClient();
    }
    throw error;
  }
  return {};
};

const unauthorizedClient = () => new CognitoError("UnauthorizedException", "Invalid client.");

/** True for a JWS in compact form, three parts (ID and access tokens); refresh tokens have five. */
function isJwt(token: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as unknown;
    return typeof header === "object" && header !== null && "alg" in header;
  } catch {
    return false;
  }
}
