/**
 * The prebuilt handler's passkey store and "passkey removed" notifier:
 * `dynamoDbStore` and `createPasskeyNotifier` of `@cognito-passcode/triggers`,
 * bundled into `lambda/index.mjs` at build time (the library itself never
 * imports triggers). SES and DynamoDB clients come from the runtime's AWS SDK.
 */
import { createPasskeyNotifier, dynamoDbStore } from "@cognito-passcode/triggers";
import type { PasskeyBackend } from "./environment.js";

/** Builds the store on `PASSCODE_PASSKEY_TABLE` and the SES notifier from `PASSCODE_EMAIL_FROM` and `PASSCODE_APP_NAME`. */
export const triggersPasskeyBackend: PasskeyBackend = (settings) => ({
  store: dynamoDbStore({ tableName: settings.tableName }),
  notify: createPasskeyNotifier({
    email: { from: settings.emailFrom, appName: settings.appName },
  }),
});
