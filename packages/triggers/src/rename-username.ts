import type {
  AttributeType,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  PasscodeError,
  resolveUsernamePolicy,
  type UsernamePolicyOptions,
  validateUsername,
} from "@cognito-passcode/shared";
import { fail } from "./resolve-options.js";
import type { UsernameRegistry } from "./store.js";

/** Options for {@link renameUsername}: where the user and the claims live. */
export interface RenameUsernameOptions {
  /** A client allowed `cognito-idp:AdminGetUser` and `AdminUpdateUserAttributes` on the pool. */
  cognito: CognitoIdentityProviderClient;
  /** The user pool's id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /** The registry the Verify trigger claims names in (the same table). */
  registry: UsernameRegistry;
  /**
   * The attribute holding the username.
   * @default "custom:username"
   */
  attribute?: string;
  /**
   * The username policy the new name must meet (use the triggers' policy).
   * @default the default policy of `@cognito-passcode/shared`
   */
  policy?: UsernamePolicyOptions;
}

/** Which user to rename, and to what. */
export interface RenameUsernameRequest {
  /** The user's Cognito username, an alias such as the email, or the user's `sub`. */
  username: string;
  /** The new username, as typed; it is validated and normalised. */
  newUsername: string;
}

/** What {@link renameUsername} did. */
export interface RenameUsernameResult {
  /** The new username in its normalised (stored) form. */
  username: string;
}

/**
 * Renames a user: moves the registry claim (both records, `username#` and
 * `owner#`, in one atomic `move`) and then the username attribute, so the
 * user holds one name at every moment.
 *
 * Order: validate the new name; read the user (`AdminGetUser`) for its `sub`
 * and current attribute; ask the registry which name the `sub` holds (the
 * registry is the source of truth; the attribute stands in for a claim made
 * before owner records existed); `move` it to the new name (someone else
 * holds it -> `USERNAME_UNAVAILABLE`, nothing changed; a user with no name
 * simply claims it); write the attribute (`AdminUpdateUserAttributes`; if
 * that fails and a fresh `AdminGetUser` confirms the attribute does not name
 * the new claim, the claim is moved back, or released for a user who had no
 * name; should the old name have been taken meanwhile, the user keeps the
 * new one in the registry and running the rename again finishes it; either
 * way the error is rethrown).
 *
 * Crash analysis: the registry changes in one step, so it never holds two
 * names for the user nor a half-moved claim. A crash after the move and
 * before the attribute write leaves the attribute naming the old name while
 * the registry has already given it up: the user's tokens show the old name,
 * and another user could claim it meanwhile. Running the same rename again
 * finishes it (the move is then a no-op and the attribute is written). The
 * window is one Cognito call long; run renames where a failure is retried.
 *
 * Errors from Cognito (e.g. `UserNotFoundException`) are rethrown as they are.
 *
 * @example
 * ```ts
 * await renameUsername(
 *   { cognito: new CognitoIdentityProviderClient({}), userPoolId, registry: dynamoDbStore({ tableName }) },
 *   { username: sub, newUsername: "Alice_2" },
 * ); // { username: "alice_2" }
 * ```
 */
export async function renameUsername(
  options: RenameUsernameOptions,
  request: RenameUsernameRequest,
): Promise<RenameUsernameResult> {
  const { cognito, userPoolId, registry, attribute } = checkOptions(options);
  const policy = resolveUsernamePolicy(options.policy, "policy.");
  if (typeof request?.username !== "string" || request.username.length === 0) {
    throw new TypeError("request.username must name the user (username, alias or sub)");
  }
  const validation = validateUsername(request.newUsername, policy);
  if (!validation.ok) {
    throw new PasscodeError("USERNAME_INVALID", validation.message, {
      details: { reason: validation.reason },
    });
  }
  const newUsername = validation.username;

  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const user = await cognito.send(
    new sdk.AdminGetUserCommand({ UserPoolId: userPoolId, Username: request.username }),
  );
  const sub = attributeValue(user.UserAttributes, "sub");
  if (!sub || !user.Username) {
    throw new PasscodeError("SERVICE_ERROR", "AdminGetUser returned a user without a sub");
  }
  const attributeName = attributeValue(user.UserAttributes, attribute);
  const oldUsername = (await registry.usernameOf(sub)) ?? attributeName;

  const moved = oldUsername
    ? await registry.move(sub, oldUsername, newUsername)
    : await registry.claim(newUsername, sub);
  if (moved.status === "taken") {
    throw new PasscodeError("USERNAME_UNAVAILABLE", "another user holds that username");
  }
  if (moved.status === "owns-other") {
    // The user's name changed between the read and the move (another rename).
    throw new PasscodeError("SERVICE_ERROR", "the user's username changed during the rename", {
      details: { sub },
    });
  }
  if (attributeName === newUsername) return { username: newUsername };

  try {
    await cognito.send(
      new sdk.AdminUpdateUserAttributesCommand({
        UserPoolId: userPoolId,
        Username: user.Username,
        UserAttributes: [{ Name: attribute, Value: newUsername }],
      }),
    );
  } catch (error) {
    // Give the new name back only once Cognito confirms the attribute does
    // not name it: a write that took effect but whose answer was lost (a
    // timeout) must keep its claim, or another user could take the name.
    const after = await cognito
      .send(new sdk.AdminGetUserCommand({ UserPoolId: userPoolId, Username: user.Username }))
      .then((u) => attributeValue(u.UserAttributes, attribute))
      .catch(() => newUsername);
    if (after !== newUsername) {
      const undo =
        oldUsername && oldUsername !== newUsername
          ? registry.move(sub, newUsername, oldUsername)
          : registry.release(newUsername, sub);
      await Promise.resolve(undo).catch(() => undefined);
    }
    throw error;
  }
  return { username: newUsername };
}

function checkOptions(options: RenameUsernameOptions) {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  const { cognito, userPoolId, registry, attribute = "custom:username" } = options;
  if (typeof (cognito as { send?: unknown } | undefined)?.send !== "function") {
    fail("cognito", "must be a CognitoIdentityProviderClient");
  }
  if (typeof userPoolId !== "string" || !/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) {
    fail("userPoolId", "must be a user pool id such as eu-west-1_AbCdEf123");
  }
  if (
    typeof registry?.claim !== "function" ||
    typeof registry.release !== "function" ||
    typeof registry.usernameOf !== "function" ||
    typeof registry.move !== "function"
  ) {
    fail("registry", "must be a UsernameRegistry (claim, release, usernameOf, move)");
  }
  if (typeof attribute !== "string" || attribute.length === 0 || attribute.length > 32) {
    fail("attribute", "must be an attribute name such as custom:username");
  }
  return { cognito, userPoolId, registry, attribute };
}

/**
 * A user attribute's value from AdminGetUser's `UserAttributes`; an absent or
 * empty one is `undefined`. Shared with `removePasskeys`.
 * @internal
 */
export function attributeValue(
  attributes: readonly AttributeType[] | undefined,
  name: string,
): string | undefined {
  const value = attributes?.find((entry) => entry.Name === name)?.Value;
  return value === undefined || value === "" ? undefined : value;
}
