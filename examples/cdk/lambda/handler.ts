/**
 * The Lambda entry point the CDK app bundles with esbuild. Each trigger
 * function uses one export of this file (`index.defineAuthChallenge`, ...);
 * the single-function layout uses `index.handler`. There is no
 * PostAuthentication export: that trigger is a pass-through since Verify
 * marks the email verified, and the stack does not wire it.
 *
 * Everything is built once per cold start: the validated options, the SDK
 * clients inside createPasscodeTriggers, the DynamoDB store and, on the
 * functions that make or check code digests (Create and Verify), the
 * `codeSecret` read from Secrets Manager. A failed secret read is retried on
 * the next invocation rather than cached.
 */
import {
  type CreateAuthChallengeHandler,
  createPasscodeTriggers,
  type DefineAuthChallengeHandler,
  dynamoDbStore,
  type PasscodeTriggerEvent,
  type PasscodeTriggers,
  type PreSignUpHandler,
  type VerifyAuthChallengeHandler,
} from "@cognito-passcode/triggers";
import type { Context } from "aws-lambda";
import { readCodeSecret } from "./code-secret.js";
import { readTriggerEnvironment } from "./config.js";

const config = readTriggerEnvironment(process.env);

async function build(): Promise<PasscodeTriggers> {
  const codeSecret = config.codeSecretArn ? await readCodeSecret(config.codeSecretArn) : undefined;
  const store = dynamoDbStore({ tableName: config.tableName });
  return createPasscodeTriggers({
    email: { from: config.emailFrom, appName: config.appName },
    code: {
      length: config.codeLength,
      ttlSeconds: config.codeTtlSeconds,
      maxAttempts: config.maxAttempts,
    },
    username: { registry: store, attribute: "custom:username" },
    throttle: { store },
    ...(codeSecret ? { codeSecret } : {}),
  });
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
triggers().catch(() => {});

export const defineAuthChallenge: DefineAuthChallengeHandler = async (event, context) =>
  (await triggers()).defineAuthChallenge(event, context);
export const createAuthChallenge: CreateAuthChallengeHandler = async (event, context) =>
  (await triggers()).createAuthChallenge(event, context);
export const verifyAuthChallenge: VerifyAuthChallengeHandler = async (event, context) =>
  (await triggers()).verifyAuthChallenge(event, context);
export const preSignUp: PreSignUpHandler = async (event, context) =>
  (await triggers()).preSignUp(event, context);
/** One function for all four triggers, for the `single` layout. */
export const handler = async <E extends PasscodeTriggerEvent>(event: E, context?: Context) =>
  (await triggers()).handler(event, context);
