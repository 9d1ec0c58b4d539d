/**
 * Checks and helpers shared by the two {@link PasskeyStore} implementations
 * (`memoryStore`, `dynamoDbStore`). Internal: not exported from the package.
 *
 * @internal
 * @module
 */
import { createHash } from "node:crypto";
import { PASSKEY_LIMITS } from "@cognito-passcode/shared";
import type { PasskeyStore, StoredPasskey } from "./store.js";

/** Longest credential id accepted: 1,023 bytes (WebAuthn's limit) in base64url. */
const MAX_ID_LENGTH = 1364;
/** Longest public key, user handle or AAGUID text accepted. */
const MAX_FIELD_LENGTH = 4096;
/** Most passkeys per owner a store accepts as `max` (one transaction holds up to 100 items). */
export const MAX_PASSKEYS_PER_OWNER = 50;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** The store key of a credential id: base64url SHA-256 of the id (43 characters). */
export function passkeyIdKey(id: string): string {
  if (
    typeof id !== "string" ||
    id.length === 0 ||
    id.length > MAX_ID_LENGTH ||
    !BASE64URL.test(id)
  ) {
    throw new TypeError(
      `id must be a base64url credential id of at most ${MAX_ID_LENGTH} characters`,
    );
  }
  return createHash("sha256").update(id, "utf8").digest("base64url");
}

/** A non-empty string of at most 1,024 characters, else a TypeError naming `name`. */
export function requirePasskeyText(name: string, value: string): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 1024) {
    throw new TypeError(`${name} must be a non-empty string of at most 1024 characters`);
  }
  return value;
}

/** A passkey name: a string of at most {@link PASSKEY_LIMITS}.passkeyName characters. */
export function checkPasskeyName(name: string): void {
  if (typeof name !== "string" || [...name].length > PASSKEY_LIMITS.passkeyName) {
    throw new TypeError(
      `name must be a string of at most ${PASSKEY_LIMITS.passkeyName} characters`,
    );
  }
}

const isCount = (value: unknown, max = Number.MAX_SAFE_INTEGER): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;

/** The arguments of {@link PasskeyStore.usePasskey}. */
export function checkPasskeyUse(use: Parameters<PasskeyStore["usePasskey"]>[2]): void {
  if (!isCount(use?.counter, 0xffffffff))
    throw new TypeError("counter must be an integer in 0..2^32-1");
  if (typeof use.backedUp !== "boolean") throw new TypeError("backedUp must be a boolean");
  if (!isCount(use.at)) throw new TypeError("at must be epoch milliseconds");
}

/** The arguments of {@link PasskeyStore.addPasskey}. */
export function checkPasskey(
  passkey: StoredPasskey,
  max: number,
  expectedVersion: number | undefined,
): void {
  if (!Number.isSafeInteger(max) || max < 1 || max > MAX_PASSKEYS_PER_OWNER) {
    throw new TypeError(`max must be an integer in 1..${MAX_PASSKEYS_PER_OWNER}`);
  }
  if (expectedVersion !== undefined && !isCount(expectedVersion)) {
    throw new TypeError("expectedVersion must be a non-negative integer");
  }
  if (typeof passkey !== "object" || passkey === null)
    throw new TypeError("passkey must be an object");
  passkeyIdKey(passkey.id);
  for (const field of ["publicKey", "aaguid"] as const) {
    const value = passkey[field];
    if (typeof value !== "string" || value.length > MAX_FIELD_LENGTH) {
      throw new TypeError(
        `passkey.${field} must be a string of at most ${MAX_FIELD_LENGTH} characters`,
      );
    }
  }
  if (passkey.publicKey.length === 0) throw new TypeError("passkey.publicKey must not be empty");
  if (!isCount(passkey.counter, 0xffffffff))
    throw new TypeError("passkey.counter must be an integer in 0..2^32-1");
  if (
    !Array.isArray(passkey.transports) ||
    passkey.transports.length > 16 ||
    !passkey.transports.every((t) => typeof t === "string" && t.length > 0 && t.length <= 32)
  ) {
    throw new TypeError("passkey.transports must be at most 16 short strings");
  }
  if (passkey.deviceType !== "singleDevice" && passkey.deviceType !== "multiDevice") {
    throw new TypeError('passkey.deviceType must be "singleDevice" or "multiDevice"');
  }
  if (typeof passkey.backedUp !== "boolean")
    throw new TypeError("passkey.backedUp must be a boolean");
  checkPasskeyName(passkey.name);
  if (!isCount(passkey.createdAt))
    throw new TypeError("passkey.createdAt must be epoch milliseconds");
  if (passkey.lastUsedAt !== undefined && !isCount(passkey.lastUsedAt)) {
    throw new TypeError("passkey.lastUsedAt must be epoch milliseconds");
  }
}

/** Oldest first; ties by id, so both stores list alike. Sorts in place and returns the array. */
export function sortPasskeys(passkeys: StoredPasskey[]): StoredPasskey[] {
  return passkeys.sort(
    (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
