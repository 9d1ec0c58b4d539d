import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { isValidEmail, PasscodeError } from "@cognito-passcode/shared";
import type { PasskeyNotifier } from "./passkey-notice.js";
import { attributeValue } from "./rename-username.js";
import { fail } from "./resolve-options.js";
import type { PasskeyStore } from "./store.js";

/** Options for {@link removePasskeys}: whose passkeys, where they live, and whom to tell. */
export interface RemovePasskeysOptions {
  /** The user's `sub` (the owner in the passkey store). */
  sub: string;
  /** The store the triggers keep passkeys in (the same table and key prefix). */
  store: Pick<PasskeyStore, "getPasskeys" | "removeAllPasskeys">;
  /**
   * Emails the user one `removed` notice per passkey removed, best effort
   * (`createPasskeyNotifier(...)`). Needs the address: `to`, or `cognito`
   * and `userPoolId` to read it.
   */
  notify?: PasskeyNotifier;
  /** The user's email address for the notices. */
  to?: string;
  /**
   * A client allowed `cognito-idp:AdminGetUser` on the pool, to read the
   * user's email when `to` is not given (and to check the `sub` is theirs).
   */
  cognito?: CognitoIdentityProviderClient;
  /** The user pool's id, e.g. `eu-west-1_AbCdEf123`; with `cognito`. */
  userPoolId?: string;
  /**
   * The clock for the notices' time, epoch ms.
   * @default Date.now
   */
  now?: () => number;
}

/** What {@link removePasskeys} did. */
export interface RemovePasskeysResult {
  /** Passkeys removed (0 when the user had none). */
  removed: number;
  /** Notices accepted for delivery. */
  notified: number;
  /**
   * Notices that could not be sent (no address found, or the send failed).
   * The passkeys are removed either way.
   */
  notifyFailed: number;
}

/**
 * Removes every passkey of one user, with their id claims (so the same
 * credentials could be registered again), in one store operation
 * (`removeAllPasskeys`): the admin recovery of `passkeys.required`, after
 * the user's identity was checked out of band. The user's next code sign-in
 * works and can enrol a new passkey. Their sessions are not ended: call
 * `AdminUserGlobalSignOut` too if the account may be in someone else's hands.
 *
 * Then, with `notify`, emails the user one `removed` notice per passkey
 * (named), best effort: a failed or impossible notice is counted in
 * `notifyFailed`, never thrown, and never logged with the address. The
 * address is `to`, else the `email` attribute read with `AdminGetUser`
 * (`cognito` and `userPoolId`; the user's `sub` must match, else
 * `SERVICE_ERROR` before anything is removed).
 *
 * @example
 * ```ts
 * const store = dynamoDbStore({ tableName: "passcode" });
 * await removePasskeys({
 *   sub,
 *   store,
 *   cognito: new CognitoIdentityProviderClient({}),
 *   userPoolId: "eu-west-1_AbCdEf123",
 *   notify: createPasskeyNotifier({ email: { from: "no-reply@example.com", appName: "Acme" } }),
 * }); // { removed: 2, notified: 2, notifyFailed: 0 }
 * ```
 */
export async function removePasskeys(
  options: RemovePasskeysOptions,
): Promise<RemovePasskeysResult> {
  const { sub, store, notify, to, cognito, userPoolId, now } = checkOptions(options);
  // The address first: a user who is not who the admin meant (another sub)
  // is found before anything is removed.
  let address = to;
  if (notify && address === undefined && cognito && userPoolId) {
    address = await readEmail(cognito, userPoolId, sub);
  }
  const before = await store.getPasskeys(sub);
  const removed = await store.removeAllPasskeys(sub);
  const result: RemovePasskeysResult = { removed, notified: 0, notifyFailed: 0 };
  if (!notify || removed === 0) return result;
  // Names as read just before; a passkey added in between is counted, unnamed.
  const names = (before?.passkeys ?? []).map((p) => p.name);
  while (names.length < removed) names.push("");
  const when = now();
  for (const name of names.slice(0, removed)) {
    if (address === undefined || !isValidEmail(address)) {
      result.notifyFailed++;
      continue;
    }
    try {
      await notify({ to: address, kind: "removed", name, when });
      result.notified++;
    } catch {
      result.notifyFailed++;
    }
  }
  return result;
}

/** The user's `email`, or `undefined` when they have none; throws when the `sub` is not theirs. */
async function readEmail(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  sub: string,
): Promise<string | undefined> {
  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const user = await cognito.send(
    new sdk.AdminGetUserCommand({ UserPoolId: userPoolId, Username: sub }),
  );
  if (attributeValue(user.UserAttributes, "sub") !== sub) {
    throw new PasscodeError(
      "SERVICE_ERROR",
      "AdminGetUser returned another user than the sub asked for",
    );
  }
  return attributeValue(user.UserAttributes, "email");
}

function checkOptions(options: RemovePasskeysOptions) {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  const { sub, store, notify, to, cognito, userPoolId, now = Date.now } = options;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 1024) {
    fail("sub", "must be the user's sub");
  }
  if (typeof store?.getPasskeys !== "function" || typeof store.removeAllPasskeys !== "function") {
    fail("store", "must be a PasskeyStore (getPasskeys, removeAllPasskeys)");
  }
  if (notify !== undefined && typeof notify !== "function") fail("notify", "must be a function");
  if (to !== undefined && (typeof to !== "string" || !isValidEmail(to)))
    fail("to", "must be an email address");
  if (cognito !== undefined && typeof (cognito as { send?: unknown }).send !== "function") {
    fail("cognito", "must be a CognitoIdentityProviderClient");
  }
  if (
    userPoolId !== undefined &&
    (typeof userPoolId !== "string" || !/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId))
  ) {
    fail("userPoolId", "must be a user pool id such as eu-west-1_AbCdEf123");
  }
  if ((cognito === undefined) !== (userPoolId === undefined)) {
    fail(cognito === undefined ? "cognito" : "userPoolId", "is needed with the other one");
  }
  if (typeof now !== "function") fail("now", "must be a function returning epoch milliseconds");
  return { sub, store, notify, to, cognito, userPoolId, now };
}
