import type { Context } from "aws-lambda";
import type { CreateAuthChallengeHandler } from "../create-auth-challenge.js";
import {
  createDefineAuthChallengeHandler,
  type DefineAuthChallengeHandler,
} from "../define-auth-challenge.js";
import { dynamoDbStore } from "../dynamodb-store.js";
import { consoleJsonLogger, type PasscodeLogger } from "../logger.js";
import type { EmailOptions, PasscodeTriggersOptions } from "../options.js";
import {
  createPasscodeTriggers,
  type PasscodeTriggerEvent,
  type PasscodeTriggers,
} from "../passcode-triggers.js";
import { createPreSignUpHandler, type PreSignUpHandler } from "../pre-sign-up.js";
import {
  createPreTokenGenerationHandler,
  type PreTokenGenerationHandler,
} from "../pre-token-generation.js";
import { releaseOrphanedUsernames } from "../release-orphaned-usernames.js";
import { resolveEmail, resolvePolicy, resolveThrottle } from "../resolve-options.js";
import { readCodeSecret } from "../secrets-manager.js";
import { describeError, triggerError } from "../trigger-errors.js";
import type { VerifyAuthChallengeHandler } from "../verify-auth-challenge.js";
import {
  ENVIRONMENT_KEYS,
  type Environment,
  readTriggerEnvironment,
  readUsernameAttribute,
  SWEEP_ENVIRONMENT_KEYS,
  type TriggerEnvironment,
} from "./environment.js";

/** Options of {@link createEnvironmentHandlers}. */
export interface EnvironmentHandlersOptions {
  /**
   * Where the configuration is read from ({@link ENVIRONMENT_KEYS}).
   * @default process.env
   */
  env?: Environment;
  /**
   * Your own email (`EmailOptions.render`). The prebuilt bundle has none:
   * bundle a file that passes it here, and give that bundle to the CDK
   * construct's `code` prop (or your SAM/Terraform function).
   */
  render?: EmailOptions["render"];
  /** Where logs go. @default consoleJsonLogger() */
  logger?: PasscodeLogger;
}

/** What {@link createEnvironmentHandlers} returns: one export per trigger, and the dispatcher. */
export interface EnvironmentHandlers {
  /** One function for every trigger (dispatches on `triggerSource`); needs the code secret. */
  handler: <E extends PasscodeTriggerEvent>(event: E, context?: Context) => Promise<E>;
  /** Define Auth Challenge; needs no secret and no AWS access. */
  defineAuthChallenge: DefineAuthChallengeHandler;
  /** Create Auth Challenge; needs the code secret, SES and the table. */
  createAuthChallenge: CreateAuthChallengeHandler;
  /** Verify Auth Challenge Response; needs the code secret, the table and the pool. */
  verifyAuthChallengeResponse: VerifyAuthChallengeHandler;
  /** The same function as {@link EnvironmentHandlers.verifyAuthChallengeResponse}. */
  verifyAuthChallenge: VerifyAuthChallengeHandler;
  /** Pre Sign-up; needs no secret and no AWS access. */
  preSignUp: PreSignUpHandler;
  /**
   * Pre Token Generation (V1_0 or V2_0): the `passcode_amr` ID-token claim.
   * Needs no secret; reads and deletes the table's `passkey-auth#` records.
   * With passkeys off (`PASSCODE_PASSKEY_RP_ID` unset) every call fails with
   * `CONFIGURATION_ERROR`: do not wire it then.
   */
  preTokenGeneration: PreTokenGenerationHandler;
}

/** The handler exports that never touch a code, so need no secret. */
const CODE_FREE = new Set(["defineAuthChallenge", "preSignUp", "preTokenGeneration"]);

/**
 * The export this Lambda function runs, from the `_HANDLER` variable Lambda
 * sets (`index.createAuthChallenge` gives `createAuthChallenge`), if any.
 */
function servedExport(env: Environment): string | undefined {
  const configured = env._HANDLER?.trim();
  if (!configured) return undefined;
  return configured.slice(configured.lastIndexOf(".") + 1);
}

function triggerOptions(
  config: TriggerEnvironment,
  options: EnvironmentHandlersOptions,
  logger: PasscodeLogger,
): PasscodeTriggersOptions {
  const store = dynamoDbStore({ tableName: config.tableName });
  const policy = {
    ...(config.usernameMinLength !== undefined ? { minLength: config.usernameMinLength } : {}),
    ...(config.usernameMaxLength !== undefined ? { maxLength: config.usernameMaxLength } : {}),
  };
  return {
    email: {
      from: config.emailFrom,
      appName: config.appName,
      ...(config.emailReplyTo ? { replyTo: config.emailReplyTo } : {}),
      ...(options.render ? { render: options.render } : {}),
    },
    code: {
      length: config.codeLength,
      ttlSeconds: config.codeTtlSeconds,
      maxAttempts: config.maxAttempts,
    },
    username:
      config.usernameAttribute === false
        ? false
        : {
            registry: store,
            attribute: config.usernameAttribute,
            policy,
            ...(config.usernameMaxAttempts !== undefined
              ? { maxAttempts: config.usernameMaxAttempts }
              : {}),
          },
    throttle: { store, ...config.throttle },
    ...(config.passkeys ? { passkeys: { ...config.passkeys, store } } : {}),
    ...(config.allowedEmailDomains
      ? { signUp: { allowedEmailDomains: config.allowedEmailDomains } }
      : {}),
    logger,
  };
}

/**
 * The Lambda handlers of the prebuilt bundle (`lambda/index.mjs`), configured
 * from the environment ({@link ENVIRONMENT_KEYS}). Everything is checked now,
 * at cold start, and a bad variable or option throws, so the function fails
 * to initialise rather than run misconfigured. Define, PreSignUp and (with
 * passkeys, `PASSCODE_PASSKEY_RP_ID`) Pre Token Generation are built now,
 * without the secret. Create, Verify and `handler` read `codeSecret` from
 * the Secrets Manager secret named by `PASSCODE_CODE_SECRET_ARN` (started now
 * when the function serves them; a failed read fails that call with
 * `SERVICE_ERROR`, logs the cause, and is retried on the next call).
 * Without that variable they fail closed with `CONFIGURATION_ERROR`, whatever
 * `_HANDLER` says; a warning is logged now, except when Lambda's `_HANDLER`
 * says this function serves only Define or PreSignUp.
 *
 * @example
 * ```ts
 * // Your own bundle, e.g. for your own email (bundle it with
 * // esbuild --bundle --platform=node --format=esm --external:@aws-sdk/*):
 * import { createEnvironmentHandlers } from "@cognito-passcode/triggers/environment";
 * import { render } from "./email.js";
 * export const { handler, defineAuthChallenge, createAuthChallenge,
 *   verifyAuthChallengeResponse, preSignUp, preTokenGeneration } = createEnvironmentHandlers({ render });
 * ```
 */
export function createEnvironmentHandlers(
  options: EnvironmentHandlersOptions = {},
): EnvironmentHandlers {
  const env = options.env ?? process.env;
  const logger = options.logger ?? consoleJsonLogger();
  const config = readTriggerEnvironment(env);
  const shared = triggerOptions(config, options, logger);
  // Built now: they validate the code, username and sign-up options; the
  // email, throttle and username policy options, which only Create and
  // Verify use, are checked now too, so a bad one fails every function's
  // start-up alike.
  const define = createDefineAuthChallengeHandler(shared);
  const preSignUp = createPreSignUpHandler(shared);
  resolveEmail(shared);
  resolveThrottle(shared);
  resolvePolicy(shared);

  let pending: Promise<PasscodeTriggers> | undefined;
  const triggers = (): Promise<PasscodeTriggers> => {
    pending ??= (async () => {
      let codeSecret: string | undefined;
      if (config.codeSecretArn) {
        try {
          codeSecret = await readCodeSecret(config.codeSecretArn);
        } catch (error) {
          // Cognito shows a trigger's error message to the caller: a stable
          // code, never the service's text (account, role and secret ARN).
          logger.error("code secret read failed", describeError(error));
          throw triggerError("SERVICE_ERROR", {}, error);
        }
      }
      return createPasscodeTriggers({ ...shared, ...(codeSecret ? { codeSecret } : {}) });
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };

  const served = servedExport(env);
  const needsSecret = served === undefined || !CODE_FREE.has(served);
  if (needsSecret) {
    if (config.codeSecretArn) {
      // Start during the init phase, so the first invocation does not wait for it.
      triggers().catch(() => {});
    } else {
      logger.warn("codeSecret is not configured", {
        variable: ENVIRONMENT_KEYS.codeSecretArn,
        effect:
          "createAuthChallenge, verifyAuthChallengeResponse and handler fail with CONFIGURATION_ERROR",
      });
    }
  }

  // The same store (one DynamoDB client) as the other triggers of this function.
  const passkeyStore = shared.passkeys ? shared.passkeys.store : undefined;
  const preTokenGeneration: PreTokenGenerationHandler = passkeyStore
    ? createPreTokenGenerationHandler({ store: passkeyStore, logger })
    : async () => {
        logger.error("preTokenGeneration called with passkeys off", {
          variable: ENVIRONMENT_KEYS.passkeyRpId,
        });
        throw triggerError("CONFIGURATION_ERROR");
      };
  if (served === "preTokenGeneration" && !config.passkeys) {
    logger.warn("passkeys are not configured", {
      variable: ENVIRONMENT_KEYS.passkeyRpId,
      effect: "preTokenGeneration fails with CONFIGURATION_ERROR",
    });
  }

  const verify: VerifyAuthChallengeHandler = async (event, context) =>
    (await triggers()).verifyAuthChallenge(event, context);
  return {
    handler: async (event, context) => (await triggers()).handler(event, context),
    defineAuthChallenge: async (event, context) => define(event, context),
    createAuthChallenge: async (event, context) =>
      (await triggers()).createAuthChallenge(event, context),
    verifyAuthChallengeResponse: verify,
    verifyAuthChallenge: verify,
    preSignUp: async (event, context) => preSignUp(event, context),
    preTokenGeneration,
  };
}

/** What the username sweep's run returns (and logs). */
export type UsernameSweepResult = Awaited<ReturnType<typeof releaseOrphanedUsernames>>;

/**
 * The Lambda handler of the scheduled username sweep (`lambda/username-sweep.mjs`,
 * export `handler`), configured from {@link SWEEP_ENVIRONMENT_KEYS}: it runs
 * `releaseOrphanedUsernames` over the registry and the passkey accounts of
 * the same table (the passkeys and credential id claims of users Cognito no
 * longer knows are removed), logs the counts and throws when some claims or
 * passkey accounts could not be checked, so the function's Errors metric
 * shows it (they are kept and checked again next time).
 */
export function createUsernameSweepHandler(
  options: { env?: Environment } = {},
): () => Promise<UsernameSweepResult> {
  const env = options.env ?? process.env;
  const need = (key: string) => {
    const value = env[key]?.trim();
    if (!value) throw new Error(`Missing environment variable ${key}`);
    return value;
  };
  const userPoolId = need(SWEEP_ENVIRONMENT_KEYS.userPoolId);
  const registry = dynamoDbStore({ tableName: need(SWEEP_ENVIRONMENT_KEYS.tableName) });
  const attribute = readUsernameAttribute(env);
  let client: Promise<
    import("@aws-sdk/client-cognito-identity-provider").CognitoIdentityProviderClient
  >;
  return async () => {
    client ??= import("@aws-sdk/client-cognito-identity-provider").then(
      (sdk) => new sdk.CognitoIdentityProviderClient({}),
    );
    const result = await releaseOrphanedUsernames({
      cognito: await client,
      userPoolId,
      registry,
      // Passkeys live in the same table: deleted users' go with their names.
      passkeys: registry,
      ...(attribute ? { attribute } : {}),
    });
    console.log(JSON.stringify({ level: "info", message: "username sweep", ...result }));
    if (result.failed > 0) throw new Error(`${result.failed} claims could not be checked`);
    const passkeysFailed = result.passkeys?.failed ?? 0;
    if (passkeysFailed > 0) {
      throw new Error(`${passkeysFailed} passkey accounts could not be checked`);
    }
    return result;
  };
}
