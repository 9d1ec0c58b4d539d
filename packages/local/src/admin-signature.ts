import { createHash, createHmac, type Hash, type Hmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { CognitoError } from "./cognito-error.js";

/** AWS credentials the local stack accepts on the operations Cognito signs with IAM. */
export interface LocalCredentials {
  /** e.g. `LOCALK3J9QH2M8X4TZ7P`. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The request as the HTTP layer received it: what the signature covers. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as in the request line. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** How far the signing date may be from this machine's clock: SigV4's 15 minutes. */
export const MAX_CLOCK_SKEW_MS = 15 * 60_000;

const SERVICE = "cognito-idp";
/**
 * Headers a signature must cover because they select or shape the operation:
 * `X-Amz-Target` names it, `Content-Type` its protocol. Every AWS SDK signs
 * both (`@smithy/signature-v4` signs every header but a fixed unsignable few).
 */
const OPERATION_HEADERS: readonly (readonly [string, string])[] = [
  ["x-amz-target", "X-Amz-Target"],
  ["content-type", "Content-Type"],
];
const ALGORITHM = "AWS4-HMAC-SHA256";
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;
const MISMATCH =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const invalidSignature = (message: string) =>
  new CognitoError("InvalidSignatureException", message);
const incompleteSignature = (message: string) =>
  new CognitoError("IncompleteSignatureException", message);

/** A SHA-256 (or, with a key, HMAC-SHA-256) on node:crypto, in the shape `@smithy/signature-v4` takes. */
export class NodeSha256 {
  readonly #secret: Buffer | undefined;
  #hash: Hash | Hmac;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#secret = secret === undefined ? undefined : toBuffer(secret);
    this.#hash = this.#fresh();
  }
  #fresh(): Hash | Hmac {
    return this.#secret ? createHmac("sha256", this.#secret) : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
  reset(): void {
    this.#hash = this.#fresh();
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

function one(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** `Credential=…, SignedHeaders=…, Signature=…` out of the header, or undefined when malformed. */
function parseAuthorization(
  value: string,
): { credential: string; signedHeaders: string; signature: string } | undefined {
  if (!value.startsWith(`${ALGORITHM} `)) return undefined;
  const fields = new Map<string, string>();
  for (const part of value.slice(ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) return undefined;
    const key = part.slice(0, eq).trim();
    if (fields.has(key)) return undefined;
    fields.set(key, part.slice(eq + 1).trim());
  }
  const credential = fields.get("Credential");
  const signedHeaders = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (!credential || !signedHeaders || !signature) return undefined;
  return { credential, signedHeaders, signature };
}

/** `ms` as an X-Amz-Date: ISO 8601 basic format, `YYYYMMDDTHHMMSSZ`. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function parseAmzDate(value: string): number | undefined {
  const m = AMZ_DATE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const ms = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  // Reject calendar overflow (e.g. month 13 rolling into the next year).
  return stamp(ms) === value ? ms : undefined;
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  // Equal lengths for timingSafeEqual; the length itself is not secret.
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way Cognito
 * checks the operations it signs with IAM (the `Admin*` operations, ListUsers):
 * the access key must be the stack's, the credential scope `<date>/<region>/cognito-idp/aws4_request`,
 * `host`, `x-amz-date`, `x-amz-target` and `content-type` signed (the last two
 * pick the operation, so a captured request cannot be replayed as another one;
 * every AWS SDK signs them), the date within 15 minutes of this machine's
 * clock, a declared `x-amz-content-sha256` equal to the body's hash, and the
 * signature, recomputed with `@smithy/signature-v4` over the signed headers,
 * the path, the query and the body, equal in constant time. Throws Cognito's
 * error for the first thing wrong.
 */
export async function verifyAdminSignature(
  request: ReceivedRequest,
  credentials: LocalCredentials,
  region: string,
  now: number = Date.now(),
): Promise<void> {
  const authorization = one(request.headers, "authorization");
  if (!authorization) {
    throw new CognitoError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  const parsed = parseAuthorization(authorization);
  if (!parsed) {
    throw incompleteSignature(
      "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
    );
  }
  const scope = parsed.credential.split("/");
  if (scope.length !== 5) {
    throw incompleteSignature(
      `Credential should be scoped to a valid region. Authorization=${ALGORITHM}`,
    );
  }
  const [accessKeyId, shortDate, scopeRegion, service, terminator] = scope as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (!sameText(accessKeyId, credentials.accessKeyId)) {
    throw new CognitoError(
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    );
  }
  if (scopeRegion !== region) {
    throw invalidSignature(
      `Credential should be scoped to a valid region, not '${scopeRegion.slice(0, 32)}'. `,
    );
  }
  if (service !== SERVICE) {
    throw invalidSignature(`Credential should be scoped to correct service: '${SERVICE}'. `);
  }
  if (terminator !== "aws4_request") {
    throw invalidSignature(
      "Credential should be scoped with a valid terminator: 'aws4_request', not '" +
        `${terminator.slice(0, 32)}'. `,
    );
  }
  const signedHeaders = parsed.signedHeaders.split(";");
  if (!signedHeaders.includes("host")) {
    throw invalidSignature(
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  }
  // The headers that pick the operation and its protocol: unsigned, a captured
  // request could be replayed as another operation (AdminGetUser as AdminDeleteUser).
  for (const [name, shown] of OPERATION_HEADERS) {
    if (!signedHeaders.includes(name)) {
      throw invalidSignature(`'${shown}' must be a 'SignedHeader' in the AWS Authorization.`);
    }
  }
  const amzDate = one(request.headers, "x-amz-date");
  if (!amzDate || !signedHeaders.includes("x-amz-date")) {
    throw incompleteSignature(
      "Authorization header requires existence of a signed 'X-Amz-Date' header.",
    );
  }
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    throw incompleteSignature(
      `Date must be in ISO-8601 'basic format'. Got '${amzDate.slice(0, 32)}'.`,
    );
  }
  if (shortDate !== amzDate.slice(0, 8)) {
    throw invalidSignature(
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${shortDate.slice(0, 16)}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`,
    );
  }
  if (signedAt < now - MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(
      `Signature expired: ${amzDate} is now earlier than ${stamp(now - MAX_CLOCK_SKEW_MS)} (${stamp(now)} - 15 min.)`,
    );
  }
  if (signedAt > now + MAX_CLOCK_SKEW_MS) {
    throw invalidSignature(
      `Signature not yet current: ${amzDate} is still later than ${stamp(now + MAX_CLOCK_SKEW_MS)} (${stamp(now)} + 15 min.)`,
    );
  }

  // The signer trusts a declared payload hash; the body must match it.
  const bodyHash = createHash("sha256").update(request.body).digest("hex");
  const declared = one(request.headers, "x-amz-content-sha256");
  if (declared !== undefined && !sameText(declared, bodyHash)) {
    throw invalidSignature(MISMATCH);
  }

  const signed = new Map<string, string>();
  for (const name of signedHeaders) {
    const value = one(request.headers, name);
    if (name !== name.toLowerCase() || signed.has(name) || value === undefined) {
      throw invalidSignature(MISMATCH);
    }
    signed.set(name, value);
  }
  const headers = Object.fromEntries(signed);
  const url = new URL(request.url, "http://local.invalid");
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of url.searchParams) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const signer = new SignatureV4({
    credentials,
    region,
    service: SERVICE,
    sha256: NodeSha256,
    applyChecksum: false,
  });
  type SignableRequest = Parameters<SignatureV4["sign"]>[0];
  const expected = (await signer.sign(
    {
      method: request.method,
      protocol: "http:",
      hostname: headers.host ?? "",
      path: url.pathname,
      query,
      headers,
      body: request.body,
    } as unknown as SignableRequest,
    {
      signingDate: new Date(signedAt),
      signableHeaders: new Set(signedHeaders),
    },
  )) as { headers: Record<string, string> };
  const recomputed = parseAuthorization(expected.headers.authorization ?? "");
  if (
    !recomputed ||
    recomputed.signedHeaders !== parsed.signedHeaders ||
    !sameText(recomputed.signature, parsed.signature)
  ) {
    throw invalidSignature(MISMATCH);
  }
}
