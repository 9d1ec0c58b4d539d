/** The one method of an AWS SDK v3 client the triggers and the stack use, plus `destroy`. */
interface SendingClient {
  send(command: unknown, options?: unknown): Promise<unknown>;
  destroy(): void;
}

/**
 * An AWS SDK client whose module is loaded, and the client built, on the first
 * `send`: the SDK clients take most of the stack's start-up time, and a stack
 * is ready to answer before any request needs one.
 */
export function lazyClient<T>(build: () => Promise<T>): T {
  let client: Promise<SendingClient> | undefined;
  const get = () => {
    client ??= (build() as Promise<unknown> as Promise<SendingClient>).catch((error: unknown) => {
      client = undefined;
      throw error;
    });
    return client;
  };
  const lazy: SendingClient = {
    send: async (command, options) => (await get()).send(command, options),
    destroy: () => {
      void client?.then(
        (c) => c.destroy(),
        () => {},
      );
    },
  };
  return lazy as unknown as T;
}
