import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";
import { FetchError, JwksValidationError, NonRetryableFetchError } from "aws-jwt-verify/error";
import type { Fetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import { HandlerError, invalidParameter } from "./http.js";

/**
 * One passkey as the store keeps it: the fields the management operations
 * read. Structurally the `StoredPasskey` of `@cognito-passcode/triggers`.
 */
export interface ManagedPasskey {
  /** The credential id, base64url, as the browser reports it. */
  id: string;
  /** The user's label for it (at most 64 characters). */
  name: string;
  /** When it was registered, epoch milliseconds. */
  createdAt: number;
  /** When it last signed the user in, epoch milliseconds. */
  lastUsedAt?: number;
  /** Whether the authenticator says the key is backed up (synced to other devices). */
  backedUp: boolean;
  /** The transports the browser reported at registration (`internal`, `hybrid`, ...). */
  transports: readonly string[];
}

/**
 * The part of a passkey store the token handler uses, typed structurally so
 * the handler never imports `@cognito-passcode/triggers` at run time:
 * `dynamoDbStore(...)` and `memoryStore()` from triggers fit it. `owner` is
 * the user's `sub`; `id` the credential id as the browser reports it.
 */
export interface PasskeyManagementStore {
  /** The user's passkeys, or undefined when they have none. */
  getPasskeys(owner: string): Promise<{ passkeys: readonly ManagedPasskey[] } | undefined>;
  /** Renames the owner's passkey `id`; false when the owner has no such passkey. */
  renamePasskey(owner: string, id: string, name: string): Promise<boolean>;
  /** Removes the owner's passkey `id`; false when the owner has no such passkey. */
  removePasskey(owner: string, id: string): Promise<boolean>;
}

/** What a {@link PasskeyNotifier} is asked to tell the user. */
export interface PasskeyNotice {
  /** The user's email address (from Cognito's GetUser). */
  to: string;
  /** The token handler only sends `removed`. */
  kind: "added" | "removed";
  /** The passkey's name. */
  name: string;
  /** When it happened, epoch milliseconds. */
  when: number;
}

/**
 * Sends a notice email; `createPasskeyNotifier(...)` from
 * `@cognito-passcode/triggers` returns one.
 */
export type PasskeyNotifier = (notice: PasskeyNotice) => Promise<void>;

/**
 * The `passkeys` option of `createTokenHandler`: turns on the passkey
 * management operations.
 *
 * @example
 * ```ts
 * import { createPasskeyNotifier, dynamoDbStore } from "@cognito-passcode/triggers";
 *
 * const handle = createTokenHandler({
 *   clientId, region: "eu-west-1", allowedOrigins, cookieKeys,
 *   passkeys: {
 *     userPoolId: "eu-west-1_AbC123xyz",
 *     store: dynamoDbStore({ tableName: "passcode" }),
 *     notify: createPasskeyNotifier({ email: { from: "no-reply@example.com", appName: "Acme" } }),
 *   },
 * });
 * ```
 */
export interface TokenHandlerPasskeyOptions {
  /** The user pool id, e.g. `eu-west-1_AbC123xyz`: access tokens must come from it. */
  userPoolId: string;
  /** Where the passkeys live (`dynamoDbStore({ tableName })` from `@cognito-passcode/triggers`). */
  store: PasskeyManagementStore;
  /**
   * Emails the user when a passkey is removed. Best effort: a failed send is
   * logged (the error's name only) and the removal stands.
   * @default no email
   */
  notify?: PasskeyNotifier;
  /**
   * The access tokens' issuer (`iss`); the keys are read from
   * `<issuer>/.well-known/jwks.json` with the handler's `fetch`. Set it for
   * the local stack (`stack.issuer`) or any pool whose tokens name another
   * issuer. `http:` only for loopback hosts.
   * @default Cognito's issuer for `userPoolId`: `https://cognito-idp.<region>.amazonaws.com/<userPoolId>` (or its `issuer-cognito-idp` form)
   */
  issuer?: string;
}

/** The target prefix of the token handler's own operations. */
export const PASSKEY_TARGET_PREFIX = "CognitoPasscodeService.";

/** The passkey management operations (`X-Amz-Target: CognitoPasscodeService.<name>`). */
export type PasskeyOperation = "ListPasskeys" | "RenamePasskey" | "DeletePasskey";

/** How recent a sign-in must be (`auth_time`) for DeletePasskey: 10 minutes. */
export const REAUTHENTICATE_AFTER_MS = 600_000;

const MEMBERS: Readonly<Record<PasskeyOperation, readonly string[]>> = {
  ListPasskeys: ["AccessToken"],
  RenamePasskey: ["AccessToken", "Id", "Name"],
  DeletePasskey: ["AccessToken", "Id"],
};

/** Whether `name` is a passkey management operation. */
export function isPasskeyOperation(name: string): name is PasskeyOperation {
  return Object.hasOwn(MEMBERS, name);
}

/** Cognito's user pool ids (aws-jwt-verify's own rule). */
const USER_POOL_ID = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d_[a-zA-Z0-9]+$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);
/** A credential id as the browser reports it: base64url of at most 1,023 bytes. */
const CREDENTIAL_ID = /^[A-Za-z0-9_-]{1,1364}$/;
/**
 * Control characters, bidi controls (LRM, RLM, ALM, embeddings, overrides,
 * isolates: they reorder the text around the name wherever a page shows it),
 * the line and paragraph separators, and lone surrogates (text that is not
 * well-formed: SES's query encoding throws on it). Other format characters
 * stay (the zero-width joiner of emoji sequences).
 */
const CONTROL = /[\p{Cc}\p{Bidi_Control}\u2028\u2029\p{Cs}]/u;
const MAX_NAME = 64;
const MAX_ACCESS_TOKEN = 16_384;
const JWKS_TIMEOUT_MS = 5_000;

/** The checked `passkeys` option. */
export interface ResolvedPasskeyOptions {
  userPoolId: string;
  issuer: string | undefined;
  store: PasskeyManagementStore;
  notify: PasskeyNotifier | undefined;
}

/**
 * Checks the `passkeys` option; `fail(field, why)` builds the
 * `CONFIGURATION_ERROR`. Undefined or `false` means off.
 */
export function resolvePasskeyOptions(
  options: TokenHandlerPasskeyOptions | false | undefined,
  fail: (field: string, why: string) => Error,
): ResolvedPasskeyOptions | undefined {
  if (options === undefined || options === false) return undefined;
  if (typeof options !== "object" || options === null) {
    throw fail("passkeys", "must be an object or false");
  }
  const { userPoolId, store, notify, issuer } = options;
  if (typeof userPoolId !== "string" || !USER_POOL_ID.test(userPoolId)) {
    throw fail("passkeys.userPoolId", "must be a user pool id, e.g. eu-west-1_AbC123xyz");
  }
  if (
    typeof store !== "object" ||
    store === null ||
    (["getPasskeys", "renamePasskey", "removePasskey"] as const).some(
      (method) => typeof store[method] !== "function",
    )
  ) {
    throw fail("passkeys.store", "must have getPasskeys, renamePasskey and removePasskey");
  }
  if (notify !== undefined && typeof notify !== "function") {
    throw fail("passkeys.notify", "must be a function");
  }
  if (issuer !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof issuer === "string" ? new URL(issuer) : undefined;
    } catch {}
    if (
      !url ||
      url.href !== issuer ||
      url.search ||
      url.hash ||
      !url.pathname.endsWith(`/${userPoolId}`) ||
      !(url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    ) {
      throw fail(
        "passkeys.issuer",
        "must be an https: URL ending in /<userPoolId> (http: only for loopback hosts)",
      );
    }
  }
  return { userPoolId, issuer, store, notify };
}

/** The claims of a verified access token that the operations use. */
export interface AccessClaims {
  sub: string;
  /** Seconds since the epoch. */
  authTime: number;
}

/**
 * An access-token verifier: signature against the pool's JWKS (fetched with
 * `fetchImpl`, cached per handler), issuer, expiry, `token_use` `access` and
 * `client_id` = `clientId`. Any failure throws `NotAuthorizedException`
 * (`Invalid Access Token`); keys that cannot be fetched throw a 502.
 */
export function createAccessTokenVerifier(
  passkeys: ResolvedPasskeyOptions,
  clientId: string,
  fetchImpl: () => typeof fetch,
): (token: unknown) => Promise<AccessClaims> {
  const fetcher: Fetcher = {
    async fetch(uri) {
      let response: Response;
      try {
        response = await fetchImpl()(uri, {
          method: "GET",
          redirect: "error",
          signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
        });
      } catch (error) {
        throw new FetchError(uri, (error as Error).name);
      }
      if (response.status !== 200) {
        await response.body?.cancel().catch(() => {});
        throw new NonRetryableFetchError(uri, `Status code is ${response.status}, expected 200`);
      }
      return response.arrayBuffer();
    },
  };
  const jwksCache = new SimpleJwksCache({ fetcher });
  const check = { tokenUse: "access", clientId } as const;
  const verifier = passkeys.issuer
    ? JwtVerifier.create(
        {
          issuer: passkeys.issuer,
          audience: null,
          jwksUri: `${passkeys.issuer}/.well-known/jwks.json`,
          customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, check),
        },
        { jwksCache },
      )
    : CognitoJwtVerifier.create({ userPoolId: passkeys.userPoolId, ...check }, { jwksCache });

  return async (token) => {
    if (typeof token !== "string" || token.length === 0 || token.length > MAX_ACCESS_TOKEN) {
      throw invalidAccessToken();
    }
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (error) {
      // Keys that cannot be had are the service's failure, not the caller's: a
      // NotAuthorizedException would sign the user out. (A kid the JWKS lacks is
      // the caller's: aws-jwt-verify then waits 10 s before fetching for another.)
      if (error instanceof FetchError || error instanceof JwksValidationError) {
        throw new HandlerError(
          502,
          "InternalErrorException",
          "The user pool's keys are unavailable",
        );
      }
      throw invalidAccessToken();
    }
    const { sub, auth_time: authTime } = payload as JwtPayload & { auth_time?: unknown };
    if (typeof sub !== "string" || sub === "") throw invalidAccessToken();
    return { sub, authTime: typeof authTime === "number" ? authTime : Number.NaN };
  };
}

function invalidAccessToken(): HandlerError {
  return new HandlerError(400, "NotAuthorizedException", "Invalid Access Token");
}

/** The refusal for a passkey that does not exist and one of another user alike. */
export function passkeyNotFound(): HandlerError {
  return new HandlerError(400, "ResourceNotFoundException", "Passkey not found.");
}

/** The refusal of a DeletePasskey whose sign-in is older than {@link REAUTHENTICATE_AFTER_MS}. */
export function reauthenticate(): HandlerError {
  return new HandlerError(400, "NotAuthorizedException", "REAUTHENTICATE");
}

/** A checked management request body. */
export interface PasskeyRequest {
  accessToken: string;
  id?: string;
  name?: string;
}

/**
 * Checks a management request's body: only the operation's members (others
 * refused, as for the forwarded operations), an access token, a credential id
 * in base64url, and a well-formed name of 1 to 64 characters with no control
 * character, bidi control or line/paragraph separator.
 */
export function checkPasskeyRequest(operation: PasskeyOperation, body: unknown): PasskeyRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidParameter("The request body must be a JSON object");
  }
  const record = body as Record<string, unknown>;
  const members = MEMBERS[operation];
  for (const key of Object.keys(record)) {
    if (!members.includes(key)) {
      throw invalidParameter(`${key} is not accepted by the token handler for ${operation}`);
    }
  }
  const { AccessToken, Id, Name } = record;
  if (typeof AccessToken !== "string" || AccessToken === "") {
    throw invalidParameter("AccessToken is required");
  }
  if (operation === "ListPasskeys") return { accessToken: AccessToken };
  if (typeof Id !== "string" || !CREDENTIAL_ID.test(Id)) {
    throw invalidParameter("Id must be a credential id (base64url)");
  }
  if (operation === "DeletePasskey") return { accessToken: AccessToken, id: Id };
  if (
    typeof Name !== "string" ||
    Name.length === 0 ||
    Name.length > MAX_NAME ||
    Name.trim() === "" ||
    CONTROL.test(Name)
  ) {
    throw invalidParameter(
      `Name must be 1 to ${MAX_NAME} well-formed characters, without control, bidi or line-separator characters`,
    );
  }
  return { accessToken: AccessToken, id: Id, name: Name };
}

/** A passkey as ListPasskeys answers it. */
export function listedPasskey(passkey: ManagedPasskey): Record<string, unknown> {
  return {
    Id: passkey.id,
    Name: passkey.name,
    CreatedAt: passkey.createdAt,
    ...(passkey.lastUsedAt === undefined ? {} : { LastUsedAt: passkey.lastUsedAt }),
    Synced: passkey.backedUp === true,
    Transports: [...(passkey.transports ?? [])],
  };
}
