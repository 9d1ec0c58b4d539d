// Shared by the SAM and Terraform examples' tests: both deploy the prebuilt
// handler of @cognito-passcode/triggers and check their recipe against it.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ENVIRONMENT_KEYS, SWEEP_ENVIRONMENT_KEYS } from "@cognito-passcode/triggers/environment";

/** The folder the prebuilt handler ships in (the triggers package's lambda/). */
export const prebuiltHandlerDir = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../packages/triggers/lambda",
);

/** The Lambda Node.js runtimes a recipe may run the prebuilt handler on. */
export const LAMBDA_RUNTIMES = ["nodejs22.x", "nodejs24.x"];

/** Every environment name the prebuilt handler or its sweep reads. */
export const KNOWN_ENVIRONMENT_NAMES: ReadonlySet<string> = new Set<string>([
  ...Object.values(ENVIRONMENT_KEYS),
  ...Object.values(SWEEP_ENVIRONMENT_KEYS),
]);

/**
 * Loads the prebuilt handler's two modules from source (lambda/index.mjs's
 * trigger exports and lambda/username-sweep.mjs's), with the variables they read
 * at start-up set only while they load.
 */
export async function loadPrebuiltHandler(): Promise<{
  triggers: Record<string, unknown>;
  sweep: Record<string, unknown>;
}> {
  const saved = { ...process.env };
  Object.assign(process.env, {
    PASSCODE_TABLE_NAME: "passcode",
    PASSCODE_EMAIL_FROM: "no-reply@example.com",
    PASSCODE_APP_NAME: "Acme",
    PASSCODE_USER_POOL_ID: "eu-west-1_Ab12Cd34E",
  });
  try {
    const triggers = await import("../../packages/triggers/src/lambda/index.js");
    const sweep = await import("../../packages/triggers/src/lambda/username-sweep.js");
    return { triggers, sweep };
  } finally {
    process.env = saved;
  }
}
