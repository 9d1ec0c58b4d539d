import { createPasscodeClient, type PasscodeClientOptions } from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import { shareAcrossTabs } from "@cognito-passcode/client/tabs";
import type { PageConfig } from "./config.js";

/** Where the page keeps its session (the client's vocabulary). */
export type SessionMode = "memory" | "storage" | "cookie";

/** The modes in the order the page offers them, most secure first. */
export const SESSION_MODES: readonly SessionMode[] = ["cookie", "storage", "memory"];

/** What each mode keeps where, in one sentence for the page. */
export const MODE_SUMMARY: Record<SessionMode, string> = {
  cookie:
    "The refresh token stays in an httpOnly cookie of the token handler: scripts on this page never see it. A reload and other tabs share the session.",
  storage:
    "The refresh token is in this tab's sessionStorage: a reload stays signed in, and any script on this page can read it.",
  memory: "Tokens live in memory only: nothing is stored, and a reload signs you out.",
};

/**
 * The mode `?mode=` asks for, else cookie mode when the config names a token
 * handler (the secure default), else storage. Throws when cookie mode is
 * asked for and there is no token handler to keep the cookie.
 */
export function pickMode(search: string, config: PageConfig): SessionMode {
  const asked = new URLSearchParams(search).get("mode");
  const mode = SESSION_MODES.find((candidate) => candidate === asked);
  if (asked !== null && !mode) {
    // Not echoed: the page shows this message, and a link could fill it with its own words.
    throw new Error("?mode= takes cookie, storage or memory");
  }
  const chosen = mode ?? (config.tokenHandler ? "cookie" : "storage");
  if (chosen === "cookie" && !config.tokenHandler) {
    throw new Error("cookie mode needs a tokenHandler URL in config.json");
  }
  return chosen;
}

/**
 * The client options for `mode`: the pool, where the session lives, and the
 * passkeys plug-in (sign-in, enrolment, and the list of passkeys, managed
 * through the token handler with the access token in every mode).
 */
export function clientOptions(config: PageConfig, mode: SessionMode): PasscodeClientOptions {
  const pool = {
    clientId: config.clientId,
    passkeys: passkeys(config.tokenHandler ? { managementUrl: config.tokenHandler } : {}),
  };
  switch (mode) {
    case "cookie":
      // Requests go to the token handler on this site, which keeps the
      // refresh token; tabs share one session (one refresh at a time,
      // sign-in and sign-out reach every tab).
      return { ...pool, tokenHandler: config.tokenHandler!, tabs: shareAcrossTabs() };
    case "storage":
      // sessionStorage belongs to this tab alone: there is no shared session to coordinate.
      return { ...pool, ...cognito(config), storage: window.sessionStorage };
    case "memory":
      return { ...pool, ...cognito(config) };
  }
}

/**
 * Ends a storage-mode session this tab left behind when the page now runs in
 * another mode (`?mode=` switched): a client over sessionStorage, signed out
 * at once, takes the refresh token out of sessionStorage, where any script of
 * a cookie- or memory-mode page could still read it, and revokes it. Nothing
 * is sent when nothing is stored.
 */
export function endStoredSession(config: PageConfig, mode: SessionMode): void {
  if (mode === "storage" || !(config.endpoint || config.region)) return;
  const options = { clientId: config.clientId, ...cognito(config) };
  void createPasscodeClient({ ...options, storage: window.sessionStorage }).signOut();
}

function cognito(config: PageConfig): { endpoint: string } | { region: string } {
  return config.endpoint ? { endpoint: config.endpoint } : { region: config.region! };
}
