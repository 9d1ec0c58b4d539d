import { createHash } from "node:crypto";
import { DataFile } from "./data-file.js";

/**
 * One refresh token's state: whose it is, when it ends, whether it was revoked
 * or rotated out. The tokens of one sign-in (the first and every one rotation
 * handed out after it) share `originJti`, `authTime` and `expiresAt`.
 */
export interface RefreshRecord {
  /** SHA-256 of the refresh token (base64url): the token itself is never stored. */
  digest: string;
  username: string;
  clientId: string;
  originJti: string;
  /** Epoch seconds of the sign-in. */
  authTime: number;
  /** Epoch ms. */
  expiresAt: number;
  revoked: boolean;
  /**
   * Epoch ms of the token's first use by a rotating refresh; absent while it
   * was never so used (and in files written before rotation existed).
   */
  rotatedAt?: number;
}

interface AccessEntry {
  record: RefreshRecord;
  /** Epoch ms: the access token's `exp`. */
  expiresAt: number;
}

interface SavedRecords {
  version: 1;
  refreshTokens: RefreshRecord[];
  /** `digest` names the refresh token (files written before rotation name only `originJti`). */
  accessTokens: { jti: string; originJti: string; digest?: string; expiresAt: number }[];
}

/** The digest a refresh token is kept under. */
export function refreshTokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("base64url");
}

/**
 * The refresh tokens a stack issued and the access tokens issued from each
 * (by `jti`), so revocation reaches every access token whether or not it
 * carries `origin_jti`. With a data folder, every change is written to
 * `refresh-tokens.json` (digests, never tokens; atomically, in order).
 */
export class TokenRecords {
  readonly #byDigest = new Map<string, RefreshRecord>();
  readonly #byUser = new Map<string, Set<RefreshRecord>>();
  readonly #access = new Map<string, AccessEntry>();
  readonly #accessTokenValidityMs: number;
  readonly #file: DataFile;

  constructor(
    accessTokenValidityMs: number,
    dataDir?: string,
    onError: (error: unknown) => void = () => {},
  ) {
    this.#accessTokenValidityMs = accessTokenValidityMs;
    this.#file = new DataFile(
      dataDir,
      "refresh-tokens.json",
      () => {
        const saved: SavedRecords = {
          version: 1,
          refreshTokens: [...this.#byDigest.values()],
          accessTokens: [...this.#access].map(([jti, { record, expiresAt }]) => ({
            jti,
            originJti: record.originJti,
            digest: record.digest,
            expiresAt,
          })),
        };
        return JSON.stringify(saved);
      },
      onError,
    );
  }

  /** Reads `refresh-tokens.json` from the data folder, if any, dropping what has expired by `now`. */
  async load(now: number): Promise<void> {
    const saved = (await this.#file.read()) as Partial<SavedRecords> | undefined;
    if (!saved) return;
    const byOrigin = new Map<string, RefreshRecord>();
    for (const record of saved.refreshTokens ?? []) {
      this.#index(record);
      byOrigin.set(record.originJti, record);
    }
    for (const { jti, originJti, digest, expiresAt } of saved.accessTokens ?? []) {
      // Revocation reaches a whole sign-in, so an older file's originJti finds a record as good.
      const record = (digest ? this.#byDigest.get(digest) : undefined) ?? byOrigin.get(originJti);
      if (record) this.#access.set(jti, { record, expiresAt });
    }
    this.sweep(now);
  }

  /** Number of refresh tokens held (live, revoked, or expired but not yet swept). */
  get size(): number {
    return this.#byDigest.size;
  }

  /** Keeps a newly issued refresh token's record. */
  add(refreshToken: string, record: Omit<RefreshRecord, "digest">): RefreshRecord {
    const kept = { digest: refreshTokenDigest(refreshToken), ...record };
    this.#index(kept);
    this.#save();
    return kept;
  }

  /** The record of a refresh token, if this stack issued it and has not swept it. */
  find(refreshToken: string): RefreshRecord | undefined {
    return this.#byDigest.get(refreshTokenDigest(refreshToken));
  }

  /** Notes an access token issued from `record`, by its `jti` and expiry (epoch ms). */
  addAccess(jti: string, record: RefreshRecord, expiresAt: number): void {
    this.#access.set(jti, { record, expiresAt });
    this.#save();
  }

  /** The refresh token an access token was issued from, by the access token's `jti`. */
  accessRecord(jti: string): RefreshRecord | undefined {
    return this.#access.get(jti)?.record;
  }

  /**
   * Revokes a refresh token together with every token of its sign-in (those
   * rotation handed out from it and before it), and the access tokens issued
   * from any of them. Without rotation that is the one token.
   */
  revoke(record: RefreshRecord): void {
    record.revoked = true;
    for (const other of this.#byUser.get(record.username) ?? []) {
      if (other.originJti === record.originJti) other.revoked = true;
    }
    this.#save();
  }

  /** Notes the first use of a refresh token by a rotating refresh (later uses keep the first time). */
  markRotated(record: RefreshRecord, now: number): void {
    if (record.rotatedAt !== undefined) return;
    record.rotatedAt = now;
    this.#save();
  }

  /** Revokes every refresh token of a user, and every access token issued from them. */
  revokeAll(username: string): void {
    for (const record of this.#byUser.get(username) ?? []) record.revoked = true;
    this.#save();
  }

  /**
   * Forgets a deleted user for GlobalSignOut. Their records stay until they
   * expire, not revoked: an access token or a refresh then answers that the
   * user does not exist (a token with no record at all is refused as invalid).
   */
  forget(username: string): void {
    this.#byUser.delete(username);
    this.#save();
  }

  /**
   * Drops access tokens that have expired, and refresh records whose token and
   * every access token issued from it have expired, so a long run does not grow
   * without bound. Both sit in issue order with one validity, so expired ones
   * are at the front; a rotated token, which keeps its sign-in's expiry, may sit
   * behind a later one and then goes when the records before it have gone.
   */
  sweep(now: number): void {
    let changed = false;
    for (const [jti, entry] of this.#access) {
      if (entry.expiresAt > now) break;
      this.#access.delete(jti);
      changed = true;
    }
    const cutoff = now - this.#accessTokenValidityMs;
    for (const [digest, record] of this.#byDigest) {
      if (record.expiresAt > cutoff) break;
      this.#byDigest.delete(digest);
      const set = this.#byUser.get(record.username);
      if (set?.delete(record) && set.size === 0) this.#byUser.delete(record.username);
      changed = true;
    }
    if (changed) this.#save();
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  #index(record: RefreshRecord): void {
    this.#byDigest.set(record.digest, record);
    const set = this.#byUser.get(record.username) ?? new Set<RefreshRecord>();
    this.#byUser.set(record.username, set);
    set.add(record);
  }

  #save(): void {
    this.#file.save();
  }
}
