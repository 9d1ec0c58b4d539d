import { afterEach, describe, expect, it, vi } from "vitest";

const BROWSER_GLOBALS = [
  "window",
  "document",
  "localStorage",
  "sessionStorage",
  "navigator",
  "location",
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

  it("touches no browser global when imported or created without storage (with tabs too)", async () => {
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
      const client = core.createPasscodeClient({
        clientId: "abc123",
        region: "eu-west-1",
        tabs: shareAcrossTabs(),
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
});
