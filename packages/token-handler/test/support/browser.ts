import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createNodeHandler, type NodeHandlerOptions } from "@cognito-passcode/token-handler/node";

/** The token handler on a real node:http server on 127.0.0.1, mounted at `/auth`. */
export interface HandlerServer {
  url: string;
  stop(): Promise<void>;
}

export async function startHandlerServer(options: NodeHandlerOptions): Promise<HandlerServer> {
  const handle = createNodeHandler(options);
  const server: Server = createServer((req, res) => {
    if (req.url === "/auth") return void handle(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A page's `fetch` as a browser runs it on `origin`: it sends `Origin` and
 * `Sec-Fetch-Site: same-origin`, keeps the cookies the handler sets (and drops
 * the ones it expires), and records every response body the page could read.
 */
export function browserFetch(origin: string) {
  const jar = new Map<string, string>();
  const bodies: string[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    headers.set("origin", origin);
    headers.set("sec-fetch-site", "same-origin");
    if (jar.size > 0) {
      headers.set("cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    }
    const response = await globalThis.fetch(input, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      if (/Max-Age=0(;|$)/.test(cookie)) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1));
    }
    bodies.push(await response.clone().text());
    return response;
  }) as typeof globalThis.fetch;
  return { fetch, jar, bodies };
}
