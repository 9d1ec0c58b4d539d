/**
 * The Lambda entry point the CDK app bundles with esbuild. Each trigger
 * function uses one export of this file (`index.defineAuthChallenge`, ...).
 * Everything is built once per cold start: the SDK clients inside
 * createPasscodeTriggers, the DynamoDB store, the validated options.
 */
import { createPasscodeTriggers, dynamoDbStore } from "@cognito-passcode/triggers";
import { readTriggerEnvironment } from "./config.js";

const config = readTriggerEnvironment(process.env);
const store = dynamoDbStore({ tableName: config.tableName });

const triggers = createPasscodeTriggers({
  email: { from: config.emailFrom, appName: config.appName },
  code: {
    length: config.codeLength,
    ttlSeconds: config.codeTtlSeconds,
    maxAttempts: config.maxAttempts,
  },
  username: { registry: store, attribute: "custom:username" },
  throttle: { store },
});

export const defineAuthChallenge = triggers.defineAuthChallenge;
export const createAuthChallenge = triggers.createAuthChallenge;
export const verifyAuthChallenge = triggers.verifyAuthChallenge;
export const preSignUp = triggers.preSignUp;
export const postAuthentication = triggers.postAuthentication;
/** One function for all five triggers, for the `single` layout. */
export const handler = triggers.handler;
