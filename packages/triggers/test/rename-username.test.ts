import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { isPasscodeError } from "@cognito-passcode/shared";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { dynamoDbStore } from "../src/dynamodb-store.js";
import { type RenameUsernameOptions, renameUsername } from "../src/rename-username.js";
import type { PasscodeStore } from "../src/store.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { type FakeCognito, startFakeCognito } from "./support/fake-cognito.js";

const ALICE = "0b5e7c3a-1111-4c1e-9a53-2f0f6f0c0a11";
const BOB = "6d0f3c2e-2222-4b7a-8a0d-9b1e3f4a5b22";
const NEWBIE = "9a8b7c6d-3333-4e5f-8a9b-0c1d2e3f4a33";

let table: DynaliteTable;
let cognito: FakeCognito;
let registry: PasscodeStore;
let options: RenameUsernameOptions;
let run = 0;

beforeAll(async () => {
  [table, cognito] = await Promise.all([startDynaliteTable(), startFakeCognito()]);
});

afterAll(async () => {
  await Promise.all([table?.stop(), cognito?.stop()]);
});

beforeEach(async () => {
  // A fresh key prefix per test: an empty registry on the shared table.
  registry = dynamoDbStore({
    tableName: table.tableName,
    client: table.client,
    keyPrefix: `run${++run}/`,
  });
  options = { cognito: cognito.client, userPoolId: cognito.userPoolId, registry };
  cognito.reset([
    {
      username: ALICE,
      attributes: { sub: ALICE, email: "alice@example.com", "custom:username": "alice" },
    },
    { username: BOB, attributes: { sub: BOB, email: "bob@example.com", "custom:username": "bob" } },
    { username: NEWBIE, attributes: { sub: NEWBIE, email: "new@example.com" } },
  ]);
  await registry.claim("alice", ALICE);
  await registry.claim("bob", BOB);
});

const usernameOf = (id: string) => cognito.user(id)?.attributes["custom:username"];

describe("renameUsername", () => {
  it("moves the claim and the attribute together", async () => {
    // Act
    const result = await renameUsername(options, { username: ALICE, newUsername: " Alice_2 " });
    // Assess
    expect(result).toEqual({ username: "alice_2" });
    expect(usernameOf(ALICE)).toBe("alice_2");
    expect(await registry.ownerOf("alice_2")).toBe(ALICE);
    expect(await registry.ownerOf("alice")).toBeUndefined();
    expect(await registry.usernameOf(ALICE)).toBe("alice_2");
    // One name per user: the old one is not Alice's to take back, and is free for Bob's
    // successor (Bob already owns "bob", so he gets that name back instead).
    expect(await registry.claim("alice", ALICE)).toEqual({
      status: "owns-other",
      username: "alice_2",
    });
    expect(await registry.claim("alice", BOB)).toEqual({ status: "owns-other", username: "bob" });
    expect((await registry.claim("alice", NEWBIE)).status).toBe("claimed");
  });

  it("finds the user by an alias such as the email", async () => {
    await renameUsername(options, { username: "bob@example.com", newUsername: "robert" });
    expect(usernameOf(BOB)).toBe("robert");
    expect(await registry.ownerOf("robert")).toBe(BOB);
    expect(await registry.ownerOf("bob")).toBeUndefined();
  });

  it("gives a user without a username their first one", async () => {
    await renameUsername(options, { username: NEWBIE, newUsername: "newbie" });
    expect(usernameOf(NEWBIE)).toBe("newbie");
    expect(await registry.ownerOf("newbie")).toBe(NEWBIE);
  });

  it("refuses a name someone else holds and changes nothing", async () => {
    await expect(
      renameUsername(options, { username: ALICE, newUsername: "BOB" }),
    ).rejects.toMatchObject({ code: "USERNAME_UNAVAILABLE" });
    expect(usernameOf(ALICE)).toBe("alice");
    expect(usernameOf(BOB)).toBe("bob");
    expect(await registry.ownerOf("alice")).toBe(ALICE);
    expect(await registry.ownerOf("bob")).toBe(BOB);
    expect(cognito.calls).not.toContain("AdminUpdateUserAttributes");
  });

  it("refuses an invalid or reserved name before touching Cognito or the registry", async () => {
    for (const newUsername of ["4lice", "al", "ålice", "admin", ""]) {
      const error = await renameUsername(options, { username: ALICE, newUsername }).catch(
        (e: unknown) => e,
      );
      expect(isPasscodeError(error) && error.code).toBe("USERNAME_INVALID");
    }
    expect(cognito.calls).toEqual([]);
    expect(usernameOf(ALICE)).toBe("alice");
  });

  it("applies the given policy and attribute", async () => {
    const custom = await startFakeCognito(["custom:handle"]);
    try {
      custom.reset([{ username: ALICE, attributes: { sub: ALICE, "custom:handle": "alice" } }]);
      await registry.release("alice", ALICE);
      await registry.claim("alice", ALICE);
      const handleOptions: RenameUsernameOptions = {
        cognito: custom.client,
        userPoolId: custom.userPoolId,
        registry,
        attribute: "custom:handle",
        policy: { maxLength: 6, reserved: ["admin", "alicia"] },
      };
      await expect(
        renameUsername(handleOptions, { username: ALICE, newUsername: "alicia" }),
      ).rejects.toMatchObject({ code: "USERNAME_INVALID" });
      await expect(
        renameUsername(handleOptions, { username: ALICE, newUsername: "alice_2" }),
      ).rejects.toMatchObject({ code: "USERNAME_INVALID" });
      await renameUsername(handleOptions, { username: ALICE, newUsername: "ally" });
      expect(custom.user(ALICE)?.attributes["custom:handle"]).toBe("ally");
      expect(await registry.ownerOf("ally")).toBe(ALICE);
      expect(await registry.ownerOf("alice")).toBeUndefined();
    } finally {
      await custom.stop();
    }
  });

  it("releases the new claim and keeps the old name when the attribute write fails", async () => {
    // Prepare
    cognito.failNext("AdminUpdateUserAttributes", {
      type: "InternalErrorException",
      message: "Internal error.",
      status: 500,
    });
    // Act
    const error = await renameUsername(options, { username: ALICE, newUsername: "alice_2" }).catch(
      (e: unknown) => e,
    );
    // Assess
    expect(error).toMatchObject({ name: "InternalErrorException" });
    expect(usernameOf(ALICE)).toBe("alice");
    expect(await registry.ownerOf("alice_2")).toBeUndefined();
    expect(await registry.ownerOf("alice")).toBe(ALICE);
    expect(await registry.usernameOf(ALICE)).toBe("alice");
    // The same rename succeeds once Cognito recovers.
    await renameUsername(options, { username: ALICE, newUsername: "alice_2" });
    expect(usernameOf(ALICE)).toBe("alice_2");
  });

  it("keeps the new claim when the attribute write took effect but its answer was lost", async () => {
    // Prepare: Cognito applies the write, then the response never arrives
    const lossy = {
      send: async (command: { constructor: { name: string } }) => {
        const result = await cognito.client.send(command as never);
        if (command.constructor.name === "AdminUpdateUserAttributesCommand") {
          const error = new Error("socket hang up");
          error.name = "TimeoutError";
          throw error;
        }
        return result;
      },
    } as unknown as CognitoIdentityProviderClient;
    // Act
    const error = await renameUsername(
      { ...options, cognito: lossy },
      { username: ALICE, newUsername: "alice_2" },
    ).catch((e: unknown) => e);
    // Assess: the attribute names alice_2, so its claim must stay Alice's
    expect(error).toMatchObject({ name: "TimeoutError" });
    expect(usernameOf(ALICE)).toBe("alice_2");
    expect(await registry.ownerOf("alice_2")).toBe(ALICE);
    expect(await registry.claim("alice_2", NEWBIE)).toEqual({ status: "taken" });
  });

  it("releases the new claim when the pool refuses the attribute", async () => {
    const error = await renameUsername(
      { ...options, attribute: "custom:nickname" },
      { username: NEWBIE, newUsername: "newbie" },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "InvalidParameterException" });
    expect(await registry.ownerOf("newbie")).toBeUndefined();
  });

  it("renames a user whose claim predates owner records, leaving them one name", async () => {
    // Prepare: Alice's claim as the older store wrote it: username#alice, no owner#<sub>
    await registry.release("alice", ALICE);
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { pk: { S: `run${run}/username#alice` }, owner: { S: ALICE }, createdAt: { N: "1" } },
      }),
    );
    expect(await registry.usernameOf(ALICE)).toBeUndefined();
    // Act
    await renameUsername(options, { username: ALICE, newUsername: "ally" });
    // Assess
    expect(usernameOf(ALICE)).toBe("ally");
    expect(await registry.ownerOf("alice")).toBeUndefined();
    expect(await registry.usernameOf(ALICE)).toBe("ally");
  });

  it("finishes a rename a crash left half done", async () => {
    // A crash after the move, before the attribute write.
    await registry.move(ALICE, "alice", "alice_2");
    await renameUsername(options, { username: ALICE, newUsername: "alice_2" });
    expect(usernameOf(ALICE)).toBe("alice_2");
    expect(await registry.ownerOf("alice")).toBeUndefined();
    expect(await registry.usernameOf(ALICE)).toBe("alice_2");
  });

  it("changes nothing when the move fails: both records move in one step or not at all", async () => {
    // Prepare: the real registry, except that its move fails.
    const flaky: PasscodeStore = {
      ...registry,
      move: () => Promise.reject(new Error("ProvisionedThroughputExceededException")),
    };
    // Act
    const error = await renameUsername(
      { ...options, registry: flaky },
      { username: ALICE, newUsername: "alice_2" },
    ).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ message: "ProvisionedThroughputExceededException" });
    expect(usernameOf(ALICE)).toBe("alice");
    expect(await registry.ownerOf("alice")).toBe(ALICE);
    expect(await registry.ownerOf("alice_2")).toBeUndefined();
    expect(await registry.usernameOf(ALICE)).toBe("alice");
    expect(cognito.calls).not.toContain("AdminUpdateUserAttributes");
  });

  it("treats a rename to the current name as done and keeps the claim", async () => {
    expect(await renameUsername(options, { username: ALICE, newUsername: "ALICE" })).toEqual({
      username: "alice",
    });
    expect(await registry.ownerOf("alice")).toBe(ALICE);
    expect(cognito.calls).not.toContain("AdminUpdateUserAttributes");
  });

  it("passes Cognito's error through for an unknown user and claims nothing", async () => {
    const error = await renameUsername(options, { username: "ghost", newUsername: "ghost" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: "UserNotFoundException" });
    expect(await registry.ownerOf("ghost")).toBeUndefined();
  });

  it("refuses bad options, naming the field", async () => {
    const cases: [Partial<RenameUsernameOptions>, string][] = [
      [{ userPoolId: "not a pool" }, "userPoolId"],
      [{ cognito: {} as never }, "cognito"],
      [{ registry: {} as never }, "registry"],
      [{ attribute: "" }, "attribute"],
      [{ policy: { minLength: 0 } }, "policy.minLength"],
    ];
    for (const [override, field] of cases) {
      await expect(
        renameUsername({ ...options, ...override }, { username: ALICE, newUsername: "alice_3" }),
      ).rejects.toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
    }
    expect(cognito.calls).toEqual([]);
  });
});
