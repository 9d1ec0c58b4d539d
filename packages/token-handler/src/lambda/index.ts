/**
 * The prebuilt Lambda handler, bundled to `lambda/index.mjs` (ES module, the
 * AWS SDK v3 left out: the nodejs22.x and nodejs24.x runtimes provide it).
 * Configured from the environment (`PASSCODE_CLIENT_ID`,
 * `PASSCODE_ALLOWED_ORIGINS`, `PASSCODE_COOKIE_SECRET_ARN`, optional
 * `PASSCODE_REFRESH_TOKEN_VALIDITY_DAYS` and
 * `PASSCODE_TRUST_CLOUDFRONT_VIEWER_ADDRESS`; region from `AWS_REGION`; the
 * passkey management operations with `PASSCODE_USER_POOL_ID`,
 * `PASSCODE_PASSKEY_TABLE`, `PASSCODE_EMAIL_FROM` and `PASSCODE_APP_NAME`, all
 * four or none); set the function's handler to `index.handler`, behind a
 * function URL or an HTTP API.
 */
import { createEnvironmentHandler } from "./environment.js";
import { triggersPasskeyBackend } from "./passkey-backend.js";

/** The token handler for a function URL / HTTP API (payload 2.0) event. */
export const handler = createEnvironmentHandler(process.env, triggersPasskeyBackend);
