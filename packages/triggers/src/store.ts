import { createHash } from "node:crypto";

/**
 * The answer of {@link UsernameRegistry.claim} and {@link UsernameRegistry.move}.
 *
 * - `claimed`: the owner now holds `username` (newly, or it already did).
 * - `taken`: another owner holds the name; nothing changed.
 * - `owns-other`: the owner already holds a different name, returned in
 *   `username`; nothing changed. An owner holds at most one name, ever.
 */
export type ClaimResult =
  | { status: "claimed"; username: string }
  | { status: "taken" }
  | { status: "owns-other"; username: string };

/**
 * Where usernames are claimed. Two records per claim, kept as inverse maps:
 * `username#<name>` names its owner (the user's `sub`) and `owner#<sub>`
 * names the owner's one name. A name has at most one owner and an owner at
 * most one name; every write changes both records in one atomic step.
 * `dynamoDbStore` implements it with DynamoDB transactions, `memoryStore` in
 * memory; any implementation must keep both rules under concurrency.
 */
export interface UsernameRegistry {
  /**
   * Claims `username` (already normalised) for `owner` (the user's `sub`):
   * one atomic write of both records, which succeeds only when the name is
   * free or already this owner's, and the owner holds no name or this one.
   * Of many concurrent claims for one name, at most one owner wins; of many
   * concurrent claims by one owner for different names, at most one name is
   * claimed and the others answer `owns-other` with it. Idempotent: a claim
   * of the name the owner holds answers `claimed` again. When both rules are
   * broken, `owns-other` wins.
   */
  claim(username: string, owner: string): Promise<ClaimResult>;
  /**
   * Releases `username` (both records) if, and only if, `owner` holds it;
   * otherwise does nothing. A claim from before owner records (a
   * `username#<name>` naming `owner` while `owner#<sub>` names another name)
   * is released as {@link UsernameRegistry.releaseExtra} would: never while
   * the owner record names it, so a rename racing the release cannot leave
   * one record without the other.
   */
  release(username: string, owner: string): Promise<void>;
  /**
   * Releases a claim from before owner records: deletes `username#<username>`
   * if, and only if, it names `owner` and, at that same moment, the owner
   * record `owner#<owner>` does not name `username` (missing, or naming
   * another name). One atomic check and delete (in `dynamoDbStore` one
   * `TransactWriteItems`: the Delete and a ConditionCheck on the owner
   * record); otherwise does nothing. Never touches the owner record. The
   * orphan sweep uses it for a live user's extra claims, so a
   * `renameUsername` onto that name between the sweep's check and its
   * release keeps the name with its owner.
   */
  releaseExtra(username: string, owner: string): Promise<void>;
  /** Who holds `username`, if anyone. */
  ownerOf(username: string): Promise<string | undefined>;
  /** The one name `owner` holds, if any. */
  usernameOf(owner: string): Promise<string | undefined>;
  /**
   * Renames in one atomic write: `owner` ends up holding `to` and no longer
   * `from`. `taken` when another owner holds `to`; `owns-other` when the
   * owner holds a name that is neither `from` nor `to`; nothing changes in
   * either case. `from` is deleted only if `owner` holds it, so a move by an
   * owner who holds nothing is a claim of `to`; `from === to` is a claim.
   */
  move(owner: string, from: string, to: string): Promise<ClaimResult>;
  /**
   * Every claim, in no particular order (for the orphan sweep,
   * `releaseOrphanedUsernames`). Not a snapshot: claims made or released
   * while iterating may or may not appear. In `dynamoDbStore` this is a full
   * table Scan (every item is read and billed, throttle counters included).
   * `createdAt` (epoch ms) is when the owner first claimed the name, where
   * the store knows it.
   */
  claims(): AsyncIterable<{ username: string; owner: string; createdAt?: number }>;
}

/** The send throttle's rules, in milliseconds. */
export interface ThrottleRules {
  /** Least time between two sends to one key. */
  minIntervalMs: number;
  /** Most sends to one key within `windowMs`. */
  maxPerWindow: number;
  /** Length of the counting window. */
  windowMs: number;
}

/** The answer of {@link ThrottleStore.hit}. */
export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Where the send throttle counts sends. `hit` both checks and records, in one
 * atomic step, so two concurrent requests cannot both slip under the limit.
 *
 * Create makes up to two hits per code request, on two keys for one
 * mailbox: the short window on `email#<tag>`, then, only if that allowed the
 * send, the daily cap on `email#<tag>#day` with a 24-hour window and no
 * interval. `<tag>` is a hash of the canonical mailbox (`canonicalMailbox`
 * from `@cognito-passcode/shared`: lower-case, `+tag` dropped, dots dropped
 * and `googlemail.com` folded for Gmail), so every variant of one inbox
 * shares one budget; a send to an address is a send to its mailbox, so this
 * bounds each address too. The same hits are made on the fake path (unknown
 * users, non-email identifiers, addresses outside the allowed domains).
 *
 * Verify makes one hit per answer it is about to check, on the code's own
 * attempt counter `attempt#<salt>` (`maxPerWindow` = `code.maxAttempts`,
 * the code's lifetime as window, no interval), and refuses the answer when
 * the hit is refused; unknown users' answers make the same hit. Keys are
 * opaque: count each one apart.
 */
export interface ThrottleStore {
  /** Records a send to `key` at `nowMs` if the rules allow it; otherwise says when to retry. */
  hit(key: string, nowMs: number, rules: ThrottleRules): Promise<ThrottleDecision>;
}

/**
 * One passkey (WebAuthn credential) as a {@link PasskeyStore} keeps it.
 * Strings are base64url where they carry bytes.
 */
export interface StoredPasskey {
  /** The credential id, base64url, as the browser reports it. */
  id: string;
  /** The credential public key, COSE, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for synced passkeys, forever). */
  counter: number;
  /** The transports the browser reported at registration (hints for the next ceremony). */
  transports: string[];
  /** `multiDevice` when the credential is backup eligible (a synced passkey). Never changes. */
  deviceType: "singleDevice" | "multiDevice";
  /** Whether the credential was backed up when last seen. */
  backedUp: boolean;
  /** The authenticator model's AAGUID (all zeros with `none` attestation, mostly). */
  aaguid: string;
  /** The user's label, at most 64 characters. */
  name: string;
  /** When it was registered, epoch ms. */
  createdAt: number;
  /** When it last signed in, epoch ms. */
  lastUsedAt?: number;
}

/** Everything a {@link PasskeyStore} holds for one owner. */
export interface PasskeyAccount {
  /** The WebAuthn user handle (base64url) given at the owner's first registration; the same for all their passkeys. */
  userHandle: string;
  /** The owner's passkeys, oldest first. */
  passkeys: StoredPasskey[];
  /**
   * The account's version: 1 after the first registration, one more after
   * each change (add, use, rename, remove). Pass it back as
   * `expectedVersion` to add only if nothing changed since this read.
   */
  version: number;
}

/**
 * The answer of {@link PasskeyStore.addPasskey}.
 *
 * - `added`: stored, and its id claimed for this owner.
 * - `duplicate`: that credential id is already registered (to this owner or any other); nothing changed.
 * - `limit`: the owner already has `max` passkeys; nothing changed.
 * - `conflict`: the account changed since `expectedVersion`; nothing changed.
 */
export type AddPasskeyResult =
  | { status: "added" }
  | { status: "duplicate" }
  | { status: "limit" }
  | { status: "conflict" };

/**
 * Where passkeys live: per owner (the user's `sub`) a user handle and up to a
 * limit of credentials, a global claim per credential id (so no id is ever
 * registered to two users), and single-use sign-in records keyed by a hash of
 * the WebAuthn challenge (see {@link passkeyChallengeKey}).
 *
 * `id` arguments are credential ids (base64url) as the browser reports them;
 * stores key them by their SHA-256. `dynamoDbStore` implements it with
 * conditional writes and transactions, `memoryStore` in memory; both keep
 * every rule below under concurrency.
 */
export interface PasskeyStore {
  /** The owner's account, if they ever registered a passkey (possibly with none left). Read strongly consistent. */
  getPasskeys(owner: string): Promise<PasskeyAccount | undefined>;
  /**
   * Registers `passkey` for `owner`, atomically with the claim of its id.
   * `userHandle` is kept on the first registration only. With
   * `expectedVersion` (0 = no account yet) the add happens only if the
   * account is still at that version (else `conflict`); without it the
   * store retries lost races itself.
   */
  addPasskey(
    owner: string,
    userHandle: string,
    passkey: StoredPasskey,
    options: { max: number; expectedVersion?: number },
  ): Promise<AddPasskeyResult>;
  /**
   * Records a verified sign-in: the counter rule of WebAuthn 6.1.1 as one
   * conditional write. Both the stored and the new counter 0 (synced
   * passkeys): accepted; otherwise the new counter must exceed the stored
   * one, so of racing uses with one counter value exactly one wins. Sets
   * `counter`, `backedUp` and `lastUsedAt` (= `at`). `false` when refused
   * or when the owner has no such passkey.
   */
  usePasskey(
    owner: string,
    id: string,
    use: { counter: number; backedUp: boolean; at: number },
  ): Promise<boolean>;
  /** Renames the owner's passkey; `false` when the owner has no such passkey. */
  renamePasskey(owner: string, id: string, name: string): Promise<boolean>;
  /** Removes the owner's passkey and its id claim (so the id can be registered again); `false` when there was none. */
  removePasskey(owner: string, id: string): Promise<boolean>;
  /** Removes the owner's account, every passkey and every id claim; resolves how many passkeys went. */
  removeAllPasskeys(owner: string): Promise<number>;
  /**
   * Consumes a challenge: stores `record` under `challengeKey` only if no
   * record was ever stored there. Of any number of concurrent calls for one
   * key exactly one gets `true`.
   */
  recordPasskeySignIn(
    challengeKey: string,
    record: { owner: string; amr: string; expiresAt: number },
  ): Promise<boolean>;
  /**
   * Takes the record under `challengeKey` if it belongs to `owner`: consumes
   * it (single use: every later take answers `undefined`) and returns its
   * `amr` when `nowMs <= expiresAt`, else `undefined`. A record of another
   * owner is left alone. The consumed record stays behind as a tombstone
   * until its TTL, so {@link PasskeyStore.recordPasskeySignIn} keeps refusing
   * the challenge after it was taken.
   */
  takePasskeySignIn(
    challengeKey: string,
    owner: string,
    nowMs: number,
  ): Promise<string | undefined>;
}

/** Lists passkey accounts, for the orphan sweep (`releaseOrphanedUsernames`). */
export interface PasskeyOwnerLister {
  /**
   * Every owner with a passkey account, in no particular order, with when the
   * account was created (epoch ms) where the store knows it. Not a
   * snapshot. In `dynamoDbStore` a full table Scan.
   */
  passkeyOwners(): AsyncIterable<{ owner: string; createdAt?: number }>;
}

/**
 * The key under which {@link PasskeyStore.recordPasskeySignIn} keeps a
 * consumed WebAuthn challenge: base64url SHA-256 of the challenge string (43
 * characters). Computed by callers (Verify, Pre Token Generation), so the
 * table never holds a challenge itself.
 */
export function passkeyChallengeKey(challenge: string): string {
  return createHash("sha256").update(challenge, "utf8").digest("base64url");
}

/** Everything: what `dynamoDbStore` and `memoryStore` return. */
export interface PasscodeStore
  extends UsernameRegistry,
    ThrottleStore,
    PasskeyStore,
    PasskeyOwnerLister {}
