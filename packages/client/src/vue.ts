import { getCurrentScope, onScopeDispose, type ShallowRef, shallowReadonly, shallowRef } from "vue";
import type { PasscodeClient, PasscodeSnapshot } from "./types.js";

/**
 * The client's current snapshot as a read-only `shallowRef`, replaced on every
 * change (each snapshot is a new frozen object, so a shallow ref is enough).
 * Inside a component's `setup` (or any effect scope) the subscription ends
 * when the scope is disposed; called outside a scope, it lives as long as the
 * client.
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
  const off = client.subscribe(() => {
    snapshot.value = client.getSnapshot();
  });
  if (getCurrentScope()) onScopeDispose(off);
  return shallowReadonly(snapshot);
}
