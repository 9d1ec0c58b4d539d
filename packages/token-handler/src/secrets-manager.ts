/**
 * Reads the cookie keys from AWS Secrets Manager. `@aws-sdk/client-secrets-manager`
 * is an optional peer dependency, loaded on the first call, so importing this
 * module costs nothing where it is not used.
 *
 * @packageDocumentation
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** Options of {@link readCookieKeys}. */
export interface ReadCookieKeysOptions {
  /**
   * The client to ask (a region, an endpoint or credentials of your own).
   * @default a `new SecretsManagerClient({})`, built on the first call without one
   */
  client?: Pick<SecretsManagerClient, "send">;
}

type Sdk = typeof import("@aws-sdk/client-secrets-manager");

function loadSdk(): Promise<Sdk> {
  return import("@aws-sdk/client-secrets-manager").catch((cause: unknown) => {
    throw new Error(
      "readCookieKeys needs @aws-sdk/client-secrets-manager: install it (the Lambda Node.js runtimes include it)",
      { cause },
    );
  });
}

/**
 * Reads the token handler's `cookieKeys` from a Secrets Manager secret, given
 * its ARN or name. The secret string is one key, or a JSON array of keys
 * (the first encrypts, all decrypt: rotate by prepending a new key). Call it
 * once per cold start. Fails closed: a binary secret, an empty list, or a key
 * under 32 characters throws; the error never contains the value. The
 * function's role needs `secretsmanager:GetSecretValue` on that secret only.
 *
 * @example
 * ```ts
 * import { readCookieKeys } from "@cognito-passcode/token-handler/secrets-manager";
 *
 * const cookieKeys = await readCookieKeys(process.env.COOKIE_SECRET_ARN!);
 * ```
 */
export async function readCookieKeys(
  secretId: string,
  options: ReadCookieKeysOptions = {},
): Promise<string[]> {
  if (typeof secretId !== "string" || secretId.trim() === "") {
    throw new Error("readCookieKeys needs the secret's ARN or name");
  }
  let client = options.client;
  const sdk = await loadSdk();
  client ??= new sdk.SecretsManagerClient({});
  const result = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
  return parseCookieKeys(result.SecretString);
}

/**
 * The keys in a secret string: one key, or a JSON array of keys. Throws
 * (without echoing the value) unless there is at least one key and every key
 * is a string of at least 32 characters.
 */
export function parseCookieKeys(value: string | undefined): string[] {
  if (typeof value !== "string") throw new Error("The cookie secret must be a string");
  let keys: unknown = [value];
  if (value.trimStart().startsWith("[")) {
    try {
      keys = JSON.parse(value);
    } catch {
      throw new Error("The cookie secret starts with [ but is not a JSON array of keys");
    }
  }
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    keys.some((key) => typeof key !== "string" || key.length < 32)
  ) {
    throw new Error("The cookie secret must hold keys of at least 32 characters each");
  }
  return keys as string[];
}
