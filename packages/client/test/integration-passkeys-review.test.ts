// Second-look review (session of 2026-12-06) of 37a9305/368e321 (Verify takes
// a passkey record named by a code sign-in) from the honest side: with the
// real client, the real token handler and the local stack, a passkey
// sign-in keeps passcode_amr "pop mfa" after a refused assertion and the
// right one, and after a switch to a code and back to the passkey, through
// the enrolment step and its skip. (Passes on 37a9305 and after: recorded
// as what was checked.)
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createPasscodeClient,
  type PasscodeClient,
  type PasscodeClientOptions,
  type PasscodeSnapshot,
} from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import { type LocalStack, startLocalStack } from "@cognito-passcode/local";
import { createNodeHandler } from "@cognito-passcode/token-handler/node";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { installWebAuthn } from "./helpers/fake-webauthn.js";

/**
 * Passkeys end to end without a browser: the local stack with passkeys on
 * (the real triggers, @simplewebauthn/server, dynalite), the real token
 * handler with its management operations, and a fake `navigator.credentials`
 * backed by the triggers' soft authenticator (real ES256 keys and WebAuthn
 * data). Every request the page sends is counted by its target.
 */
const PAGE = "http://localhost:5173";
const COOKIE_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1)).toString(
  "base64url",
);
const slow = { timeout: 15_000 };

let stack: LocalStack;
let server: Server;
let url: string;

beforeAll(async () => {
  stack = await startLocalStack({
    port: 0,
    triggers: { throttle: false, passkeys: { rpId: "localhost", origins: [PAGE] } },
  });
  if (!stack.store) throw new Error("the stack has no store");
  const handle = createNodeHandler({
    clientId: stack.clientId,
    endpoint: stack.endpoint,
    allowedOrigins: [PAGE],
    cookieKeys: [COOKIE_KEY],
    now: stack.clock.now,
    passkeys: { userPoolId: stack.userPoolId, issuer: stack.issuer, store: stack.store },
  });
  server = createServer((req, res) => {
    if (req.url === "/auth") return void handle(req, res);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((r) => {
    if (!server) return r();
    server.closeAllConnections();
    server.close(() => r());
  });
  await stack?.stop();
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A page on PAGE: Origin sent, the handler's cookie kept, each request's target counted. */
function page() {
  const jar = new Map<string, string>();
  const targets: string[] = [];
  const metadata: (Record<string, string> | undefined)[] = [];
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    targets.push(String(headers.get("x-amz-target")).replace(/^.*\./, ""));
    if (targets.at(-1) === "RespondToAuthChallenge") {
      metadata.push(JSON.parse(String(init?.body)).ClientMetadata);
    }
    headers.set("origin", PAGE);
    headers.set("sec-fetch-site", "same-origin");
    if (jar.size > 0) headers.set("cookie", [...jar].map(([n, v]) => `${n}=${v}`).join("; "));
    const response = await globalThis.fetch(input, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const eq = pair.indexOf("=");
      if (/Max-Age=0(;|$)/.test(cookie)) jar.delete(pair.slice(0, eq));
      else jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return response;
  }) as typeof globalThis.fetch;
  return { fetch, targets, metadata };
}

async function settled(client: PasscodeClient): Promise<PasscodeSnapshot> {
  await vi.waitFor(() => expect(client.getSnapshot().status).not.toBe("restoring"), slow);
  return client.getSnapshot();
}

const idClaims = async (client: PasscodeClient) => {
  const tokens = await client.getTokens();
  return JSON.parse(Buffer.from(tokens!.idToken.split(".")[1]!, "base64url").toString());
};

let serial = 0;
const newEmail = (name: string) => `${name}${++serial}${Date.now().toString(36)}@example.com`;

describe("an honest passkey sign-in keeps 'pop mfa' (real client, local stack)", () => {
  function passkeyClient(p: ReturnType<typeof page>, extra: Partial<PasscodeClientOptions> = {}) {
    return createPasscodeClient({
      clientId: stack.clientId,
      tokenHandler: url,
      fetch: p.fetch,
      now: stack.clock.now,
      passkeys: passkeys(),
      ...extra,
    });
  }

  it("after a refused assertion then the right one, and after a switch to a code and back, through the enrolment's skip", async () => {
    // Prepare: a user with a passkey (code, name, registration)
    const webauthn = installWebAuthn("json", PAGE);
    const p = page();
    const client = passkeyClient(p);
    await settled(client);
    const email = newEmail("honest");
    await client.requestCode(email);
    await client.submitCode(await stack.mailbox.latestCode(email), { enrolPasskey: true });
    await client.submitUsername(`h${Date.now().toString(36)}`);
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", passkeyEnrolled: true });
    await client.signOut();

    // Act 1: an assertion the server refuses (no user verification), then the right one
    webauthn.override({ userVerified: false });
    await client.signInWithPasskey(email, { enrolPasskey: true });
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingPasskey" });
    webauthn.override({});
    await client.retryPasskey();
    // The same authenticator is excluded at the enrolment: skip
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingEnrolment" });
    await client.skipEnrolment();
    // Assess 1
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "passkey" });
    expect((await idClaims(client)).passcode_amr).toBe("pop mfa");
    await client.signOut();

    // Act 2: a cancelled dialog, the switch to a code, then back to the passkey
    webauthn.next("NotAllowedError");
    await client.signInWithPasskey(email);
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingPasskey" });
    await client.switchToCode();
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingCode" });
    await client.signInWithPasskey(email, { enrolPasskey: true });
    expect(client.getSnapshot()).toMatchObject({ status: "awaitingEnrolment" });
    await client.skipEnrolment();
    // Assess 2
    expect(client.getSnapshot()).toMatchObject({ status: "signedIn", method: "passkey" });
    expect((await idClaims(client)).passcode_amr).toBe("pop mfa");
    await client.signOut();
  }, 90_000);
});
