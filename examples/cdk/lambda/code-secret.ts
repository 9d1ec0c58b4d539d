import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/**
 * Reads the code-digest key from Secrets Manager, once per cold start. Fails
 * closed: a missing, binary or short secret throws instead of falling back to
 * an unkeyed digest.
 */
export async function readCodeSecret(
  secretArn: string,
  client: Pick<SecretsManagerClient, "send"> = new SecretsManagerClient({}),
): Promise<string> {
  const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
  const value = result.SecretString;
  if (typeof value !== "string" || value.length < 32) {
    throw new Error("The code secret must be a string of at least 32 characters");
  }
  return value;
}
