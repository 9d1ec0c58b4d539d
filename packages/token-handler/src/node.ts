/**
 * The token handler for Node's `http` server, and what is built on it
 * (Express, Fastify's raw `onRequest` hook, Next.js custom servers).
 *
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { addressFromHeader, ipAddress as parseAddress, viewerAddress } from "./client-ip.js";
import { unreadableRequest } from "./http.js";
import { configurationError, type TokenHandlerOptions } from "./options.js";
import { createTokenHandler, MAX_BODY_BYTES } from "./token-handler.js";

/** Options of {@link createNodeHandler}: the token handler's, plus where the caller's address is read. */
export interface NodeHandlerOptions extends TokenHandlerOptions {
  /**
   * A header your reverse proxy sets to the caller's address
   * (`x-forwarded-for`, `x-real-ip`, `cloudfront-viewer-address`): its last
   * entry is used instead of the socket's address. Name it only when every
   * request reaches this server through that proxy, or any caller could
   * claim any address.
   * @default undefined: the socket's remote address
   */
  trustProxyHeader?: string;
}

/**
 * Creates a `(req, res)` listener for node:http (and Express, which passes
 * the same objects) that runs the token handler. It reads the body itself
 * (at most {@link MAX_BODY_BYTES}); mount it where no body parser ran before
 * it. The URL it is mounted on is the app's choice (`/auth`).
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { createNodeHandler } from "@cognito-passcode/token-handler/node";
 *
 * const auth = createNodeHandler({ clientId, region: "eu-west-1",
 *   allowedOrigins: ["https://app.example.com"], cookieKeys: [cookieKey] });
 * createServer((req, res) => {
 *   if (req.url === "/auth") return void auth(req, res);
 *   // ... the rest of the app
 * }).listen(3000);
 * ```
 */
export function createNodeHandler(
  options: NodeHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { trustProxyHeader, ...rest } = options ?? ({} as NodeHandlerOptions);
  if (
    trustProxyHeader !== undefined &&
    (typeof trustProxyHeader !== "string" || !/^[\w-]{1,64}$/.test(trustProxyHeader))
  ) {
    throw configurationError("trustProxyHeader", "must be a header name");
  }
  const proxyHeader = trustProxyHeader?.toLowerCase();
  const handle = createTokenHandler(rest);
  return async (req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    if (req.method !== "GET" && req.method !== "HEAD") {
      try {
        for await (const chunk of req as AsyncIterable<Buffer>) {
          // Read to the end (the connection stays usable) but keep at most one
          // byte over the limit: enough for the handler to refuse the body.
          if (size <= MAX_BODY_BYTES) chunks.push(chunk.subarray(0, MAX_BODY_BYTES + 1 - size));
          size += chunk.length;
        }
      } catch {
        // The caller went away mid-body: nobody is left to answer.
        res.destroy();
        return;
      }
    }
    let request: Request;
    try {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        headers.set(
          name,
          Array.isArray(value) ? value.join(name === "cookie" ? "; " : ", ") : value,
        );
      }
      // The handler reads no URL (the app chose where to mount it): a fixed one,
      // so a Host or path the URL parser refuses cannot fail the request.
      request = new Request("http://token-handler.invalid/", {
        method: req.method ?? "GET",
        headers,
        body: req.method === "GET" || req.method === "HEAD" ? null : Buffer.concat(chunks),
      });
    } catch {
      return send(res, unreadableRequest());
    }
    const header = proxyHeader ? req.headers[proxyHeader] : undefined;
    const value = Array.isArray(header) ? header.join(",") : header;
    const ipAddress = !proxyHeader
      ? parseAddress(req.socket.remoteAddress)
      : // CloudFront writes IPv6 unbracketed before the port: its own parser.
        proxyHeader === "cloudfront-viewer-address"
        ? viewerAddress(value)
        : addressFromHeader(value);
    return send(res, await handle(request, ipAddress ? { ipAddress } : {}));
  };
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const out: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  res.writeHead(response.status, out);
  res.end(Buffer.from(await response.arrayBuffer()));
}

export type { TokenHandlerOptions } from "./options.js";
