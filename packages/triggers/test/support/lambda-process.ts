import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

/** The prebuilt bundles `pnpm run build` writes. */
export const PREBUILT = {
  triggers: fileURLToPath(new URL("../../lambda/index.mjs", import.meta.url)),
  sweep: fileURLToPath(new URL("../../lambda/username-sweep.mjs", import.meta.url)),
};

const RUNNER = fileURLToPath(new URL("./lambda-runner.mjs", import.meta.url));

/** What loading the bundle gave. */
export type InitResult =
  | { init: "ok"; exports: string[] }
  | { init: "failed"; error: { name?: string; code?: string; message: string } };

/** One invocation's outcome. */
export type InvokeResult =
  | { ok: { response: Record<string, unknown> } & Record<string, unknown> }
  | { error: { name?: string; code?: string; message: string } };

/** A bundle loaded in its own Node.js process, as the Lambda runtime loads it. */
export interface LambdaProcess {
  init: InitResult;
  invoke(name: string, event: unknown): Promise<InvokeResult>;
  /** Everything the bundle logged so far (stdout and stderr, result lines left out). */
  logs(): string[];
  stop(): Promise<void>;
}

/**
 * Starts `bundle` in a fresh `node` process whose environment is `env` plus
 * PATH and fake AWS credentials (nothing inherited from this process).
 */
export async function startLambda(
  bundle: string,
  env: Record<string, string>,
): Promise<LambdaProcess> {
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run \`pnpm run build\` first`);
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [RUNNER, bundle], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_ACCESS_KEY_ID: "AKIDLOCAL",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_REGION: "eu-west-1",
      ...env,
    },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const waiting: ((value: unknown) => void)[] = [];
  const results: unknown[] = [];
  const onLine = (line: string) => {
    if (line.startsWith("@@result ")) {
      const value = JSON.parse(line.slice(9));
      const next = waiting.shift();
      if (next) next(value);
      else results.push(value);
    } else if (line.trim()) logs.push(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buffer = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffer += chunk;
      let i = buffer.indexOf("\n");
      while (i >= 0) {
        onLine(buffer.slice(0, i));
        buffer = buffer.slice(i + 1);
        i = buffer.indexOf("\n");
      }
    });
  }
  const next = () =>
    new Promise<unknown>((resolve, reject) => {
      if (results.length > 0) return resolve(results.shift());
      waiting.push(resolve);
      child.once("exit", (code) =>
        reject(new Error(`bundle process exited (${code}): ${logs.join("\n")}`)),
      );
    });
  const init = (await next()) as InitResult;
  return {
    init,
    async invoke(name, event) {
      child.stdin.write(`${JSON.stringify({ name, event })}\n`);
      return (await next()) as InvokeResult;
    },
    logs: () => [...logs],
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.stdin.end();
      }),
  };
}

/** A stand-in for the Secrets Manager JSON API (GetSecretValue only), on 127.0.0.1. */
export interface SecretsManagerStandIn {
  endpoint: string;
  /** The SecretId of each GetSecretValue, and whether it was signed (SigV4). */
  requests: { secretId: string; signed: boolean }[];
  stop(): Promise<void>;
}

/** Serves `secrets` (ARN to SecretString) the way Secrets Manager answers GetSecretValue. */
export async function startSecretsManager(
  secrets: Record<string, string>,
): Promise<SecretsManagerStandIn> {
  const requests: SecretsManagerStandIn["requests"] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        res.end(JSON.stringify(value));
      };
      if (req.headers["x-amz-target"] !== "secretsmanager.GetSecretValue") {
        return reply(400, { __type: "InvalidRequestException", message: "unsupported" });
      }
      const { SecretId } = JSON.parse(body) as { SecretId: string };
      requests.push({
        secretId: SecretId,
        signed: String(req.headers.authorization ?? "").startsWith("AWS4-HMAC-SHA256 "),
      });
      const value = secrets[SecretId];
      if (value === undefined) {
        return reply(400, {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        });
      }
      reply(200, { ARN: SecretId, Name: "code-secret", SecretString: value, VersionId: "v1" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * A real SecretsManagerClient pointed at `standIn`, with throwaway credentials
 * so its requests are signed (SigV4) as in Lambda. The caller destroys it.
 */
export function secretsManagerClient(standIn: SecretsManagerStandIn): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: standIn.endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
  });
}
