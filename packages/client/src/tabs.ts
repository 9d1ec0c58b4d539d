/**
 * One session across the tabs of a page: pass `shareAcrossTabs()` as the
 * client's `tabs` option. Only this entry point holds the code; a client
 * without it does not bundle it.
 *
 * @example
 * ```ts
 * import { createPasscodeClient } from "@cognito-passcode/client";
 * import { shareAcrossTabs } from "@cognito-passcode/client/tabs";
 *
 * const client = createPasscodeClient({ clientId, tokenHandler: "/auth", tabs: shareAcrossTabs() });
 * ```
 *
 * @packageDocumentation
 */
import type { PasscodeTabs, TabLink, TabMessage } from "./types.js";

/** The part of the Web Locks API (`navigator.locks`) the tabs use. */
export interface TabLocks {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** A synchronous storage shared by the tabs (`localStorage`), for the lock fallback. */
export interface LeaseStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Options for {@link shareAcrossTabs}; the defaults are the browser's own APIs. */
export interface ShareAcrossTabsOptions {
  /**
   * The Web Locks API; `null` uses the fallback lease even where it exists.
   * @default globalThis.navigator?.locks
   */
  locks?: TabLocks | null;
  /**
   * Where the fallback lease lives when there is no Web Locks API.
   * @default globalThis.localStorage (no lock at all when it is absent too)
   */
  leaseStorage?: LeaseStorage | null;
  /**
   * How long a fallback lease lasts, in milliseconds: a tab that closes while
   * it holds one blocks the others at most this long. Longer than a refresh
   * takes (the fetch transport's `timeoutMs`, 15 s by default).
   * @default 20000
   */
  leaseMs?: number;
}

/** What {@link shareAcrossTabs} returns: the client's `tabs` option, and `close`. */
export interface SharedTabs extends PasscodeTabs {
  /** Closes the broadcast channels this object opened (page tear-down, tests). */
  close(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The fallback lock: a lease in a storage every tab reads (`localStorage`),
 * written as `<owner> <expiry>`. A tab takes a free or expired lease, waits
 * for concurrent writers to land (the last write wins) and reads it back;
 * only the tab that finds its own name runs. Best effort where the Web Locks
 * API is missing (browsers before 2022): a tab that writes after another has
 * read its own name back breaks it, which needs two writes more than
 * `settleMs` apart to both see a free lease. A storage that throws (quota,
 * storage disabled) runs `task` unlocked.
 */
export async function withLease<T>(
  storage: LeaseStorage,
  key: string,
  leaseMs: number,
  task: () => Promise<T>,
  settleMs = 30,
): Promise<T> {
  const me = `${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const mine = () => storage.getItem(key)?.startsWith(`${me} `);
  for (;;) {
    let taken: boolean | undefined;
    try {
      const [owner, until] = (storage.getItem(key) ?? "").split(" ");
      if (!owner || !(Number(until) > Date.now())) {
        storage.setItem(key, `${me} ${Date.now() + leaseMs}`);
        await sleep(settleMs);
        taken = mine();
      }
    } catch {
      // A storage that fails (quota, disabled): refresh unlocked rather than not at all.
      return task();
    }
    if (taken) {
      try {
        return await task();
      } finally {
        try {
          if (mine()) storage.removeItem(key);
        } catch {
          // The lease expires on its own.
        }
      }
    }
    await sleep(settleMs + Math.random() * settleMs);
  }
}

/**
 * Shares the client's session with the app's other tabs (same origin, same
 * client id):
 * - **one refresh at a time**: every refresh runs under a lock, the Web
 *   Locks API's `navigator.locks.request("cognito-passcode.<clientId>.refresh")`,
 *   or where that is missing a lease in `localStorage` (see
 *   {@link withLease}); in storage mode the client reads storage again under
 *   the lock, so a token another tab rotated is the one it sends; a
 *   sign-out's revocation runs under it too, after any refresh in flight;
 * - **sign-in and sign-out reach every tab** through a `BroadcastChannel`
 *   named `cognito-passcode.<clientId>`: a sign-out signs the other tabs out
 *   locally (the session was revoked once, by the tab that signed out), and a
 *   sign-in makes signed-out tabs restore the session (storage and cookie
 *   modes; in memory mode each tab has its own session, which a sign-out
 *   elsewhere revokes too).
 *
 * Safe during server rendering: without `BroadcastChannel` nothing is sent
 * or heard, and without a lock a refresh runs unlocked.
 *
 * The tabs must share the client's storage (`localStorage`, not
 * `sessionStorage`). Any script on the origin can post to the channel (sign
 * the tabs out locally, make them restore): nothing it could not do by
 * calling the client itself.
 */
export function shareAcrossTabs(options: ShareAcrossTabsOptions = {}): SharedTabs {
  const channels = new Set<BroadcastChannel>();
  const { leaseMs = 20_000 } = options;
  return {
    connect(clientId: string, receive: (message: TabMessage) => void): TabLink {
      const name = `cognito-passcode.${clientId}`;
      let channel: BroadcastChannel | undefined;
      if (typeof BroadcastChannel === "function") {
        channel = new BroadcastChannel(name);
        channel.onmessage = ({ data }: MessageEvent) => {
          if (data === "signedIn" || data === "signedOut") receive(data);
        };
        // Node: a channel must not keep the process alive.
        (channel as { unref?: () => void }).unref?.();
        channels.add(channel);
      }
      return {
        post: (message) => channel?.postMessage(message),
        lock(task) {
          // Looked up at the first refresh, not before: a server render reads no browser global.
          const locks =
            options.locks === undefined
              ? (globalThis.navigator as { locks?: TabLocks } | undefined)?.locks
              : options.locks;
          const storage =
            options.leaseStorage === undefined
              ? (globalThis as { localStorage?: LeaseStorage }).localStorage
              : options.leaseStorage;
          if (locks) return locks.request(`${name}.refresh`, task);
          return storage ? withLease(storage, `${name}.refresh`, leaseMs, task) : task();
        },
      };
    },
    close() {
      for (const channel of channels) channel.close();
      channels.clear();
    },
  };
}

export type { PasscodeTabs, TabLink, TabMessage } from "./types.js";
