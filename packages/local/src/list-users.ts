import { userType } from "./admin-operations.js";
import { invalidParameter } from "./cognito-error.js";
import { type Operation, requirePool, requireSigV4 } from "./pool.js";
import type { LocalUser } from "./users.js";

/** Attributes ListUsers can filter on (Cognito's list; custom attributes are not searchable). */
const SEARCHABLE = new Set([
  "username",
  "email",
  "phone_number",
  "name",
  "given_name",
  "family_name",
  "preferred_username",
  "cognito:user_status",
  "status",
  "sub",
]);

/** A parsed ListUsers filter: `attr = "value"` (exact) or `attr ^= "value"` (prefix). */
export interface UserFilter {
  attribute: string;
  prefix: boolean;
  value: string;
}

/**
 * Parses Cognito's ListUsers filter syntax. Throws Cognito's
 * `InvalidParameterException` for anything else.
 */
export function parseFilter(filter: string): UserFilter {
  const match = /^\s*([\w:]+)\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$/.exec(filter);
  if (!match) throw invalidParameter("Error while parsing filter.");
  const attribute = match[1]!;
  if (!SEARCHABLE.has(attribute)) {
    throw invalidParameter(`Invalid search attribute: ${attribute}`);
  }
  return { attribute, prefix: match[2] === "^=", value: match[3]!.replace(/\\(.)/g, "$1") };
}

function filterValue(user: LocalUser, attribute: string): string | undefined {
  if (attribute === "username") return user.username;
  if (attribute === "cognito:user_status") return user.status;
  if (attribute === "status") return user.enabled ? "Enabled" : "Disabled";
  return user.attributes[attribute];
}

/** True when `user` passes `filter`. Username and email compare case-insensitively, as the pool does. */
export function matches(user: LocalUser, filter: UserFilter): boolean {
  let actual = filterValue(user, filter.attribute);
  if (actual === undefined) return false;
  let wanted = filter.value;
  if (filter.attribute === "username" || filter.attribute === "email") {
    actual = actual.toLowerCase();
    wanted = wanted.toLowerCase();
  }
  return filter.prefix ? actual.startsWith(wanted) : actual === wanted;
}

/** `ListUsers` with `Filter`, `Limit` (at most 60), `PaginationToken` and `AttributesToGet`. */
export const listUsers: Operation = async (pool, input, request) => {
  requireSigV4(request);
  requirePool(pool, input);
  // The model's checks ran before (a number, 0 to 60 once truncated); Cognito
  // reads a JSON number as Coral's TruncatingBigNumber, dropping the fraction.
  const limit = typeof input.Limit === "number" ? Math.trunc(input.Limit) : 60;
  const filter =
    typeof input.Filter === "string" && input.Filter.trim() !== ""
      ? parseFilter(input.Filter)
      : undefined;
  const wanted = Array.isArray(input.AttributesToGet)
    ? new Set(
        (input.AttributesToGet as unknown[]).filter((a): a is string => typeof a === "string"),
      )
    : undefined;
  const all = pool.users.all().filter((user) => !filter || matches(user, filter));
  let start = 0;
  if (input.PaginationToken !== undefined) {
    const token = String(input.PaginationToken);
    start = Number.parseInt(Buffer.from(token, "base64url").toString("utf8"), 10);
    if (!Number.isInteger(start) || start < 0 || start > all.length) {
      throw invalidParameter("Invalid pagination token.");
    }
  }
  const page = all.slice(start, start + (limit || 60));
  const next = start + page.length;
  return {
    Users: page.map((user) => userType(user, wanted)),
    ...(next < all.length
      ? { PaginationToken: Buffer.from(String(next)).toString("base64url") }
      : {}),
  };
};
