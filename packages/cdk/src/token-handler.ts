import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Token } from "aws-cdk-lib";

/**
 * The environment variables the prebuilt token handler
 * (`lambda/index.mjs` of `@cognito-passcode/token-handler`) reads; it refuses
 * to start on any other `PASSCODE_` name.
 */
export const TOKEN_HANDLER_ENVIRONMENT_KEYS = Object.freeze({
  /** The app client the handler serves (requests naming another are refused). */
  clientId: "PASSCODE_CLIENT_ID",
  /** The exact origins allowed to call it, comma-separated. */
  allowedOrigins: "PASSCODE_ALLOWED_ORIGINS",
  /** The Secrets Manager secret holding the cookie key (or a JSON array of keys, the first encrypts). */
  cookieSecretArn: "PASSCODE_COOKIE_SECRET_ARN",
  /** The cookie's lifetime cap in days (the app client's refresh token validity). */
  refreshTokenValidityDays: "PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS",
} as const);

/**
 * The variables that turn on the prebuilt token handler's passkey management
 * operations (list, rename, remove), set beside
 * {@link TOKEN_HANDLER_ENVIRONMENT_KEYS} when `PasscodeAuth` has both
 * `tokenHandler` and `passkeys`.
 */
export const TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS = Object.freeze({
  /** The user pool whose access tokens the management operations verify. */
  userPoolId: "PASSCODE_USER_POOL_ID",
  /** The table the passkeys are stored in (the triggers' table). */
  passkeyTable: "PASSCODE_PASSKEY_TABLE",
  /** The From address of the "passkey removed" email. */
  emailFrom: "PASSCODE_EMAIL_FROM",
  /** The product name in that email. */
  appName: "PASSCODE_APP_NAME",
} as const);

/** Hosts a page may be served from over plain `http`: this machine only. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Checks the token handler's `allowedOrigins` when the construct is built and
 * returns them: a non-empty list of exact origins as a browser sends them in
 * `Origin` (scheme, host and a non-default port; no path, no trailing slash,
 * lower-case, no wildcard, no `null`), each `https`, or `http` only on
 * `localhost`, `127.0.0.1` or `[::1]`. Unresolved tokens are refused too: an
 * origin that cannot be checked at synth is not allowed at run time.
 * @throws Error naming the first origin that is not one.
 */
export function checkAllowedOrigins(origins: readonly string[]): string[] {
  if (!Array.isArray(origins) || origins.length === 0) {
    throw new Error("tokenHandler.allowedOrigins must list at least one origin");
  }
  return origins.map((origin) => {
    const why = originProblem(origin);
    if (why) throw new Error(`tokenHandler.allowedOrigins: ${JSON.stringify(origin)} ${why}`);
    return origin;
  });
}

/**
 * Parses a configured origin that must be exact (what a browser sends in
 * `Origin`), literal and fit for a comma-separated environment variable.
 * Shared by the token handler's `allowedOrigins` and the passkeys' `origins`.
 * @internal
 * @returns the parsed URL, or the reason it is refused.
 */
export function parseExactOrigin(origin: unknown): URL | string {
  if (typeof origin !== "string") return "is not a string";
  if (Token.isUnresolved(origin)) {
    return "is a token resolved only at deploy time: give the literal origin (e.g. https://app.example.com)";
  }
  // The environment variable is comma-separated; the WHATWG parser keeps commas in hosts.
  if (origin.includes(",") || origin.includes("*")) return "is not an exact origin";
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return "is not an origin (scheme://host[:port])";
  }
  if (url.origin !== origin) {
    return `is not an exact origin: a browser sends ${url.origin === "null" ? "no such origin" : url.origin}`;
  }
  return url;
}

function originProblem(origin: unknown): string | undefined {
  const url = parseExactOrigin(origin);
  if (typeof url === "string") return url;
  if (url.protocol === "https:") return undefined;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  return "must use https (http only for localhost)";
}

/**
 * The folder of the prebuilt token handler that
 * `@cognito-passcode/token-handler` ships (`lambda/index.mjs`, exporting
 * `handler`), resolved from wherever that package is installed, as
 * {@link prebuiltHandlerDir} resolves the triggers' one.
 */
export function prebuiltTokenHandlerDir(): string {
  const require = createRequire(import.meta.url);
  const dir = join(
    dirname(require.resolve("@cognito-passcode/token-handler/package.json")),
    "lambda",
  );
  if (!existsSync(join(dir, "index.mjs"))) {
    throw new Error(
      `${join(dir, "index.mjs")} is missing: reinstall @cognito-passcode/token-handler (in the repository, run \`pnpm run build\`)`,
    );
  }
  return dir;
}
