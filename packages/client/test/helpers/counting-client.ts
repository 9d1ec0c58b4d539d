import { createPasscodeClient, type PasscodeClient } from "@cognito-passcode/client";
import { scriptedTransport } from "./scripted-transport.js";

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
const pendingStorage = {
  getItem: () => new Promise<null>(() => {}),
  setItem() {},
  removeItem() {},
};

/**
 * A client as a server render sees it (one for every request, at module
 * scope): it stays `restoring`, and counts its listeners ({@link countingListeners}).
 */
export function restoringClient() {
  return countingListeners(
    createPasscodeClient({
      clientId: "c1",
      transport: scriptedTransport().transport,
      storage: pendingStorage,
    }),
  );
}
