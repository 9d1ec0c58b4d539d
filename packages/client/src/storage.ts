import type { PasscodeStorage } from "./types.js";

/** `value` if it is a non-empty string, else `undefined`. */
export const text = (value: unknown) =>
  typeof value === "string" && value !== "" ? value : undefined;

/**
 * Serialises every access to the app's storage for the refresh token, so a
 * late write can never land after a sign-out's removal. Storage failures
 * (quota, private mode) resolve `undefined`: the session still works in
 * memory. Without storage every operation resolves `undefined`.
 */
export function createTokenStore(storage: PasscodeStorage | undefined, key: string) {
  let queue: Promise<unknown> = Promise.resolve();
  /** Runs `task` after every earlier one. */
  function enqueue<T>(task: () => T | Promise<T>): Promise<T | undefined> {
    const done = queue.then(task).catch(() => undefined);
    queue = done;
    return done;
  }
  return {
    /** Reads the stored refresh token, if any. */
    read: () => enqueue(async () => text(await storage?.getItem(key))),
    /** Removes the stored refresh token and resolves to what it was (for revocation). */
    take: () =>
      enqueue(async () => {
        const value = await storage?.getItem(key);
        await storage?.removeItem(key);
        return text(value);
      }),
    /** Removes the stored refresh token if it is still `refused` (another tab may have stored a newer one). */
    drop: (refused: string | undefined) =>
      enqueue(async () => {
        if (text(await storage?.getItem(key)) === refused) await storage?.removeItem(key);
      }),
    /** Writes `refreshToken`, or removes it when `undefined`; resolves once done. */
    write: (refreshToken: string | undefined) =>
      enqueue(() =>
        refreshToken === undefined ? storage?.removeItem(key) : storage?.setItem(key, refreshToken),
      ),
  };
}
