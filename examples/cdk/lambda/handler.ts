/**
 * The Lambda entry point the CDK app bundles with esbuild. Each trigger
 * function uses one export of this file (`index.defineAuthChallenge`, ...);
 * the single-function layout uses `index.handler`. There is no
 * PostAuthentication export: that trigger is a pass-through since Verify
 * marks the email verified, and the stack does not wire it.
 *
 * Everything is built once per cold start: the validated options, the SDK
 * clients inside createPasscodeTriggers, the DynamoDB store and, on the
 * functions that make or check code digests (Create, Verify and the single
 * function), the `codeSecret` read from Secrets Manager, which they require
 * (without its ARN they fail closed with CONFIGURATION_ERROR). A failed
 * secret read is retried on the next invocation rather than cached. Define
 * and PreSignUp never touch a code: they are built without the secret, so
 * their functions need no access to it.
 */
import {
  type CreateAuthChallengeHandler,
  createDefineAuthChallengeHandler,
  createPasscodeTriggers,
  createPreSignUpHandler,
  type DefineAuthChallengeHandler,
  dynamoDbStore,
  type PasscodeTriggerEvent,
  type PasscodeTriggers,
  type PasscodeTriggersOptions,
  type PreSignUpHandler,
  type VerifyAuthChallengeHandler,
} from "@cognito-passcode/triggers";
import type { Context } from "aws-lambda";
import { readCodeSecret } from "./code-secret.js";
import { readTriggerEnvironment } from "./config.js";

const config = readTriggerEnvironment(process.env);

function options(): PasscodeTriggersOptions {
  const store = dynamoDbStore({ tableName: config.tableName });
  return {
    email: { from: config.emailFrom, appName: config.appName },
    code: {
      length: config.codeLength,
      ttlSeconds: config.codeTtlSeconds,
      maxAttempts: config.maxAttempts,
    },
    username: { registry: store, attribute: "custom:username" },
    throttle: { store },
  };
}

async function build(): Promise<PasscodeTriggers> {
  const codeSecret = config.codeSecretArn ? await readCodeSecret(config.codeSecretArn) : undefined;
  return createPasscodeTriggers({ ...options(), ...(codeSecret ? { codeSecret } : {}) });
}

let withoutSecret: { define: DefineAuthChallengeHandler; preSignUp: PreSignUpHandler } | undefined;
function codeFreeTriggers() {
  if (withoutSecret) return withoutSecret;
  const shared = options();
  withoutSecret = {
    define: createDefineAuthChallengeHandler(shared),
    preSignUp: createPreSignUpHandler(shared),
  };
  return withoutSecret;
}

let pending: Promise<PasscodeTriggers> | undefined;
function triggers(): Promise<PasscodeTriggers> {
  pending ??= build().catch((error: unknown) => {
    pending = undefined;
    throw error;
  });
  return pending;
}
// Start during the init phase, so the first invocation does not wait for it.
if (config.codeSecretArn) triggers().catch(() => {});

export const defineAuthChallenge: DefineAuthChallengeHandler = async (event, context) =>
  codeFreeTriggers().define(event, context);
export const createAuthChallenge: CreateAuthChallengeHandler = async (event, context) =>
  (await triggers()).createAuthChallenge(event, context);
export const verifyAuthChallenge: VerifyAuthChallengeHandler = async (event, context) =>
  (await triggers()).verifyAuthChallenge(event, context);
export const preSignUp: PreSignUpHandler = async (event, context) =>
  codeFreeTriggers().preSignUp(event, context);
/** One function for all four triggers, for the `single` layout. */
export const handler = async <E extends PasscodeTriggerEvent>(event: E, context?: Context) =>
  (await triggers()).handler(event, context);
