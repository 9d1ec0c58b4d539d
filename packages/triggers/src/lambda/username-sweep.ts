/**
 * The prebuilt handler of the scheduled username sweep, bundled to
 * `lambda/username-sweep.mjs` (handler `username-sweep.handler`). Reads
 * `PASSCODE_TABLE_NAME`, `PASSCODE_USER_POOL_ID` and optionally
 * `PASSCODE_USERNAME_ATTRIBUTE`.
 */
import { createUsernameSweepHandler } from "./handlers.js";

/** Runs `releaseOrphanedUsernames` once; throws when some claims could not be checked. */
export const handler = createUsernameSweepHandler();
