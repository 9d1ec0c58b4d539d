import { createHash } from "node:crypto";
import { DataFile } from "./data-file.js";

/** One refresh token's state: whose it is, when it ends, whether it was revoked. */
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
}

interface AccessEntry {
  record: RefreshRecord;
  /** Epoch ms: the access token's `exp`. */
  expiresAt: number;
}

interface SavedRecords {
  version: 1;
  refreshTokens: RefreshRecord[];
  accessTokens: { jti: string; originJti: string; expiresAt: number }[];
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
    for (const { jti, originJti, expiresAt } of saved.accessTokens ?? []) {
      const record = byOrigin.get(originJti);
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

  /** Revokes one refresh token, and with it the access tokens issued from it. */
  revoke(record: RefreshRecord): void {
    record.revoked = true;
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
   * are at the front.
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
