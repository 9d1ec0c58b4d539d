import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { PasscodeStore } from "@cognito-passcode/triggers";
import { AttemptLimits } from "./attempt-limits.js";
import { AuthSessions } from "./auth-sessions.js";
import { createClock, type LocalClock } from "./clock.js";
import { buildDefaultTriggers, reclaimUsernames } from "./default-triggers.js";
import { startEmbeddedDynamoDb } from "./embedded-dynamodb.js";
import { assertInboxPortFree, type Mailbox, startEmbeddedSes } from "./embedded-ses.js";
import { createCognitoServer } from "./http-server.js";
import { lazyClient } from "./lazy-client.js";
import { closeServer, listen, urlHost } from "./net.js";
import type { LocalStackCredentials, LocalStackOptions } from "./options.js";
import type { PoolContext } from "./pool.js";
import { configError, resolveOptions, STANDARD_ATTRIBUTES } from "./resolve-options.js";
import { readStackIdentity, writeStackIdentity } from "./stack-identity.js";
import { TokenService } from "./tokens.js";
import {
  COGNITO_TRIGGER_NAMES,
  loadHandlerModule,
  type TriggerHandler,
  type TriggerName,
  TriggerRunner,
} from "./trigger-runner.js";
import {
  type LocalUserContextData,
  type UserContextDataOperation,
  UserContextLog,
} from "./user-context-data.js";
import { UserStore } from "./users.js";

/** A running local stack: a Cognito user-pool endpoint with SES and DynamoDB embedded. */
export interface LocalStack {
  /** The Cognito endpoint, e.g. `http://127.0.0.1:4567`. Give it to any Cognito client. */
  readonly endpoint: string;
  readonly region: string;
  readonly userPoolId: string;
  /** The one app client's id. */
  readonly clientId: string;
  /**
   * The credentials admin operations (`Admin*`, `ListUsers`) must be signed
   * with: give them to the AWS SDK (`new CognitoIdentityProviderClient({ endpoint,
   * region, credentials: stack.credentials })`). Random per start unless set in
   * the options or kept in `dataDir`.
   */
  readonly credentials: Readonly<LocalStackCredentials>;
  /** The token issuer, `<endpoint>/<userPoolId>`. */
  readonly issuer: string;
  /** `<issuer>/.well-known/jwks.json`. */
  readonly jwksUrl: string;
  /** The embedded aws-ses-v2-local: its web inbox at `/`, JSON at `/store`. */
  readonly sesEndpoint: string;
  /** The embedded dynalite (in memory). */
  readonly dynamoDbEndpoint: string;
  /** The DynamoDB table of the username registry and the throttle. */
  readonly tableName: string;
  /**
   * The store the stack's own triggers use (`dynamoDbStore` on the embedded
   * dynalite, {@link tableName}): the username registry, the throttle and,
   * with `triggers.passkeys`, the passkeys. Give it to a token handler's
   * passkey management, or read it in tests. Undefined when every trigger is
   * your own (`handlers`).
   */
  readonly store: PasscodeStore | undefined;
  /** The emails this stack sent. */
  readonly mailbox: Mailbox;
  /** The stack's clock; `advance` expires sessions, codes, throttles and tokens without waiting. */
  readonly clock: LocalClock;
  /**
   * The `UserContextData` (`IpAddress`, `EncodedData`) the last call of
   * `operation` carried, once AWS's model check accepted the call (also when
   * the operation then refused it); undefined when that call carried none, or
   * there was none. Cognito feeds it to threat protection, which the stack
   * does not emulate, and to no trigger: this is how a test sees what arrived.
   *
   * @example
   * ```ts
   * expect(stack.lastUserContextData("InitiateAuth")).toEqual({ IpAddress: "203.0.113.7" });
   * ```
   */
  lastUserContextData(operation: UserContextDataOperation): LocalUserContextData | undefined;
  /** Closes every server the stack started. Safe to call twice. */
  stop(): Promise<void>;
}

const TRIGGERS: readonly TriggerName[] = Object.keys(COGNITO_TRIGGER_NAMES) as TriggerName[];
const CONFIRMATION_SENDER = "no-reply@verificationemail.com";

/**
 * Starts a local Cognito user pool that speaks Cognito's JSON protocol and runs
 * the cognito-passcode triggers (or yours) in-process, with SES
 * (aws-ses-v2-local) and DynamoDB (dynalite) embedded.
 *
 * @example
 * ```ts
 * const stack = await startLocalStack();
 * const cognito = new CognitoIdentityProviderClient({ endpoint: stack.endpoint, region: stack.region });
 * // ... InitiateAuth with CUSTOM_AUTH, then:
 * const code = await stack.mailbox.latestCode("alice@example.com");
 * await stack.stop();
 * ```
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  // dataDir keeps the ids, the credentials and the port: a restart is the same pool to clients.
  const kept =
    typeof options.dataDir === "string" && options.dataDir.length > 0
      ? await readStackIdentity(options.dataDir)
      : {};
  const config = resolveOptions({
    ...options,
    userPoolId: options.userPoolId ?? kept.userPoolId,
    clientId: options.clientId ?? kept.clientId,
    credentials: options.credentials ?? kept.credentials,
  });
  const clock = createClock(config.baseNow);
  const { logger } = config;

  // Load module-path handlers first: a bad path fails before any server starts.
  const custom: Partial<Record<TriggerName, TriggerHandler>> = {};
  for (const trigger of TRIGGERS) {
    const given = options.handlers?.[trigger];
    if (given === undefined) continue;
    if (typeof given === "function") custom[trigger] = given;
    else if (typeof given === "string") {
      custom[trigger] = await loadHandlerModule(given, `handlers.${trigger}`);
    } else {
      throw configError(`handlers.${trigger}`, 'must be a function or "path/to/module.js#export"');
    }
  }

  // Before anything starts, so a taken inbox port leaves nothing running.
  if (config.inboxPort !== 0) await assertInboxPortFree(config.host, config.inboxPort);
  const users = new UserStore(config.dataDir, (error) =>
    logger.error("could not save users", { error: (error as Error).message }),
  );
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    const pending = stops.splice(0).reverse();
    for (const stop of pending) {
      try {
        await stop();
      } catch (error) {
        logger.warn("error while stopping", { error: (error as Error).message });
      }
    }
  };

  try {
    const [ses, dynamo] = await Promise.all([
      startEmbeddedSes(config.host, config.region, config.inboxPort).then((s) => {
        stops.push(s.stop);
        return s;
      }),
      startEmbeddedDynamoDb(
        config.host,
        config.region,
        config.dataDir
          ? {
              dataDir: config.dataDir,
              onError: (error) =>
                logger.error("could not save passkeys", { error: (error as Error).message }),
            }
          : undefined,
      ).then((d) => {
        stops.push(d.stop);
        return d;
      }),
      users.load(),
    ]);
    stops.push(() => users.flush());
    // Runs after the server has closed, so no refresh token is issued after it.
    let issued: TokenService | undefined;
    stops.push(async () => issued?.flush());

    let issuer = "";
    const tokensReady = (endpoint: string) => {
      issuer = `${endpoint}/${config.userPoolId}`;
      return TokenService.create(
        {
          issuer,
          clientId: config.clientId,
          idTokenValidityMs: config.idTokenValidityMs,
          accessTokenValidityMs: config.accessTokenValidityMs,
          refreshTokenValidityMs: config.refreshTokenValidityMs,
          enableTokenRevocation: config.enableTokenRevocation,
          rotateRefreshTokens: config.refreshTokenRotation.enabled,
          retryGracePeriodMs: config.refreshTokenRotation.retryGracePeriodSeconds * 1000,
          now: clock.now,
        },
        config.dataDir,
        (error) =>
          logger.error("could not save refresh tokens", { error: (error as Error).message }),
      );
    };

    const pool: PoolContext = {
      config,
      clock,
      users,
      // Filled in below, before the stack is handed out.
      tokens: undefined as unknown as TokenService,
      sessions: new AuthSessions(config.authSessionValidityMs, clock.now),
      triggers: new TriggerRunner({}, config.triggerTimeoutMs, () => {}),
      knownAttributes: new Set([...STANDARD_ATTRIBUTES, ...config.customAttributes]),
      sendMail: (to, subject, text) => ses.send(CONFIRMATION_SENDER, to, subject, text),
      secret: randomBytes(32),
      limits: new AttemptLimits(),
      userContext: new UserContextLog(),
    };

    const server = createCognitoServer(pool, (path) => {
      if (path === `/${config.userPoolId}/.well-known/jwks.json`) {
        return pool.tokens.jwks() as unknown as Record<string, unknown>;
      }
      if (path === `/${config.userPoolId}/.well-known/openid-configuration`) {
        return openIdConfiguration(issuer);
      }
      if (path === "/" || path === "/health") {
        return { status: "ok", userPoolId: config.userPoolId, clientId: config.clientId };
      }
      return undefined;
    });
    const keptPort = options.port === undefined ? kept.port : undefined;
    if (keptPort) {
      await listen(server, keptPort, config.host).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== "EADDRINUSE") throw error;
        logger.warn(`port ${keptPort} of the last run is taken; tokens it issued name it`);
        await listen(server, 0, config.host);
      });
    } else {
      await listen(server, config.port, config.host);
    }
    stops.push(() => closeServer(server));
    const { port } = server.address() as AddressInfo;
    const endpoint = `http://${urlHost(config.host)}:${port}`;

    // The default triggers call AdminUpdateUserAttributes and AdminUserGlobalSignOut on the stack itself.
    const cognito = lazyClient<CognitoIdentityProviderClient>(async () => {
      const { CognitoIdentityProviderClient } = await import(
        "@aws-sdk/client-cognito-identity-provider"
      );
      return new CognitoIdentityProviderClient({
        endpoint,
        region: config.region,
        credentials: { ...config.credentials },
      });
    });
    stops.push(async () => cognito.destroy());

    // Pre Token Generation is the stack's own only with passkeys: without
    // them, a stack of your own handlers still needs none of the defaults.
    const needsDefaults = TRIGGERS.some(
      (trigger) =>
        custom[trigger] === undefined &&
        (trigger !== "preTokenGeneration" || config.passkeys !== undefined),
    );
    const [tokens, defaults] = await Promise.all([
      tokensReady(endpoint),
      needsDefaults
        ? buildDefaultTriggers(
            {
              ses: ses.client,
              cognito,
              dynamoDb: dynamo.client,
              tableName: dynamo.tableName,
              now: clock.now,
              logger,
            },
            { now: clock.now, ...options.triggers },
            config.passkeys,
          )
        : undefined,
    ]);
    pool.tokens = tokens;
    issued = tokens;
    if (defaults && config.dataDir) await reclaimUsernames(defaults.options, users);
    const handlers: Partial<Record<TriggerName, TriggerHandler>> = {};
    for (const trigger of TRIGGERS) {
      const handler = custom[trigger] ?? defaults?.handlers[trigger];
      if (handler) handlers[trigger] = handler;
    }
    pool.triggers = new TriggerRunner(handlers, config.triggerTimeoutMs, (trigger, error) =>
      logger.warn(`${COGNITO_TRIGGER_NAMES[trigger]} failed`, {
        error: error instanceof Error ? error.message : String(error),
      }),
    );

    if (config.dataDir) {
      await writeStackIdentity(config.dataDir, {
        userPoolId: config.userPoolId,
        clientId: config.clientId,
        credentials: config.credentials,
        port,
      });
    }

    let stopping: Promise<void> | undefined;
    const stack: LocalStack = {
      endpoint,
      region: config.region,
      userPoolId: config.userPoolId,
      clientId: config.clientId,
      credentials: { ...config.credentials },
      issuer,
      jwksUrl: `${issuer}/.well-known/jwks.json`,
      sesEndpoint: ses.endpoint,
      dynamoDbEndpoint: dynamo.endpoint,
      tableName: dynamo.tableName,
      store: defaults?.store,
      mailbox: ses.mailbox,
      clock,
      lastUserContextData: (operation) => pool.userContext.last(operation),
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
    logger.info("local stack ready", {
      endpoint,
      userPoolId: config.userPoolId,
      clientId: config.clientId,
    });
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function openIdConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
    response_types_supported: ["code", "token"],
    scopes_supported: ["openid", "email", "phone", "profile"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
  };
}
