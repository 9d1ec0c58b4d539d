import type { PasscodeClient, PasscodeSnapshot } from "./types.js";

/**
 * A readable store of the client's snapshots: `subscribe(run)` calls `run`
 * at once with the current snapshot, then on every change, and returns the
 * function that stops it. That is Svelte's store contract, so `$store` works
 * in Svelte 5 (and 3 and 4) components, and `get` from `svelte/store` too.
 * Built without importing Svelte.
 */
export interface PasscodeStore {
  /** Calls `run` now with the current snapshot and after every change; returns the unsubscribe function. */
  subscribe(run: (snapshot: PasscodeSnapshot) => void): () => void;
}

/**
 * The client's snapshots as a Svelte readable store. Each `$store` read in a
 * component subscribes while the component is mounted and unsubscribes when
 * it is destroyed.
 *
 * @example
 * ```svelte
 * <script lang="ts">
 *   import { passcodeStore } from "@cognito-passcode/client/svelte";
 *   import { client } from "./passcode"; // one client for the app, made once
 *
 *   const state = passcodeStore(client);
 * </script>
 *
 * {#if $state.status === "signedIn"}<p>Hello @{$state.user.username}</p>{/if}
 * ```
 */
export function passcodeStore(client: PasscodeClient): PasscodeStore {
  return {
    subscribe(run) {
      // Listening first: a change `run` itself causes on the first value still reaches it.
      const stop = client.subscribe(() => run(client.getSnapshot()));
      run(client.getSnapshot());
      return stop;
    },
  };
}
