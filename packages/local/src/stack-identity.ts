import { DataFile } from "./data-file.js";
import type { LocalStackCredentials } from "./options.js";

/** What `dataDir` keeps of the stack itself, so a restart is the same pool to its clients. */
export interface StackIdentity {
  userPoolId?: string;
  clientId?: string;
  credentials?: LocalStackCredentials;
  /** The port of the last run: tokens name it in their issuer. */
  port?: number;
}

const FILE = "stack.json";

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * The identity kept in `dataDir/stack.json` (pool and client ids, the admin
 * credentials, the port), or `{}` without a folder or file. The file is
 * written with mode 0600: it holds the secret access key.
 */
export async function readStackIdentity(dataDir: string | undefined): Promise<StackIdentity> {
  const saved = (await new DataFile(
    dataDir,
    FILE,
    () => "",
    () => {},
  ).read()) as Record<string, unknown> | undefined;
  if (typeof saved !== "object" || saved === null) return {};
  const identity: StackIdentity = {};
  const userPoolId = text(saved.userPoolId);
  const clientId = text(saved.clientId);
  if (userPoolId) identity.userPoolId = userPoolId;
  if (clientId) identity.clientId = clientId;
  const credentials = saved.credentials as Record<string, unknown> | undefined;
  const accessKeyId = text(credentials?.accessKeyId);
  const secretAccessKey = text(credentials?.secretAccessKey);
  if (accessKeyId && secretAccessKey) identity.credentials = { accessKeyId, secretAccessKey };
  if (typeof saved.port === "number" && Number.isInteger(saved.port)) identity.port = saved.port;
  return identity;
}

/** Writes `identity` to `dataDir/stack.json` (mode 0600); does nothing without a folder. */
export async function writeStackIdentity(
  dataDir: string | undefined,
  identity: Required<StackIdentity>,
): Promise<void> {
  const file = new DataFile(
    dataDir,
    FILE,
    () => `${JSON.stringify(identity, null, 2)}\n`,
    (error) => {
      throw error;
    },
  );
  file.save();
  await file.flush();
}
