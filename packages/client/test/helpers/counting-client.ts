import type { PasscodeClient } from "@cognito-passcode/client";

/**
 * The same client, whose `subscribe` counts the listeners still attached: how
 * the adapter tests see that a framework let go of the client.
 */
export function countingListeners(client: PasscodeClient) {
  let listening = 0;
  const counted: PasscodeClient = {
    ...client,
    subscribe(listener) {
      listening++;
      const off = client.subscribe(listener);
      return () => {
        listening--;
        off();
      };
    },
  };
  return { client: counted, listening: () => listening };
}

/** Storage whose read never ends: the client stays in `restoring`, as on a server render. */
export const pendingStorage = {
  getItem: () => new Promise<null>(() => {}),
  setItem() {},
  removeItem() {},
};
