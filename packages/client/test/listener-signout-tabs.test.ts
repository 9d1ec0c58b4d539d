// Adversarial review (session of 2026-12-05, second pass) of 9d175ac/fd07ab8:
// a listener that signs out inside the signedIn notification of a restore
// that rotated the refresh token, with `tabs`. The case here failed on the
// code it was written against; the fix commit says why.
import { createPasscodeClient } from "@cognito-passcode/client";
import { type LeaseStorage, shareAcrossTabs } from "@cognito-passcode/client/tabs";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "./helpers/memory-storage.js";
import { scriptedTransport, tokensFor } from "./helpers/scripted-transport.js";

const claims = { sub: "sub-1", email: "alice@example.com", "custom:username": "alice" };
const KEY = "cognito-passcode.c1.refreshToken";
const opened: { close(): void }[] = [];

afterEach(() => {
  for (const tabs of opened.splice(0)) tabs.close();
});

function leaseStorage(): LeaseStorage {
  const items = new Map<string, string>();
  return {
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function within(ms: number, check: () => boolean): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(5);
  }
}

describe("a listener that signs out when told of a restore that rotated the token (tabs)", () => {
  it("revokes the rotated refresh token, the only one that still works, and leaves none stored", async () => {
    // Prepare: a stored session; the restore's refresh rotates rt-old to rt-new
    const storage = memoryStorage();
    storage.items.set(KEY, "rt-old");
    const script = scriptedTransport();
    const tabs = shareAcrossTabs({ leaseStorage: leaseStorage(), locks: null });
    opened.push(tabs);
    const client = createPasscodeClient({
      clientId: "c1",
      transport: script.transport,
      autoSignUp: false,
      storage,
      tabs,
    });
    let out: Promise<unknown> | undefined;
    client.subscribe(() => {
      if (!out && client.getSnapshot().status === "signedIn") out = client.signOut();
    });
    await within(1000, () => script.calls.length > 0);
    // Act
    script.take("refresh").resolve(tokensFor(claims, 3600, "rt-new"));
    await within(1000, () => script.calls.some((c) => c.op === "revokeToken"));
    const revoke = script.take("revokeToken");
    revoke.resolve(undefined);
    await out;
    // Assess
    expect(out).toBeDefined();
    expect(client.getSnapshot().status).toBe("signedOut");
    expect(storage.items.has(KEY)).toBe(false);
    expect(revoke.input.refreshToken).toBe("rt-new");
  });
});
