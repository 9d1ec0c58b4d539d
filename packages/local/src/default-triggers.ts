import { randomBytes } from "node:crypto";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SESClient } from "@aws-sdk/client-ses";
import { normalizeUsername } from "@cognito-passcode/shared";
import type { PasscodeStore, PasscodeTriggersOptions } from "@cognito-passcode/triggers";
import type { LocalStackLogger, LocalTriggersOptions } from "./options.js";
import type { ResolvedPasskeys } from "./resolve-options.js";
import type { TriggerHandler, TriggerName } from "./trigger-runner.js";
import type { UserStore } from "./users.js";

/** The sender the default triggers use unless `triggers.email.from` says otherwise. */
export const DEFAULT_FROM = "no-reply@cognito-passcode.local";

/** What the stack hands the default triggers. */
export interface DefaultTriggerServices {
  ses: SESClient;
  cognito: CognitoIdentityProviderClient;
  dynamoDb: DynamoDBClient;
  tableName: string;
  now: () => number;
  logger: Required<LocalStackLogger>;
}

/**
 * Builds `createPasscodeTriggers` with the stack's defaults (email from
 * {@link DEFAULT_FROM}, SES, Cognito and DynamoDB on the embedded services,
 * the username step and the throttle on, a `codeSecret` drawn at random per
 * start) with `overrides` merged over them: nested objects merge field by
 * field, `false` turns a feature off. With `passkeys` (checked by
 * `resolveOptions`), the triggers get `passkeys` with that same store and the
 * handlers include `preTokenGeneration`; without, there is none.
 */
export async function buildDefaultTriggers(
  services: DefaultTriggerServices,
  overrides: LocalTriggersOptions = {},
  passkeys?: ResolvedPasskeys,
): Promise<{
  handlers: Partial<Record<TriggerName, TriggerHandler>>;
  store: PasscodeStore;
  options: PasscodeTriggersOptions;
}> {
  // Loaded only when a default trigger is used, so a stack running only your
  // own handlers does not load (or need) the passcode triggers.
  const { createPasscodeTriggers, dynamoDbStore } = await import("@cognito-passcode/triggers");
  const store = dynamoDbStore({ tableName: services.tableName, client: services.dynamoDb });
  const { email, code, username, throttle, passkeys: _checked, ...rest } = overrides;
  const options = {
    ses: services.ses,
    cognito: services.cognito,
    now: services.now,
    logger: services.logger,
    // Codes live only in sign-in sessions, which do not outlive the stack, so
    // a new secret per start loses nothing; it is never written or printed.
    codeSecret: randomBytes(48).toString("base64"),
    ...rest,
    email: { from: DEFAULT_FROM, ...email },
    ...(code ? { code } : {}),
    username: username === false ? false : { registry: store, ...username },
    throttle: throttle === false ? false : { store, ...throttle },
    ...(passkeys ? { passkeys: { ...passkeys, store } } : {}),
  } as PasscodeTriggersOptions;
  const triggers = createPasscodeTriggers(options);
  const handlers: Partial<Record<TriggerName, TriggerHandler>> = {
    defineAuthChallenge: triggers.defineAuthChallenge,
    createAuthChallenge: triggers.createAuthChallenge,
    verifyAuthChallenge: triggers.verifyAuthChallenge,
    preSignUp: triggers.preSignUp,
    postAuthentication: triggers.postAuthentication,
  };
  // createPasscodeTriggers returns Pre Token Generation only with passkeys.
  if (triggers.preTokenGeneration) handlers.preTokenGeneration = triggers.preTokenGeneration;
  return { handlers, store, options };
}

/**
 * Re-claims the usernames of users kept in `dataDir`: the registry lives in
 * the in-memory dynalite, so after a restart it starts empty while the users'
 * `custom:username` attributes survive. Each claim writes both records
 * (`username#<name>` and `owner#<sub>`), so the rebuilt registry keeps the
 * same rules as the live one; should the saved users break them (two users
 * with one name), the first user loaded keeps the name and the claim of the
 * other answers `taken` and is skipped.
 */
export async function reclaimUsernames(
  options: PasscodeTriggersOptions,
  users: UserStore,
): Promise<void> {
  const step = options.username;
  if (!step) return;
  const attribute = step.attribute ?? "custom:username";
  for (const user of users.all()) {
    const name = user.attributes[attribute];
    const sub = user.attributes.sub;
    if (name && sub) await step.registry.claim(normalizeUsername(name), sub);
  }
}
