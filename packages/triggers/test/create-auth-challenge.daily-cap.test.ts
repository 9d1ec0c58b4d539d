import { createHash } from "node:crypto";
import {
  dynamoDbStore,
  memoryStore,
  type ThrottleOptions,
  type ThrottleStore,
} from "@cognito-passcode/triggers";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emailTag } from "../src/code.js";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { createEvent, knownUser, type TestUser, unknownUser } from "./support/events.js";
import { harness } from "./support/harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let table: DynaliteTable;
let unique = 0;

beforeAll(async () => {
  table = await startDynaliteTable();
});

afterAll(async () => {
  await table?.stop();
});

/** A fresh, empty throttle store of each kind; each dynalite one has its own key prefix. */
const stores: [string, () => ThrottleStore][] = [
  ["memoryStore", () => memoryStore()],
  [
    "dynamoDbStore (dynalite)",
    () =>
      dynamoDbStore({
        tableName: table.tableName,
        client: table.client,
        keyPrefix: `day-cap-${++unique}/`,
      }),
  ],
];

/** Create for `who`, as the outcome a caller sees: "sent" or the trigger error's message. */
async function request(h: ReturnType<typeof harness>, who: TestUser): Promise<string> {
  return h.triggers.createAuthChallenge(createEvent(who, [])).then(
    () => "sent",
    (error: Error) => error.message,
  );
}

describe.each(stores)("the daily cap on codes per email, on %s", (_name, newStore) => {
  it("refuses the 11th code in 24 h until the first leaves the day, ignoring refused resends", async () => {
    // Prepare: the default throttle (30 s apart, 5 per 15 min, 10 per day)
    const h = harness({ throttle: { store: newStore() } });
    const user = knownUser("frank@example.com");
    const start = h.clock.now;
    const hammered: string[] = [];
    // Act: a code an hour, each followed by three resends the short window refuses
    for (let hour = 0; hour < 10; hour++) {
      h.clock.now = start + hour * HOUR;
      expect(await request(h, user)).toBe("sent");
      for (let again = 1; again <= 3; again++) {
        h.clock.now = start + hour * HOUR + again * 1_000;
        hammered.push(await request(h, user));
      }
    }
    h.clock.now = start + 10 * HOUR;
    const eleventh = await request(h, user);
    h.clock.now = start + DAY;
    const nextDay = await request(h, user);
    h.clock.now = start + DAY + 30_000;
    const afterThat = await request(h, user);
    // Assess
    expect(hammered).toEqual(
      Array.from({ length: 10 }, () => [
        "THROTTLED retryAfterMs=29000",
        "THROTTLED retryAfterMs=28000",
        "THROTTLED retryAfterMs=27000",
      ]).flat(),
    );
    // The first code leaves the day window 14 h after the 11th request.
    expect(eleventh).toBe(`THROTTLED retryAfterMs=${14 * HOUR}`);
    expect(nextDay).toBe("sent");
    // The day is full again (codes 2 to 10 and the one just sent): wait for code 2.
    expect(afterThat).toBe(`THROTTLED retryAfterMs=${HOUR - 30_000}`);
    expect(h.mailbox).toHaveLength(11);
  });

  it("says the exact millisecond the day frees up", async () => {
    // Prepare: no minimum interval, so a refused request leaves nothing that
    // delays the next one (a refusal by the day still counts in the short window)
    const h = harness({
      throttle: { store: newStore(), minIntervalSeconds: 0, maxPerWindow: 5, maxPerDay: 3 },
    });
    const user = knownUser("gina@example.com");
    const start = h.clock.now;
    // Act
    const outcomes: string[] = [];
    for (const at of [0, 2 * HOUR, 5 * HOUR, 6 * HOUR, DAY - 1, DAY, DAY + 1]) {
      h.clock.now = start + at;
      outcomes.push(await request(h, user));
    }
    // Assess
    expect(outcomes).toEqual([
      "sent",
      "sent",
      "sent",
      `THROTTLED retryAfterMs=${DAY - 6 * HOUR}`,
      "THROTTLED retryAfterMs=1",
      "sent",
      `THROTTLED retryAfterMs=${2 * HOUR - 1}`,
    ]);
    expect(h.mailbox).toHaveLength(4);
  });

  it("treats an unknown address exactly as a known one, and counts both against one email", async () => {
    // Prepare
    const throttle: Omit<ThrottleOptions, "store"> = { minIntervalSeconds: 60, maxPerDay: 4 };
    const known = harness({ throttle: { store: newStore(), ...throttle } });
    const unknown = harness({ throttle: { store: newStore(), ...throttle } });
    const shared = harness({ throttle: { store: newStore(), ...throttle } });
    const user = knownUser("hana@example.com");
    const ghost = unknownUser("hana@example.com");
    const steps = [0, 1_000, 60_000, 120_000, 3 * HOUR, 3 * HOUR, 4 * HOUR, 20 * HOUR];
    // Act
    const outcomes = { known: [] as string[], unknown: [] as string[], shared: [] as string[] };
    for (const [i, step] of steps.entries()) {
      for (const h of [known, unknown, shared]) h.clock.now += step;
      outcomes.known.push(await request(known, user));
      outcomes.unknown.push(await request(unknown, ghost));
      outcomes.shared.push(await request(shared, i % 2 ? user : ghost));
    }
    // Assess
    expect(outcomes.known).toEqual([
      "sent",
      "THROTTLED retryAfterMs=59000",
      "sent",
      "sent",
      "sent",
      // The day holds 4 codes; the first (at 0) leaves it at 24 h.
      `THROTTLED retryAfterMs=${DAY - 6 * HOUR - 181_000}`,
      `THROTTLED retryAfterMs=${DAY - 10 * HOUR - 181_000}`,
      "sent",
    ]);
    expect(outcomes.unknown).toEqual(outcomes.known);
    expect(outcomes.shared).toEqual(outcomes.known);
    expect(unknown.mailbox).toHaveLength(0);
  });
});

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Checks that the table holds, under `keyPrefix`, exactly the two throttle
 * items (short window and day) of the mailbox `address`; returns its key and the items.
 */
async function expectMailboxItems(keyPrefix: string, address: string) {
  const key = `email#${emailTag(address)}`;
  const items = (await table.scan()).filter((item) => item.pk?.S?.startsWith(keyPrefix));
  expect(items.map((item) => item.pk?.S).sort()).toEqual(
    [`${keyPrefix}throttle#${sha256(key)}`, `${keyPrefix}throttle#${sha256(`${key}#day`)}`].sort(),
  );
  return { key, items };
}

describe("the daily cap's throttle key", () => {
  it("is a separate, hashed DynamoDB item next to the short window's", async () => {
    // Prepare
    const keyPrefix = `day-key-${++unique}/`;
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    const h = harness({ throttle: { store } });
    // Act
    expect(await request(h, knownUser("Ivy.Private@Secret-Domain.example"))).toBe("sent");
    // Assess
    const { key, items } = await expectMailboxItems(keyPrefix, "ivy.private@secret-domain.example");
    const day = items.find((item) => item.pk?.S?.endsWith(sha256(`${key}#day`)));
    expect(day?.ttl?.N).toBe(`${Math.ceil((h.clock.now + DAY) / 1000)}`);
    const everything = JSON.stringify(items);
    expect(everything).not.toMatch(/ivy|secret-domain/i);
  });
});

describe("the throttle keys on the canonical mailbox", () => {
  it("stores every +tag, case and Gmail-dot variant of one inbox under the same two items", async () => {
    // Prepare
    const keyPrefix = `mailbox-key-${++unique}/`;
    const store = dynamoDbStore({ tableName: table.tableName, client: table.client, keyPrefix });
    const h = harness({ throttle: { store, minIntervalSeconds: 0, maxPerDay: 3 } });
    const variants = [
      knownUser("Kim.Lee@gmail.com"),
      unknownUser("kimlee+promo@googlemail.com"),
      knownUser("k.i.m.l.e.e+x@gmail.com"),
      knownUser("kimlee+y@gmail.com"),
    ];
    // Act
    const outcomes: string[] = [];
    for (const who of variants) {
      h.clock.now += HOUR;
      outcomes.push(await request(h, who));
    }
    // Assess
    await expectMailboxItems(keyPrefix, "kimlee@gmail.com");
    expect(outcomes).toEqual(["sent", "sent", "sent", `THROTTLED retryAfterMs=${DAY - 3 * HOUR}`]);
    expect(h.mailbox.map((m) => m.to)).toEqual(["kim.lee@gmail.com", "k.i.m.l.e.e+x@gmail.com"]);
  });
});

/** The most sends in any half-open window of `length` ms, over ascending times. */
function busiest(times: readonly number[], length: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= length) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const step = fc.record({
  // Small steps, the interval and window scales, and jumps near a day.
  advanceMs: fc.oneof(
    fc.nat({ max: 90_000 }),
    fc.integer({ min: 60_000, max: 2 * HOUR }),
    fc.constantFrom(HOUR, 6 * HOUR, DAY - 1, DAY, DAY + 1),
  ),
  unknown: fc.boolean(),
});

const throttleConfig = fc.record({
  minIntervalSeconds: fc.integer({ min: 0, max: 60 }),
  maxPerWindow: fc.integer({ min: 1, max: 6 }),
  windowSeconds: fc.integer({ min: 60, max: 7_200 }),
  maxPerDay: fc.integer({ min: 1, max: 12 }),
});

describe.each(stores)("daily cap properties (fast-check) on %s", (name, newStore) => {
  it("never sends one email more than maxPerDay codes in 24 h, nor maxPerWindow in a window", async () => {
    await fc.assert(
      fc.asyncProperty(
        throttleConfig,
        fc.array(step, { minLength: 1, maxLength: 60, size: "max" }),
        async (throttle, steps) => {
          // Prepare
          const h = harness({ throttle: { store: newStore(), ...throttle } });
          const user = knownUser("jo@example.com");
          const ghost = unknownUser("JO@example.com");
          const issued: number[] = [];
          // Act
          for (const { advanceMs, unknown } of steps) {
            h.clock.now += advanceMs;
            const outcome = await request(h, unknown ? ghost : user);
            if (outcome === "sent") issued.push(h.clock.now);
            else expect(outcome).toMatch(/^THROTTLED retryAfterMs=[1-9]\d*$/);
          }
          // Assess
          expect(busiest(issued, DAY)).toBeLessThanOrEqual(throttle.maxPerDay);
          expect(busiest(issued, throttle.windowSeconds * 1000)).toBeLessThanOrEqual(
            throttle.maxPerWindow,
          );
          expect(busiest(issued, throttle.minIntervalSeconds * 1000)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: name === "memoryStore" ? 300 : 30 },
    );
  });
});
