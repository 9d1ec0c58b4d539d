import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createFetchTransport, createPasscodeClient } from "@cognito-passcode/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe("createFetchTransport over real HTTP", () => {
  let server: Server;
  let endpoint: string;
  let handler: Handler = () => {};

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => handler(req, body, res));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("speaks Cognito's JSON protocol", async () => {
    // Prepare
    let seen: { headers: IncomingMessage["headers"]; body: unknown; method?: string } | undefined;
    handler = (req, body, res) => {
      seen = { headers: req.headers, body: JSON.parse(body), method: req.method };
      res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify({
          ChallengeName: "CUSTOM_CHALLENGE",
          Session: "sess",
          ChallengeParameters: { step: "CODE" },
        }),
      );
    };
    const transport = createFetchTransport({ clientId: "client1", endpoint });
    // Act
    const step = await transport.initiateAuth({ username: "alice@example.com" });
    // Assess
    expect(seen?.method).toBe("POST");
    expect(seen?.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.InitiateAuth");
    expect(seen?.headers["content-type"]).toBe("application/x-amz-json-1.1");
    expect(seen?.body).toEqual({
      ClientId: "client1",
      AuthFlow: "CUSTOM_AUTH",
      AuthParameters: { USERNAME: "alice@example.com" },
    });
    expect(step).toEqual({ type: "challenge", session: "sess", parameters: { step: "CODE" } });
  });

  it("sends no ClientId to GlobalSignOut and the token to RevokeToken", async () => {
    const bodies: Record<string, unknown>[] = [];
    handler = (_req, body, res) => {
      bodies.push(JSON.parse(body));
      res.writeHead(200).end("{}");
    };
    const transport = createFetchTransport({ clientId: "client1", endpoint });
    await transport.globalSignOut({ accessToken: "at" });
    await transport.revokeToken({ refreshToken: "rt" });
    expect(bodies).toEqual([{ AccessToken: "at" }, { ClientId: "client1", Token: "rt" }]);
  });

  it("names errors after Cognito's __type, its header, or the HTTP status", async () => {
    const transport = createFetchTransport({ clientId: "client1", endpoint });
    handler = (_req, _body, res) =>
      res
        .writeHead(400)
        .end(JSON.stringify({ __type: "com.amazonaws#NotAuthorizedException", message: "nope" }));
    await expect(transport.refresh({ refreshToken: "x" })).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "nope",
    });
    handler = (_req, _body, res) =>
      res
        .writeHead(400, { "x-amzn-errortype": "UserLambdaValidationException:http://internal" })
        .end("");
    await expect(transport.refresh({ refreshToken: "x" })).rejects.toMatchObject({
      name: "UserLambdaValidationException",
    });
    handler = (_req, _body, res) => res.writeHead(502).end("<html>bad gateway</html>");
    await expect(transport.refresh({ refreshToken: "x" })).rejects.toMatchObject({
      name: "Http502",
    });
  });

  it("reads a hostile error name in linear time (a proxy's 100,000 colons and a newline)", async () => {
    handler = (_req, _body, res) =>
      res.writeHead(400).end(JSON.stringify({ __type: `${":".repeat(100_000)}\nx`, message: "m" }));
    const transport = createFetchTransport({ clientId: "client1", endpoint });
    const started = performance.now();
    await expect(transport.refresh({ refreshToken: "x" })).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("refuses a response without tokens instead of inventing them", async () => {
    handler = (_req, _body, res) =>
      res.writeHead(200).end(JSON.stringify({ AuthenticationResult: { IdToken: "a" } }));
    const transport = createFetchTransport({ clientId: "client1", endpoint });
    await expect(transport.refresh({ refreshToken: "x" })).rejects.toMatchObject({
      name: "PasscodeError",
      code: "SERVICE_ERROR",
    });
  });

  it("rejects with fetch's TypeError when nothing listens", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const transport = createFetchTransport({
      clientId: "client1",
      endpoint: `http://127.0.0.1:${port}/`,
    });
    await expect(transport.initiateAuth({ username: "a@b.co" })).rejects.toBeInstanceOf(TypeError);
  });

  it("targets the regional endpoint for a region", async () => {
    const urls: string[] = [];
    const transport = createFetchTransport({
      clientId: "client1",
      region: "eu-west-1",
      fetch: async (url) => {
        urls.push(String(url));
        return new Response("{}", { status: 200 });
      },
    });
    await transport.revokeToken({ refreshToken: "rt" });
    expect(urls).toEqual(["https://cognito-idp.eu-west-1.amazonaws.com/"]);
  });

  describe("requests that end", () => {
    // Connections a hung handler holds open, so the server can still close.
    const held: ServerResponse[] = [];
    const hang: Handler = (_req, _body, res) => void held.push(res);
    const release = () => {
      for (const res of held.splice(0)) res.destroy();
    };

    it("gives up on a server that never answers after timeoutMs, with a TimeoutError", async () => {
      handler = hang;
      const transport = createFetchTransport({ clientId: "client1", endpoint, timeoutMs: 150 });
      const started = Date.now();
      await expect(transport.initiateAuth({ username: "a@example.com" })).rejects.toMatchObject({
        name: "TimeoutError",
      });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      release();
    });

    it("times out a body that never ends, after the headers came", async () => {
      handler = (_req, _body, res) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.write('{"ChallengeName":');
        held.push(res);
      };
      const transport = createFetchTransport({ clientId: "client1", endpoint, timeoutMs: 150 });
      await expect(transport.initiateAuth({ username: "a@example.com" })).rejects.toMatchObject({
        name: "TimeoutError",
      });
      release();
    });

    it("an abort while the body is still coming rejects with AbortError, never resolves", async () => {
      handler = (_req, _body, res) => {
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.write("{");
        held.push(res);
      };
      const transport = createFetchTransport({ clientId: "client1", endpoint, timeoutMs: 5000 });
      for (const call of [
        (signal: AbortSignal) => transport.revokeToken({ refreshToken: "rt", signal }),
        (signal: AbortSignal) => transport.signUp({ username: "a@x.com", password: "p", signal }),
        (signal: AbortSignal) => transport.refresh({ refreshToken: "rt", signal }),
      ]) {
        const controller = new AbortController();
        const result = call(controller.signal);
        while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
        await new Promise((r) => setTimeout(r, 20));
        controller.abort();
        await expect(result).rejects.toMatchObject({ name: "AbortError" });
        release();
      }
    });

    it("a timeoutMs beyond what timers hold (Infinity, 2^31 ms) waits instead of giving up at once", async () => {
      handler = (_req, _body, res) => void setTimeout(() => res.writeHead(200).end("{}"), 50);
      for (const timeoutMs of [Number.POSITIVE_INFINITY, 2 ** 31, 2 ** 40]) {
        const transport = createFetchTransport({ clientId: "client1", endpoint, timeoutMs });
        await expect(transport.revokeToken({ refreshToken: "rt" })).resolves.toBeUndefined();
        // The client's option check takes it as well.
        const client = createPasscodeClient({ clientId: "client1", endpoint, timeoutMs });
        expect(client.getSnapshot().status).toBe("signedOut");
      }
    });

    it("a timeout is a retryable NETWORK_ERROR in the client, and the retry can succeed", async () => {
      let calls = 0;
      handler = (req, body, res) => {
        if (++calls === 1) return hang(req, body, res);
        res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
        res.end(
          JSON.stringify({
            ChallengeName: "CUSTOM_CHALLENGE",
            Session: "s".repeat(20),
            ChallengeParameters: {
              step: "CODE",
              codeLength: "6",
              expiresAt: String(Date.now() + 180_000),
              attemptsLeft: "3",
              email: "a***@e***.com",
            },
          }),
        );
      };
      const client = createPasscodeClient({
        clientId: "client1",
        endpoint,
        timeoutMs: 150,
        autoSignUp: false,
      });
      const first = await client.requestCode("a@example.com");
      expect(first).toEqual({
        status: "signedOut",
        error: { code: "NETWORK_ERROR", message: "NETWORK_ERROR", cause: "TimeoutError" },
      });
      expect((await client.requestCode("a@example.com")).status).toBe("awaitingCode");
      release();
    });

    it("reset() aborts the request on the wire: the server sees the connection close", async () => {
      const closed = new Promise<void>((resolve) => {
        handler = (req, body, res) => {
          res.on("close", () => resolve());
          hang(req, body, res);
        };
      });
      const client = createPasscodeClient({ clientId: "client1", endpoint, autoSignUp: false });
      const requested = client.requestCode("a@example.com");
      // Wait until the request reached the server.
      while (held.length === 0) await new Promise((r) => setTimeout(r, 5));
      client.reset();
      await closed;
      expect(await requested).toEqual({ status: "signedOut" });
      release();
    });
  });
});
