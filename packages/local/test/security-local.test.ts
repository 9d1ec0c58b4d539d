import { createHash, randomBytes } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from "amazon-cognito-identity-js";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAdminSignature } from "../src/admin-signature.js";
import { guardServer, isAllowedHost } from "../src/host-check.js";
import { SIGNED_OPERATIONS, SUPPORTED_OPERATIONS } from "../src/http-server.js";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { resolveOptions } from "../src/resolve-options.js";
import { call, corsPreflight, initiateForNobody, sdkClient } from "./support/clients.js";
import { signedHeaders } from "./support/sign.js";

// The attacks these tests replay come from a web page open in the developer's
// browser (any origin, or a DNS-rebound name pointing at 127.0.0.1) and from
// anyone who can reach the port without the credentials the stack printed.

const PAGE = "http://localhost:5173";
const EVIL = "https://evil.example";

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ cors: { origins: [PAGE] }, triggers: { throttle: false } });
});
afterAll(() => stack?.stop());

/** One raw HTTP exchange with full control of the headers (fetch will not set Host). */
function raw(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? "GET", headers: options.headers });
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

interface SignedCall {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

/** An admin call signed with @smithy/signature-v4, as the AWS SDK signs it. */
async function signedCall(
  operation: string,
  input: Record<string, unknown>,
  options: {
    credentials?: { accessKeyId: string; secretAccessKey: string };
    signingDate?: Date;
    region?: string;
    service?: string;
    /** Headers the signer leaves out of SignedHeaders, though the request carries them. */
    unsigned?: readonly string[];
  } = {},
): Promise<SignedCall> {
  const body = Buffer.from(JSON.stringify(input));
  const headers = await signedHeaders(stack.endpoint, operation, body, {
    ...options,
    credentials: options.credentials ?? stack.credentials,
    region: options.region ?? stack.region,
  });
  return { url: `${stack.endpoint}/`, headers, body };
}

async function send(signed: SignedCall) {
  const response = await raw(signed.url, {
    method: "POST",
    headers: signed.headers,
    body: signed.body,
  });
  return { status: response.status, body: JSON.parse(response.body) as Record<string, unknown> };
}

const getUser = (username: string) => ({ UserPoolId: stack.userPoolId, Username: username });

describe("CORS on the Cognito endpoint", () => {
  it("grants nothing to a page from another origin and refuses its preflight", async () => {
    // Act
    const preflight = await corsPreflight(stack, EVIL, "content-type,x-amz-target");
    const post = await call(stack, "ListUsers", { UserPoolId: stack.userPoolId }, { Origin: EVIL });
    // Assess
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-headers")).toBeNull();
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("never answers with a wildcard, for any origin but the configured one", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.webUrl().map((url) => new URL(url).origin),
        async (origin) => {
          fc.pre(origin !== PAGE);
          const response = await corsPreflight(stack, origin);
          expect(response.status).toBe(403);
          expect(response.headers.get("access-control-allow-origin")).toBeNull();
        },
      ),
      { numRuns: 30 },
    );
  });

  it("answers the configured origin with that origin, not *", async () => {
    const asked = "content-type,x-amz-target,x-amz-user-agent";
    const preflight = await corsPreflight(stack, PAGE, asked);
    const post = await initiateForNobody(stack, { Origin: PAGE });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(preflight.headers.get("access-control-allow-headers")).toBe(asked);
    expect(preflight.headers.get("vary")).toContain("Origin");
    expect(post.status).toBe(200);
    expect(post.headers.get("access-control-allow-origin")).toBe(PAGE);
  });

  it("still serves requests without an Origin (SDKs, curl)", async () => {
    const { status, headers } = await initiateForNobody(stack);
    expect(status).toBe(200);
    expect(headers.get("access-control-allow-origin")).toBeNull();
  });
});

describe("Host check (DNS rebinding)", () => {
  const initiate = JSON.stringify({
    ClientId: "x",
    AuthFlow: "CUSTOM_AUTH",
    AuthParameters: { USERNAME: "a@example.com" },
  });
  const post = (host: string) =>
    raw(`${stack.endpoint}/`, {
      method: "POST",
      headers: {
        Host: host,
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
      body: initiate,
    });

  it("refuses a request whose Host is not a loopback name, on the endpoint", async () => {
    const port = new URL(stack.endpoint).port;
    const rebound = await post(`evil.example:${port}`);
    const jwks = await raw(stack.jwksUrl, { headers: { Host: "evil.example" } });
    expect(rebound.status).toBe(403);
    expect(jwks.status).toBe(403);
    expect(rebound.body).not.toContain("ResourceNotFoundException");
  });

  it("refuses a request whose Host is not a loopback name, on the inbox", async () => {
    // Prepare: a mail in the inbox
    await stack.mailbox.clear();
    const port = new URL(stack.sesEndpoint).port;
    // Act
    const store = await raw(`${stack.sesEndpoint}/store`, {
      headers: { Host: `evil.example:${port}` },
    });
    const page = await raw(`${stack.sesEndpoint}/`, { headers: { Host: "evil.example" } });
    const clear = await raw(`${stack.sesEndpoint}/clear-store`, {
      method: "POST",
      headers: { Host: "rebind.attacker.test" },
    });
    // Assess
    for (const response of [store, page, clear]) {
      expect(response.status).toBe(403);
      expect(response.body).not.toContain("emails");
    }
  });

  it("refuses a cross-site POST to the inbox even with a loopback Host", async () => {
    const clear = await raw(`${stack.sesEndpoint}/clear-store`, {
      method: "POST",
      headers: { Origin: EVIL },
    });
    expect(clear.status).toBe(403);
  });

  it("refuses every non-loopback name on both servers", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.domain().filter((d) => !/(^|\.)localhost$/i.test(d)),
        fc.boolean(),
        async (domain, inbox) => {
          const response = inbox
            ? await raw(`${stack.sesEndpoint}/store`, { headers: { Host: domain } })
            : await post(domain);
          expect(response.status).toBe(403);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("refuses malformed loopback names: a port past 65535, an empty label", async () => {
    for (const host of [
      "localhost:65536",
      "localhost:99999",
      "127.0.0.1:70000",
      "[::1]:99999",
      ".localhost",
      "a..localhost",
      "localhost..",
    ]) {
      expect(isAllowedHost(host, "127.0.0.1")).toBe(false);
      expect((await post(host)).status).toBe(403);
    }
    expect(isAllowedHost("localhost:65535", "127.0.0.1")).toBe(true);
    expect(isAllowedHost("localhost.", "127.0.0.1")).toBe(true);
  });

  it("serves loopback names: localhost, 127.0.0.1, [::1], *.localhost", async () => {
    const port = new URL(stack.endpoint).port;
    const sesPort = new URL(stack.sesEndpoint).port;
    for (const host of ["localhost", "127.0.0.1", "[::1]", "app.localhost", "LOCALHOST"]) {
      expect((await post(`${host}:${port}`)).status).toBe(400); // no such client: past the check
      expect(
        (await raw(`${stack.sesEndpoint}/store`, { headers: { Host: `${host}:${sesPort}` } }))
          .status,
      ).toBe(200);
    }
  });
});

describe("SigV4 on admin operations", () => {
  it("refuses a forged AWS4-HMAC-SHA256 header", async () => {
    // Prepare: the shape of a signature, with the stack's own access key id
    const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, "");
    const anyKey = await call(
      stack,
      "ListUsers",
      { UserPoolId: stack.userPoolId },
      {
        Authorization:
          "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00",
      },
    );
    expect(anyKey.status).toBe(400);
    expect(anyKey.body.__type).toBe("UnrecognizedClientException");
    // Act
    const forged = await call(
      stack,
      "ListUsers",
      { UserPoolId: stack.userPoolId },
      {
        "X-Amz-Date": date,
        Authorization: `AWS4-HMAC-SHA256 Credential=${stack.credentials.accessKeyId}/${date.slice(0, 8)}/${stack.region}/cognito-idp/aws4_request, SignedHeaders=host;x-amz-date, Signature=${"0".repeat(64)}`,
      },
    );

    // Assess
    expect(forged.status).toBe(400);
    expect(forged.body.__type).toBe("InvalidSignatureException");
    expect(forged.body).not.toHaveProperty("Users");
  });

  it("signs every Admin* operation and ListUsers, and refuses each one forged or unsigned", async () => {
    // Prepare
    const expected = SUPPORTED_OPERATIONS.filter(
      (name) => name.startsWith("Admin") || name === "ListUsers",
    );
    // Act + Assess
    expect([...SIGNED_OPERATIONS].sort()).toEqual(expected.sort());
    expect(expected).toEqual(
      expect.arrayContaining([
        "AdminCreateUser",
        "AdminDeleteUser",
        "AdminGetUser",
        "AdminUpdateUserAttributes",
        "ListUsers",
      ]),
    );
    for (const operation of SIGNED_OPERATIONS) {
      const input = { UserPoolId: stack.userPoolId, Username: "x@example.com" };
      const signed = await signedCall(operation, input, {
        credentials: {
          ...stack.credentials,
          secretAccessKey: `${stack.credentials.secretAccessKey}x`,
        },
      });
      expect((await send(signed)).body.__type).toBe("InvalidSignatureException");
      expect((await call(stack, operation, input)).body.__type).toBe(
        "MissingAuthenticationTokenException",
      );
    }
  });

  it("refuses a call without a signature", async () => {
    const unsigned = await call(stack, "AdminDeleteUser", getUser("x@example.com"));
    expect(unsigned.body.__type).toBe("MissingAuthenticationTokenException");
  });

  it("refuses other credentials: an unknown key, or the right key with the wrong secret", async () => {
    const other = new CognitoIdentityProviderClient({
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    const wrongSecret = await send(
      await signedCall(
        "ListUsers",
        { UserPoolId: stack.userPoolId },
        {
          credentials: {
            accessKeyId: stack.credentials.accessKeyId,
            secretAccessKey: randomBytes(30).toString("base64"),
          },
        },
      ),
    );
    await expect(
      other.send(new ListUsersCommand({ UserPoolId: stack.userPoolId })),
    ).rejects.toMatchObject({
      name: "UnrecognizedClientException",
      message: "The security token included in the request is invalid.",
    });
    expect(wrongSecret).toEqual({
      status: 400,
      body: {
        __type: "InvalidSignatureException",
        message: expect.stringContaining("does not match"),
      },
    });
    other.destroy();
  });

  it("refuses a signature older or newer than 15 minutes", async () => {
    const input = { UserPoolId: stack.userPoolId };
    const stale = await send(
      await signedCall("ListUsers", input, { signingDate: new Date(Date.now() - 16 * 60_000) }),
    );
    const future = await send(
      await signedCall("ListUsers", input, { signingDate: new Date(Date.now() + 16 * 60_000) }),
    );
    const fresh = await send(
      await signedCall("ListUsers", input, { signingDate: new Date(Date.now() - 60_000) }),
    );
    expect(stale.body.__type).toBe("InvalidSignatureException");
    expect(String(stale.body.message)).toMatch(/^Signature expired: /);
    expect(future.body.__type).toBe("InvalidSignatureException");
    expect(fresh.status).toBe(200);
  });

  it("refuses a signature scoped to another region or service", async () => {
    const input = { UserPoolId: stack.userPoolId };
    const region = await send(await signedCall("ListUsers", input, { region: "eu-west-1" }));
    const service = await send(await signedCall("ListUsers", input, { service: "dynamodb" }));
    expect(region.body.__type).toBe("InvalidSignatureException");
    expect(service.body.__type).toBe("InvalidSignatureException");
  });

  it("refuses a tampered body", async () => {
    // Prepare: sign a harmless read, then swap in a delete
    const signed = await signedCall("AdminGetUser", getUser("victim@example.com"));
    const tampered = JSON.stringify(getUser("attack@example.com"));
    // Act
    const response = await send({ ...signed, body: Buffer.from(tampered) });
    // Assess
    expect(tampered.length).toBe(signed.body.length);
    expect(response.body.__type).toBe("InvalidSignatureException");
  });

  it("refuses a declared payload hash that is not the body's", async () => {
    const signed = await signedCall("ListUsers", { UserPoolId: stack.userPoolId });
    const other = Buffer.from(JSON.stringify({ UserPoolId: stack.userPoolId, Limit: 1 }));
    const response = await send({
      ...signed,
      headers: {
        ...signed.headers,
        "x-amz-content-sha256": createHash("sha256").update(signed.body).digest("hex"),
      },
      body: other,
    });
    expect(response.body.__type).toBe("InvalidSignatureException");
  });

  it("refuses a signature that leaves out X-Amz-Target: a signed AdminGetUser cannot be replayed as AdminDeleteUser", async () => {
    // Prepare: a user, and a signed AdminGetUser whose SignedHeaders omit x-amz-target
    const email = "replayed@example.com";
    await sdkClient(stack).send(
      new AdminCreateUserCommand({ ...getUser(email), MessageAction: "SUPPRESS" }),
    );
    const signed = await signedCall("AdminGetUser", getUser(email), {
      unsigned: ["x-amz-target"],
    });
    expect(signed.headers.authorization).not.toContain("x-amz-target");
    // Act: the same signature and body, another operation
    const swapped = await send({
      ...signed,
      headers: {
        ...signed.headers,
        "x-amz-target": "AWSCognitoIdentityProviderService.AdminDeleteUser",
      },
    });
    const asSigned = await send(signed);
    // Assess: both refused, and the user is still there
    expect(swapped).toMatchObject({ status: 400, body: { __type: "InvalidSignatureException" } });
    expect(String(swapped.body.message)).toContain("X-Amz-Target");
    expect(asSigned.body.__type).toBe("InvalidSignatureException");
    const still = await sdkClient(stack).send(new AdminGetUserCommand(getUser(email)));
    expect(still.UserAttributes).toContainEqual({ Name: "email", Value: email });
  });

  it("refuses a signature that leaves out Content-Type, which the AWS SDK always signs", async () => {
    const signed = await signedCall(
      "ListUsers",
      { UserPoolId: stack.userPoolId },
      {
        unsigned: ["content-type"],
      },
    );
    const response = await send(signed);
    expect(response.body.__type).toBe("InvalidSignatureException");
    expect(String(response.body.message)).toContain("Content-Type");
  });

  it("serves every admin operation to the AWS SDK signing with stack.credentials", async () => {
    const admin = sdkClient(stack);
    const email = "signed@example.com";
    await admin.send(new AdminCreateUserCommand({ ...getUser(email), MessageAction: "SUPPRESS" }));
    await admin.send(
      new AdminUpdateUserAttributesCommand({
        ...getUser(email),
        UserAttributes: [{ Name: "name", Value: "Signed" }],
      }),
    );
    const user = await admin.send(new AdminGetUserCommand(getUser(email)));
    const listed = await admin.send(
      new ListUsersCommand({ UserPoolId: stack.userPoolId, Filter: `email = "${email}"` }),
    );
    await admin.send(new AdminDeleteUserCommand(getUser(email)));
    expect(user.UserAttributes).toContainEqual({ Name: "name", Value: "Signed" });
    expect(listed.Users).toHaveLength(1);
    expect(stack.credentials.accessKeyId).toMatch(/^LOCAL[A-Z0-9]{15}$/);
  });

  it("keeps public operations unsigned: InitiateAuth from amazon-cognito-identity-js", async () => {
    const pool = new CognitoUserPool({
      UserPoolId: stack.userPoolId,
      ClientId: stack.clientId,
      endpoint: `${stack.endpoint}/`,
    });
    const user = new CognitoUser({ Username: "public@example.com", Pool: pool });
    user.setAuthenticationFlowType("CUSTOM_AUTH");
    const challenge = await new Promise<Record<string, string>>((resolve, reject) => {
      user.initiateAuth(new AuthenticationDetails({ Username: "public@example.com" }), {
        onSuccess: () => reject(new Error("tokens without a code")),
        onFailure: reject,
        customChallenge: resolve,
      });
    });
    expect(challenge.step).toBe("CODE");
  });
});

describe("every one-byte change to a signed request breaks the signature", () => {
  const credentials = {
    accessKeyId: "LOCALTESTKEY00000001",
    secretAccessKey: "a-secret-that-only-this-test-knows",
  };
  const NOW = Date.UTC(2026, 11, 5, 12, 0, 0);
  /** SigV4 headers for an AdminDeleteUser with `body`, leaving `unsigned` out of SignedHeaders. */
  const signed = (body: Buffer, unsigned: readonly string[] = []) =>
    signedHeaders("http://127.0.0.1:4567", "AdminDeleteUser", body, {
      credentials,
      region: "us-east-1",
      signingDate: new Date(NOW),
      unsigned,
    });
  const verify = (headers: Record<string, string>, body: Buffer) =>
    verifyAdminSignature(
      { method: "POST", url: "/", headers, body },
      credentials,
      "us-east-1",
      NOW,
    );

  it("holds for the body and for each signed header", async () => {
    const signedNames = ["host", "content-type", "x-amz-target", "x-amz-date"];
    await fc.assert(
      fc.asyncProperty(
        fc.record({ UserPoolId: fc.string(), Username: fc.emailAddress() }),
        fc.constantFrom("body", ...signedNames),
        fc.nat(),
        fc.integer({ min: 0x21, max: 0x7e }),
        async (input, where, at, byte) => {
          const body = Buffer.from(JSON.stringify(input));
          const headers = await signed(body);
          await verify(headers, body); // the untouched request passes
          if (where === "body") {
            const changed = Buffer.from(body);
            const i = at % changed.length;
            changed[i] = changed[i]! ^ ((byte % 255) + 1);
            await expect(verify(headers, changed)).rejects.toMatchObject({ name: "CognitoError" });
          } else {
            const value = headers[where]!;
            const i = at % value.length;
            fc.pre(value.charCodeAt(i) !== byte);
            const changed = value.slice(0, i) + String.fromCharCode(byte) + value.slice(i + 1);
            await expect(verify({ ...headers, [where]: changed }, body)).rejects.toMatchObject({
              name: "CognitoError",
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("holds for the headers that select or shape the operation, signed or not: any change is refused", async () => {
    // X-Amz-Target picks the operation, Content-Type the protocol. Whatever the
    // signer left out of SignedHeaders, a request whose signature does not
    // cover both, or whose value changed after signing, is refused.
    const OPERATION_HEADERS = ["x-amz-target", "content-type"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray([...OPERATION_HEADERS]),
        fc.constantFrom(...OPERATION_HEADERS),
        fc.oneof(
          fc.constantFrom(
            "AWSCognitoIdentityProviderService.AdminGetUser",
            "AWSCognitoIdentityProviderService.AdminCreateUser",
            "AWSCognitoIdentityProviderService.ListUsers",
            "application/json",
            "application/x-amz-json-1.0",
            "application/x-amz-json-1.1",
          ),
          fc.string({ minLength: 1 }).filter((v) => /^[\x21-\x7e][\x20-\x7e]*$/.test(v)),
        ),
        fc.boolean(),
        async (unsigned, changed, value, change) => {
          const body = Buffer.from(JSON.stringify({ UserPoolId: "us-east-1_x", Username: "u" }));
          const headers = { ...(await signed(body, unsigned)) };
          const tampered = change && headers[changed] !== value;
          if (tampered) headers[changed] = value;
          const result = verify(headers, body);
          if (unsigned.length === 0 && !tampered) {
            await expect(result).resolves.toBeUndefined();
          } else {
            await expect(result).rejects.toMatchObject({
              name: "CognitoError",
              type: "InvalidSignatureException",
            });
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("holds end to end: a tampered body never reaches the operation", async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.integer({ min: 1, max: 255 }), async (at, xor) => {
        const call = await signedCall("AdminGetUser", getUser("nobody@example.com"));
        const body = Buffer.from(call.body);
        body[at % body.length] = body[at % body.length]! ^ xor;
        const response = await send({ ...call, body }).catch(() => ({
          status: 0,
          body: {} as Record<string, unknown>,
        }));
        expect(response.status).not.toBe(200);
        expect(response.body.__type).not.toBe("UserNotFoundException");
      }),
      { numRuns: 25 },
    );
  });
});

describe("options", () => {
  it.each([
    ["*"],
    ["null"],
    ["http://localhost:5173/"],
    ["http://localhost:5173/app"],
    ["HTTP://LOCALHOST:5173"],
    ["file:///tmp/page.html"],
    ["localhost:5173"],
  ])("refuses cors.origins %j: only exact origins, never a wildcard", (origin) => {
    expect(() => resolveOptions({ cors: { origins: [origin] } })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", details: { field: "cors.origins" } }),
    );
  });

  it("refuses weak or malformed credentials", () => {
    for (const credentials of [
      { accessKeyId: "local", secretAccessKey: "local-secret-long-enough" },
      { accessKeyId: "LOCALKEY0000000001", secretAccessKey: "short" },
      { accessKeyId: "LOCALKEY0000000001", secretAccessKey: "has spaces in the secret" },
    ]) {
      expect(() => resolveOptions({ credentials })).toThrow(
        expect.objectContaining({ code: "CONFIGURATION_ERROR" }),
      );
    }
  });

  it("draws new credentials for every stack and accepts given ones", () => {
    const a = resolveOptions().credentials;
    const b = resolveOptions().credentials;
    const given = {
      accessKeyId: "LOCALFIXEDFORCI00001",
      secretAccessKey: "a-ci-secret-of-some-length",
    };
    expect(a.accessKeyId).not.toBe(b.accessKeyId);
    expect(a.secretAccessKey).not.toBe(b.secretAccessKey);
    expect(a.secretAccessKey).toMatch(/^[A-Za-z0-9+/]{40}$/);
    expect(resolveOptions({ credentials: given }).credentials).toEqual(given);
  });
});

describe("guardServer (in front of the inbox and dynalite)", () => {
  it("lets through loopback requests without an Origin or with the server's own, and nothing else", async () => {
    // Prepare: a server that would answer anything, as dynalite does (CORS *)
    const server = createServer((_req, res) => {
      res.writeHead(200, { "Access-Control-Allow-Origin": "*" }).end("data");
    });
    guardServer(server, "127.0.0.1");
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/`;
    try {
      // Act
      const plain = await raw(url);
      const own = await raw(url, {
        method: "POST",
        headers: { Origin: `http://127.0.0.1:${port}` },
      });
      const foreign = await raw(url, { method: "POST", headers: { Origin: EVIL } });
      const otherLocal = await raw(url, { headers: { Origin: "http://localhost:3000" } });
      const rebound = await raw(url, { headers: { Host: `rebind.test:${port}` } });
      // Assess
      expect([plain.status, own.status]).toEqual([200, 200]);
      for (const refused of [foreign, otherLocal, rebound]) {
        expect(refused.status).toBe(403);
        expect(refused.body).not.toContain("data");
        expect(refused.headers["access-control-allow-origin"]).toBeUndefined();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
