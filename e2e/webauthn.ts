import type { CDPSession, Page } from "playwright-core";

/** A credential as the DevTools protocol's `WebAuthn.getCredentials` lists it. */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  userHandle?: string;
  signCount: number;
}

/** A CDP virtual authenticator attached to one page (tab). */
export interface VirtualAuthenticator {
  readonly id: string;
  /** The passkeys it holds. */
  credentials(): Promise<VirtualCredential[]>;
  /** `false`: the next ceremonies fail user verification (the browser reports NotAllowedError). */
  setUserVerified(verified: boolean): Promise<void>;
  /** Forgets every passkey it holds. */
  clear(): Promise<void>;
}

/**
 * Gives `page` a platform authenticator, as a laptop with a fingerprint
 * reader: CTAP2, internal transport, discoverable credentials, user
 * verification that passes, and presence simulated (no dialog to click).
 * Through the DevTools protocol (`WebAuthn.addVirtualAuthenticator`), so the
 * page runs Chromium's real WebAuthn code; each page (tab) has its own.
 */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable", { enableUI: false });
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    id: authenticatorId,
    async credentials() {
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials as VirtualCredential[];
    },
    async setUserVerified(verified) {
      await cdp.send("WebAuthn.setUserVerified", { authenticatorId, isUserVerified: verified });
    },
    async clear() {
      await cdp.send("WebAuthn.clearCredentials", { authenticatorId });
    },
  };
}
