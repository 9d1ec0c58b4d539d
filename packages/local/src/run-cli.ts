import { parseArgs } from "node:util";
import type { LocalStackOptions } from "./options.js";
import { type LocalStack, startLocalStack } from "./start-local-stack.js";

const HELP = `Usage: cognito-passcode-local [options]

Starts a local Cognito user pool that runs the cognito-passcode triggers,
with SES (web inbox) and DynamoDB embedded.

Options:
  --port <n>               Cognito endpoint port             [a free one; --data: the last one]
  --inbox-port <n>         Web inbox (SES) port, JSON at /store    [a free one per start]
  --host <addr>            Interface to listen on                       [127.0.0.1]
  --region <region>                                                     [us-east-1]
  --user-pool-id <id>                                  [random; --data: the kept one]
  --client-id <id>                                     [random; --data: the kept one]
  --cors-origin <origin>   Let pages from <origin> (e.g. http://localhost:5173)
                           call the endpoint; repeat for more            [none]
  --data <dir>             Keep users, refresh tokens, passkeys, the signing key,
                           the ids, the port and the admin credentials in <dir>
  --no-throttle            Turn the send throttle off
  --code-ttl-seconds <n>   Code lifetime, 60 to 900                     [180]
  --refresh-token-rotation GetTokensFromRefreshToken returns a new refresh
                           token each time; REFRESH_TOKEN_AUTH is refused  [off]
  --retry-grace-period-seconds <n>
                           With rotation: how long a used refresh token
                           still works, 0 to 60                           [0]
  --passkeys-rp-id <id>    Turn passkeys on with this WebAuthn RP id (a host
                           name, e.g. localhost; never an IP address)    [off]
  --passkeys-origin <origin>
                           An exact origin of the pages that use passkeys
                           (e.g. http://localhost:5173); repeat for more;
                           at least one with --passkeys-rp-id
  --passkeys-required      Once a user has a passkey, a code alone no
                           longer signs them in                          [off]
  --verbose                Log every request
  -h, --help               Show this help
`;

/** What the CLI talks to: the process, or a stand-in in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  onSignal(signal: "SIGINT" | "SIGTERM", handler: () => void): void;
  exit(code: number): void;
}

class UsageError extends Error {}

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} must be a whole number`);
  return Number(value);
}

/**
 * Runs `cognito-passcode-local` with `argv` (without `node` and the script):
 * starts the stack, prints its endpoints, and stops it on SIGINT or SIGTERM.
 * Resolves with the running stack (undefined for `--help` or a usage error).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<LocalStack | undefined> {
  try {
    return await start(argv, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`cognito-passcode-local: ${error.message}\n\n${HELP}`);
      io.exit(2);
      return undefined;
    }
    throw error;
  }
}

async function start(argv: readonly string[], io: CliIo): Promise<LocalStack | undefined> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      // `pnpm local -- --port 0` passes the `--` through; ignore it.
      args: argv[0] === "--" ? argv.slice(1) : [...argv],
      options: {
        port: { type: "string" },
        "inbox-port": { type: "string" },
        host: { type: "string" },
        region: { type: "string" },
        "user-pool-id": { type: "string" },
        "client-id": { type: "string" },
        "cors-origin": { type: "string", multiple: true },
        data: { type: "string" },
        "no-throttle": { type: "boolean" },
        "code-ttl-seconds": { type: "string" },
        "refresh-token-rotation": { type: "boolean" },
        "retry-grace-period-seconds": { type: "string" },
        "passkeys-rp-id": { type: "string" },
        "passkeys-origin": { type: "string", multiple: true },
        "passkeys-required": { type: "boolean" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(HELP);
    return undefined;
  }
  const region = (values.region as string | undefined) ?? "us-east-1";
  const ttl = int("code-ttl-seconds", values["code-ttl-seconds"] as string | undefined);
  const triggers: NonNullable<LocalStackOptions["triggers"]> = {};
  if (values["no-throttle"]) triggers.throttle = false;
  if (ttl !== undefined) triggers.code = { ttlSeconds: ttl };
  const write = (level: string) => (message: string, data?: Record<string, unknown>) =>
    io.stderr(`[${level}] ${message}${data ? ` ${JSON.stringify(data)}` : ""}\n`);
  const port = int("port", values.port as string | undefined);
  const inboxPort = int("inbox-port", values["inbox-port"] as string | undefined);
  const userPoolId = values["user-pool-id"] as string | undefined;
  const clientId = values["client-id"] as string | undefined;
  const origins = (values["cors-origin"] as string[] | undefined) ?? [];
  const rotation = values["refresh-token-rotation"] === true;
  const grace = int(
    "retry-grace-period-seconds",
    values["retry-grace-period-seconds"] as string | undefined,
  );
  if (grace !== undefined && !rotation) {
    throw new UsageError("--retry-grace-period-seconds needs --refresh-token-rotation");
  }
  if (grace !== undefined && grace > 60) {
    throw new UsageError("--retry-grace-period-seconds must be 0 to 60");
  }
  const rpId = values["passkeys-rp-id"] as string | undefined;
  const passkeyOrigins = (values["passkeys-origin"] as string[] | undefined) ?? [];
  const passkeysRequired = values["passkeys-required"] === true;
  if (rpId === undefined && (passkeyOrigins.length > 0 || passkeysRequired)) {
    throw new UsageError(
      `--${passkeyOrigins.length > 0 ? "passkeys-origin" : "passkeys-required"} needs --passkeys-rp-id`,
    );
  }
  if (rpId !== undefined) {
    if (passkeyOrigins.length === 0) {
      throw new UsageError("--passkeys-rp-id needs at least one --passkeys-origin");
    }
    // Checked in full by startLocalStack (CONFIGURATION_ERROR naming the field).
    triggers.passkeys = { rpId, origins: passkeyOrigins, required: passkeysRequired };
  }
  const started = performance.now();
  const stack = await startLocalStack({
    ...(port !== undefined ? { port } : {}),
    ...(inboxPort !== undefined ? { inboxPort } : {}),
    host: (values.host as string | undefined) ?? "127.0.0.1",
    region,
    ...(userPoolId ? { userPoolId } : {}),
    ...(clientId ? { clientId } : {}),
    cors: { origins },
    ...(rotation
      ? { client: { refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: grace ?? 0 } } }
      : {}),
    ...(values.data ? { dataDir: values.data as string } : {}),
    triggers,
    logger: {
      warn: write("warn"),
      error: write("error"),
      ...(values.verbose ? { debug: write("debug"), info: write("info") } : {}),
    },
  });
  const ms = Math.round(performance.now() - started);
  io.stdout(
    [
      `cognito-passcode local stack ready in ${ms} ms`,
      "",
      `  Cognito endpoint   ${stack.endpoint}`,
      `  Region             ${stack.region}`,
      `  User pool id       ${stack.userPoolId}`,
      `  App client id      ${stack.clientId}`,
      `  Issuer             ${stack.issuer}`,
      `  JWKS               ${stack.jwksUrl}`,
      `  Web inbox (SES)    ${stack.sesEndpoint}/`,
      "",
      "  Admin calls (Admin*, ListUsers) must be signed (SigV4) with:",
      `  Access key id      ${stack.credentials.accessKeyId}`,
      `  Secret access key  ${stack.credentials.secretAccessKey}`,
      "",
      origins.length > 0
        ? `  CORS origins       ${origins.join(", ")}`
        : "  CORS origins       none (use --cors-origin <origin> to let a web page call the endpoint)",
      `  DynamoDB           ${stack.dynamoDbEndpoint} (table ${stack.tableName})`,
      rpId !== undefined
        ? `  Passkeys           RP id ${rpId}, origins ${passkeyOrigins.join(", ")}${passkeysRequired ? ", required once enrolled" : ""}`
        : "  Passkeys           off (use --passkeys-rp-id localhost --passkeys-origin <origin>)",
      rotation
        ? `  Refresh tokens     rotated, ${grace ?? 0} s grace (REFRESH_TOKEN_AUTH refused)`
        : "  Refresh tokens     not rotated (use --refresh-token-rotation to rotate them)",
      values.data
        ? `  Data folder        ${values.data}`
        : "  Data               in memory (use --data <dir> to keep users and refresh tokens)",
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      io.stderr(`\n${signal} again: exiting now\n`);
      io.exit(1);
      return;
    }
    stopping = true;
    io.stdout(`\n${signal}: stopping...\n`);
    stack.stop().then(
      () => {
        io.stdout("stopped\n");
        io.exit(0);
      },
      (error: unknown) => {
        io.stderr(`error while stopping: ${(error as Error).message}\n`);
        io.exit(1);
      },
    );
  };
  io.onSignal("SIGINT", () => shutdown("SIGINT"));
  io.onSignal("SIGTERM", () => shutdown("SIGTERM"));
  return stack;
}
