import type { IncomingMessage, Server, ServerResponse } from "node:http";

const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/** True for a `Host` port: 1 to 5 digits, at most 65535. */
function isPort(value: string): boolean {
  return /^\d{1,5}$/.test(value) && Number(value) <= 65535;
}

/**
 * The host name of a `Host` header (lower case, no port, no brackets, no
 * trailing dot), or undefined when the header is malformed: a port that is
 * not 0 to 65535, an empty label (`.localhost`, `a..localhost`).
 */
function hostName(header: string): string | undefined {
  const value = header.trim().toLowerCase();
  if (value.startsWith("[")) {
    const end = value.indexOf("]");
    const rest = value.slice(end + 1);
    if (end < 0 || (rest !== "" && !(rest.startsWith(":") && isPort(rest.slice(1))))) {
      return undefined;
    }
    return value.slice(1, end);
  }
  const colon = value.indexOf(":");
  const full = colon < 0 ? value : value.slice(0, colon);
  if (colon >= 0 && !isPort(value.slice(colon + 1))) return undefined;
  const name = full.endsWith(".") ? full.slice(0, -1) : full;
  if (name.split(".").some((label) => label === "")) return undefined;
  return name;
}

/**
 * True when a `Host` header names this machine's loopback: `localhost`,
 * `*.localhost` (which browsers resolve to loopback themselves), `127.x.y.z`
 * or `[::1]`, or exactly `listenHost` when the server listens on one specific
 * address. Anything else (a name an attacker's DNS can point at 127.0.0.1: DNS
 * rebinding) is refused, and so is a request without a `Host`.
 */
export function isAllowedHost(header: string | undefined, listenHost: string): boolean {
  if (!header) return false;
  const name = hostName(header);
  if (!name) return false;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  if (IPV4_LOOPBACK.test(name) || name === "::1") return true;
  const listening = listenHost.toLowerCase().replace(/^\[|\]$/g, "");
  return listening !== "0.0.0.0" && listening !== "::" && name === listening;
}

/**
 * Puts a guard in front of every `request` listener of `server` (e.g. an
 * Express app such as aws-ses-v2-local's): a request whose `Host` is not
 * allowed by {@link isAllowedHost}, or that carries an `Origin` other than the
 * server's own, gets 403 and never reaches the app.
 */
export function guardServer(server: Server, listenHost: string): void {
  const listeners = server.listeners("request") as ((
    req: IncomingMessage,
    res: ServerResponse,
  ) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const host = req.headers.host;
    const origin = req.headers.origin;
    // A page of the server itself sends its own origin on POST; any other page is cross-site.
    if (!isAllowedHost(host, listenHost) || (origin !== undefined && origin !== `http://${host}`)) {
      refuse(res);
      return;
    }
    for (const listener of listeners) listener.call(server, req, res);
  });
}

/** 403 with a short plain-text reason and nothing else. */
export function refuse(res: ServerResponse): void {
  const body = "Forbidden: this local server only answers loopback host names and its own pages.\n";
  res.writeHead(403, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    Vary: "Origin",
  });
  res.end(body);
}
