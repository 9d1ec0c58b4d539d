import { randomInt, randomUUID } from "node:crypto";
import {
  attributeList,
  checkEmailAttribute,
  checkEmailUsername,
  parseSettableAttributes,
} from "./attributes.js";
import { CognitoError, userNotFound } from "./cognito-error.js";
import { applyAttributeChanges } from "./email-verification.js";
import {
  clientMetadata,
  type Operation,
  type PoolContext,
  type RequestInfo,
  requirePool,
  requireSigV4,
  requireString,
  triggerEvent,
} from "./pool.js";
import { checkPassword } from "./sign-up.js";
import type { LocalUser } from "./users.js";

const userExists = () => new CognitoError("UsernameExistsException", "User account already exists");

/** Checks the SigV4 header and the pool id that every admin call carries. */
function admin(pool: PoolContext, input: Record<string, unknown>, request: RequestInfo): void {
  requireSigV4(request);
  requirePool(pool, input);
}

function findUser(pool: PoolContext, input: Record<string, unknown>): LocalUser {
  const user = pool.users.find(requireString(input, "Username"));
  if (!user) throw userNotFound();
  return user;
}

/** The `UserType` shape of AdminCreateUser and ListUsers (dates in epoch seconds). */
export function userType(user: LocalUser, attributes?: ReadonlySet<string>) {
  return {
    Username: user.username,
    Attributes: attributeList(user, attributes),
    UserCreateDate: user.createdAt / 1000,
    UserLastModifiedDate: user.updatedAt / 1000,
    Enabled: user.enabled,
    UserStatus: user.status,
  };
}

/** `AdminGetUser`. */
export const adminGetUser: Operation = async (pool, input, request) => {
  admin(pool, input, request);
  // The same fields as UserType, with the attributes under AdminGetUser's name.
  const { Attributes, ...fields } = userType(findUser(pool, input));
  return { ...fields, UserAttributes: Attributes };
};

/**
 * `AdminCreateUser`: runs PreSignUp_AdminCreateUser; emails a temporary
 * password unless suppressed. A given `TemporaryPassword` must meet the
 * password policy (`InvalidPasswordException`). `MessageAction: RESEND`
 * emails a user still in FORCE_CHANGE_PASSWORD a new temporary password;
 * any other status is `UnsupportedUserStateException`.
 */
export const adminCreateUser: Operation = async (pool, input, request) => {
  admin(pool, input, request);
  const username = requireString(input, "Username");
  checkEmailUsername(username);
  const attributes = parseSettableAttributes(input, pool.knownAttributes);
  checkEmailAttribute(username, attributes);
  attributes.email = username;
  attributes.email_verified ??= "false";
  // The model check before every operation has refused any other MessageAction.
  const action = input.MessageAction;
  const temporary =
    typeof input.TemporaryPassword === "string" ? input.TemporaryPassword : undefined;
  if (temporary !== undefined) checkPassword(pool, temporary);
  const existing = pool.users.findByEmail(username);
  if (action === "RESEND") {
    if (!existing) throw userNotFound();
    if (existing.status !== "FORCE_CHANGE_PASSWORD") {
      throw new CognitoError(
        "UnsupportedUserStateException",
        `Resend not possible. User status is ${existing.status}, not FORCE_CHANGE_PASSWORD.`,
      );
    }
    await sendTemporaryPassword(pool, username, temporary);
    return { User: userType(existing) };
  }
  if (existing) throw userExists();
  // The new user's sub, which is also its username (email as username).
  const sub = randomUUID();
  if (pool.triggers.has("preSignUp")) {
    const metadata = clientMetadata(input);
    await pool.triggers.invoke(
      "preSignUp",
      triggerEvent(
        pool,
        "PreSignUp_AdminCreateUser",
        sub,
        {
          userAttributes: { ...attributes },
          validationData: null,
          ...(metadata ? { clientMetadata: metadata } : {}),
        },
        { userAgent: request.userAgent, clientId: "CLIENT_ID_NOT_APPLICABLE" },
      ),
    );
    if (pool.users.findByEmail(username)) {
      throw userExists();
    }
  }
  const user = pool.users.create(attributes, "FORCE_CHANGE_PASSWORD", pool.clock.now(), sub);
  if (action !== "SUPPRESS") await sendTemporaryPassword(pool, username, temporary);
  return { User: userType(user) };
};

/** Cognito's invitation email: the username and a temporary password (the one given, else a new one). */
async function sendTemporaryPassword(
  pool: PoolContext,
  username: string,
  temporary: string | undefined,
): Promise<void> {
  await pool.sendMail(
    username,
    "Your temporary password",
    `Your username is ${username} and temporary password is ${temporary ?? password()}.`,
  );
}

/**
 * `AdminUpdateUserAttributes`: any attribute but `sub`, whatever the app
 * client's WriteAttributes. `email` with `email_verified=true` applies at once;
 * without it, a verified email's change is held pending like a user's.
 */
export const adminUpdateUserAttributes: Operation = async (pool, input, request) => {
  admin(pool, input, request);
  const user = findUser(pool, input);
  const changes = parseSettableAttributes(input, pool.knownAttributes);
  await applyAttributeChanges(pool, user, changes, false);
  return {};
};

/**
 * `AdminUserGlobalSignOut`: as `GlobalSignOut`, for any user, by an admin:
 * revokes every refresh token of the user and the access tokens issued from
 * them (refused at this stack's APIs from then on). Tokens issued afterwards
 * are not affected. `UserNotFoundException` for an unknown user.
 */
export const adminUserGlobalSignOut: Operation = async (pool, input, request) => {
  admin(pool, input, request);
  const user = findUser(pool, input);
  pool.tokens.revokeAll(user.username);
  return {};
};

/** `AdminDeleteUser`. */
export const adminDeleteUser: Operation = async (pool, input, request) => {
  admin(pool, input, request);
  const user = findUser(pool, input);
  pool.users.delete(user);
  pool.tokens.forget(user.username);
  return {};
};

function password(): string {
  const sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "^$*.!@#%&"];
  let out = "";
  for (let i = 0; i < 12; i++) {
    const set = sets[i % sets.length]!;
    out += set[randomInt(set.length)];
  }
  return out;
}
