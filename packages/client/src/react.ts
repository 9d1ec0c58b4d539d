import { useSyncExternalStore } from "react";
import type { PasscodeClient, PasscodeSnapshot } from "./types.js";

/**
 * The client's current snapshot, re-rendering on every change. A thin
 * `useSyncExternalStore` over the client's bound `subscribe`, `getSnapshot`
 * and `getInitialSnapshot` (used for server rendering and hydration).
 *
 * @example
 * ```tsx
 * const client = createPasscodeClient({ clientId, region }); // module scope or context
 * function SignIn() {
 *   const state = usePasscode(client);
 *   if (state.status === "awaitingCode") return <CodeForm length={state.codeLength} />;
 *   // ...
 * }
 * ```
 */
export function usePasscode(client: PasscodeClient): PasscodeSnapshot {
  return useSyncExternalStore(client.subscribe, client.getSnapshot, client.getInitialSnapshot);
}
