import type { PasscodeStorage } from "./types.js";

/**
 * Serialises writes of the refresh token to the app's storage, so a late
 * write can never land after a sign-out's removal. Storage failures (quota,
 * private mode) are swallowed: the session still works in memory.
 */
export function createTokenStore(storage: PasscodeStorage | undefined, key: string) {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    /** Reads the stored refresh token, if any. */
    async read(): Promise<string | undefined> {
      if (!storage) return undefined;
      await queue;
      try {
        const value = await storage.getItem(key);
        return typeof value === "string" && value.length > 0 ? value : undefined;
      } catch {
        return undefined;
      }
    },
    /** Removes the stored refresh token and resolves to what it was (for revocation). */
    take(): Promise<string | undefined> {
      if (!storage) return Promise.resolve(undefined);
      const taken = queue.then(async () => {
        const value = await storage.getItem(key);
        await storage.removeItem(key);
        return typeof value === "string" && value.length > 0 ? value : undefined;
      });
      queue = taken.catch(() => undefined);
      return taken.catch(() => undefined);
    },
    /** Writes `refreshToken`, or removes it when `undefined`; resolves once done. */
    write(refreshToken: string | undefined): Promise<unknown> {
      if (!storage) return queue;
      queue = queue
        .then(() =>
          refreshToken === undefined ? storage.removeItem(key) : storage.setItem(key, refreshToken),
        )
        .catch(() => undefined);
      return queue;
    },
  };
}
