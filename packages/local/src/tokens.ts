import { randomBytes, randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from "jose";
import { CognitoError, notAuthorized } from "./cognito-error.js";
import type { IdTokenCustomization } from "./pre-token-generation.js";
import { type RefreshRecord, TokenRecords } from "./token-records.js";
import type { LocalUser } from "./users.js";

/** What one sign-in (or refresh) hands back, in Cognito's `AuthenticationResult` shape. */
export interface AuthenticationResult {
  AccessToken: string;
  IdToken: string;
  RefreshToken?: string;
  ExpiresIn: number;
  TokenType: "Bearer";
}

/** Settings of the token service. */
export interface TokenSettings {
  issuer: string;
  clientId: string;
  idTokenValidityMs: number;
  accessTokenValidityMs: number;
  refreshTokenValidityMs: number;
  enableTokenRevocation: boolean;
  /** Refresh-token rotation: `refresh` hands out a new refresh token and retires the one presented. @default false */
  rotateRefreshTokens?: boolean;
  /** How long a rotated-out refresh token still works after its first use. @default 0 (single use) */
  retryGracePeriodMs?: number;
  now: () => number;
}

/** The claims of a verified access token that operations need. */
export interface AccessClaims {
  username: string;
  sub: string;
  clientId: string;
  originJti?: string;
}

/** Where a data folder keeps the ID-token key (the one key of earlier versions). */
const ID_KEY_FILE = "signing-key.json";
/** Where a data folder keeps the access-token key. */
const ACCESS_KEY_FILE = "access-signing-key.json";

/** One RS256 signing key: the private key and its public JWK (with `kid`). */
interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * Signs Cognito-shaped RS256 tokens, keeps refresh tokens and their revocation
 * state (in the data folder too, when there is one), and verifies access
 * tokens the way Cognito's user APIs do. As in Cognito, ID tokens and access
 * tokens are signed with two different keys, both in the JWKS under their
 * own `kid`.
 */
export class TokenService {
  readonly #settings: TokenSettings;
  readonly #idKey: SigningKey;
  readonly #accessKey: SigningKey;
  readonly #records: TokenRecords;

  private constructor(
    settings: TokenSettings,
    idKey: SigningKey,
    accessKey: SigningKey,
    records: TokenRecords,
  ) {
    this.#settings = settings;
    this.#idKey = idKey;
    this.#accessKey = accessKey;
    this.#records = records;
  }

  /**
   * Generates the ID-token and access-token key pairs, or reuses the ones
   * kept in `dataDir` (`signing-key.json`, `access-signing-key.json`), and
   * loads the refresh tokens kept there. `onSaveError` hears of a failed write.
   */
  static async create(
    settings: TokenSettings,
    dataDir?: string,
    onSaveError?: (error: unknown) => void,
  ): Promise<TokenService> {
    const records = new TokenRecords(settings.accessTokenValidityMs, dataDir, onSaveError);
    await records.load(settings.now());
    const idKey = await signingKey(dataDir, ID_KEY_FILE);
    const accessKey = await signingKey(dataDir, ACCESS_KEY_FILE);
    return new TokenService(settings, idKey, accessKey, records);
  }

  /** Number of refresh tokens held (live, revoked, or expired but not yet swept). */
  get size(): number {
    return this.#records.size;
  }

  /** Resolves once every change to the refresh tokens so far is on disk. */
  flush(): Promise<void> {
    return this.#records.flush();
  }

  /** The JWKS document served at `<issuer>/.well-known/jwks.json`: the ID-token key, then the access-token key. */
  jwks(): JSONWebKeySet {
    return { keys: [{ ...this.#idKey.publicJwk }, { ...this.#accessKey.publicJwk }] };
  }

  /**
   * Tokens for a completed sign-in, with a new refresh token. `custom` is what
   * the Pre Token Generation trigger asked of the ID token (checked already).
   */
  async issue(
    user: LocalUser,
    readable: ReadonlySet<string>,
    custom?: IdTokenCustomization,
  ): Promise<AuthenticationResult> {
    const now = this.#settings.now();
    this.#records.sweep(now);
    const refreshToken = opaqueRefreshToken();
    const record = this.#records.add(refreshToken, {
      username: user.username,
      clientId: this.#settings.clientId,
      originJti: randomUUID(),
      authTime: Math.floor(now / 1000),
      expiresAt: now + this.#settings.refreshTokenValidityMs,
      revoked: false,
    });
    // The same clock reading as auth_time: a fresh sign-in's iat equals its auth_time.
    return {
      ...(await this.#sign(user, readable, record, now, custom)),
      RefreshToken: refreshToken,
    };
  }

  /** Whether the app client rotates refresh tokens. */
  get rotatesRefreshTokens(): boolean {
    return this.#settings.rotateRefreshTokens === true;
  }

  /**
   * New ID and access tokens for a refresh token. Without rotation, no new
   * refresh token, and the one presented stays as it was. With rotation, a new
   * refresh token of the same sign-in (same `origin_jti`, `auth_time` and
   * expiry), and the one presented works only until the grace period after its
   * first such use has passed (`RefreshTokenReuseException` after). `findUser`
   * resolves the record's owner, who may have been deleted since. `customize`
   * runs the Pre Token Generation trigger for that user once the token is
   * accepted and before anything changes, so a trigger that fails leaves a
   * rotating refresh token unused.
   */
  async refresh(
    refreshToken: string,
    findUser: (username: string) => LocalUser | undefined,
    readable: ReadonlySet<string>,
    customize?: (user: LocalUser) => Promise<IdTokenCustomization | undefined>,
  ): Promise<AuthenticationResult> {
    const s = this.#settings;
    const now = s.now();
    const record = this.#records.find(refreshToken);
    if (!record || record.clientId !== s.clientId) {
      throw notAuthorized("Invalid Refresh Token");
    }
    if (record.revoked) throw notAuthorized("Refresh Token has been revoked");
    if (record.expiresAt <= now) throw notAuthorized("Refresh Token has expired");
    // Also after rotation was turned off: a retired token does not come back.
    if (record.rotatedAt !== undefined && now >= record.rotatedAt + (s.retryGracePeriodMs ?? 0)) {
      throw new CognitoError(
        "RefreshTokenReuseException",
        "Refresh Token has been invalidated by refresh token rotation",
      );
    }
    const user = findUser(record.username);
    if (!user) throw notAuthorized("User does not exist.");
    if (!user.enabled) throw notAuthorized("User is disabled.");
    const custom = customize ? await customize(user) : undefined;
    if (!s.rotateRefreshTokens) return this.#sign(user, readable, record, now, custom);

    this.#records.markRotated(record, now);
    const rotated = opaqueRefreshToken();
    const next = this.#records.add(rotated, {
      username: record.username,
      clientId: record.clientId,
      originJti: record.originJti,
      authTime: record.authTime,
      // Documented: the new token lasts only for what remained of the original.
      expiresAt: record.expiresAt,
      revoked: false,
    });
    return { ...(await this.#sign(user, readable, next, now, custom)), RefreshToken: rotated };
  }

  /**
   * Revokes a refresh token and every access token issued from it; with
   * rotation, every refresh token of the same sign-in too.
   */
  revoke(refreshToken: string, clientId: string): void {
    if (!this.#settings.enableTokenRevocation) {
      throw new CognitoError(
        "UnsupportedOperationException",
        "Token revocation is not enabled for this app client.",
      );
    }
    const record = this.#records.find(refreshToken);
    // RFC 7009: an unknown token is not an error. Another client's token is.
    if (!record) return;
    if (record.clientId !== clientId) throw notAuthorized("Invalid Refresh Token");
    this.#records.revoke(record);
  }

  /**
   * Revokes every refresh token of a user and every access token issued from
   * them, with or without token revocation on the app client: as Cognito's
   * GlobalSignOut, which revocation does not govern.
   */
  revokeAll(username: string): void {
    this.#records.revokeAll(username);
  }

  /**
   * Forgets a deleted user. Their tokens are not marked revoked: as in Cognito,
   * using them then answers that the user does not exist.
   */
  forget(username: string): void {
    this.#records.forget(username);
  }

  /**
   * Verifies an access token as Cognito's user APIs do: signature, issuer,
   * `token_use`, expiry, revocation. Throws Cognito's `NotAuthorizedException`.
   */
  async verifyAccessToken(token: unknown): Promise<AccessClaims> {
    if (typeof token !== "string" || token.length === 0) {
      throw notAuthorized("Invalid Access Token");
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#verifyKey, {
        issuer: this.#settings.issuer,
        algorithms: ["RS256"],
        currentDate: new Date(this.#settings.now()),
        clockTolerance: 0,
      }));
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_JWT_EXPIRED") {
        throw notAuthorized("Access Token has expired");
      }
      throw notAuthorized("Invalid Access Token");
    }
    if (payload.token_use !== "access" || typeof payload.username !== "string") {
      throw notAuthorized("Invalid Access Token");
    }
    const originJti = typeof payload.origin_jti === "string" ? payload.origin_jti : undefined;
    // By the token's own jti, not origin_jti: without token revocation there is
    // no origin_jti, yet GlobalSignOut still ends the user's access tokens.
    const record =
      typeof payload.jti === "string" ? this.#records.accessRecord(payload.jti) : undefined;
    // Fail closed on a token with no record (a stack that stopped before writing
    // its records): a GlobalSignOut could not have reached it.
    if (!record) throw notAuthorized("Invalid Access Token");
    if (record.revoked) throw notAuthorized("Access Token has been revoked");
    return {
      username: payload.username,
      sub: String(payload.sub),
      clientId: String(payload.client_id),
      ...(originJti ? { originJti } : {}),
    };
  }

  // Only the access-token key: an ID token, or anything signed with its key, is not an access token.
  readonly #verifyKey = async (): Promise<CryptoKey> => {
    this.#publicKey ??= (await importJWK(this.#accessKey.publicJwk, "RS256")) as CryptoKey;
    return this.#publicKey;
  };
  #publicKey: CryptoKey | undefined;

  async #sign(
    user: LocalUser,
    readable: ReadonlySet<string>,
    record: RefreshRecord,
    nowMs: number = this.#settings.now(),
    custom?: IdTokenCustomization,
  ): Promise<AuthenticationResult> {
    const s = this.#settings;
    const iat = Math.floor(nowMs / 1000);
    const eventId = randomUUID();
    // Documented: token revocation and refresh-token rotation each add origin_jti.
    const origin =
      s.enableTokenRevocation || s.rotateRefreshTokens ? { origin_jti: record.originJti } : {};

    const idClaims: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(user.attributes)) {
      if (!readable.has(name)) continue;
      // Cognito types its boolean flags as JSON booleans in the ID token.
      idClaims[name] = name.endsWith("_verified") ? value === "true" : value;
    }
    const idPayload: Record<string, unknown> = {
      ...idClaims,
      sub: user.attributes.sub,
      "cognito:username": user.username,
      aud: s.clientId,
      ...origin,
      event_id: eventId,
      token_use: "id",
      auth_time: record.authTime,
    };
    // Pre Token Generation V1_0: the ID token only. Protected claims were
    // refused before; a claim both added and suppressed is suppressed.
    if (custom) {
      Object.assign(idPayload, custom.add);
      for (const name of custom.suppress) delete idPayload[name];
    }
    const idToken = await new SignJWT(idPayload)
      .setProtectedHeader({ alg: "RS256", kid: this.#idKey.publicJwk.kid! })
      .setIssuer(s.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(iat + Math.floor(s.idTokenValidityMs / 1000))
      .setJti(randomUUID())
      .sign(this.#idKey.privateKey);

    const accessJti = randomUUID();
    const accessExp = iat + Math.floor(s.accessTokenValidityMs / 1000);
    const accessToken = await new SignJWT({
      sub: user.attributes.sub,
      client_id: s.clientId,
      ...origin,
      event_id: eventId,
      token_use: "access",
      scope: "aws.cognito.signin.user.admin",
      auth_time: record.authTime,
      username: user.username,
    })
      .setProtectedHeader({ alg: "RS256", kid: this.#accessKey.publicJwk.kid! })
      .setIssuer(s.issuer)
      .setIssuedAt(iat)
      .setExpirationTime(accessExp)
      .setJti(accessJti)
      .sign(this.#accessKey.privateKey);
    this.#records.addAccess(accessJti, record, accessExp * 1000);

    return {
      AccessToken: accessToken,
      IdToken: idToken,
      ExpiresIn: Math.floor(s.accessTokenValidityMs / 1000),
      TokenType: "Bearer",
    };
  }
}

/**
 * A fresh RS256 key pair with a random `kid`, or, with a data folder, the one
 * kept in `file` there (written, mode 0600, when it is not there yet).
 */
async function signingKey(dataDir: string | undefined, file: string): Promise<SigningKey> {
  const path = dataDir ? join(dataDir, file) : undefined;
  if (path) {
    try {
      const saved = JSON.parse(await readFile(path, "utf8")) as JWK;
      const privateKey = (await importJWK(saved, "RS256")) as CryptoKey;
      const { d, p, q, dp, dq, qi, ...publicKey } = saved;
      // Files written before the key was listed with alg and use lack them.
      return { privateKey, publicJwk: { ...publicKey, alg: "RS256", use: "sig" } };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  const pair = await generateKeyPair("RS256", { extractable: Boolean(path) });
  const publicJwk: JWK = {
    ...(await exportJWK(pair.publicKey)),
    kid: randomBytes(16).toString("base64url"),
    alg: "RS256",
    use: "sig",
  };
  if (dataDir && path) {
    const privateJwk = { ...(await exportJWK(pair.privateKey)), kid: publicJwk.kid };
    await mkdir(dataDir, { recursive: true });
    await writeFile(path, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  return { privateKey: pair.privateKey, publicJwk };
}

/**
 * Cognito's refresh tokens are encrypted JWTs (five dot-separated parts) that
 * clients treat as opaque. This one has the same outline around random bytes.
 */
function opaqueRefreshToken(): string {
  const header = Buffer.from(JSON.stringify({ cty: "JWT", enc: "A256GCM", alg: "RSA-OAEP" }));
  const part = (n: number) => randomBytes(n).toString("base64url");
  return [header.toString("base64url"), part(256), part(12), part(384), part(16)].join(".");
}
