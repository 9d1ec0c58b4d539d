/**
 * The Lambda entry point of the scheduled username sweep: releases the names
 * of users who no longer exist (Cognito runs no trigger on deletion), and the
 * extra names an older registry let one user collect. EventBridge runs it
 * daily; a run that could not check some claims fails, so the function's
 * Errors metric shows it (the claims are kept and checked again next time).
 */
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { dynamoDbStore, releaseOrphanedUsernames } from "@cognito-passcode/triggers";
import { SWEEP_ENVIRONMENT_KEYS } from "./config.js";

function required(key: string): string {
  const value = process.env[key]?.trim();
  if (!value) throw new Error(`Missing environment variable ${key}`);
  return value;
}

const userPoolId = required(SWEEP_ENVIRONMENT_KEYS.userPoolId);
const registry = dynamoDbStore({ tableName: required(SWEEP_ENVIRONMENT_KEYS.tableName) });
const cognito = new CognitoIdentityProviderClient({});

export const handler = async () => {
  const result = await releaseOrphanedUsernames({
    cognito,
    userPoolId,
    registry,
    attribute: "custom:username",
  });
  console.log(JSON.stringify({ message: "username sweep", ...result }));
  if (result.failed > 0) throw new Error(`${result.failed} claims could not be checked`);
  return result;
};
