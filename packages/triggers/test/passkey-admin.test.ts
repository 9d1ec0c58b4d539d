import { isPasscodeError } from "@cognito-passcode/shared";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import { memoryStore } from "../src/memory-store.js";
import type { EmailMessage } from "../src/options.js";
import { createPasskeyNotifier } from "../src/passkey-notice.js";
import { releaseOrphanedUsernames } from "../src/release-orphaned-usernames.js";
import { type RemovePasskeysOptions, removePasskeys } from "../src/remove-passkeys.js";
import type { PasscodeStore } from "../src/store.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { type FakeCognito, startFakeCognito } from "./support/fake-cognito.js";
import { passkey } from "./support/passkey-contract.js";

const ADA = "0b5e7c3a-1111-4c1e-9a53-2f0f6f0c0a11";
const BOB = "6d0f3c2e-2222-4b7a-8a0d-9b1e3f4a5b22";
const MAX = { max: 10 };

let table: DynaliteTable;
let cognito: FakeCognito;
let store: PasscodeStore;
let run = 0;
let sent: EmailMessage[];

beforeAll(async () => {
  [table, cognito] = await Promise.all([startDynaliteTable(), startFakeCognito()]);
});

afterAll(async () => {
  await Promise.all([table?.stop(), cognito?.stop()]);
});

beforeEach(() => {
  store = dynamoDbStore({
    tableName: table.tableName,
    client: table.client,
    keyPrefix: `admin${++run}/`,
  });
  sent = [];
  cognito.reset([
    { username: ADA, attributes: { sub: ADA, email: "ada@example.com" } },
    { username: BOB, attributes: { sub: BOB, email: "bob@example.com" } },
  ]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const notifier = () =>
  createPasskeyNotifier({
    email: { from: "no-reply@example.com", appName: "Acme" },
    deliver: async (message) => void sent.push(message),
  });

describe("removePasskeys", () => {
  it("removes every passkey of the user and their id claims, emails a notice per passkey, and leaves others alone", async () => {
    const phone = passkey({ name: "Phone", createdAt: 1 });
    const laptop = passkey({ name: "Laptop", createdAt: 2 });
    const bobs = passkey({ name: "Bob's key" });
    await store.addPasskey(ADA, "YWRh", phone, MAX);
    await store.addPasskey(ADA, "YWRh", laptop, MAX);
    await store.addPasskey(BOB, "Ym9i", bobs, MAX);
    const result = await removePasskeys({
      sub: ADA,
      store,
      cognito: cognito.client,
      userPoolId: cognito.userPoolId,
      notify: notifier(),
      now: () => Date.UTC(2026, 11, 5, 21, 0, 0),
    });
    expect(result).toEqual({ removed: 2, notified: 2, notifyFailed: 0 });
    expect(await store.getPasskeys(ADA)).toBeUndefined();
    expect((await store.getPasskeys(BOB))?.passkeys).toEqual([bobs]);
    // The claims went with them: the same credential ids can be registered again.
    expect(await store.addPasskey(ADA, "bmV3", passkey({ id: phone.id }), MAX)).toEqual({
      status: "added",
    });
    expect(await store.addPasskey(BOB, "Ym9i", passkey({ id: laptop.id }), MAX)).toEqual({
      status: "added",
    });
    expect(sent.map((m) => m.to)).toEqual(["ada@example.com", "ada@example.com"]);
    expect(sent.map((m) => m.subject)).toEqual([
      "A passkey was removed from your Acme account",
      "A passkey was removed from your Acme account",
    ]);
    expect(sent[0]?.text).toContain(
      '"Phone" was removed from your Acme account on Sat, 05 Dec 2026 21:00:00 GMT',
    );
    expect(sent[1]?.text).toContain('"Laptop"');
    expect(cognito.calls).toEqual(["AdminGetUser"]);
  });

  it("sends to the given address without asking Cognito, and asks nobody without a notifier", async () => {
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    expect(
      await removePasskeys({ sub: ADA, store, to: "ada@example.org", notify: notifier() }),
    ).toEqual({
      removed: 1,
      notified: 1,
      notifyFailed: 0,
    });
    expect(sent.map((m) => m.to)).toEqual(["ada@example.org"]);
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    expect(
      await removePasskeys({
        sub: ADA,
        store,
        cognito: cognito.client,
        userPoolId: cognito.userPoolId,
      }),
    ).toEqual({ removed: 1, notified: 0, notifyFailed: 0 });
    expect(cognito.calls).toEqual([]);
  });

  it("answers 0 and sends nothing for a user without passkeys", async () => {
    expect(
      await removePasskeys({ sub: ADA, store, to: "ada@example.com", notify: notifier() }),
    ).toEqual({
      removed: 0,
      notified: 0,
      notifyFailed: 0,
    });
    expect(sent).toEqual([]);
  });

  it("removes nothing when Cognito does not know the user or answers with another sub", async () => {
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    cognito.reset([{ username: ADA, attributes: { sub: BOB, email: "ada@example.com" } }]);
    const mismatch = await removePasskeys({
      sub: ADA,
      store,
      cognito: cognito.client,
      userPoolId: cognito.userPoolId,
      notify: notifier(),
    }).catch((error: unknown) => error);
    expect(isPasscodeError(mismatch) && mismatch.code).toBe("SERVICE_ERROR");
    cognito.reset([]);
    const missing = await removePasskeys({
      sub: ADA,
      store,
      cognito: cognito.client,
      userPoolId: cognito.userPoolId,
      notify: notifier(),
    }).catch((error: unknown) => error);
    expect((missing as Error).name).toBe("UserNotFoundException");
    expect((await store.getPasskeys(ADA))?.passkeys).toHaveLength(1);
    expect(sent).toEqual([]);
  });

  it("removes the passkeys even when the notice fails, counts it, and logs no address", async () => {
    const logs = (["log", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => {}),
    );
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    const failing = createPasskeyNotifier({
      email: { from: "no-reply@example.com" },
      deliver: async () => {
        throw new Error("SES is down");
      },
    });
    expect(
      await removePasskeys({ sub: ADA, store, to: "ada@example.com", notify: failing }),
    ).toEqual({
      removed: 2,
      notified: 0,
      notifyFailed: 2,
    });
    expect(await store.getPasskeys(ADA)).toBeUndefined();
    // A user with no email attribute: counted as failed notices too.
    cognito.reset([{ username: BOB, attributes: { sub: BOB } }]);
    await store.addPasskey(BOB, "Ym9i", passkey(), MAX);
    expect(
      await removePasskeys({
        sub: BOB,
        store,
        cognito: cognito.client,
        userPoolId: cognito.userPoolId,
        notify: notifier(),
      }),
    ).toEqual({ removed: 1, notified: 0, notifyFailed: 1 });
    for (const spy of logs) expect(spy).not.toHaveBeenCalled();
  });

  it("refuses bad options before touching anything, naming the field", async () => {
    const valid: RemovePasskeysOptions = { sub: ADA, store };
    const cases: [Partial<Record<keyof RemovePasskeysOptions, unknown>>, string][] = [
      [{ sub: "" }, "sub"],
      [{ store: { getPasskeys: async () => undefined } }, "store"],
      [{ notify: "yes" }, "notify"],
      [{ to: "not an address" }, "to"],
      [{ cognito: {}, userPoolId: "eu-west-1_AbCdEf123" }, "cognito"],
      [{ cognito: cognito.client, userPoolId: "pool" }, "userPoolId"],
      [{ cognito: cognito.client }, "userPoolId"],
      [{ now: 5 }, "now"],
    ];
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    for (const [override, field] of cases) {
      const error = await removePasskeys({ ...valid, ...override } as never).catch(
        (e: unknown) => e,
      );
      expect(isPasscodeError(error) && error.code).toBe("CONFIGURATION_ERROR");
      expect(error).toMatchObject({ details: { field } });
    }
    expect((await store.getPasskeys(ADA))?.passkeys).toHaveLength(1);
  });
});

describe("releaseOrphanedUsernames: the passkey half", () => {
  const GONE = "33333333-3333-4333-8333-333333333333";
  const pool = "eu-west-1_AbCdEf123";
  type Page = { Users?: unknown[]; PaginationToken?: string };
  /** A Cognito whose ListUsers answers per sub with `pages[sub]` (a live user by default), recording each filter. */
  function listing(pages: Record<string, Page | Error>) {
    const filters: string[] = [];
    const client = {
      send: async (command: { input: { Filter?: string } }) => {
        const filter = command.input.Filter ?? "";
        filters.push(filter);
        const sub = /sub = "(.*)"/.exec(filter)?.[1] ?? "";
        const page = pages[sub];
        if (page instanceof Error) throw page;
        return page ?? { Users: [{ Attributes: [{ Name: "sub", Value: sub }] }] };
      },
    } as never;
    return { client, filters };
  }

  it("removes a gone user's passkeys and claims, keeps live users', and reports it apart", async () => {
    const memory = memoryStore();
    const gone = passkey();
    const live = passkey();
    await memory.addPasskey(GONE, "Z29uZQ", gone, MAX);
    await memory.addPasskey(GONE, "Z29uZQ", passkey(), MAX);
    await memory.addPasskey(ADA, "YWRh", live, MAX);
    await memory.claim("ada", ADA);
    const { client, filters } = listing({ [GONE]: { Users: [] } });
    const result = await releaseOrphanedUsernames({
      cognito: client,
      userPoolId: pool,
      registry: memory,
      passkeys: memory,
      minAgeMs: 0,
    });
    expect(result).toEqual({
      scanned: 1,
      recent: 0,
      orphaned: 0,
      extra: 0,
      released: 0,
      failed: 0,
      passkeys: { scanned: 2, recent: 0, orphaned: 1, removed: 2, failed: 0 },
    });
    expect(filters.sort()).toEqual([`sub = "${ADA}"`, `sub = "${ADA}"`, `sub = "${GONE}"`].sort());
    expect(await memory.getPasskeys(GONE)).toBeUndefined();
    expect((await memory.getPasskeys(ADA))?.passkeys).toEqual([live]);
    expect(await memory.addPasskey(BOB, "Ym9i", passkey({ id: gone.id }), MAX)).toEqual({
      status: "added",
    });
  });

  it("keeps accounts on unclear answers, errors and recent accounts, and only counts on a dry run", async () => {
    const memory = memoryStore();
    await memory.addPasskey(GONE, "Z29uZQ", passkey(), MAX);
    await memory.addPasskey(ADA, "YWRh", passkey(), MAX);
    await memory.addPasskey(BOB, "Ym9i", passkey(), MAX);
    const base = { userPoolId: pool, registry: memoryStore(), passkeys: memory };
    // An empty page with a token (unclear), a refused call, and a user listed with another sub.
    const unclear = listing({
      [GONE]: { Users: [], PaginationToken: "more" },
      [ADA]: new Error("TooManyRequestsException"),
      [BOB]: { Users: [{ Attributes: [{ Name: "sub", Value: "someone-else" }] }] },
    });
    expect(
      (await releaseOrphanedUsernames({ ...base, cognito: unclear.client, minAgeMs: 0 })).passkeys,
    ).toEqual({
      scanned: 3,
      recent: 0,
      orphaned: 0,
      removed: 0,
      failed: 3,
    });
    // Younger than minAgeMs: Cognito is not asked.
    const young = listing({ [GONE]: { Users: [] } });
    expect(
      (await releaseOrphanedUsernames({ ...base, cognito: young.client })).passkeys,
    ).toMatchObject({
      scanned: 3,
      recent: 3,
      removed: 0,
    });
    expect(young.filters).toEqual([]);
    // A dry run counts the orphan and removes nothing.
    const dry = listing({ [GONE]: { Users: [] } });
    expect(
      (await releaseOrphanedUsernames({ ...base, cognito: dry.client, minAgeMs: 0, dryRun: true }))
        .passkeys,
    ).toEqual({ scanned: 3, recent: 0, orphaned: 1, removed: 0, failed: 0 });
    for (const sub of [GONE, ADA, BOB])
      expect((await memory.getPasskeys(sub))?.passkeys).toHaveLength(1);
    // A store that fails the removal: kept, counted.
    const failing = {
      ...memory,
      removeAllPasskeys: async () => Promise.reject(new Error("throttled")),
    };
    const gone = listing({ [GONE]: { Users: [] } });
    expect(
      (
        await releaseOrphanedUsernames({
          ...base,
          passkeys: failing,
          cognito: gone.client,
          minAgeMs: 0,
        })
      ).passkeys,
    ).toEqual({ scanned: 3, recent: 0, orphaned: 1, removed: 0, failed: 1 });
  });

  it("sweeps a dynamoDbStore's passkey accounts (Scan of passkeys# items only)", async () => {
    await store.addPasskey(GONE, "Z29uZQ", passkey(), MAX);
    await store.addPasskey(ADA, "YWRh", passkey(), MAX);
    await store.recordPasskeySignIn("a".repeat(43), {
      owner: GONE,
      amr: "pop mfa",
      expiresAt: Date.now() + 1000,
    });
    await store.claim("ada", ADA);
    const owners: string[] = [];
    for await (const { owner } of store.passkeyOwners()) owners.push(owner);
    expect(owners.sort()).toEqual([ADA, GONE].sort());
    const { client } = listing({ [GONE]: { Users: [] } });
    const result = await releaseOrphanedUsernames({
      cognito: client,
      userPoolId: pool,
      registry: store,
      passkeys: store,
      minAgeMs: 0,
    });
    expect(result.passkeys).toEqual({ scanned: 2, recent: 0, orphaned: 1, removed: 1, failed: 0 });
    expect(await store.getPasskeys(GONE)).toBeUndefined();
    const left = (await table.scan())
      .map((item) => item.pk?.S)
      .filter((pk) => pk?.startsWith(`admin${run}/passkey`));
    expect(left.filter((pk) => pk?.includes(GONE))).toEqual([]);
  });

  it("refuses a passkeys option that is not a passkey store", async () => {
    const error = await releaseOrphanedUsernames({
      cognito: listing({}).client,
      userPoolId: pool,
      registry: memoryStore(),
      passkeys: { removeAllPasskeys: async () => 0 } as never,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field: "passkeys" } });
  });
});
