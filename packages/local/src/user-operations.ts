import { maskEmail } from "@cognito-passcode/shared";
import { attributeList, isEmailChange, parseAttributes } from "./attributes.js";
import { notAuthorized, userNotFound } from "./cognito-error.js";
import { type Operation, type PoolContext, requireClient, requireString } from "./pool.js";
import type { LocalUser } from "./users.js";

/** Verifies `AccessToken` and finds its user, as Cognito's user APIs do. */
async function currentUser(
  pool: PoolContext,
  input: Record<string, unknown>,
): Promise<{ user: LocalUser; clientId: string }> {
  const token = requireString(input, "AccessToken");
  const claims = await pool.tokens.verifyAccessToken(token);
  const user = pool.users.find(claims.username);
  if (!user || user.attributes.sub !== claims.sub) throw userNotFound();
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

/** `UpdateUserAttributes`: only the attributes the app client may write. */
export const updateUserAttributes: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  const changes = parseAttributes(input.UserAttributes, "userAttributes", pool.knownAttributes);
  for (const name of Object.keys(changes)) {
    if (!pool.config.writeAttributes.has(name)) {
      throw notAuthorized("A client attempted to write unauthorized attribute");
    }
  }
  const details: Record<string, string>[] = [];
  const newEmail = changes.email;
  if (isEmailChange(pool.users, user, newEmail)) {
    // A new email is unverified until confirmed (VerifyUserAttribute is not emulated).
    changes.email_verified = "false";
    details.push({
      Destination: maskEmail(newEmail),
      DeliveryMedium: "EMAIL",
      AttributeName: "email",
    });
  }
  pool.users.update(user, (u) => Object.assign(u.attributes, changes), pool.clock.now());
  return details.length > 0 ? { CodeDeliveryDetailsList: details } : {};
};

/** `DeleteUser`: the user deletes themself. */
export const deleteUser: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  pool.users.delete(user);
  pool.tokens.forget(user.username);
  return {};
};

/** `GlobalSignOut`: revokes every refresh token of the user and the access tokens issued from them. */
export const globalSignOut: Operation = async (pool, input) => {
  const { user } = await currentUser(pool, input);
  pool.tokens.revokeAll(user.username);
  return {};
};

/** `RevokeToken`: revokes one refresh token and the access tokens issued from it. */
export const revokeToken: Operation = async (pool, input) => {
  const clientId = requireClient(pool, input);
  const token = requireString(input, "Token");
  pool.tokens.revoke(token, clientId);
  return {};
};
