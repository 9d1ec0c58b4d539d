import type {
  CognitoIdentityProviderClient,
  UserType,
} from "@aws-sdk/client-cognito-identity-provider";
import { normalizeUsername } from "@cognito-passcode/shared";
import { fail } from "./resolve-options.js";
import type { PasskeyOwnerLister, PasskeyStore, UsernameRegistry } from "./store.js";

/** Options for {@link releaseOrphanedUsernames}. */
export interface ReleaseOrphanedUsernamesOptions {
  /** A client allowed `cognito-idp:ListUsers` on the pool. */
  cognito: CognitoIdentityProviderClient;
  /** The user pool's id, e.g. `eu-west-1_AbCdEf123`. */
  userPoolId: string;
  /**
   * The registry the Verify trigger claims names in (the same table and key
   * prefix). It must hold the claims of this user pool only: every claim
   * whose owner is not a user of `userPoolId` is released, so two pools
   * sharing one table need a distinct `keyPrefix` each (`dynamoDbStore`),
   * or the sweep of one pool releases the other pool's names.
   */
  registry: UsernameRegistry;
  /**
   * The passkey store (the same table and key prefix; usually the same
   * `dynamoDbStore` as `registry`). When given, the sweep also removes the
   * passkeys of users who no longer exist: each passkey account
   * (`passkeys#<sub>`) with its credential id claims, by the same rules as
   * names (older than `minAgeMs`, only on Cognito's clear answer that no user
   * has that `sub`, any error keeps it and counts in `passkeys.failed`).
   * @default undefined: passkeys are not swept
   */
  passkeys?: Pick<PasskeyStore, "removeAllPasskeys"> & PasskeyOwnerLister;
  /**
   * Count the orphaned claims without releasing them.
   * @default false
   */
  dryRun?: boolean;
  /**
   * Claims younger than this are left alone without asking Cognito, so a
   * user created moments ago whom `ListUsers` may not list yet never loses
   * the name they just claimed. A deleted user's name stays reserved at
   * least this long. 0 to 30 days.
   * @default 3_600_000 (one hour)
   */
  minAgeMs?: number;
  /**
   * The username attribute, e.g. `"custom:username"`. When given, the sweep
   * also releases a live user's extra claims: names a registry from before
   * owner records let one user collect (several sessions answered at once).
   * A claim is extra when its owner's attribute, normalised as names are
   * (`Alice` is `alice`), is set to another name and the owner record does
   * not name it either; the user keeps the name their
   * attribute shows. Users without the attribute keep every claim (they may
   * be choosing a name right now). An extra claim is released with
   * `registry.releaseExtra`, which deletes it only while the owner record
   * still does not name it, so a `renameUsername` onto that name between the
   * check and the release keeps it with its owner.
   * @default undefined: only the claims of users who no longer exist are released
   */
  attribute?: string;
  /**
   * The clock the claims' ages are measured with, epoch ms.
   * @default Date.now
   */
  now?: () => number;
}

/** What {@link releaseOrphanedUsernames} found and did. */
export interface ReleaseOrphanedUsernamesResult {
  /** Claims looked at. */
  scanned: number;
  /** Claims younger than `minAgeMs`, kept without asking Cognito. */
  recent: number;
  /** Claims whose owner no longer exists in the pool. */
  orphaned: number;
  /** Extra claims of live users (only with `attribute`). */
  extra: number;
  /** Orphaned and extra claims released (0 on a dry run). */
  released: number;
  /**
   * Claims skipped because Cognito or the registry answered with an error or
   * without a clear answer (no `Users` list, or still a `PaginationToken`
   * after 10 pages): they are kept, and the next run looks at them again.
   * Alarm on this.
   */
  failed: number;
  /** The passkey half, when the `passkeys` option was given. */
  passkeys?: ReleaseOrphanedPasskeysResult;
}

/** What the passkey half of {@link releaseOrphanedUsernames} found and did. */
export interface ReleaseOrphanedPasskeysResult {
  /** Passkey accounts looked at. */
  scanned: number;
  /** Accounts younger than `minAgeMs`, kept without asking Cognito. */
  recent: number;
  /** Accounts whose owner no longer exists in the pool. */
  orphaned: number;
  /** Passkeys removed from orphaned accounts (0 on a dry run). */
  removed: number;
  /** Accounts kept because Cognito or the store answered with an error or without a clear answer. Alarm on this. */
  failed: number;
}

/**
 * Releases the usernames whose owner no longer exists: after `DeleteUser` or
 * `AdminDeleteUser` the registry still holds the user's name (Cognito runs no
 * trigger on deletion), so nobody, the same person included, could take it.
 * Walks `registry.claims()`, asks Cognito for each owner (`ListUsers` with
 * `Filter: sub = "<sub>"`, one call per claim; a disabled or unconfirmed user
 * still exists and keeps its name), and releases the claims whose owner is
 * gone. A claim is released only on Cognito's clear answer that no user has
 * that `sub` (a page listing nobody, with no `PaginationToken`; a page with no
 * match but a token is followed, up to 10 pages), and only once it is older
 * than `minAgeMs` (an hour by default); any error or unclear answer keeps the
 * claim (fail closed) and counts in `failed`.
 * The release itself is conditioned on the owner still holding the name, so a
 * name released and claimed again meanwhile is left alone; an extra claim's
 * release (`releaseExtra`) also on the owner record not naming it.
 *
 * One registry per pool: every claim whose owner is not a user of
 * `userPoolId` counts as orphaned. Two user pools sharing one registry table
 * need a distinct `keyPrefix` each, or the sweep of one pool releases the
 * names of the other pool's users.
 *
 * A re-created account gets a new `sub`, so it holds nothing the old account
 * owned: the old name stays reserved until this sweep releases it, and then
 * anyone may claim it.
 *
 * Cost: one full registry scan (a DynamoDB Scan of the table for
 * `dynamoDbStore`) and one `ListUsers` per claim; Cognito's ListUsers quota is
 * shared with the pool's other user reads, so run it rarely (daily) and off
 * peak. With `attribute`, it also releases the extra names one user could
 * collect before owner records existed (see the option). IAM:
 * `cognito-idp:ListUsers` on the pool; `dynamodb:Scan`, `dynamodb:GetItem`,
 * `dynamodb:DeleteItem` and `dynamodb:ConditionCheckItem` (the guard of an
 * extra claim's release) on the table.
 *
 * With `passkeys`, the same walk runs over the passkey accounts
 * (`passkeyOwners()`, one more Scan in `dynamoDbStore`) with one `ListUsers`
 * per account, and removes a gone user's passkeys and id claims with
 * `removeAllPasskeys` (one transaction), so their credential ids could be
 * registered again and nothing about them is kept.
 *
 * @example
 * ```ts
 * // A Lambda on an EventBridge schedule (rate(1 day)):
 * const cognito = new CognitoIdentityProviderClient({});
 * const registry = dynamoDbStore({ tableName: "passcode" });
 * export const handler = () =>
 *   releaseOrphanedUsernames({ cognito, userPoolId: "eu-west-1_AbCdEf123", registry });
 * ```
 */
export async function releaseOrphanedUsernames(
  options: ReleaseOrphanedUsernamesOptions,
): Promise<ReleaseOrphanedUsernamesResult> {
  const { cognito, userPoolId, registry, dryRun, minAgeMs, now, attribute, passkeys } =
    checkOptions(options);
  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const result: ReleaseOrphanedUsernamesResult = {
    scanned: 0,
    recent: 0,
    orphaned: 0,
    extra: 0,
    released: 0,
    failed: 0,
  };
  for await (const { username, owner, createdAt } of registry.claims()) {
    result.scanned++;
    if (createdAt !== undefined && now() - createdAt < minAgeMs) {
      result.recent++;
      continue;
    }
    let extra = false;
    try {
      const found = await findOwner(cognito, sdk, userPoolId, owner, attribute);
      if (found === "unknown") {
        // No clear answer (a page with no match but a token, pages without
        // end, a malformed answer): keep the claim and say so.
        result.failed++;
        continue;
      }
      if (found !== "gone") {
        const shown = attribute
          ? found.Attributes?.find((a) => a.Name === attribute)?.Value
          : undefined;
        // Claims hold the normalised name; an admin may have written `Alice`.
        if (!shown || normalizeUsername(shown) === username) continue;
        if ((await registry.usernameOf(owner)) === username) continue;
        extra = true;
        result.extra++;
      } else {
        result.orphaned++;
      }
      if (dryRun) continue;
      // An extra claim goes only while the owner record still does not name
      // it: a renameUsername onto it since the check above keeps it.
      if (extra) await registry.releaseExtra(username, owner);
      else await registry.release(username, owner);
      result.released++;
    } catch {
      result.failed++;
    }
  }
  if (passkeys) {
    result.passkeys = await sweepPasskeys(passkeys, {
      cognito,
      sdk,
      userPoolId,
      dryRun,
      minAgeMs,
      now,
    });
  }
  return result;
}

/** The passkey half: removes the accounts whose owner Cognito clearly no longer knows. */
async function sweepPasskeys(
  passkeys: Pick<PasskeyStore, "removeAllPasskeys"> & PasskeyOwnerLister,
  context: {
    cognito: CognitoIdentityProviderClient;
    sdk: typeof import("@aws-sdk/client-cognito-identity-provider");
    userPoolId: string;
    dryRun: boolean;
    minAgeMs: number;
    now: () => number;
  },
): Promise<ReleaseOrphanedPasskeysResult> {
  const { cognito, sdk, userPoolId, dryRun, minAgeMs, now } = context;
  const result: ReleaseOrphanedPasskeysResult = {
    scanned: 0,
    recent: 0,
    orphaned: 0,
    removed: 0,
    failed: 0,
  };
  for await (const { owner, createdAt } of passkeys.passkeyOwners()) {
    result.scanned++;
    if (createdAt !== undefined && now() - createdAt < minAgeMs) {
      result.recent++;
      continue;
    }
    try {
      const found = await findOwner(cognito, sdk, userPoolId, owner, undefined);
      if (found === "unknown") {
        result.failed++;
        continue;
      }
      if (found !== "gone") continue;
      result.orphaned++;
      if (dryRun) continue;
      result.removed += await passkeys.removeAllPasskeys(owner);
    } catch {
      result.failed++;
    }
  }
  return result;
}

/** Pages of one filtered `ListUsers` the sweep reads before giving up on a claim (kept, counted as failed). */
const MAX_LIST_PAGES = 10;

/**
 * The user whose `sub` is `owner`, as `ListUsers` lists them (their own `sub`
 * attribute checked: a listed user with another `sub` means the filter was
 * not honoured, so the answer says nothing), `"gone"` only when a page lists
 * none and carries no `PaginationToken` (Cognito may answer a filtered page
 * with no match and a token: the user may be on a later page), else
 * `"unknown"` (an answer without a `Users` list, a listed user who is not
 * the owner, or still a token after {@link MAX_LIST_PAGES} pages).
 */
async function findOwner(
  cognito: CognitoIdentityProviderClient,
  sdk: typeof import("@aws-sdk/client-cognito-identity-provider"),
  userPoolId: string,
  owner: string,
  attribute: string | undefined,
): Promise<UserType | "gone" | "unknown"> {
  let token: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const { Users, PaginationToken } = await cognito.send(
      new sdk.ListUsersCommand({
        UserPoolId: userPoolId,
        Filter: `sub = "${owner.replace(/[\\"]/g, "\\$&")}"`,
        // Cognito's largest page: a pool that pages a filtered answer still
        // reaches the owner within MAX_LIST_PAGES.
        Limit: 60,
        AttributesToGet: attribute ? ["sub", attribute] : ["sub"],
        ...(token === undefined ? {} : { PaginationToken: token }),
      }),
    );
    if (!Array.isArray(Users)) return "unknown";
    if (Users.length > 0) {
      const user = (Users as UserType[]).find(
        (listed) => listed.Attributes?.find((a) => a.Name === "sub")?.Value === owner,
      );
      return user ?? "unknown";
    }
    if (typeof PaginationToken !== "string" || PaginationToken === "") return "gone";
    token = PaginationToken;
  }
  return "unknown";
}

function checkOptions(options: ReleaseOrphanedUsernamesOptions) {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  const {
    cognito,
    userPoolId,
    registry,
    dryRun = false,
    minAgeMs = 3_600_000,
    now = Date.now,
    attribute,
    passkeys,
  } = options;
  if (typeof (cognito as { send?: unknown } | undefined)?.send !== "function") {
    fail("cognito", "must be a CognitoIdentityProviderClient");
  }
  if (typeof userPoolId !== "string" || !/^[\w-]+_[0-9a-zA-Z]+$/.test(userPoolId)) {
    fail("userPoolId", "must be a user pool id such as eu-west-1_AbCdEf123");
  }
  if (typeof registry?.claims !== "function" || typeof registry.release !== "function") {
    fail("registry", "must be a UsernameRegistry (claims, release)");
  }
  if (typeof dryRun !== "boolean") fail("dryRun", "must be a boolean");
  if (!Number.isSafeInteger(minAgeMs) || minAgeMs < 0 || minAgeMs > 30 * 86_400_000) {
    fail("minAgeMs", "must be an integer from 0 to 30 days in milliseconds");
  }
  if (typeof now !== "function") fail("now", "must be a function returning epoch milliseconds");
  if (
    attribute !== undefined &&
    (typeof attribute !== "string" || attribute.length === 0 || attribute.length > 32)
  ) {
    fail("attribute", "must be an attribute name such as custom:username");
  }
  if (
    attribute !== undefined &&
    (typeof registry.usernameOf !== "function" || typeof registry.releaseExtra !== "function")
  ) {
    fail("registry", "must have usernameOf and releaseExtra to release extra claims");
  }
  if (
    passkeys !== undefined &&
    (typeof passkeys?.passkeyOwners !== "function" ||
      typeof passkeys.removeAllPasskeys !== "function")
  ) {
    fail("passkeys", "must be a passkey store (passkeyOwners, removeAllPasskeys)");
  }
  return { cognito, userPoolId, registry, dryRun, minAgeMs, now, attribute, passkeys };
}
