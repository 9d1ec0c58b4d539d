import { SignatureV4 } from "@smithy/signature-v4";
import { NodeSha256 } from "../../src/admin-signature.js";

/** How {@link signedHeaders} signs. */
export interface SigningOptions {
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  /** @default "cognito-idp" */
  service?: string;
  /** @default now */
  signingDate?: Date;
  /** Headers the signer leaves out of SignedHeaders, though the request carries them. */
  unsigned?: readonly string[];
}

/**
 * The headers (host included) of a POST of `body` to the Cognito `operation`
 * at `endpoint`, signed with @smithy/signature-v4 as the AWS SDK signs it.
 */
export async function signedHeaders(
  endpoint: string,
  operation: string,
  body: Buffer,
  options: SigningOptions,
): Promise<Record<string, string>> {
  const url = new URL(endpoint);
  const signer = new SignatureV4({
    credentials: options.credentials,
    region: options.region,
    service: options.service ?? "cognito-idp",
    sha256: NodeSha256,
  });
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/",
      query: {},
      headers: {
        host: url.host,
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body,
    } as unknown as Parameters<SignatureV4["sign"]>[0],
    {
      signingDate: options.signingDate ?? new Date(),
      unsignableHeaders: new Set(options.unsigned ?? []),
    },
  );
  return signed.headers as Record<string, string>;
}
