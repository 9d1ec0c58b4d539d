/**
 * Reads the `codeSecret` from AWS Secrets Manager. `@aws-sdk/client-secrets-manager`
 * is an optional peer dependency, loaded on the first call, so importing this
 * module costs nothing where it is not used.
 *
 * @packageDocumentation
 */
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** Options of {@link readCodeSecret}. */
export interface ReadCodeSecretOptions {
  /**
   * The client to ask (a region, an endpoint or credentials of your own).
   * @default a `new SecretsManagerClient({})`, built once and reused
   */
  client?: Pick<SecretsManagerClient, "send">;
}

type Sdk = typeof import("@aws-sdk/client-secrets-manager");
let sdk: Promise<Sdk> | undefined;
let defaultClient: SecretsManagerClient | undefined;

function loadSdk(): Promise<Sdk> {
  sdk ??= import("@aws-sdk/client-secrets-manager").catch((cause: unknown) => {
    sdk = undefined;
    throw new Error(
      "readCodeSecret needs @aws-sdk/client-secrets-manager: install it (the Lambda Node.js runtimes include it)",
      { cause },
    );
  });
  return sdk;
}

/**
 * Reads the code-digest key (`codeSecret`) from a Secrets Manager secret,
 * given its ARN or name. Call it once per cold start and pass the value to
 * `createPasscodeTriggers`. Fails closed: a binary secret, or a string under
 * 32 characters, throws instead of giving a weak key (the triggers check the
 * rest, 8 distinct characters, when they start). The error never contains the
 * value. The function's role needs `secretsmanager:GetSecretValue` on that
 * secret only.
 *
 * @example
 * ```ts
 * import { createPasscodeTriggers, dynamoDbStore } from "@cognito-passcode/triggers";
 * import { readCodeSecret } from "@cognito-passcode/triggers/secrets-manager";
 *
 * const codeSecret = await readCodeSecret(process.env.PASSCODE_CODE_SECRET_ARN!);
 * ```
 */
export async function readCodeSecret(
  secretId: string,
  options: ReadCodeSecretOptions = {},
): Promise<string> {
  if (typeof secretId !== "string" || secretId.trim() === "") {
    throw new Error("readCodeSecret needs the secret's ARN or name");
  }
  const { GetSecretValueCommand, SecretsManagerClient } = await loadSdk();
  let client = options.client;
  if (!client) {
    defaultClient ??= new SecretsManagerClient({});
    client = defaultClient;
  }
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
  const value = result.SecretString;
  if (typeof value !== "string" || value.length < 32) {
    throw new Error("The code secret must be a string of at least 32 characters");
  }
  return value;
}
