import {
  createPasscodeClient,
  type PasscodeClientOptions,
  type PasscodeSnapshot,
  type PasscodeTokens,
  type Transport,
} from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import { type SharedTabs, shareAcrossTabs } from "@cognito-passcode/client/tabs";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { snapshotProblem } from "./helpers/invariants.js";
import {
  codeStep,
  cognitoError,
  type PendingCall,
  scriptedTransport,
  tokensFor,
  usernameStep,
} from "./helpers/scripted-transport.js";

/**
 * Model-based check of the token lifecycle under any order of calls, answers,
 * aborts and timer ticks (the restore's retry waits), with a transport that
 * honours `signal` (as the fetch transport does) or ignores it (as the
 * amazon-cognito-identity-js one does), sync or async storage, or cookie mode
 * (`tokenHandler`). Refresh answers rotate the refresh token or not: a
 * refresh never sends a token a rotation replaced, and the stored one is the
 * newest. In cookie mode no refresh token leaves the client and nothing is
 * written to the page's storages. With `tabs` (one tab), under a lock that
 * queues or with none to take (no Web Locks, no localStorage): the same holds.
 */

const KEY = "cognito-passcode.c1.refreshToken";

/** Lets every queued promise callback run (setImmediate is not faked). */
const settleAll = async () => {
  for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
};

type Client = ReturnType<typeof createPasscodeClient>;
type Script = ReturnType<typeof scriptedTransport>;

/** Client "c1" on a scripted transport, without auto sign-up; `options` adds to that. */
function scriptedClient(options: Partial<PasscodeClientOptions> = {}) {
  const script = scriptedTransport();
  const client = createPasscodeClient({
    clientId: "c1",
    transport: script.transport,
    autoSignUp: false,
    ...options,
  });
  return { client, script };
}

/** requestCode(email), answered with a code step of `attemptsLeft` tries: the client awaits the code. */
async function awaitCode(
  client: Client,
  script: Script,
  email = "alice@example.com",
  attemptsLeft = 3,
) {
  const p = client.requestCode(email);
  script.take("initiateAuth").resolve(codeStep(attemptsLeft));
  await p;
}

/** A sign-in as `email`: its code step, then a code answered with tokens for `claims`. */
async function signIn(
  client: Client,
  script: Script,
  claims: Record<string, unknown>,
  email = "alice@example.com",
) {
  await awaitCode(client, script, email);
  const q = client.submitCode("123456");
  script.take("respondToAuthChallenge").resolve({ type: "tokens", tokens: tokensFor(claims) });
  await q;
}

type Action =
  | { kind: "call"; method: number; arg: number; twice: boolean }
  | { kind: "passkey"; method: number; arg: number }
  | { kind: "settle"; pick: number; outcome: number }
  | { kind: "tick"; ms: number }
  | { kind: "clock" }
  | { kind: "signIn" };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("call" as const),
      // Sign-out and getTokens more often: the lifecycle is what this test is about.
      method: fc.oneof(fc.nat(8), fc.constantFrom(5, 6)),
      arg: fc.nat(3),
      twice: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("settle" as const),
      pick: fc.nat(10),
      outcome: fc.nat(14),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("tick" as const),
      ms: fc.constantFrom(0, 1000, 3000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clock" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("signIn" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("passkey" as const),
      method: fc.nat(6),
      arg: fc.nat(3),
    }),
  },
);

/**
 * A browser's WebAuthn for the passkey runs: each dialog in turn succeeds,
 * is cancelled, stays open until aborted (or `release`d, as a dialog's
 * timeout would), or finds the authenticator already enrolled.
 */
function passkeyBrowser() {
  const outcomes = ["hold", "ok", "hold", "NotAllowedError", "hold", "InvalidStateError"];
  let turn = 0;
  const open = new Set<(name: string) => void>();
  const run = (kind: string, input: { signal: AbortSignal }) =>
    new Promise((resolve, reject) => {
      const outcome = outcomes[turn++ % outcomes.length]!;
      const fail = (name: string) => reject(Object.assign(new Error(name), { name }));
      if (outcome === "ok") {
        const json = { id: `${kind}-${turn}`, rawId: `${kind}-${turn}`, type: "public-key" };
        return resolve({ toJSON: () => json });
      }
      if (outcome !== "hold") return fail(outcome);
      const end = (name: string) => {
        open.delete(end);
        fail(name);
      };
      open.add(end);
      input.signal.addEventListener("abort", () => end("AbortError"));
    });
  vi.stubGlobal("PublicKeyCredential", {
    parseRequestOptionsFromJSON: (json: unknown) => json,
    parseCreationOptionsFromJSON: (json: unknown) => json,
  });
  vi.stubGlobal("navigator", {
    credentials: {
      get: (input: { signal: AbortSignal }) => run("get", input),
      create: (input: { signal: AbortSignal }) => run("create", input),
    },
  });
  return {
    /** Dialogs still open. */
    open: () => open.size,
    /** Ends every open dialog as its timeout would (NotAllowedError). */
    release: () => {
      for (const end of [...open]) end("NotAllowedError");
    },
  };
}

const OPTIONS = JSON.stringify({ challenge: "Y2hhbGxlbmdl", rpId: "localhost" });
const CREATION = JSON.stringify({
  challenge: "ZW5yb2w",
  rp: { id: "localhost", name: "App" },
  user: { id: "dXNlcg", name: "a@example.com", displayName: "a" },
});

let serial = 0;

/**
 * Settles `call` with an answer picked by `n`: an error, a challenge, or
 * tokens; with `passkeySteps`, also `PASSKEY` and `ENROL` challenges (what a
 * deployment with passkeys on sends).
 */
function settle(call: PendingCall, n: number, passkeySteps = false): boolean {
  const errors = [
    new TypeError("Failed to fetch"),
    cognitoError("TimeoutError", "InitiateAuth timed out"),
    cognitoError("NotAuthorizedException", "Invalid session for the user, session is expired."),
    cognitoError("NotAuthorizedException", "Incorrect username or password."),
    cognitoError("InternalErrorException", "boom"),
  ];
  if (n < errors.length) {
    call.reject(errors[n]);
    return false;
  }
  const k = n - errors.length;
  const claims = { sub: `s${k % 2}`, email: "alice@example.com", "custom:username": "alice" };
  switch (call.op) {
    case "initiateAuth":
    case "respondToAuthChallenge": {
      const steps: unknown[] = [
        codeStep(1 + (k % 3)),
        usernameStep(1 + (k % 3)),
        { type: "tokens", tokens: tokensFor(claims, 3600, `rt-${++serial}`) },
      ];
      if (passkeySteps) {
        const challenge = (parameters: Record<string, string>) => ({
          type: "challenge",
          session: `pk-${++serial}`,
          parameters: { attemptsLeft: String(k % 3), ...parameters },
        });
        steps.push(
          challenge({ step: "PASSKEY", options: OPTIONS, ...(k % 2 ? { rejected: "true" } : {}) }),
          k % 3 ? challenge({ step: "ENROL", options: CREATION }) : challenge({ step: "ENROL" }),
        );
      }
      const step = steps[k % steps.length] as { type: string };
      call.resolve(step);
      return step.type === "tokens";
    }
    case "refresh":
      // Rotated (a new refresh token) or not ("" leaves it out).
      call.resolve(tokensFor(claims, 3600, k % 2 ? `rt-${++serial}` : ""));
      return true;
    default:
      call.resolve(undefined);
      return false;
  }
}

/** `tabs` of the runs: closed before the next run (a failed run leaves its channel open). */
const opened: SharedTabs[] = [];

/** `shareAcrossTabs` with a lock that queues its tasks (as Web Locks does), or with no lock to take. */
function tabsFor(kind: "locked" | "unlocked"): SharedTabs {
  let queue: Promise<unknown> = Promise.resolve();
  const tabs = shareAcrossTabs({
    leaseStorage: null,
    locks:
      kind === "locked"
        ? {
            request: <T>(_name: string, task: () => Promise<T>) => {
              const run = queue.then(task);
              queue = run.catch(() => undefined);
              return run;
            },
          }
        : null,
  });
  opened.push(tabs);
  return tabs;
}

/** The scripted transport; with `honour`, an aborted signal rejects its call at once. */
function transportFor(honour: boolean) {
  const script = scriptedTransport();
  if (!honour) return script;
  const wrapped = {} as Record<string, unknown>;
  for (const [op, fn] of Object.entries(script.transport)) {
    wrapped[op] = (input: { signal?: AbortSignal }) => {
      const promise = (fn as (i: unknown) => Promise<unknown>)(input);
      const call = script.calls[script.calls.length - 1]!;
      const onAbort = () => {
        const i = script.calls.indexOf(call);
        if (i >= 0) script.calls.splice(i, 1);
        call.reject(new DOMException("aborted", "AbortError"));
      };
      if (input.signal?.aborted) onAbort();
      else input.signal?.addEventListener("abort", onAbort);
      return promise;
    };
  }
  return { ...script, transport: wrapped as unknown as Transport };
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("token lifecycle under any interleaving (model-based)", () => {
  it("no tokens or stored refresh token survive a sign-out, every call resolves, one request per double call", async () => {
    await fc.assert(
      fc.asyncProperty(
        // size "max": fast-check 4 otherwise caps arrays at ~10 items whatever maxLength says.
        fc.array(actionArb, { maxLength: 40, size: "max" }),
        fc.boolean(),
        fc.constantFrom("none", "sync", "async", "stored", "cookie"),
        fc.constantFrom("none", "submit", "signOut"),
        fc.boolean(),
        fc.constantFrom("none", "locked", "unlocked"),
        async (actions, honour, storageKind, reentrant, withPasskeys, tabsKind) => {
          // Prepare
          for (const tabs of opened.splice(0)) tabs.close();
          const script = transportFor(honour);
          const items = new Map<string, string>();
          if (storageKind === "stored") items.set(KEY, "rt-stored");
          const later = <T>(v: T) => (storageKind === "sync" ? v : Promise.resolve(v));
          const cookie = storageKind === "cookie";
          // Cookie mode: the page's own storages, recording every write (none may happen).
          const pageWrites: string[] = [];
          const recording = {
            getItem: () => null,
            setItem: (k: string, v: string) => void pageWrites.push(`${k}=${v}`),
            removeItem: () => undefined,
            clear: () => undefined,
            key: () => null,
            length: 0,
          };
          if (cookie) {
            vi.stubGlobal("localStorage", recording);
            vi.stubGlobal("sessionStorage", recording);
          }
          // Rotation: refresh tokens a refresh answer replaced. None may be sent again.
          const superseded = new Set<string>();
          /**
           * When each replaced token was replaced (rotations counted), and how
           * many rotations had happened when each call went out: a refresh
           * sent before its token was replaced (then answered after, as a
           * transport that ignores aborts does) is not a reuse.
           */
          const replacedAt = new Map<string, number>();
          const sentAfter = new WeakMap<object, number>();
          let rotations = 0;
          let clock = 1_000_000;
          // Passkeys: the plug-in, and a browser whose dialogs succeed, cancel or stay open.
          const browser = withPasskeys ? passkeyBrowser() : undefined;
          const client = createPasscodeClient({
            clientId: "c1",
            transport: script.transport,
            now: () => clock,
            ...(tabsKind !== "none" && { tabs: tabsFor(tabsKind) }),
            ...(browser && { passkeys: passkeys() }),
            ...(cookie && { tokenHandler: "https://app.example.com/auth" }),
            ...(storageKind !== "none" &&
              !cookie && {
                storage: {
                  getItem: (k: string) => later(items.get(k) ?? null),
                  setItem: (k: string, v: string) => later(void items.set(k, v)),
                  removeItem: (k: string) => later(void items.delete(k)),
                },
              }),
          });
          const problems: string[] = [];
          /** Tokens answers (sign-in or refresh), sign-ins shown, assertions answered. */
          let issued = 0;
          let signIns = 0;
          let assertions = 0;
          let shown = client.getSnapshot().status;
          let notified = 0;
          let signedInSinceSignOut = true;
          let signOuts = 0;
          const actedOn = new WeakSet<object>();
          let listenerActs = 0;
          client.subscribe(() => {
            notified++;
            const s = client.getSnapshot();
            const problem = snapshotProblem(s);
            if (problem) problems.push(problem);
            if (s.status === "signedIn") signedInSinceSignOut = true;
            // Passkey paths reach signedIn only with tokens the service issued.
            if (s.status === "signedIn" && shown !== "signedIn") signIns++;
            if (s.status === "signedIn" && s.method === "passkey" && assertions === 0) {
              problems.push("signed in with a passkey no assertion was sent for");
            }
            shown = s.status;
            // An app that acts from its listener: once per snapshot shown.
            if (!actedOn.has(s) && listenerActs < 3) {
              actedOn.add(s);
              listenerActs++;
              if (reentrant === "submit" && s.status === "awaitingCode") {
                void track("listener submitCode", client.submitCode("123456"));
              } else if (reentrant === "signOut" && s.status === "signedIn" && notified % 3 === 0) {
                signOuts++;
                signedInSinceSignOut = false;
                void track("listener signOut", client.signOut());
              }
            }
          });
          /** Every promise a call returned, with whether it settled. */
          const results: { settled: boolean; what: string }[] = [];
          const track = <T>(what: string, p: Promise<T>) => {
            const entry = { settled: false, what };
            results.push(entry);
            return p.then(
              (v) => {
                entry.settled = true;
                return v;
              },
              (e) => {
                entry.settled = true;
                problems.push(`${what} rejected: ${String(e)}`);
                throw e;
              },
            );
          };
          /** getTokens calls a sign-out overtook: each must resolve null. */
          const overtaken: { tokens?: PasscodeTokens | null; done: boolean }[] = [];
          const live: (typeof overtaken)[number][] = [];
          const emails = ["alice@example.com", "bob@example.com", "nope", " Alice@Example.COM "];
          const methods: ((arg: number) => Promise<unknown>)[] = [
            (a) => client.requestCode(emails[a]!),
            () => client.resendCode(),
            (a) => client.submitCode(["123456", "12345", "654321", "000000"][a]!),
            (a) => client.submitUsername(["alice", "4lice", "bob_1", "carol"][a]!),
            async () => client.reset(),
            (a) => {
              signOuts++;
              signedInSinceSignOut = false;
              for (const entry of live.splice(0)) if (!entry.done) overtaken.push(entry);
              const p = client.signOut({ global: a === 1 });
              // Synchronously signed out, and no tokens handed out any more.
              expect(client.getSnapshot().status).toBe("signedOut");
              const t = track("getTokens after signOut", client.getTokens());
              t.then((v) => {
                if (v !== null) problems.push("getTokens right after signOut gave tokens");
              });
              return p;
            },
            () => {
              const entry: (typeof overtaken)[number] = { done: false };
              live.push(entry);
              return client.getTokens().then((tokens) => {
                entry.done = true;
                entry.tokens = tokens;
                return tokens;
              });
            },
            (a) => client.requestCode(emails[a % 2]!),
            (a) => client.submitCode(["123456", "654321"][a % 2]!),
          ];
          const signalled = () =>
            script.calls.filter((c) => {
              const signal = (c.input as { signal?: AbortSignal }).signal;
              return signal && !signal.aborted;
            }).length;

          /** Settles `call` as `settle` does, checking and recording what rotation implies. */
          const answer = (call: PendingCall, n: number) => {
            // Rotations happen only in answers: every call still unstamped went out since the last one.
            for (const c of [call, ...script.calls])
              if (!sentAfter.has(c)) sentAfter.set(c, rotations);
            const sent = call.input.refreshToken;
            if (call.op === "refresh" || call.op === "revokeToken") {
              // Cookie mode: no refresh token ever leaves the client (the handler reads its cookie).
              if (cookie && sent !== undefined) problems.push(`${call.op} sent a refresh token`);
              // Only a refresh of the session (it carries a signal; sign-out's does not) must be newest.
              if (
                call.op === "refresh" &&
                call.input.signal &&
                sent &&
                (replacedAt.get(sent) ?? Number.POSITIVE_INFINITY) <= sentAfter.get(call)!
              ) {
                problems.push(`refresh sent ${sent}, which a rotation had replaced`);
              }
            }
            const resolve = call.resolve;
            call.resolve = (value) => {
              const rotated = (value as { refreshToken?: string } | undefined)?.refreshToken;
              if (call.op === "refresh" && sent && rotated) {
                superseded.add(sent);
                rotations++;
                if (!replacedAt.has(sent)) replacedAt.set(sent, rotations);
              }
              resolve(value);
            };
            const meta = (call.input as { clientMetadata?: Record<string, string> }).clientMetadata;
            if (meta?.["passcode:passkeyChallenge"]) assertions++;
            if (settle(call, n, true)) issued++;
          };

          // Act
          for (const action of actions) {
            if (action.kind === "call") {
              const name = `method ${action.method}`;
              const before = script.calls.length;
              const first = track(name, methods[action.method]!(action.arg) as Promise<unknown>);
              // reset() and signOut() close an open passkey dialog at once.
              if (browser && (action.method === 4 || action.method === 5) && browser.open() > 0) {
                problems.push(`a dialog stayed open after method ${action.method}`);
              }
              // (Not with a listener that acts: it may change the state between the two.)
              if (
                action.twice &&
                action.method !== 5 &&
                action.method !== 6 &&
                reentrant === "none"
              ) {
                // A double submit: one request at most, one outcome for both.
                const second = track(name, methods[action.method]!(action.arg) as Promise<unknown>);
                if (reentrant === "none")
                  expect(script.calls.length - before).toBeLessThanOrEqual(1);
                void Promise.all([first, second]).then(([a, b]) => {
                  if (JSON.stringify(a) !== JSON.stringify(b)) {
                    problems.push(`double ${name}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
                  }
                });
              }
            } else if (action.kind === "settle") {
              if (script.calls.length > 0) {
                const call = script.calls.splice(action.pick % script.calls.length, 1)[0]!;
                answer(call, action.outcome);
              }
            } else if (action.kind === "signIn") {
              // The happy path in one step, answering the newest request of each kind.
              const newest = (op: string) => {
                const i = script.calls.findLastIndex((c) => c.op === op);
                return i < 0 ? undefined : script.calls.splice(i, 1)[0];
              };
              track("signIn requestCode", client.requestCode("alice@example.com"));
              await settleAll();
              newest("signUp")?.resolve(undefined);
              await settleAll();
              newest("initiateAuth")?.resolve(codeStep());
              await settleAll();
              track("signIn submitCode", client.submitCode("123456"));
              if (script.calls.some((c) => c.op === "respondToAuthChallenge")) issued++;
              const last = newest("respondToAuthChallenge");
              // The newest answer may be an assertion a passkey sign-in sent (submitCode joined it).
              const meta = (last?.input as { clientMetadata?: Record<string, string> } | undefined)
                ?.clientMetadata;
              if (meta?.["passcode:passkeyChallenge"]) assertions++;
              last?.resolve({
                type: "tokens",
                tokens: tokensFor(
                  { sub: `s${++serial}`, email: "a@example.com" },
                  3600,
                  `rt-${++serial}`,
                ),
              });
            } else if (action.kind === "passkey") {
              if (browser) {
                const { status } = client.getSnapshot();
                const { switchToCode } = client;
                const calls = [
                  () => client.signInWithPasskey(emails[action.arg]!),
                  () => client.retryPasskey(),
                  () => switchToCode(),
                  () => client.enrolPasskey(),
                  () => client.skipEnrolment(),
                  () => client.submitCode("123456", { enrolPasskey: true }),
                  // A passkey sign-in whose InitiateAuth is answered at once: a dialog opens.
                  async () => {
                    const started = client.signInWithPasskey("alice@example.com");
                    await settleAll();
                    const i = script.calls.findLastIndex((c) => c.op === "initiateAuth");
                    if (i >= 0) {
                      script.calls.splice(i, 1)[0]!.resolve({
                        type: "challenge",
                        session: `pk-${++serial}`,
                        parameters: { step: "PASSKEY", attemptsLeft: "3", options: OPTIONS },
                      });
                    }
                    return started;
                  },
                ];
                track(`passkey ${action.method}`, calls[action.method]!());
                // A new passkey sign-in or switchToCode from an open dialog closes it at once.
                if (
                  status === "authenticatingPasskey" &&
                  (action.method === 2 ||
                    action.method === 6 ||
                    (action.method === 0 && action.arg !== 2)) &&
                  browser.open() > 0
                ) {
                  problems.push(`a dialog stayed open after passkey call ${action.method}`);
                }
              }
            } else if (action.kind === "tick") {
              vi.advanceTimersByTime(action.ms);
            } else {
              clock += 3_600_000;
            }
            await settleAll();
            if (honour && signalled() > 1) problems.push("two live sign-in requests at once");
          }
          // Drain: answer everything still pending (errors after a few rounds), let waits end.
          // (Settled first: with no actions, a restore's refresh has not gone out yet.)
          await settleAll();
          for (
            let round = 0;
            round < 30 && (script.calls.length || vi.getTimerCount() || browser?.open());
            round++
          ) {
            // Dialogs nobody answers end as their timeout would.
            browser?.release();
            await settleAll();
            for (const call of script.calls.splice(0)) {
              answer(call, round < 3 ? (round * 7 + call.op.length) % 15 : 4);
            }
            vi.advanceTimersByTime(5000);
            await settleAll();
          }

          // Assess
          expect(problems).toEqual([]);
          expect(signIns).toBeLessThanOrEqual(issued);
          expect(browser?.open() ?? 0).toBe(0);
          expect(script.calls).toEqual([]);
          expect(results.filter((r) => !r.settled).map((r) => r.what)).toEqual([]);
          for (const entry of overtaken) expect(entry.tokens ?? null).toBeNull();
          const final: PasscodeSnapshot = client.getSnapshot();
          if (signOuts > 0 && !signedInSinceSignOut) {
            expect(final.status).not.toBe("signedIn");
            expect(items.has(KEY)).toBe(false);
            expect(await client.getTokens()).toBeNull();
          }
          if (final.status === "signedIn" && storageKind !== "none" && !cookie) {
            expect(items.has(KEY)).toBe(true);
            // The newest: not one a rotation replaced.
            expect(superseded.has(items.get(KEY)!)).toBe(false);
          }
          // Cookie mode: nothing reached the page's storages.
          expect(pageWrites).toEqual([]);
          vi.unstubAllGlobals();
          for (const tabs of opened.splice(0)) tabs.close();
          // No listener storm: a bounded number of notifications per step.
          expect(notified).toBeLessThanOrEqual(6 * (actions.length + 30) + 2);
        },
      ),
      { numRuns: Number(process.env.RUNS ?? 400) },
    );
  }, 120_000);
});

describe("getTokens across a sign-out", () => {
  it("a refresh a sign-out overtook resolves null, not the next user's tokens (transport ignoring signal)", async () => {
    // Prepare: alice signed in, her tokens about to expire.
    let clock = 1_000_000;
    const { client, script } = scriptedClient({
      now: () => clock,
    });
    await signIn(client, script, { sub: "alice", email: "a@example.com" });
    clock += 3_600_000;
    // Act: alice's getTokens waits for a refresh; she signs out; bob signs in; the refresh ends.
    const alices = client.getTokens();
    await settleAll();
    const refresh = script.take("refresh");
    void client.signOut();
    script.take("revokeToken").resolve(undefined);
    await signIn(client, script, { sub: "bob", email: "a@example.com" });
    refresh.reject(new TypeError("Failed to fetch"));
    // Assess
    expect(await alices).toBeNull();
  });
});

describe("getTokens waiting for a restore a sign-out ended", () => {
  it("resolves null, not the tokens of a sign-in that came after (transport ignoring signal)", async () => {
    // Prepare: a stored session whose restore hangs.
    const items = new Map([[KEY, "rt-stored"]]);
    const { client, script } = scriptedClient({
      storage: {
        getItem: (k: string) => items.get(k) ?? null,
        setItem: (k: string, v: string) => void items.set(k, v),
        removeItem: (k: string) => void items.delete(k),
      },
    });
    const early = client.getTokens();
    await settleAll();
    const restore = script.take("refresh");
    // Act: sign out while restoring, sign in as someone else, then the restore's request ends.
    void client.signOut();
    await settleAll();
    script.take("revokeToken").resolve(undefined);
    await signIn(client, script, { sub: "bob", email: "bob@example.com" }, "bob@example.com");
    expect(client.getSnapshot().status).toBe("signedIn");
    restore.reject(new TypeError("Failed to fetch"));
    // Assess
    expect(await early).toBeNull();
  });
});

describe("getTokens in a busy state (client guide: the exception to joining)", () => {
  it("resolves null at once while the code is being verified, even if the answer brings tokens", async () => {
    const { client, script } = scriptedClient();
    await awaitCode(client, script);
    const q = client.submitCode("123456");
    expect(client.getSnapshot().status).toBe("verifyingCode");
    const during = client.getTokens();
    script
      .take("respondToAuthChallenge")
      .resolve({ type: "tokens", tokens: tokensFor({ sub: "alice", email: "a@example.com" }) });
    await q;
    expect(await during).toBeNull();
    expect(await client.getTokens()).not.toBeNull();
  });
});

describe("a listener that acts on every change", () => {
  it("gets one INVALID_STATE, not a storm: refusing again with the same error changes nothing", async () => {
    // Prepare: the code is spent (attemptsLeft 0), and the app auto-submits on every change.
    const { client, script } = scriptedClient();
    await awaitCode(client, script, "alice@example.com", 0);
    let notified = 0;
    client.subscribe(() => {
      if (++notified > 50) return;
      if (client.getSnapshot().status === "awaitingCode") void client.submitCode("123456");
    });
    // Act
    const first = await client.submitCode("123456");
    // Assess
    expect(first.error?.code).toBe("INVALID_STATE");
    expect(notified).toBe(1);
    expect(await client.submitCode("123456")).toBe(first);
  });
});

describe("a call made from a listener as a request ends", () => {
  it("acts: submitCode on the awaitingCode notification sends the code (it joined the ended request and sent nothing)", async () => {
    // Prepare: a subscriber that submits a code it already has (autofill) as soon as the code screen shows.
    const { client, script } = scriptedClient();
    let submitted: Promise<unknown> | undefined;
    client.subscribe(() => {
      if (!submitted && client.getSnapshot().status === "awaitingCode") {
        submitted = client.submitCode("123456");
      }
    });
    // Act
    await awaitCode(client, script);
    await settleAll();
    // Assess: the answer went out, and its outcome is what the call resolves with.
    expect(client.getSnapshot().status).toBe("verifyingCode");
    script
      .take("respondToAuthChallenge")
      .resolve({ type: "tokens", tokens: tokensFor({ sub: "alice", email: "a@example.com" }) });
    expect(await submitted).toMatchObject({ status: "signedIn" });
  });
});

describe("sign-out's own requests", () => {
  it("are not aborted by a later reset() or sign-out: they carry no signal", async () => {
    let clock = 1_000_000;
    const { client, script } = scriptedClient({
      now: () => clock,
    });
    await signIn(client, script, { sub: "alice", email: "a@example.com" });
    clock += 3_600_000; // the access token has expired: a global sign-out refreshes first
    const out = client.signOut({ global: true });
    client.reset();
    void client.signOut();
    await settleAll();
    const refresh = script.take("refresh");
    expect(refresh.input.signal).toBeUndefined();
    refresh.resolve(tokensFor({ sub: "alice", email: "a@example.com" }, 3600, undefined));
    await settleAll();
    const global = script.take("globalSignOut");
    expect(global.input.signal).toBeUndefined();
    global.resolve(undefined);
    await settleAll();
    const revoke = script.take("revokeToken");
    expect(revoke.input.signal).toBeUndefined();
    revoke.resolve(undefined);
    expect(await out).toEqual({ status: "signedOut" });
  });
});
