/**
 * A software WebAuthn authenticator for tests: real ES256 keys from
 * `node:crypto`, `none` attestation, CBOR-encoded authenticator data, so a
 * relying party's real verification (for example `@simplewebauthn/server`)
 * accepts what it produces. No browser, no CDP, no mocks.
 *
 * Part of `@cognito-passcode/triggers/testing`.
 *
 * @module
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from "node:crypto";

/** A WebAuthn transport hint, as in `AuthenticatorTransportFuture`. */
export type SoftAuthenticatorTransport =
  | "ble"
  | "cable"
  | "hybrid"
  | "internal"
  | "nfc"
  | "smart-card"
  | "usb";

/**
 * The registration answer a browser's `PublicKeyCredential.toJSON()` gives
 * (WebAuthn Level 3 `RegistrationResponseJSON`), declared structurally here so
 * this module needs no WebAuthn library at run time.
 */
export interface RegistrationResponseJSON {
  /** The credential id, base64url. */
  id: string;
  /** The same id, base64url. */
  rawId: string;
  type: "public-key";
  response: {
    clientDataJSON: string;
    attestationObject: string;
    authenticatorData: string;
    transports: SoftAuthenticatorTransport[];
    publicKeyAlgorithm: number;
    /** The public key as SubjectPublicKeyInfo DER, base64url. */
    publicKey: string;
  };
  authenticatorAttachment: "platform" | "cross-platform";
  clientExtensionResults: { credProps?: { rk: boolean } };
}

/**
 * The assertion answer a browser's `PublicKeyCredential.toJSON()` gives
 * (WebAuthn Level 3 `AuthenticationResponseJSON`), declared structurally.
 */
export interface AuthenticationResponseJSON {
  /** The credential id, base64url. */
  id: string;
  /** The same id, base64url. */
  rawId: string;
  type: "public-key";
  response: {
    clientDataJSON: string;
    authenticatorData: string;
    signature: string;
    /** The user handle (base64url) the credential was registered with; absent when overridden with `null`. */
    userHandle?: string;
  };
  authenticatorAttachment: "platform" | "cross-platform";
  clientExtensionResults: Record<string, never>;
}

/** A credential the soft authenticator holds. */
export interface SoftCredential {
  /** The credential id, base64url (32 random bytes unless a registration override chose it). */
  readonly id: string;
  /** The RP id the credential is scoped to. */
  readonly rpId: string;
  /** The user handle (`user.id` of the creation options), base64url. */
  readonly userHandle: string;
  /** `user.name` of the creation options. */
  readonly userName: string;
  /** The ES256 (P-256) private key. */
  readonly privateKey: KeyObject;
  /** The public key, SubjectPublicKeyInfo DER, base64url. */
  readonly publicKey: string;
  /** The public key as COSE (the form stored by relying parties), base64url. */
  readonly cosePublicKey: string;
}

/** Overrides of one registration, for adversarial tests. Each one makes the answer differ from an honest one. */
export interface SoftRegistrationOverrides {
  /** The origin written into `clientDataJSON`. */
  origin?: string;
  /** The RP id whose SHA-256 goes into the authenticator data (the credential is also scoped to it). */
  rpId?: string;
  /** `false` clears the UV flag. @default true */
  userVerified?: boolean;
  /** The signature counter in the authenticator data. @default 0 */
  counter?: number;
  /** `credProps.rk` reported in the client extension results. @default true */
  rk?: boolean;
  /** The challenge written into `clientDataJSON` instead of the options' one. */
  challenge?: string;
  /** The new credential's id (base64url) instead of 32 random bytes, e.g. an id another user registered. */
  credentialId?: string;
  /** The user handle kept with the credential instead of the options' `user.id`. */
  userHandle?: string;
}

/** Overrides of one assertion, for adversarial tests. */
export interface SoftAuthenticationOverrides {
  /** The origin written into `clientDataJSON`. */
  origin?: string;
  /** The RP id whose SHA-256 goes into the authenticator data (the credential is still looked up by the options' RP id). */
  rpId?: string;
  /** `false` clears the UV flag. @default true */
  userVerified?: boolean;
  /** The signature counter in the authenticator data. @default 0 (a synced passkey) */
  counter?: number;
  /** The challenge written into `clientDataJSON` instead of the options' one. */
  challenge?: string;
  /** The user handle in the answer instead of the credential's; `null` leaves it out. */
  userHandle?: string | null;
  /** Which credential to use when several fit the options (or one that does not, for adversarial tests). */
  credentialId?: string;
}

/** How {@link softAuthenticator} behaves. */
export interface SoftAuthenticatorOptions {
  /**
   * The page origin written into `clientDataJSON`.
   * @default `http://localhost` for RP id `localhost`, else `https://<rpId>`
   */
  origin?: string;
  /** The RP id used when the options carry none. @default the origin's host name, else `localhost` */
  rpId?: string;
  /**
   * `multiDevice` (default) sets the backup-eligible and backed-up flags, as a
   * synced passkey does; `singleDevice` clears both.
   */
  deviceType?: "singleDevice" | "multiDevice";
}

/** A software authenticator; see {@link softAuthenticator}. */
export interface SoftAuthenticator {
  /**
   * `navigator.credentials.create()` for the given `PublicKeyCredentialCreationOptionsJSON`
   * (a JSON string or the parsed object). Throws an `Error` named
   * `InvalidStateError` when it already holds a credential listed in
   * `excludeCredentials`, `NotSupportedError` when `pubKeyCredParams` lacks ES256 (-7).
   */
  register(
    creationOptionsJSON: string | object,
    overrides?: SoftRegistrationOverrides,
  ): Promise<RegistrationResponseJSON>;
  /**
   * `navigator.credentials.get()` for the given `PublicKeyCredentialRequestOptionsJSON`.
   * With an empty `allowCredentials` it picks a discoverable credential for the
   * options' RP id (the last registered, or `overrides.credentialId`).
   * Throws an `Error` named `NotAllowedError` when no credential fits.
   */
  authenticate(
    requestOptionsJSON: string | object,
    overrides?: SoftAuthenticationOverrides,
  ): Promise<AuthenticationResponseJSON>;
  /** The credentials it holds, oldest first. */
  readonly credentials: readonly SoftCredential[];
  /** Forgets a credential (as deleting a passkey from a device would). Returns whether it held it. */
  forget(credentialId: string): boolean;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const ES256 = -7;
/** The all-zero AAGUID of an authenticator that does not say what it is. */
const AAGUID = new Uint8Array(16);

/**
 * A real ES256 WebAuthn authenticator in `node:crypto`, for tests of a
 * relying party: registrations use `none` attestation and report
 * `credProps: { rk: true }`; assertions sign `authData || SHA-256(clientDataJSON)`.
 * The counter stays 0 unless overridden, as on a synced passkey.
 *
 * @example
 * ```ts
 * import { softAuthenticator } from "@cognito-passcode/triggers/testing";
 * import { verifyRegistrationResponse } from "@simplewebauthn/server";
 *
 * const device = softAuthenticator({ origin: "http://localhost:5173" });
 * const response = await device.register({
 *   challenge: "c2l4dGVlbi1ieXRlcy1vZi1jaGFsbGVuZ2U",
 *   rp: { id: "localhost", name: "Acme" },
 *   user: { id: "dXNlci1oYW5kbGU", name: "ada@example.com", displayName: "ada@example.com" },
 *   pubKeyCredParams: [{ type: "public-key", alg: -7 }],
 * });
 * const { verified } = await verifyRegistrationResponse({
 *   response,
 *   expectedChallenge: "c2l4dGVlbi1ieXRlcy1vZi1jaGFsbGVuZ2U",
 *   expectedOrigin: "http://localhost:5173",
 *   expectedRPID: "localhost",
 * });
 * ```
 */
export function softAuthenticator(options: SoftAuthenticatorOptions = {}): SoftAuthenticator {
  const credentials: SoftCredential[] = [];
  const synced = (options.deviceType ?? "multiDevice") === "multiDevice";
  const defaultRpId = (): string => {
    if (options.rpId !== undefined) return options.rpId;
    if (options.origin !== undefined) return new URL(options.origin).hostname;
    return "localhost";
  };
  const originFor = (rpId: string): string =>
    options.origin ?? (rpId === "localhost" ? "http://localhost" : `https://${rpId}`);

  return {
    credentials,
    forget(credentialId) {
      const at = credentials.findIndex((c) => c.id === credentialId);
      if (at < 0) return false;
      credentials.splice(at, 1);
      return true;
    },
    async register(creationOptionsJSON, overrides = {}) {
      const creation = parseOptions(creationOptionsJSON);
      const challenge = requireString(creation.challenge, "challenge");
      const rp = (creation.rp ?? {}) as Record<string, unknown>;
      const user = (creation.user ?? {}) as Record<string, unknown>;
      const optionsRpId = typeof rp.id === "string" ? rp.id : defaultRpId();
      const params = Array.isArray(creation.pubKeyCredParams) ? creation.pubKeyCredParams : [];
      if (!params.some((p) => (p as { alg?: unknown })?.alg === ES256)) {
        throw named("NotSupportedError", "no ES256 (-7) in pubKeyCredParams");
      }
      const excluded = new Set(
        (Array.isArray(creation.excludeCredentials) ? creation.excludeCredentials : []).map(
          (c) => (c as { id?: unknown })?.id,
        ),
      );
      if (credentials.some((c) => c.rpId === optionsRpId && excluded.has(c.id))) {
        throw named("InvalidStateError", "the authenticator already holds an excluded credential");
      }
      const rpId = overrides.rpId ?? optionsRpId;
      const id = overrides.credentialId ?? base64url(randomBytes(32));
      const idBytes = fromBase64url(id);
      const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      const jwk = publicKey.export({ format: "jwk" });
      const coseKey = cbor(
        new Map<number, unknown>([
          [1, 2], // kty: EC2
          [3, ES256], // alg
          [-1, 1], // crv: P-256
          [-2, fromBase64url(requireString(jwk.x, "x"))],
          [-3, fromBase64url(requireString(jwk.y, "y"))],
        ]),
      );
      const idLength = new Uint8Array([(idBytes.length >> 8) & 0xff, idBytes.length & 0xff]);
      const authData = concat(
        authenticatorData(
          rpId,
          flags(overrides.userVerified, synced) | FLAG_AT,
          overrides.counter ?? 0,
        ),
        AAGUID,
        idLength,
        idBytes,
        coseKey,
      );
      const clientDataJSON = clientData(
        "webauthn.create",
        overrides.challenge ?? challenge,
        overrides.origin ?? originFor(optionsRpId),
      );
      const attestationObject = cbor(
        new Map<string, unknown>([
          ["fmt", "none"],
          ["attStmt", new Map()],
          ["authData", authData],
        ]),
      );
      const spki = new Uint8Array(publicKey.export({ format: "der", type: "spki" }));
      credentials.push({
        id,
        rpId,
        userHandle: overrides.userHandle ?? (typeof user.id === "string" ? user.id : ""),
        userName: typeof user.name === "string" ? user.name : "",
        privateKey,
        publicKey: base64url(spki),
        cosePublicKey: base64url(coseKey),
      });
      return {
        id,
        rawId: id,
        type: "public-key",
        response: {
          clientDataJSON: base64url(clientDataJSON),
          attestationObject: base64url(attestationObject),
          authenticatorData: base64url(authData),
          transports: ["hybrid", "internal"],
          publicKeyAlgorithm: ES256,
          publicKey: base64url(spki),
        },
        authenticatorAttachment: "platform",
        clientExtensionResults: { credProps: { rk: overrides.rk ?? true } },
      };
    },
    async authenticate(requestOptionsJSON, overrides = {}) {
      const request = parseOptions(requestOptionsJSON);
      const challenge = requireString(request.challenge, "challenge");
      const optionsRpId = typeof request.rpId === "string" ? request.rpId : defaultRpId();
      const allowed = (Array.isArray(request.allowCredentials) ? request.allowCredentials : []).map(
        (c) => (c as { id?: unknown })?.id,
      );
      let credential: SoftCredential | undefined;
      if (overrides.credentialId !== undefined) {
        credential = credentials.find((c) => c.id === overrides.credentialId);
      } else {
        const fitting = credentials.filter(
          (c) => c.rpId === optionsRpId && (allowed.length === 0 || allowed.includes(c.id)),
        );
        credential = fitting[fitting.length - 1];
      }
      if (credential === undefined) {
        throw named("NotAllowedError", "no credential for this request");
      }
      const authData = authenticatorData(
        overrides.rpId ?? optionsRpId,
        flags(overrides.userVerified, synced),
        overrides.counter ?? 0,
      );
      const clientDataJSON = clientData(
        "webauthn.get",
        overrides.challenge ?? challenge,
        overrides.origin ?? originFor(optionsRpId),
      );
      const signature = sign(
        "sha256",
        concat(authData, sha256(clientDataJSON)),
        credential.privateKey,
      );
      const userHandle =
        overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
      return {
        id: credential.id,
        rawId: credential.id,
        type: "public-key",
        response: {
          clientDataJSON: base64url(clientDataJSON),
          authenticatorData: base64url(authData),
          signature: base64url(signature),
          ...(userHandle === null ? {} : { userHandle }),
        },
        authenticatorAttachment: "platform",
        clientExtensionResults: {},
      };
    },
  };
}

function flags(userVerified: boolean | undefined, synced: boolean): number {
  return FLAG_UP | (userVerified === false ? 0 : FLAG_UV) | (synced ? FLAG_BE | FLAG_BS : 0);
}

/** rpIdHash (32) | flags (1) | signCount (4, big-endian). */
function authenticatorData(rpId: string, flagBits: number, counter: number): Uint8Array {
  const out = new Uint8Array(37);
  out.set(sha256(new TextEncoder().encode(rpId)), 0);
  out[32] = flagBits;
  new DataView(out.buffer).setUint32(33, counter >>> 0, false);
  return out;
}

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function parseOptions(options: string | object): Record<string, unknown> {
  const parsed: unknown = typeof options === "string" ? JSON.parse(options) : options;
  if (parsed === null || typeof parsed !== "object")
    throw new TypeError("WebAuthn options must be an object");
  return parsed as Record<string, unknown>;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== "string") throw new TypeError(`WebAuthn options: ${name} must be a string`);
  return value;
}

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(data).digest());
}

function base64url(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64url");
}

function fromBase64url(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64url"));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** CBOR (RFC 8949) for what WebAuthn needs: integers, byte and text strings, maps (in insertion order). */
function cbor(value: unknown): Uint8Array {
  const head = (major: number, length: number): Uint8Array => {
    const m = major << 5;
    if (length < 24) return new Uint8Array([m | length]);
    if (length < 0x100) return new Uint8Array([m | 24, length]);
    if (length < 0x10000) return new Uint8Array([m | 25, length >> 8, length & 0xff]);
    const out = new Uint8Array(5);
    out[0] = m | 26;
    new DataView(out.buffer).setUint32(1, length, false);
    return out;
  };
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new TypeError("cbor: integers only");
    return value >= 0 ? head(0, value) : head(1, -1 - value);
  }
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return concat(head(3, bytes.length), bytes);
  }
  if (value instanceof Uint8Array) return concat(head(2, value.length), value);
  if (value instanceof Map) {
    const parts: Uint8Array[] = [head(5, value.size)];
    for (const [k, v] of value) parts.push(cbor(k), cbor(v));
    return concat(...parts);
  }
  throw new TypeError("cbor: unsupported value");
}
