import { decodeProtectedHeader, EncryptJWT, jwtDecrypt } from "jose";

/** One cookie key: the AES-256-GCM key HKDF derived from a secret, and the id that names it in the JWE header. */
interface CookieKey {
  readonly kid: string;
  readonly key: Uint8Array;
}

/** What a cookie holds once opened. */
export interface CookieSession {
  /** The Cognito refresh token. */
  readonly refreshToken: string;
  /** When the session ends, epoch ms: set at sign-in, kept through rotations. */
  readonly expiresAt: number;
  /** Whether a key other than the first sealed it (after {@link CookieSealer.open}): it should be resealed. */
  readonly staleKey?: boolean;
}

/** Seals and opens the session cookie's contents with the configured keys. */
export interface CookieSealer {
  /** A compact JWE (`dir`, `A256GCM`, `kid` of the first key) holding the token, the client id and the expiry. */
  seal(session: CookieSession): Promise<string>;
  /** The session inside `value`, or `undefined` when it is malformed, tampered with, sealed with an unknown key, for another client, or expired. */
  open(value: string): Promise<CookieSession | undefined>;
}

const encoder = new TextEncoder();
// Fixed, public HKDF salt and labels: they separate these keys from any other
// use of the same secret; the secret's own entropy is what protects them.
const SALT: Uint8Array<ArrayBuffer> = encoder.encode("cognito-passcode/token-handler");
const KEY_INFO = encoder.encode("cookie A256GCM key v1");
const KID_INFO = encoder.encode("cookie key id v1");
/** Longest cookie value opened: browsers keep at most 4096 bytes per cookie anyway. */
const MAX_VALUE = 4096;

function base64url(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function deriveKey(secret: string): Promise<CookieKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
    "deriveBits",
  ]);
  const bits = async (info: Uint8Array<ArrayBuffer>) =>
    new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: SALT, info },
        base,
        256,
      ),
    );
  // The key id is a separate HKDF output, so it says which key sealed a
  // cookie without revealing anything about the key itself.
  return { key: await bits(KEY_INFO), kid: base64url((await bits(KID_INFO)).slice(0, 12)) };
}

/**
 * A {@link CookieSealer} over `secrets` (the first seals, all open) for
 * `clientId`. Keys are derived once, on first use.
 */
export function createCookieSealer(
  secrets: readonly string[],
  clientId: string,
  now: () => number,
): CookieSealer {
  let keys: Promise<CookieKey[]> | undefined;
  const derived = () => {
    keys ??= Promise.all(secrets.map(deriveKey));
    return keys;
  };
  return {
    async seal({ refreshToken, expiresAt }) {
      const [first] = await derived();
      return new EncryptJWT({ rt: refreshToken, cid: clientId })
        .setProtectedHeader({ alg: "dir", enc: "A256GCM", kid: first!.kid })
        .setIssuedAt(Math.floor(now() / 1000))
        .setExpirationTime(Math.floor(expiresAt / 1000))
        .encrypt(first!.key);
    },
    async open(value) {
      if (value.length > MAX_VALUE || !/^[\w-]+(\.[\w-]*){4}$/.test(value)) return undefined;
      try {
        const { kid } = decodeProtectedHeader(value);
        const keys = await derived();
        const match = keys.find((k) => k.kid === kid);
        if (!match) return undefined;
        const { payload } = await jwtDecrypt(value, match.key, {
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
          currentDate: new Date(now()),
          requiredClaims: ["exp"],
        });
        const { rt, cid, exp } = payload;
        if (typeof rt !== "string" || rt === "" || cid !== clientId || typeof exp !== "number") {
          return undefined;
        }
        return { refreshToken: rt, expiresAt: exp * 1000, staleKey: match !== keys[0] };
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Spaces and tabs only, as browsers trim cookie names (RFC 6265bis): a name
 * padded with anything else (`\u00A0__Host-…`) is, to the browser, another
 * name without the `__Host-` prefix, which any same-site page may set.
 */
const trimWsp = (text: string) => text.replace(/^[ \t]+|[ \t]+$/g, "");

/** Every value of the cookie `name` in a `Cookie` request header. */
export function cookieValues(header: string | null, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && trimWsp(part.slice(0, eq)) === name) values.push(trimWsp(part.slice(eq + 1)));
  }
  return values;
}

/** The attributes every Set-Cookie of the handler carries (the IETF browser-apps draft's rules). */
export const COOKIE_ATTRIBUTES = "Path=/; Secure; HttpOnly; SameSite=Strict";

/** `Set-Cookie` for `value`, kept `maxAgeSeconds`. */
export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; ${COOKIE_ATTRIBUTES}; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}

/** `Set-Cookie` that makes the browser drop the cookie. */
export function expireCookie(name: string): string {
  return `${name}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;
}
