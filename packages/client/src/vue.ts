import { type ShallowRef, shallowReadonly, shallowRef, watch } from "vue";
import type { PasscodeClient, PasscodeSnapshot } from "./types.js";

/**
 * The client's current snapshot as a read-only `shallowRef`, replaced on every
 * change (each snapshot is a new frozen object, so a shallow ref is enough).
 * Inside a component's `setup` (or any effect scope) the subscription ends
 * when the scope is disposed, and after a server render; called outside a
 * scope, it lives as long as the client.
 *
 * @example
 * ```vue
 * <script setup lang="ts">
 * import { usePasscode } from "@cognito-passcode/client/vue";
 * import { client } from "./passcode"; // one client for the app, made once
 *
 * const state = usePasscode(client);
 * </script>
 *
 * <template>
 *   <p v-if="state.status === 'signedIn'">Hello @{{ state.user.username }}</p>
 * </template>
 * ```
 */
export function usePasscode(client: PasscodeClient): Readonly<ShallowRef<PasscodeSnapshot>> {
  const snapshot = shallowRef(client.getSnapshot());
  // A sync watcher rather than subscribe + onScopeDispose: it is stopped with
  // its scope (unmount), and also after a server render, where Vue stops sync
  // watchers but never disposes a component's scope (a module-scope client
  // would keep one listener per request).
  watch(
    () => client,
    (c, _, onCleanup) => {
      snapshot.value = c.getSnapshot();
      onCleanup(
        c.subscribe(() => {
          snapshot.value = c.getSnapshot();
        }),
      );
    },
    { immediate: true, flush: "sync" },
  );
  return shallowReadonly(snapshot);
}
