import { vi } from "vitest";

/** What a stubbed `navigator.credentials.get` (`"get"`) or `.create` (`"create"`) runs. */
export type Ceremony = (
  kind: "get" | "create",
  input: { publicKey: unknown; signal: AbortSignal },
) => Promise<unknown>;

/**
 * Installs a `navigator.credentials` whose `get` and `create` run `ceremony`,
 * and a `PublicKeyCredential` whose JSON parsers hand the options back as
 * `{ json }`; with `fallback`, a `PublicKeyCredential` without them (the
 * client's base64url fallback runs). `vi.unstubAllGlobals()` removes both.
 */
export function stubWebAuthn(ceremony: Ceremony, fallback = false): void {
  vi.stubGlobal(
    "PublicKeyCredential",
    fallback
      ? {}
      : {
          parseRequestOptionsFromJSON: (json: unknown) => ({ json }),
          parseCreationOptionsFromJSON: (json: unknown) => ({ json }),
        },
  );
  vi.stubGlobal("navigator", {
    credentials: {
      get: (input: never) => ceremony("get", input),
      create: (input: never) => ceremony("create", input),
    },
  });
}
