import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The host part of a URL for a listening address (wildcards become loopback). */
export function urlHost(host: string): string {
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/** Closes a server, dropping idle keep-alive connections so it closes now. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections?.();
  });
}

/** Listens on `host`:`port` (0: a free port); rejects on a listen error such as EADDRINUSE. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** The `http://host:port` of a listening server, as a client on this machine reaches it. */
export function endpointOf(server: Server, host: string): string {
  const { port } = server.address() as AddressInfo;
  return `http://${urlHost(host)}:${port}`;
}
