import { afterEach, describe, expect, it, vi } from "vitest";

const BROWSER_GLOBALS = [
  "window",
  "document",
  "localStorage",
  "sessionStorage",
  "navigator",
  "location",
  "PublicKeyCredential",
];

describe("server-side rendering safety", () => {
  afterEach(() => {
    for (const name of BROWSER_GLOBALS) {
      const desc = Object.getOwnPropertyDescriptor(globalThis, name);
      if (desc?.get && (desc.get as { trap?: boolean }).trap)
        delete (globalThis as Record<string, unknown>)[name];
    }
    vi.resetModules();
  });

  it("touches no browser global when imported or created without storage (with tabs and passkeys too)", async () => {
    // Prepare: plain Node with no DOM (a precondition, not the property under
    // test), then make any read of a browser global throw.
    expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined");
    expect(typeof (globalThis as { document?: unknown }).document).toBe("undefined");
    const touched: string[] = [];
    const saved = new Map<string, PropertyDescriptor | undefined>();
    for (const name of BROWSER_GLOBALS) {
      saved.set(name, Object.getOwnPropertyDescriptor(globalThis, name));
      const get = Object.assign(
        () => {
          touched.push(name);
          throw new Error(`${name} read during SSR`);
        },
        { trap: true },
      );
      Object.defineProperty(globalThis, name, { get, configurable: true });
    }
    try {
      vi.resetModules();
      // Act
      const core = await import("../src/index.js");
      const react = await import("../src/react.js");
      const { shareAcrossTabs } = await import("../src/tabs.js");
      const { passkeys } = await import("../src/passkeys.js");
      const client = core.createPasscodeClient({
        clientId: "abc123",
        region: "eu-west-1",
        tabs: shareAcrossTabs(),
        passkeys: passkeys(),
      });
      const snapshot = client.getSnapshot();
      // Assess
      expect(snapshot).toEqual({ status: "signedOut" });
      expect(client.getInitialSnapshot()).toBe(snapshot);
      expect(await client.getTokens()).toBeNull();
      expect(typeof react.usePasscode).toBe("function");
      expect(touched).toEqual([]);
    } finally {
      for (const [name, desc] of saved) {
        if (desc) Object.defineProperty(globalThis, name, desc);
        else delete (globalThis as Record<string, unknown>)[name];
      }
    }
  });

  describe("cookie mode during a server render (no location)", () => {
    /** The client's `fetch` option: records each URL, answers as the token handler does without a cookie. */
    function handlerFetch() {
      const urls: string[] = [];
      const fetch = async (input: RequestInfo | URL) => {
        urls.push(String(input));
        return new Response(
          JSON.stringify({ __type: "NotAuthorizedException", message: "no session" }),
          {
            status: 400,
            headers: {
              "content-type": "application/x-amz-json-1.1",
              "x-amzn-errortype": "NotAuthorizedException",
            },
          },
        );
      };
      return { urls, fetch };
    }

    it("with a relative tokenHandler sends nothing, stays restoring, and refuses flow calls with INVALID_STATE", async () => {
      // Prepare
      expect(typeof (globalThis as { location?: unknown }).location).toBe("undefined");
      const { createPasscodeClient } = await import("../src/index.js");
      const { urls, fetch } = handlerFetch();
      const client = createPasscodeClient({ clientId: "abc123", tokenHandler: "/auth", fetch });
      // Act
      const requested = await client.requestCode("alice@example.com");
      const tokens = await client.getTokens();
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Assess
      expect(urls).toEqual([]);
      expect(client.getInitialSnapshot()).toEqual({ status: "restoring" });
      expect(requested).toEqual({
        status: "restoring",
        error: { code: "INVALID_STATE", message: "INVALID_STATE", cause: "restoring" },
      });
      expect(tokens).toBeNull();
      // Act: a sign-out has no cookie to revoke on the server either
      const signedOut = await client.signOut();
      // Assess
      expect(signedOut).toEqual({ status: "signedOut" });
      expect(urls).toEqual([]);
    });

    it("where reading location throws (Deno without --location) is created all the same, and stays restoring", async () => {
      // Prepare: Deno's \`location\` getter throws a ReferenceError when no --location was given.
      const get = Object.assign(
        () => {
          throw new ReferenceError('Access to "location", run again with --location <href>.');
        },
        { trap: true },
      );
      Object.defineProperty(globalThis, "location", { get, configurable: true });
      const { createPasscodeClient } = await import("../src/index.js");
      const { urls, fetch } = handlerFetch();
      // Act
      const client = createPasscodeClient({ clientId: "abc123", tokenHandler: "/auth", fetch });
      const tokens = await client.getTokens();
      await new Promise((resolve) => setTimeout(resolve, 20));
      // Assess
      expect(urls).toEqual([]);
      expect(tokens).toBeNull();
      expect(client.getSnapshot()).toEqual({ status: "restoring" });
    });

    it("with an absolute tokenHandler still restores (non-browser hosts)", async () => {
      // Prepare
      const { createPasscodeClient } = await import("../src/index.js");
      const { urls, fetch } = handlerFetch();
      const client = createPasscodeClient({
        clientId: "abc123",
        tokenHandler: "https://app.example.com/auth",
        fetch,
      });
      // Act
      const tokens = await client.getTokens();
      // Assess
      expect(urls).toEqual(["https://app.example.com/auth"]);
      expect(tokens).toBeNull();
      expect(client.getSnapshot()).toEqual({ status: "signedOut" });
    });
  });
});
