/**
 * Passkeys for the client: pass `passkeys()` as the client's `passkeys`
 * option. Only this entry point holds the WebAuthn ceremonies, the passkey
 * screens and the management calls; a client without it does not bundle
 * them (it still signs in with codes on a deployment with passkeys on).
 *
 * @example
 * ```ts
 * import { createPasscodeClient } from "@cognito-passcode/client";
 * import { passkeys } from "@cognito-passcode/client/passkeys";
 *
 * const client = createPasscodeClient({ clientId, tokenHandler: "/auth", passkeys: passkeys() });
 * await client.signInWithPasskey("alice@example.com");
 * ```
 *
 * @packageDocumentation
 */
import {
  type EnrolChallenge,
  isValidEmail,
  normalizeEmail,
  PasscodeError,
  type PasskeyChallenge,
} from "@cognito-passcode/shared";
import { mapError, snapshotError } from "./errors.js";
import { busy, type PasscodeEvent, transition } from "./machine.js";
import { configurationError } from "./options.js";
import type { PasscodePasskeys, PasskeyHost, PasskeyLink } from "./plugin.js";
import type { Live } from "./session.js";
import type {
  AnswerOptions,
  AwaitingEnrolmentSnapshot,
  PasscodeSnapshot,
  PasskeyInfo,
  SnapshotError,
} from "./types.js";

export type { PasscodePasskeys, PasskeyHost, PasskeyLink, PasskeyMethods } from "./plugin.js";

/** Options for {@link passkeys}. */
export interface PasskeysOptions {
  /**
   * Where `listPasskeys`, `renamePasskey` and `removePasskey` go: your token
   * handler (`@cognito-passcode/token-handler` with its `passkeys` option),
   * absolute or relative.
   * @default the client's `tokenHandler`
   */
  managementUrl?: string;
}

type Json = Record<string, unknown>;

/** The statuses this plug-in owns. */
const MINE = /Passkey$|Enrolment$/;

const failClosed = (): PasscodeSnapshot => ({
  status: "signedOut",
  error: snapshotError("SERVICE_ERROR"),
});

/**
 * The transition for the passkey screens (pure, like the core's
 * `transition`, which handles everything this returns `undefined` for).
 * Tokens reach `signedIn` only through the core's checks, and only from a
 * request in flight (`startingPasskey`, `verifyingPasskey`,
 * `verifyingEnrolment`): never from a screen waiting for the user nor during
 * a browser dialog.
 */
export function passkeyTransition(
  s: PasscodeSnapshot,
  event: PasscodeEvent,
): PasscodeSnapshot | undefined {
  const mine = MINE.test(s.status);
  switch (event.type) {
    case "startPasskey":
      return /^(signedOut|awaitingCode|awaitingPasskey|authenticatingPasskey)$/.test(s.status)
        ? { status: "startingPasskey", email: event.email }
        : s;
    case "ceremony":
      if (s.status === "awaitingPasskey") return { ...s, status: "authenticatingPasskey" };
      if (s.status === "awaitingEnrolment" && s.attemptsLeft > 0 && !s.reason) {
        const { error: _e, ...rest } = s;
        return { ...rest, status: "enrollingPasskey" };
      }
      return s;
    case "submit":
      if (s.status === "authenticatingPasskey") {
        const { error: _e, ...rest } = s;
        return { ...rest, status: "verifyingPasskey" };
      }
      if (s.status === "enrollingPasskey" || s.status === "awaitingEnrolment") {
        const { error: _e, ...rest } = s;
        return { ...rest, status: "verifyingEnrolment" };
      }
      return mine ? s : undefined;
    case "sendCode":
      // switchToCode: the switch to a code is in flight, as a requestCode's.
      if (s.status === "awaitingPasskey" || s.status === "authenticatingPasskey") {
        return { status: "sendingCode", email: s.email };
      }
      return mine ? s : undefined;
    case "challenge": {
      const c = event.challenge;
      if (c.step === "PASSKEY") {
        if (s.status === "startingPasskey") {
          return { status: "authenticatingPasskey", email: s.email, attemptsLeft: c.attemptsLeft };
        }
        if (s.status === "verifyingPasskey") {
          return {
            status: "awaitingPasskey",
            email: s.email,
            attemptsLeft: c.attemptsLeft,
            error: snapshotError("PASSKEY_REJECTED"),
          };
        }
        return busy(s.status) ? failClosed() : s;
      }
      if (c.step === "ENROL") {
        if (!busy(s.status) || s.status === "sendingCode" || s.status === "startingPasskey") {
          return busy(s.status) ? failClosed() : s;
        }
        const details = { attemptsLeft: c.attemptsLeft, ...(c.reason && { reason: c.reason }) };
        // A first registration starts at once; a refused one waits for a click.
        if (c.options && s.status !== "verifyingEnrolment") {
          return { status: "enrollingPasskey", ...details };
        }
        const error =
          c.reason ?? (s.status === "verifyingEnrolment" && c.rejected && "PASSKEY_REJECTED");
        return {
          status: "awaitingEnrolment",
          ...details,
          ...(error && { error: snapshotError(error) }),
        };
      }
      // CODE or USERNAME.
      if (s.status === "startingPasskey") {
        // Passkeys are off there: the service sent a code, as for requestCode.
        return transition({ status: "sendingCode", email: s.email }, event);
      }
      if (s.status === "verifyingPasskey" && c.step === "USERNAME") {
        return transition({ status: "verifyingCode" } as PasscodeSnapshot, event);
      }
      return mine ? failClosed() : undefined;
    }
    case "failed": {
      const { error, sessionEnded } = event;
      const { status } = s;
      if (status === "startingPasskey" || (sessionEnded && mine)) {
        return { status: "signedOut", error };
      }
      if (status === "authenticatingPasskey" || status === "verifyingPasskey") {
        const { email, attemptsLeft } = s;
        return { status: "awaitingPasskey", email, attemptsLeft, error };
      }
      if (status === "enrollingPasskey" || status === "verifyingEnrolment") {
        const { error: _e, ...rest } = s;
        return { ...rest, status: "awaitingEnrolment", error };
      }
      return mine ? s : undefined;
    }
    default:
      return undefined;
  }
}

const fromB64 = (value: string) =>
  Uint8Array.from(atob(value.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

const toB64 = (value: ArrayBuffer | ArrayBufferView) =>
  btoa(
    String.fromCharCode(
      ...new Uint8Array(ArrayBuffer.isView(value) ? value.buffer : value).slice(
        ArrayBuffer.isView(value) ? value.byteOffset : 0,
        ArrayBuffer.isView(value) ? value.byteOffset + value.byteLength : undefined,
      ),
    ),
  )
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const ids = (list: unknown) =>
  (list as Json[] | undefined)?.map((c) => ({ ...c, id: fromB64(c.id as string) }));

/**
 * Options JSON to WebAuthn's (the fallback for browsers without
 * `PublicKeyCredential.parseRequestOptionsFromJSON` /
 * `parseCreationOptionsFromJSON`): the base64url members become bytes.
 */
export function decodeOptions(json: Json): Json {
  const user = json.user as Json | undefined;
  return {
    ...json,
    challenge: fromB64(json.challenge as string),
    ...(user && { user: { ...user, id: fromB64(user.id as string) } }),
    ...(json.allowCredentials ? { allowCredentials: ids(json.allowCredentials) } : {}),
    ...(json.excludeCredentials ? { excludeCredentials: ids(json.excludeCredentials) } : {}),
  };
}

/**
 * A credential to its JSON (the fallback for browsers without
 * `PublicKeyCredential.prototype.toJSON`): `RegistrationResponseJSON` or
 * `AuthenticationResponseJSON`, byte members as base64url.
 */
export function credentialJSON(credential: Json): Json {
  const r = credential.response as Json & { getTransports?: () => string[] };
  const bytes = (k: string) => (r[k] ? { [k]: toB64(r[k] as ArrayBuffer) } : {});
  return {
    id: credential.id,
    rawId: toB64(credential.rawId as ArrayBuffer),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults:
      (credential.getClientExtensionResults as (() => Json) | undefined)?.call(credential) ?? {},
    response: r.attestationObject
      ? {
          ...bytes("clientDataJSON"),
          ...bytes("attestationObject"),
          transports: r.getTransports?.() ?? [],
        }
      : {
          ...bytes("clientDataJSON"),
          ...bytes("authenticatorData"),
          ...bytes("signature"),
          ...bytes("userHandle"),
        },
  };
}

/** A DOMException name to the error the screen shows. */
function ceremonyError(error: unknown): SnapshotError {
  const name = (error as { name?: unknown } | null)?.name;
  const cause = typeof name === "string" && /^\w{1,64}$/.test(name) ? name : undefined;
  return snapshotError(
    name === "InvalidStateError"
      ? "PASSKEY_EXISTS"
      : name === "NotSupportedError"
        ? "PASSKEY_UNSUPPORTED"
        : name === "SecurityError"
          ? "CONFIGURATION_ERROR"
          : "PASSKEY_CANCELLED",
    cause,
  );
}

interface Credentials {
  get(options: object): Promise<Json | null>;
  create(options: object): Promise<Json | null>;
}
interface PublicKeyCredentialStatics {
  parseRequestOptionsFromJSON?(json: Json): object;
  parseCreationOptionsFromJSON?(json: Json): object;
  signalUnknownCredential?(options: { rpId: string; credentialId: string }): Promise<void>;
}

const unsupported = () => Object.assign(new Error("no WebAuthn"), { name: "NotSupportedError" });

/** Thrown by {@link ceremony} for options the browser's parser (or the fallback) refuses. */
const badOptions = new Error("options");

/**
 * Runs one WebAuthn ceremony (`get`: an assertion, `create`: a registration)
 * from the options JSON, in the browser's own parser where it has one, and
 * returns the credential's JSON. Rejects with the browser's `DOMException`
 * (or a `NotSupportedError` where there is no WebAuthn), or `badOptions`
 * before any dialog when the options do not parse.
 */
async function ceremony(kind: "get" | "create", json: Json, signal: AbortSignal): Promise<Json> {
  const statics = globalThis.PublicKeyCredential as unknown as
    | PublicKeyCredentialStatics
    | undefined;
  const credentials = (globalThis.navigator as { credentials?: Credentials } | undefined)
    ?.credentials;
  if (!statics || !credentials) throw unsupported();
  const parse =
    kind === "get" ? statics.parseRequestOptionsFromJSON : statics.parseCreationOptionsFromJSON;
  let publicKey: object;
  try {
    publicKey = parse ? parse.call(statics, json) : decodeOptions(json);
  } catch {
    throw badOptions;
  }
  const credential = await credentials[kind]({ publicKey, signal });
  if (!credential) throw Object.assign(new Error("no credential"), { name: "NotAllowedError" });
  const toJSON = credential.toJSON as (() => Json) | undefined;
  return toJSON ? toJSON.call(credential) : credentialJSON(credential);
}

/** A label for a new passkey, e.g. "Chrome on macOS" (at most 64 characters). */
export function passkeyName(): string {
  const nav = globalThis.navigator as
    | {
        userAgent?: string;
        userAgentData?: { brands?: { brand: string }[]; platform?: string };
      }
    | undefined;
  const ua = nav?.userAgent ?? "";
  const data = nav?.userAgentData;
  const brand =
    data?.brands?.map((b) => b.brand).find((b) => !/Not|Chromium/.test(b)) ??
    /Edg|Firefox|Chrome|Safari/.exec(ua)?.[0].replace("Edg", "Edge");
  const os =
    data?.platform ||
    /Android|iPhone|iPad|Mac|Windows|CrOS|Linux/.exec(ua)?.[0].replace("Mac", "macOS");
  return (brand ? (os ? `${brand} on ${os}` : brand) : os || "Passkey").slice(0, 64);
}

/**
 * The passkey plug-in: pass it as the client's `passkeys` option. Adds
 * `signInWithPasskey`, `retryPasskey`, `switchToCode`, `enrolPasskey`,
 * `skipEnrolment` and `{ enrolPasskey }` on `submitCode` / `submitUsername`,
 * the screens `startingPasskey`, `authenticatingPasskey`, `awaitingPasskey`,
 * `verifyingPasskey`, `awaitingEnrolment`, `enrollingPasskey`,
 * `verifyingEnrolment`, and the management calls `listPasskeys`,
 * `renamePasskey`, `removePasskey` (through your token handler). Safe to
 * create during server rendering: nothing reads `navigator` until a
 * ceremony runs; without WebAuthn a ceremony ends with `PASSKEY_UNSUPPORTED`.
 *
 * @throws `CONFIGURATION_ERROR` for a `managementUrl` that is not a string.
 */
export function passkeys(options: PasskeysOptions = {}): PasscodePasskeys {
  const { managementUrl } = options;
  if (managementUrl !== undefined && typeof managementUrl !== "string") {
    throw configurationError("managementUrl", "must be a URL");
  }
  return { connect: (host) => connect(host, managementUrl) };
}

function connect(host: PasskeyHost, managementUrl: string | undefined): PasskeyLink {
  /** The challenge the passkey screens answer (a cancelled dialog is retried on it). */
  let current: PasskeyChallenge | EnrolChallenge | undefined;
  /** The RP id of the last options seen, for `signalUnknownCredential`. */
  let rpId: string | undefined;
  /**
   * The challenge of this sign-in's last assertion. Pre Token Generation sees
   * only the ClientMetadata of the answer that gets tokens, so every answer
   * after a passkey proof (USERNAME, ENROL, skip) carries it too, through
   * `metadata()` (or the claim says `otp`).
   */
  let proof: Record<string, string> = {};

  /** Options the service should never send: the sign-in ends (fail closed). */
  const broken = () =>
    host.dispatch({ type: "failed", error: snapshotError("SERVICE_ERROR"), sessionEnded: true });

  /** The options JSON of the current challenge, or a fail-closed sign-out. */
  function optionsOf(): Json | undefined {
    try {
      const json = JSON.parse(current?.options ?? "");
      const id = (json.rp as Json | undefined)?.id ?? json.rpId;
      if (typeof json.challenge === "string") {
        if (typeof id === "string") rpId = id;
        return json;
      }
    } catch {}
    broken();
  }

  /** The dialog, then the answer; a failed dialog leaves the screen waiting for a click. */
  async function perform(kind: "get" | "create", live: Live) {
    const json = optionsOf();
    if (!json) return;
    let answer: Json;
    try {
      answer = await ceremony(kind, json, host.signal());
    } catch (error) {
      // Options that do not parse: as JSON that does not (a retry would fail the same way).
      if (live())
        error === badOptions
          ? broken()
          : host.dispatch({ type: "failed", error: ceremonyError(error), sessionEnded: false });
      return;
    }
    if (!live()) return;
    host.dispatch({ type: "submit" });
    // As for a code: the last assertion refused ends the sign-in (TOO_MANY_ATTEMPTS).
    const ctx =
      kind === "get"
        ? { step: "code" as const, attemptsLeft: current?.attemptsLeft }
        : { step: "code" as const };
    if (kind === "get") proof = { "passcode:passkeyChallenge": json.challenge as string };
    await host.answer(
      JSON.stringify(answer),
      ctx,
      live,
      kind === "get" ? proof : { "passcode:passkeyName": passkeyName() },
    );
  }

  const authenticate = (live: Live) => perform("get", live);
  const register = (live: Live) => perform("create", live);

  const enrolment = (s: PasscodeSnapshot): s is AwaitingEnrolmentSnapshot =>
    s.status === "awaitingEnrolment";

  /** A management call to the token handler with the user's access token. */
  async function manage(operation: string, body: Json): Promise<Json> {
    const url = managementUrl || host.options.tokenHandler;
    if (!url) throw configurationError("managementUrl", "or the client's tokenHandler: give one");
    const tokens = await host.getTokens();
    if (!tokens) throw new PasscodeError("INVALID_STATE", host.snapshot().status);
    let data: Json;
    // As the fetch transport's: a sign-out, or `timeoutMs` (headers and body), ends the call.
    const signal = host.signal();
    const controller = new AbortController();
    const abort = () => controller.abort();
    const timer = setTimeout(
      () => controller.abort(Object.assign(new Error("timed out"), { name: "TimeoutError" })),
      Math.min(host.options.timeoutMs ?? 15_000, 2 ** 31 - 1),
    );
    signal.addEventListener("abort", abort);
    try {
      const response = await (host.options.fetch ?? fetch)(url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": `CognitoPasscodeService.${operation}`,
          "x-cognito-passcode": "1",
        },
        credentials: "include",
        body: JSON.stringify({ AccessToken: tokens.accessToken, ...body }),
        signal: controller.signal,
      });
      data = ((await response.json().catch(() => undefined)) as Json | undefined) ?? {};
      if (!response.ok) {
        const message = String(data.message ?? data.Message ?? "");
        throw Object.assign(new Error(message), {
          name: String(
            data.__type ?? response.headers.get("x-amzn-errortype") ?? `Http${response.status}`,
          ).replace(/^.*#|:.*$/gs, ""),
        });
      }
    } catch (error) {
      // A refused or stale session, and a delete that wants a recent sign-in (REAUTHENTICATE).
      const { error: mapped } = mapError(error, { step: "refresh" });
      throw new PasscodeError(mapped.code, mapped.code, {
        ...(mapped.cause && { details: { cause: mapped.cause } }),
      });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener("abort", abort);
    }
    return data;
  }

  /** What this sign-in sent: an assertion (`passkey`), a registration (`enrolled`). */
  let sent: { passkey?: boolean; enrolled?: boolean } = {};

  return {
    transition(s, event) {
      const { type } = event;
      if (type === "sendCode" || type === "startPasskey" || type === "signedOut") {
        sent = {};
        proof = {};
      }
      if (type === "submit") {
        if (s.status === "authenticatingPasskey") sent = { passkey: true };
        if (s.status === "enrollingPasskey") sent.enrolled = true;
        if (s.status === "awaitingEnrolment") sent.enrolled = false;
      }
      const next = passkeyTransition(s, event) ?? transition(s, event);
      // Tokens for a sign-in: say how it proved the user, and whether a passkey was stored.
      return type === "signedIn" &&
        next.status === "signedIn" &&
        !/^(signedIn|restoring)$/.test(s.status)
        ? {
            ...next,
            ...(sent.passkey && { method: "passkey" }),
            ...(sent.enrolled && { passkeyEnrolled: true }),
          }
        : next;
    },
    metadata: () => proof,
    async challenge(challenge, live) {
      if (challenge.step === "PASSKEY" || challenge.step === "ENROL") current = challenge;
      const { status } = host.dispatch({ type: "challenge", challenge });
      if (status === "authenticatingPasskey") await authenticate(live);
      else if (status === "enrollingPasskey") await register(live);
    },
    methods: {
      signInWithPasskey: host.flow(
        (s): s is PasscodeSnapshot =>
          /^(signedOut|awaitingCode|awaitingPasskey|authenticatingPasskey)$/.test(s.status),
        (_s, email: string, opts?: AnswerOptions) => {
          if (!isValidEmail(email)) return host.refuse(snapshotError("INVALID_EMAIL"));
          const username = normalizeEmail(email);
          // A new sign-in: an open dialog and any request in flight end here.
          host.stop();
          host.enrolling({ enrolPasskey: !!opts?.enrolPasskey });
          // A user with a passkey exists: no SignUp.
          return host.run((live) => host.sendCode(username, live, false), {
            type: "startPasskey",
            email: username,
          });
        },
      ),
      // A second click while the dialog is open (a double click) gets the
      // first one's outcome, as a double submit does: no second dialog, no error.
      retryPasskey: host.flow(
        (s): s is PasscodeSnapshot => /^(await|authenticat)ingPasskey$/.test(s.status),
        (s) =>
          s.status === "awaitingPasskey"
            ? host.run(authenticate, { type: "ceremony" })
            : (host.pending() ?? s),
      ),
      switchToCode: host.flow(
        (s): s is PasscodeSnapshot =>
          s.status === "awaitingPasskey" || s.status === "authenticatingPasskey",
        () => {
          // Closes the dialog if it is still open.
          host.stop();
          return host.run(
            (live) =>
              host.answer("code", { step: "initiate" }, live, { "passcode:method": "code" }),
            { type: "sendCode", email: "" },
          );
        },
      ),
      enrolPasskey: host.flow(
        (s): s is PasscodeSnapshot =>
          (enrolment(s) && s.attemptsLeft > 0 && !s.reason) || s.status === "enrollingPasskey",
        (s) => (enrolment(s) ? host.run(register, { type: "ceremony" }) : (host.pending() ?? s)),
      ),
      skipEnrolment: host.flow(enrolment, () =>
        host.run(
          (live) =>
            host.answer("skip", { step: "code" }, live, { "passcode:enrolPasskey": "skip" }),
          { type: "submit" },
        ),
      ),
      async listPasskeys(): Promise<PasskeyInfo[]> {
        const { Passkeys: list } = await manage("ListPasskeys", {});
        if (!Array.isArray(list)) throw new PasscodeError("SERVICE_ERROR");
        return list.map((p: Json) => {
          // An entry without a string id or with dates that are not numbers: not the handler's answer.
          const { Id: id, CreatedAt: createdAt, LastUsedAt: lastUsedAt } = p ?? {};
          if (
            typeof id !== "string" ||
            !Number.isFinite(createdAt) ||
            !(lastUsedAt === undefined || Number.isFinite(lastUsedAt))
          ) {
            throw new PasscodeError("SERVICE_ERROR");
          }
          return {
            id,
            name: String(p.Name ?? ""),
            createdAt: createdAt as number,
            ...(lastUsedAt !== undefined && { lastUsedAt: lastUsedAt as number }),
            synced: p.Synced === true,
            transports: Array.isArray(p.Transports) ? p.Transports.map(String) : [],
          };
        });
      },
      async renamePasskey(id: string, name: string) {
        await manage("RenamePasskey", { Id: id, Name: name });
      },
      async removePasskey(id: string) {
        await manage("DeletePasskey", { Id: id });
        // Lets the passkey provider hide the dead credential (WebAuthn signal methods).
        const statics = globalThis.PublicKeyCredential as unknown as
          | PublicKeyCredentialStatics
          | undefined;
        let where = rpId;
        try {
          where ??= location.hostname;
          await statics?.signalUnknownCredential?.({ rpId: where, credentialId: id });
        } catch {
          // Best effort: the server already forgot it.
        }
      },
    },
  };
}
