import { isValidEmail } from "@cognito-passcode/shared";
import { CognitoError, invalidParameter, notAuthorized } from "./cognito-error.js";
import type { LocalUser, UserStore } from "./users.js";

/** Cognito's `AttributeType`. */
export interface AttributeType {
  Name: string;
  Value: string;
}

/** The user's attributes as a Cognito `AttributeType` list, limited to `allowed` when given. */
export function attributeList(user: LocalUser, allowed?: ReadonlySet<string>): AttributeType[] {
  return Object.entries(user.attributes)
    .filter(([name]) => !allowed || allowed.has(name))
    .map(([Name, Value]) => ({ Name, Value }));
}

/**
 * Reads a `UserAttributes` request member into a record, checking its shape and
 * that every name is in the pool schema (`known`).
 */
export function parseAttributes(
  value: unknown,
  member: string,
  known: ReadonlySet<string>,
): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value)) throw invalidParameter(`${member} must be a list of attributes`);
  const out: Record<string, string> = {};
  for (const item of value as unknown[]) {
    const { Name, Value } = (item ?? {}) as { Name?: unknown; Value?: unknown };
    if (typeof Name !== "string" || Name.length === 0) {
      throw invalidParameter(
        `1 validation error detected: Value null at '${member}.member.name' failed to satisfy constraint: Member must not be null`,
      );
    }
    if (!known.has(Name)) {
      throw invalidParameter(
        `Attributes did not conform to the schema: Type for attribute {${Name}} could not be determined`,
      );
    }
    const text = Value === undefined || Value === null ? "" : String(Value);
    if (text.length > 2048) {
      throw invalidParameter(`Attribute value for ${Name} must not be longer than 2048 characters`);
    }
    out[Name] = text;
  }
  if (out.email !== undefined && !isSendableEmail(out.email)) {
    throw invalidParameter("Invalid email address format.");
  }
  for (const flag of ["email_verified", "phone_number_verified"]) {
    if (out[flag] !== undefined && out[flag] !== "true" && out[flag] !== "false") {
      throw invalidParameter(`Invalid ${flag} value: must be true or false`);
    }
  }
  return out;
}

/**
 * Checks that the app client may write every attribute in `names` (its
 * WriteAttributes), as Cognito does on SignUp and UpdateUserAttributes:
 * `NotAuthorizedException: A client attempted to write unauthorized attribute`.
 */
export function checkWritable(names: Iterable<string>, writable: ReadonlySet<string>): void {
  for (const name of names) {
    if (!writable.has(name)) {
      throw notAuthorized("A client attempted to write unauthorized attribute");
    }
  }
}

/**
 * True for an email value the stack stores and sends codes to: one that
 * `isValidEmail` (`@cognito-passcode/shared`) accepts, with no white space
 * around it. Everything else — a trailing dot, a quoted local part, an IP
 * literal, quoted pairs, consecutive dots — is refused where it enters
 * (SignUp, UpdateUserAttributes, AdminCreateUser, AdminUpdateUserAttributes),
 * so no second spelling of one mailbox gets counters of its own. Cognito's
 * own rule is undocumented; this one is stricter than RFC 5321 on purpose.
 */
export function isSendableEmail(value: string): boolean {
  return !/\s/.test(value) && isValidEmail(value);
}

/**
 * SignUp's and AdminCreateUser's check that the username is an email (the
 * pool signs in by email): {@link isSendableEmail}, else
 * `InvalidParameterException: Username should be an email.`
 */
export function checkEmailUsername(username: string): void {
  if (!isSendableEmail(username)) throw invalidParameter("Username should be an email.");
}

/**
 * SignUp's and AdminCreateUser's check, in a pool whose username is the
 * email, that an `email` attribute, when given, is the username itself:
 * Cognito refuses any other value rather than overwrite it (observed:
 * `InvalidParameterException: User email should be empty or same as
 * username, since username attribute is email.`). Compared exactly (guessed).
 */
export function checkEmailAttribute(username: string, attributes: Record<string, string>): void {
  if (attributes.email !== undefined && attributes.email !== username) {
    throw invalidParameter(
      "User email should be empty or same as username, since username attribute is email.",
    );
  }
}

/**
 * The `UserAttributes` member of a call that sets attributes for a user, read
 * with {@link parseAttributes}: `sub` is the pool's to set, never the caller's.
 */
export function parseSettableAttributes(
  input: Record<string, unknown>,
  known: ReadonlySet<string>,
): Record<string, string> {
  const attributes = parseAttributes(input.UserAttributes, "userAttributes", known);
  if (attributes.sub !== undefined) {
    throw invalidParameter("Cannot modify the non-mutable attribute sub");
  }
  return attributes;
}

/**
 * True when `newEmail` changes `user`'s email (compared case-insensitively);
 * throws `AliasExistsException` when another user already holds that address,
 * as Cognito does for an email used as a username alias.
 */
export function isEmailChange(
  users: UserStore,
  user: LocalUser,
  newEmail: string | undefined,
): newEmail is string {
  if (newEmail === undefined || newEmail.toLowerCase() === user.attributes.email?.toLowerCase()) {
    return false;
  }
  const holder = users.findByEmail(newEmail);
  if (holder && holder.username !== user.username) {
    throw new CognitoError(
      "AliasExistsException",
      "An account with the given email already exists.",
    );
  }
  return true;
}
