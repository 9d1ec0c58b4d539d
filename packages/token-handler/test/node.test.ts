import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type HandlerServer, startHandlerServer } from "./support/browser.js";
import {
  authenticationResult,
  CLIENT_ID,
  KEY_A,
  ORIGIN,
  recordingUpstream,
} from "./support/requests.js";

const servers: HandlerServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(upstream: ReturnType<typeof recordingUpstream>, trustProxyHeader?: string) {
  const server = await startHandlerServer({
    clientId: CLIENT_ID,
    endpoint: "https://cognito.test/",
    allowedOrigins: [ORIGIN],
    cookieKeys: [KEY_A],
    fetch: upstream.fetch,
    ...(trustProxyHeader ? { trustProxyHeader } : {}),
  });
  servers.push(server);
  return server;
}

const headers = (operation: string, extra: Record<string, string> = {}) => ({
  origin: ORIGIN,
  "content-type": "application/x-amz-json-1.1",
  "x-amz-target": `AWSCognitoIdentityProviderService.${operation}`,
  "x-cognito-passcode": "1",
  ...extra,
});
const initiate = JSON.stringify({
  ClientId: CLIENT_ID,
  AuthFlow: "CUSTOM_AUTH",
  AuthParameters: { USERNAME: "a@example.com" },
});

describe("createNodeHandler on a real node:http server", () => {
  it("serves a sign-in: Set-Cookie headers, CORS and the body, and forwards the socket's address", async () => {
    const upstream = recordingUpstream(() => ({ body: authenticationResult("rt-node") }));
    const server = await start(upstream);
    const response = await fetch(server.url, {
      method: "POST",
      headers: headers("InitiateAuth"),
      body: initiate,
    });
    expect(response.status).toBe(200);
    expect(response.headers.getSetCookie()).toHaveLength(1);
    expect(response.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(await response.text()).not.toContain("rt-node");
    expect(upstream.calls[0]!.body.UserContextData).toEqual({ IpAddress: "127.0.0.1" });
  });

  it("reads the address from the trusted proxy header's last entry only when told to", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const trusting = await start(upstream, "X-Forwarded-For");
    await fetch(trusting.url, {
      method: "POST",
      headers: headers("InitiateAuth", { "x-forwarded-for": "10.9.9.9, 203.0.113.50" }),
      body: initiate,
    });
    const plain = await start(upstream);
    await fetch(plain.url, {
      method: "POST",
      headers: headers("InitiateAuth", { "x-forwarded-for": "203.0.113.50" }),
      body: initiate,
    });
    expect(upstream.calls.map((c) => c.body.UserContextData)).toEqual([
      { IpAddress: "203.0.113.50" },
      { IpAddress: "127.0.0.1" },
    ]);
  });

  it("reads CloudFront-Viewer-Address, the header the option's TSDoc names, as CloudFront writes it (IPv6 unbracketed, then the port)", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const trusting = await start(upstream, "CloudFront-Viewer-Address");
    for (const viewer of ["2001:db8::7:46532", "2001:db8::7:8443", "198.51.100.10:46532"]) {
      await fetch(trusting.url, {
        method: "POST",
        headers: headers("InitiateAuth", { "cloudfront-viewer-address": viewer }),
        body: initiate,
      });
    }
    expect(upstream.calls.map((c) => c.body.UserContextData)).toEqual([
      { IpAddress: "2001:db8::7" },
      { IpAddress: "2001:db8::7" },
      { IpAddress: "198.51.100.10" },
    ]);
  });

  it("refuses a body over 64 KiB, forwarding nothing, and keeps the connection usable", async () => {
    const upstream = recordingUpstream();
    const server = await start(upstream);
    const big = JSON.stringify({ ClientId: CLIENT_ID, Username: "x".repeat(70_000) });
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: "POST", headers: headers("SignUp") }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      // Chunked, no Content-Length: the adapter counts what arrives.
      for (let i = 0; i < big.length; i += 8192) req.write(big.slice(i, i + 8192));
      req.end();
    });
    expect(status).toBe(400);
    expect(upstream.calls).toEqual([]);
  });

  it("serves a request whose Host is not a URL host instead of hanging (the handler reads no URL)", async () => {
    const upstream = recordingUpstream(() => ({ body: {} }));
    const server = await start(upstream);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        server.url,
        {
          method: "POST",
          headers: { ...headers("InitiateAuth"), host: "bad host" },
          timeout: 3000,
        },
        (res) => {
          let body = "";
          res.on("data", (chunk) => {
            body += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("timeout", () => req.destroy(new Error("no answer")));
      req.on("error", reject);
      req.end(initiate);
    });
    expect(answer.status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
  });

  it("answers a method fetch cannot represent (TRACE) instead of hanging", async () => {
    const upstream = recordingUpstream();
    const server = await start(upstream);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(server.url, { method: "TRACE", timeout: 3000 }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("timeout", () => req.destroy(new Error("no answer")));
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(400);
    expect(upstream.calls).toEqual([]);
  });

  it("answers the preflight and refuses other origins", async () => {
    const server = await start(recordingUpstream());
    const ok = await fetch(server.url, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(ok.status).toBe(204);
    const no = await fetch(server.url, {
      method: "POST",
      headers: headers("InitiateAuth", { origin: "https://evil.example" }),
      body: initiate,
    });
    expect(no.status).toBe(403);
    expect(no.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("refuses a trustProxyHeader that is not a header name", async () => {
    const { createNodeHandler } = await import("@cognito-passcode/token-handler/node");
    expect(() =>
      createNodeHandler({
        clientId: CLIENT_ID,
        region: "eu-west-1",
        allowedOrigins: [ORIGIN],
        cookieKeys: [KEY_A],
        trustProxyHeader: "x forwarded",
      }),
    ).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });
});
