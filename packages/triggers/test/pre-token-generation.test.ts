import { CLIENT_METADATA } from "@cognito-passcode/shared";
import {
  createPreTokenGenerationHandler,
  memoryStore,
  PASSCODE_AMR_CLAIM,
  type PasscodeTriggerEvent,
  type PasskeySignInReader,
  type PreTokenGenerationEvent,
  passkeyChallengeKey,
} from "@cognito-passcode/triggers";
import type { PreTokenGenerationTriggerEvent, PreTokenGenerationV2TriggerEvent } from "aws-lambda";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CLIENT_ID, USER_POOL_ID } from "./support/events.js";
import { harness } from "./support/harness.js";

const ALICE = "0b7c1e2f-4a3d-4e5f-8a9b-00000000a11c";
const BOB = "0b7c1e2f-4a3d-4e5f-8a9b-000000000b0b";
const CHALLENGE = "x4Ts3PZ0f1lXbM0Kq2H6mJc9vW8yR5nA7dG3eB1uC0s";
// Near the real clock: memoryStore forgets records a day past their expiry by Date.now().
const NOW = Date.now();

/** A V1_0 event as Cognito sends it (the response starts as `claimsOverrideDetails: null`). */
function v1(
  triggerSource: string,
  sub: string | undefined,
  clientMetadata?: Record<string, string>,
): PreTokenGenerationTriggerEvent {
  return {
    version: "1",
    region: "eu-west-1",
    userPoolId: USER_POOL_ID,
    triggerSource,
    userName: sub ?? "someone",
    callerContext: { awsSdkVersion: "aws-sdk-unknown-unknown", clientId: CLIENT_ID },
    request: {
      userAttributes: sub === undefined ? {} : { sub, email: "alice@example.com" },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: { claimsOverrideDetails: null as never },
  } as PreTokenGenerationTriggerEvent;
}

/** A V2_0 event. */
function v2(
  triggerSource: string,
  sub: string,
  clientMetadata?: Record<string, string>,
): PreTokenGenerationV2TriggerEvent {
  return {
    ...v1(triggerSource, sub, clientMetadata),
    version: "2",
    request: {
      userAttributes: { sub },
      groupConfiguration: { groupsToOverride: [], iamRolesToOverride: [] },
      scopes: ["openid", "email"],
      ...(clientMetadata ? { clientMetadata } : {}),
    },
    response: { claimsAndScopeOverrideDetails: null as never },
  } as PreTokenGenerationV2TriggerEvent;
}

const withChallenge = (challenge = CHALLENGE) => ({
  [CLIENT_METADATA.passkeyChallenge]: challenge,
});

function claimOf(event: PreTokenGenerationEvent): string | undefined {
  if (event.version === "1") {
    const e = event as PreTokenGenerationTriggerEvent;
    return e.response.claimsOverrideDetails?.claimsToAddOrOverride?.[PASSCODE_AMR_CLAIM];
  }
  const e = event as PreTokenGenerationV2TriggerEvent;
  return e.response.claimsAndScopeOverrideDetails?.idTokenGeneration?.claimsToAddOrOverride?.[
    PASSCODE_AMR_CLAIM
  ];
}

/** The real memory store, with every takePasskeySignIn call recorded. */
function countingStore() {
  const store = memoryStore();
  const calls: [string, string, number][] = [];
  const reader: PasskeySignInReader = {
    takePasskeySignIn: (key, owner, now) => {
      calls.push([key, owner, now]);
      return store.takePasskeySignIn(key, owner, now);
    },
  };
  return { store, reader, calls };
}

function silentLogger() {
  const lines: { level: string; message: string; fields?: object }[] = [];
  const at = (level: string) => (message: string, fields?: object) =>
    lines.push({ level, message, fields });
  return {
    lines,
    logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") },
  };
}

async function record(
  store: ReturnType<typeof memoryStore>,
  owner: string,
  challenge = CHALLENGE,
  expiresAt = NOW + 300_000,
  amr = "pop mfa",
) {
  expect(
    await store.recordPasskeySignIn(passkeyChallengeKey(challenge), { owner, amr, expiresAt }),
  ).toBe(true);
}

describe("createPreTokenGenerationHandler", () => {
  it("claims pop mfa once after a passkey sign-in, then otp (the record is single use)", async () => {
    // Prepare
    const { store, reader, calls } = countingStore();
    await record(store, ALICE);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    // Act
    const first = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()));
    const again = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()));
    // Assess
    expect(claimOf(first)).toBe("pop mfa");
    expect(claimOf(again)).toBe("otp");
    expect(calls).toEqual([
      [passkeyChallengeKey(CHALLENGE), ALICE, NOW],
      [passkeyChallengeKey(CHALLENGE), ALICE, NOW],
    ]);
  });

  it("claims otp without the metadata, and makes no store call", async () => {
    const { reader, calls } = countingStore();
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const plain = await handler(v1("TokenGeneration_Authentication", ALICE));
    const other = await handler(
      v1("TokenGeneration_Authentication", ALICE, { "passcode:method": "code" }),
    );
    const empty = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge("")));
    expect([claimOf(plain), claimOf(other), claimOf(empty)]).toEqual(["otp", "otp", "otp"]);
    expect(calls).toEqual([]);
  });

  it("ignores a metadata value over 256 characters (no store call, otp)", async () => {
    const { store, reader, calls } = countingStore();
    const long = "A".repeat(257);
    await record(store, ALICE, long);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const event = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge(long)));
    expect(claimOf(event)).toBe("otp");
    expect(calls).toEqual([]);
    // 256 exactly is read.
    const edge = "B".repeat(256);
    await record(store, ALICE, edge);
    const at = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge(edge)));
    expect(claimOf(at)).toBe("pop mfa");
  });

  it("claims otp for another user's record and leaves it to its owner", async () => {
    const { store, reader } = countingStore();
    await record(store, BOB);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const alice = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()));
    const bob = await handler(v1("TokenGeneration_Authentication", BOB, withChallenge()));
    expect(claimOf(alice)).toBe("otp");
    expect(claimOf(bob)).toBe("pop mfa");
  });

  it("claims otp for an expired record, and consumes it", async () => {
    const { store, reader } = countingStore();
    await record(store, ALICE, CHALLENGE, NOW - 1);
    const late = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    expect(claimOf(await late(v1("TokenGeneration_Authentication", ALICE, withChallenge())))).toBe(
      "otp",
    );
    // Gone: even a clock back within its lifetime finds nothing now.
    const early = createPreTokenGenerationHandler({ store: reader, now: () => NOW - 10 });
    expect(claimOf(await early(v1("TokenGeneration_Authentication", ALICE, withChallenge())))).toBe(
      "otp",
    );
  });

  it("claims otp after an enrolment's consumed challenge (amr empty)", async () => {
    const { store, reader } = countingStore();
    await record(store, ALICE, CHALLENGE, NOW + 300_000, "");
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    expect(
      claimOf(await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()))),
    ).toBe("otp");
  });

  it("adds no claim and makes no store call on refresh or client credentials", async () => {
    const { store, reader, calls } = countingStore();
    await record(store, ALICE);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    for (const source of ["TokenGeneration_RefreshTokens", "TokenGeneration_ClientCredentials"]) {
      const event = await handler(v1(source, ALICE, withChallenge()));
      expect(event.response).toEqual({ claimsOverrideDetails: null });
      const ev2 = await handler(v2(source, ALICE, withChallenge()));
      expect(ev2.response).toEqual({ claimsAndScopeOverrideDetails: null });
    }
    expect(calls).toEqual([]);
    // The record is still there for the sign-in it belongs to.
    expect(
      claimOf(await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()))),
    ).toBe("pop mfa");
  });

  it.each([
    "TokenGeneration_HostedAuth",
    "TokenGeneration_NewPasswordChallenge",
    "TokenGeneration_AuthenticateDevice",
  ])(
    "adds no claim and makes no store call on %s (no code and no passkey proven there)",
    async (source) => {
      const { store, reader, calls } = countingStore();
      await record(store, ALICE);
      const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
      expect((await handler(v1(source, ALICE))).response).toEqual({ claimsOverrideDetails: null });
      expect((await handler(v1(source, ALICE, withChallenge()))).response).toEqual({
        claimsOverrideDetails: null,
      });
      expect((await handler(v2(source, ALICE, withChallenge()))).response).toEqual({
        claimsAndScopeOverrideDetails: null,
      });
      expect(calls).toEqual([]);
      // The record is still there for the sign-in it belongs to.
      expect(
        claimOf(await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()))),
      ).toBe("pop mfa");
    },
  );

  it("claims otp without a sub, with no store call", async () => {
    const { reader, calls } = countingStore();
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const event = await handler(v1("TokenGeneration_Authentication", undefined, withChallenge()));
    expect(claimOf(event)).toBe("otp");
    expect(calls).toEqual([]);
  });

  it("fails closed when the store call fails: otp, the error's name logged and nothing else", async () => {
    const { lines, logger } = silentLogger();
    const secretish = `ConditionalCheckFailed for passkey-auth#${passkeyChallengeKey(CHALLENGE)} alice@example.com`;
    const failing: PasskeySignInReader = {
      takePasskeySignIn: async () => {
        const error = new Error(secretish);
        error.name = "ProvisionedThroughputExceededException";
        throw error;
      },
    };
    const handler = createPreTokenGenerationHandler({ store: failing, logger, now: () => NOW });
    const event = await handler(v1("TokenGeneration_Authentication", ALICE, withChallenge()));
    expect(claimOf(event)).toBe("otp");
    expect(lines).toEqual([
      {
        level: "error",
        message: "passkey sign-in record read failed",
        fields: {
          trigger: "PreTokenGeneration",
          errorName: "ProvisionedThroughputExceededException",
        },
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(CHALLENGE);
    // A non-Error rejection too.
    const odd = createPreTokenGenerationHandler({
      store: { takePasskeySignIn: () => Promise.reject("boom") },
      logger,
      now: () => NOW,
    });
    expect(claimOf(await odd(v1("TokenGeneration_Authentication", ALICE, withChallenge())))).toBe(
      "otp",
    );
  });

  it("keeps claims and response fields already set (V1)", async () => {
    const { store, reader } = countingStore();
    await record(store, ALICE);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const event = v1("TokenGeneration_Authentication", ALICE, withChallenge());
    event.response.claimsOverrideDetails = {
      claimsToAddOrOverride: { tenant: "acme", [PASSCODE_AMR_CLAIM]: "forged" },
      claimsToSuppress: ["email"],
      groupOverrideDetails: { groupsToOverride: ["admins"] },
    };
    const out = await handler(event);
    expect(out.response).toEqual({
      claimsOverrideDetails: {
        claimsToAddOrOverride: { tenant: "acme", [PASSCODE_AMR_CLAIM]: "pop mfa" },
        claimsToSuppress: ["email"],
        groupOverrideDetails: { groupsToOverride: ["admins"] },
      },
    });
  });

  it("answers a V2_0 event on the ID token, keeping what is there", async () => {
    const { store, reader } = countingStore();
    await record(store, ALICE);
    const handler = createPreTokenGenerationHandler({ store: reader, now: () => NOW });
    const fresh = await handler(v2("TokenGeneration_Authentication", ALICE, withChallenge()));
    expect(fresh.response).toEqual({
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: { claimsToAddOrOverride: { [PASSCODE_AMR_CLAIM]: "pop mfa" } },
      },
    });
    const event = v2("TokenGeneration_Authentication", ALICE);
    event.response.claimsAndScopeOverrideDetails = {
      idTokenGeneration: { claimsToAddOrOverride: { tenant: "acme" }, claimsToSuppress: ["x"] },
      accessTokenGeneration: { scopesToAdd: ["api/read"] },
    };
    const out = await handler(event);
    expect(out.response).toEqual({
      claimsAndScopeOverrideDetails: {
        idTokenGeneration: {
          claimsToAddOrOverride: { tenant: "acme", [PASSCODE_AMR_CLAIM]: "otp" },
          claimsToSuppress: ["x"],
        },
        accessTokenGeneration: { scopesToAdd: ["api/read"] },
      },
    });
  });

  it("refuses to start without a store", () => {
    expect(() => createPreTokenGenerationHandler({} as never)).toThrow("takePasskeySignIn");
    expect(() => createPreTokenGenerationHandler(undefined as never)).toThrow("options");
  });
});

describe("createPreTokenGenerationHandler (property)", () => {
  it("claims pop mfa only for a fresh record of that owner, and only once", async () => {
    const owners = [ALICE, BOB, "0b7c1e2f-4a3d-4e5f-8a9b-0000000c4a1e"];
    const challenges = [CHALLENGE, "second-challenge", "A".repeat(256), "B".repeat(257)];
    const recordArb = fc.record({
      challenge: fc.constantFrom(...challenges),
      owner: fc.constantFrom(...owners),
      ttl: fc.integer({ min: -5_000, max: 5_000 }),
    });
    const requestArb = fc.record({
      source: fc.constantFrom(
        "TokenGeneration_Authentication",
        "TokenGeneration_RefreshTokens",
        "TokenGeneration_HostedAuth",
      ),
      version: fc.constantFrom("1", "2"),
      sub: fc.constantFrom(...owners),
      challenge: fc.option(fc.constantFrom(...challenges), { nil: undefined }),
      at: fc.integer({ min: 0, max: 10_000 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(recordArb, { maxLength: 6 }),
        fc.array(requestArb, { minLength: 1, maxLength: 12 }),
        async (records, requests) => {
          const store = memoryStore();
          // The model: challenge -> { owner, expiresAt } as first written (writes are conditional).
          const model = new Map<string, { owner: string; expiresAt: number }>();
          for (const r of records) {
            const expiresAt = NOW + r.ttl;
            const written = await store.recordPasskeySignIn(passkeyChallengeKey(r.challenge), {
              owner: r.owner,
              amr: "pop mfa",
              expiresAt,
            });
            expect(written).toBe(!model.has(r.challenge));
            if (!model.has(r.challenge)) model.set(r.challenge, { owner: r.owner, expiresAt });
          }
          let clock = NOW - 5_000;
          const handler = createPreTokenGenerationHandler({ store, now: () => clock });
          for (const q of requests) {
            clock = NOW - 5_000 + q.at;
            const metadata = q.challenge === undefined ? undefined : withChallenge(q.challenge);
            const event =
              q.version === "1" ? v1(q.source, q.sub, metadata) : v2(q.source, q.sub, metadata);
            const out = await handler(event);
            const claim = claimOf(out);
            if (q.source !== "TokenGeneration_Authentication") {
              expect(claim).toBeUndefined();
              continue;
            }
            const held =
              q.challenge !== undefined && q.challenge.length <= 256
                ? model.get(q.challenge)
                : undefined;
            const mine = held !== undefined && held.owner === q.sub;
            expect(claim).toBe(mine && clock <= held.expiresAt ? "pop mfa" : "otp");
            // Taken by its owner (fresh or not): single use.
            if (mine && q.challenge !== undefined) model.delete(q.challenge);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("createPasscodeTriggers with passkeys: preTokenGeneration and the dispatcher", () => {
  const passkeysOn = (store = memoryStore()) =>
    harness({
      passkeys: { rpId: "localhost", rpName: "Acme", origins: ["http://localhost:5173"], store },
    });

  it("returns preTokenGeneration only with passkeys on", () => {
    expect(harness().triggers.preTokenGeneration).toBeUndefined();
    expect(typeof passkeysOn().triggers.preTokenGeneration).toBe("function");
  });

  it("routes every TokenGeneration_* source to it, with the passkeys store", async () => {
    const store = memoryStore();
    const { triggers } = passkeysOn(store);
    await record(store, ALICE);
    const dispatch = (event: PreTokenGenerationEvent) =>
      triggers.handler(event as PasscodeTriggerEvent) as Promise<PreTokenGenerationEvent>;
    const refresh = await dispatch(v1("TokenGeneration_RefreshTokens", ALICE, withChallenge()));
    expect(claimOf(refresh)).toBeUndefined();
    const signIn = await dispatch(v1("TokenGeneration_Authentication", ALICE, withChallenge()));
    expect(claimOf(signIn)).toBe("pop mfa");
    for (const source of [
      "TokenGeneration_HostedAuth",
      "TokenGeneration_NewPasswordChallenge",
      "TokenGeneration_AuthenticateDevice",
    ]) {
      expect(claimOf(await dispatch(v1(source, ALICE)))).toBeUndefined();
    }
    expect(claimOf(await dispatch(v2("TokenGeneration_Authentication", BOB)))).toBe("otp");
  });

  it("refuses TokenGeneration_* with passkeys off, as any source it does not serve", async () => {
    const { triggers, logs } = harness();
    for (const source of ["TokenGeneration_Authentication", "TokenGeneration_RefreshTokens"]) {
      const error = await triggers
        .handler(v1(source, ALICE, withChallenge()) as PasscodeTriggerEvent)
        .catch((e: Error) => e);
      expect((error as Error).message).toBe(
        `cognito-passcode: unsupported triggerSource ${source}`,
      );
    }
    expect(logs.filter((l) => l.level === "error")).toHaveLength(2);
  });

  it("fails closed at creation without a store that can take sign-in records", () => {
    expect(() => createPreTokenGenerationHandler({ store: {} as never })).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR" }),
    );
  });
});
