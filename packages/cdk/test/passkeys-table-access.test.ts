/// <reference path="../../triggers/test/support/dynalite.d.ts" />
import { dynamoDbStore, passkeyChallengeKey, type StoredPasskey } from "@cognito-passcode/triggers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// The triggers' own test table: dynalite behind the local stack's transaction front.
import {
  type DynaliteTable,
  startDynaliteTable,
} from "../../triggers/test/support/dynalite-table.js";
import { PASSKEY_TABLE_ACCESS, TABLE_ACTIONS } from "../src/index.js";
import { all, type Synthesized, synth } from "./synth.js";

// The grants the construct gives (PASSKEY_TABLE_ACCESS) against what the real
// dynamoDbStore sends for each function's passkey calls, on a real table: an
// action or a key outside the grant would be refused by IAM in AWS (and Pre
// Token Generation would then fall back to "otp" for every passkey sign-in).

// biome-ignore lint/suspicious/noExplicitAny: the inputs of several SDK commands, read by shape
type Input = Record<string, any>;

/** One item-level request as IAM authorises it: the action and the item's `pk`. */
type Access = { action: string; pk: string };

function itemAccesses(command: string, input: Input): Access[] {
  const single: Record<string, [string, (i: Input) => string]> = {
    GetItemCommand: ["dynamodb:GetItem", (i) => i.Key.pk.S],
    PutItemCommand: ["dynamodb:PutItem", (i) => i.Item.pk.S],
    UpdateItemCommand: ["dynamodb:UpdateItem", (i) => i.Key.pk.S],
    DeleteItemCommand: ["dynamodb:DeleteItem", (i) => i.Key.pk.S],
  };
  const one = single[command];
  if (one) return [{ action: one[0], pk: one[1](input) }];
  // A Scan reads the whole table: no leading key to match (a LeadingKeys grant does not cover it).
  if (command === "ScanCommand") return [{ action: "dynamodb:Scan", pk: "" }];
  if (command === "TransactWriteItemsCommand") {
    return (input.TransactItems as Input[]).map((item) => {
      if (item.Put) return { action: "dynamodb:PutItem", pk: item.Put.Item.pk.S };
      if (item.Update) return { action: "dynamodb:UpdateItem", pk: item.Update.Key.pk.S };
      if (item.Delete) return { action: "dynamodb:DeleteItem", pk: item.Delete.Key.pk.S };
      return { action: "dynamodb:ConditionCheckItem", pk: item.ConditionCheck.Key.pk.S };
    });
  }
  return [{ action: `unexpected:${command}`, pk: "" }];
}

/** Whether IAM's `StringLike` pattern (only a trailing `*` here) matches `pk`. */
const like = (pattern: string, pk: string) =>
  pattern.endsWith("*") ? pk.startsWith(pattern.slice(0, -1)) : pk === pattern;

type Statement = {
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string | string[]>>;
};

/**
 * The table grants of one function's role in a synthesized stack, as
 * `allowedBy` reads them: the actions of each statement on the table and its
 * `dynamodb:LeadingKeys` patterns (any other condition fails the test: it is
 * not modelled here).
 */
function tableGrantsOf(s: Synthesized, functionName: string) {
  const fn = all(s, "AWS::Lambda::Function").filter(([id]) =>
    new RegExp(`^Auth${functionName}[0-9A-F]{8}$`).test(id),
  );
  expect(fn, functionName).toHaveLength(1);
  const roleId = (fn[0]![1].Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
  return all(s, "AWS::IAM::Policy")
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
    .filter((st) => ([] as string[]).concat(st.Action).some((a) => a.startsWith("dynamodb:")))
    .map((st) => {
      const { "ForAllValues:StringLike": like, ...others } = st.Condition ?? {};
      expect(others, "conditions other than ForAllValues:StringLike").toEqual({});
      const keys = like?.["dynamodb:LeadingKeys"];
      return {
        actions: ([] as string[]).concat(st.Action),
        ...(keys === undefined ? {} : { keys: ([] as string[]).concat(keys) }),
      };
    });
}

const allowedBy =
  (...grants: { actions: readonly string[]; keys?: readonly string[] }[]) =>
  (a: Access) =>
    grants.some(
      (g) => g.actions.includes(a.action) && (!g.keys || g.keys.some((k) => like(k, a.pk))),
    );

const passkey = (id: string): StoredPasskey => ({
  id,
  publicKey: "pQECAyYgASFYIPr0bJ3Wb2WfN0bQ",
  counter: 0,
  transports: ["internal", "hybrid"],
  deviceType: "multiDevice",
  backedUp: true,
  aaguid: "00000000-0000-0000-0000-000000000000",
  name: "Test key",
  createdAt: Date.now(),
});

describe("the passkey grants cover what dynamoDbStore sends", { timeout: 60_000 }, () => {
  let table: DynaliteTable;
  let seen: Access[] = [];
  let store: ReturnType<typeof dynamoDbStore>;
  const during = async (work: () => Promise<unknown>): Promise<Access[]> => {
    seen = [];
    await work();
    return seen;
  };

  beforeAll(async () => {
    table = await startDynaliteTable();
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(...itemAccesses(String(context.commandName), args.input as Input));
        return next(args);
      },
      { step: "initialize", name: "recordAccess" },
    );
    store = dynamoDbStore({ tableName: table.tableName, client: table.client });
  });
  afterAll(async () => table?.stop());

  it("Create (the enrolment challenge), Verify, Pre Token Generation and the token handler", async () => {
    const owner = "0b7c1e2f-4a3d-4e5f-8a9b-00000000a11c";
    const create = allowedBy(PASSKEY_TABLE_ACCESS.createAuthChallenge);
    const verify = allowedBy(PASSKEY_TABLE_ACCESS.verifyAuthChallengeResponse, {
      actions: TABLE_ACTIONS.verifyAuthChallengeResponse,
    });
    const preToken = allowedBy(PASSKEY_TABLE_ACCESS.preTokenGeneration);
    const tokenHandler = allowedBy(PASSKEY_TABLE_ACCESS.tokenHandler);
    const check = (accesses: Access[], allowed: (a: Access) => boolean, who: string) => {
      expect(accesses.length, who).toBeGreaterThan(0);
      for (const a of accesses) expect(allowed(a), `${who}: ${a.action} on ${a.pk}`).toBe(true);
    };

    // Verify: an enrolment (first and second passkey), a sign-in, its record.
    check(
      await during(async () => {
        await store.getPasskeys(owner);
        await store.recordPasskeySignIn(passkeyChallengeKey("enrol-1"), {
          owner,
          amr: "",
          expiresAt: Date.now() + 60_000,
        });
        expect(await store.addPasskey(owner, "aGFuZGxl", passkey("Y3JlZC0x"), { max: 10 })).toEqual(
          {
            status: "added",
          },
        );
        const account = await store.getPasskeys(owner);
        expect(
          await store.addPasskey(owner, "aGFuZGxl", passkey("Y3JlZC0y"), {
            max: 10,
            expectedVersion: account!.version,
          }),
        ).toEqual({ status: "added" });
        await store.usePasskey(owner, "Y3JlZC0x", { counter: 0, backedUp: true, at: Date.now() });
        await store.recordPasskeySignIn(passkeyChallengeKey("sign-in-1"), {
          owner,
          amr: "pop mfa",
          expiresAt: Date.now() + 60_000,
        });
      }),
      verify,
      "Verify",
    );
    // Create: the exclude list of the enrolment challenge.
    check(await during(() => store.getPasskeys(owner)), create, "Create");
    // Pre Token Generation: the owner's fresh record, then a replay and another user's try.
    const taken = await during(async () => {
      expect(
        await store.takePasskeySignIn(passkeyChallengeKey("sign-in-1"), owner, Date.now()),
      ).toBe("pop mfa");
      await store.takePasskeySignIn(passkeyChallengeKey("sign-in-1"), owner, Date.now());
      await store.takePasskeySignIn(passkeyChallengeKey("sign-in-1"), "someone-else", Date.now());
      await store.takePasskeySignIn(passkeyChallengeKey("never-recorded"), owner, Date.now());
    });
    check(taken, preToken, "Pre Token Generation");
    // The token handler: list, rename, remove.
    check(
      await during(async () => {
        await store.getPasskeys(owner);
        expect(await store.renamePasskey(owner, "Y3JlZC0x", "Laptop")).toBe(true);
        expect(await store.removePasskey(owner, "Y3JlZC0y")).toBe(true);
      }),
      tokenHandler,
      "token handler",
    );
    // Verify again: a first proof of the address removes every passkey.
    check(await during(() => store.removeAllPasskeys(owner)), verify, "Verify (removal)");
  });
});

describe("the username sweep's grants cover its passkey half", { timeout: 180_000 }, () => {
  let table: DynaliteTable;
  let seen: Access[] = [];
  let synthesized: Synthesized[] = [];
  afterAll(async () => {
    await table?.stop();
    for (const s of synthesized) s.dispose();
  });

  it("Scans for passkeys#* and deletes a gone user's passkeys#<sub> and passkey#<hash> items (usernames on or off)", async () => {
    // Arrange: the sweep function of a passkey deployment, with and without the username step
    const withNames = synth({
      passkeys: { rpId: "example.com", origins: ["https://example.com"] },
    });
    const withoutNames = synth({
      username: false,
      passkeys: { rpId: "example.com", origins: ["https://example.com"] },
    });
    synthesized = [withNames, withoutNames];
    table = await startDynaliteTable();
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(...itemAccesses(String(context.commandName), args.input as Input));
        return next(args);
      },
      { step: "initialize", name: "recordAccess" },
    );
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client });
    const owner = "0b7c1e2f-4a3d-4e5f-8a9b-00000000901e";
    await store.addPasskey(owner, "aGFuZGxl", passkey("Y3JlZC0z"), { max: 10 });
    await store.addPasskey(owner, "aGFuZGxl", passkey("Y3JlZC00"), {
      max: 10,
      expectedVersion: (await store.getPasskeys(owner))!.version,
    });

    // Act: what releaseOrphanedUsernames's passkey half sends for a gone owner
    seen = [];
    const owners: string[] = [];
    for await (const { owner: found } of store.passkeyOwners()) owners.push(found);
    const removed = await store.removeAllPasskeys(owner);
    const accesses = seen;

    // Assess
    expect(owners).toEqual([owner]);
    expect(removed).toBe(2);
    expect(accesses.map((a) => a.action)).toEqual(
      expect.arrayContaining(["dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem"]),
    );
    expect(accesses.filter((a) => a.pk.startsWith("passkey#"))).toHaveLength(2);
    for (const s of synthesized) {
      const allowed = allowedBy(...tableGrantsOf(s, "UsernameSweep"));
      for (const a of accesses) expect(allowed(a), `sweep: ${a.action} on ${a.pk}`).toBe(true);
    }
  });
});
