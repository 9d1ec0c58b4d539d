import { softAuthenticator } from "@cognito-passcode/triggers/testing";
import { vi } from "vitest";

type Json = Record<string, unknown>;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const buf = (value: string) => {
  const bytes = Buffer.from(value, "base64url");
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

/** WebAuthn options decoded by the client's fallback (bytes) back to JSON, for the soft authenticator. */
function toJSONOptions(publicKey: Json): Json {
  const id = (c: Json) => ({ ...c, id: b64(c.id as Uint8Array) });
  const user = publicKey.user as Json | undefined;
  return {
    ...publicKey,
    challenge: b64(publicKey.challenge as Uint8Array),
    ...(user && { user: { ...user, id: b64(user.id as Uint8Array) } }),
    ...(publicKey.allowCredentials
      ? { allowCredentials: (publicKey.allowCredentials as Json[]).map(id) }
      : {}),
    ...(publicKey.excludeCredentials
      ? { excludeCredentials: (publicKey.excludeCredentials as Json[]).map(id) }
      : {}),
  };
}

/** A credential as a browser without `toJSON` hands it out: ArrayBuffers. */
function asBrowserCredential(json: Json): Json {
  const response = json.response as Record<string, string | string[]>;
  const bytes: Json = {};
  for (const key of ["clientDataJSON", "attestationObject", "authenticatorData", "signature"]) {
    if (typeof response[key] === "string") bytes[key] = buf(response[key] as string);
  }
  if (typeof response.userHandle === "string") bytes.userHandle = buf(response.userHandle);
  return {
    id: json.id,
    rawId: buf(json.rawId as string),
    type: json.type,
    authenticatorAttachment: json.authenticatorAttachment,
    getClientExtensionResults: () => json.clientExtensionResults,
    response: {
      ...bytes,
      ...(Array.isArray(response.transports) && {
        getTransports: () => response.transports,
      }),
    },
  };
}

const domError = (name: string) => Object.assign(new Error(name), { name });

/**
 * Installs a fake `navigator.credentials` and `PublicKeyCredential` backed by
 * the triggers' soft authenticator (real ES256 keys, real WebAuthn data the
 * real triggers verify). `json`: the browser has
 * `parseRequestOptionsFromJSON`/`parseCreationOptionsFromJSON` and
 * `toJSON`; `fallback`: it has neither (the client's base64url fallback runs).
 * `next(name)` makes the next ceremony fail with that DOMException name;
 * `hold()` keeps the next one open until its signal aborts.
 */
export function installWebAuthn(mode: "json" | "fallback" = "json", origin = "http://localhost") {
  const authenticator = softAuthenticator({ origin, rpId: "localhost" });
  const failures: string[] = [];
  let holding = false;
  const calls: { kind: "get" | "create"; options: Json; signal?: AbortSignal }[] = [];
  const signals: { rpId: string; credentialId: string }[] = [];
  let overrides: Json = {};

  async function run(kind: "get" | "create", input: { publicKey: Json; signal?: AbortSignal }) {
    const options =
      mode === "json"
        ? ((input.publicKey as { json: Json }).json ?? {})
        : toJSONOptions(input.publicKey);
    calls.push({ kind, options, ...(input.signal && { signal: input.signal }) });
    if (holding) {
      holding = false;
      await new Promise((_, reject) => {
        input.signal?.addEventListener("abort", () => reject(domError("AbortError")));
      });
    }
    const failure = failures.shift();
    if (failure) throw domError(failure);
    const json = (kind === "get"
      ? await authenticator.authenticate(options as never, overrides as never)
      : await authenticator.register(options as never, overrides as never)) as unknown as Json;
    return mode === "json" ? { ...json, toJSON: () => json } : asBrowserCredential(json);
  }

  const statics: Json =
    mode === "json"
      ? {
          parseRequestOptionsFromJSON: (json: Json) => ({ json }),
          parseCreationOptionsFromJSON: (json: Json) => ({ json }),
        }
      : {};
  statics.signalUnknownCredential = async (o: { rpId: string; credentialId: string }) => {
    signals.push(o);
  };
  vi.stubGlobal("PublicKeyCredential", statics);
  vi.stubGlobal("navigator", {
    userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) Chrome/131.0 Safari/537.36",
    credentials: {
      get: (input: { publicKey: Json; signal?: AbortSignal }) => run("get", input),
      create: (input: { publicKey: Json; signal?: AbortSignal }) => run("create", input),
    },
  });
  return {
    authenticator,
    calls,
    signals,
    /** The next ceremony fails with a DOMException named `name`. */
    next(name: string) {
      failures.push(name);
    },
    /** The next ceremony waits until it is aborted. */
    hold() {
      holding = true;
    },
    /** Overrides for the soft authenticator's next answers (adversarial). */
    override(value: Json) {
      overrides = value;
    },
  };
}
