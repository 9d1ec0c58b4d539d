import { decodeJwtPayload, type PasscodeClient, type PasscodeUser } from "@cognito-passcode/client";
import { useEffect, useRef, useState } from "react";
import { EmailText } from "./email-text.js";
import { formatClaim } from "./jwt.js";
import { PasskeysPanel } from "./passkeys-panel.js";

interface ProfileScreenProps {
  client: PasscodeClient;
  user: PasscodeUser;
  /** How this sign-in happened (absent on a restored session). */
  method: "code" | "passkey" | undefined;
  /** This sign-in created a passkey. */
  passkeyEnrolled: boolean;
  /** Show the Passkeys panel (the user pool has passkeys). */
  showPasskeys: boolean;
  signingOut: boolean;
  onSignOut: () => void;
}

/** Signed in: who you are, what your ID token says, your passkeys, and the way out. */
export function ProfileScreen(props: ProfileScreenProps) {
  const { client, user, method, passkeyEnrolled, showPasskeys, signingOut, onSignOut } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const [claims, setClaims] = useState<Record<string, unknown> | undefined>();
  const [expiresAt, setExpiresAt] = useState<number | undefined>();

  useEffect(() => {
    heading.current?.focus();
  }, []);
  useEffect(() => {
    let live = true;
    // Read the tokens now and every 30 s, as an app does before each call to
    // its API: getTokens() refreshes them when they are about to expire.
    const read = () =>
      client.getTokens().then(
        (tokens) => {
          if (!live) return;
          // For display only: the claims are not verified, and nothing here trusts them.
          setClaims((tokens && decodeJwtPayload(tokens.idToken)) ?? {});
          setExpiresAt(tokens?.expiresAt);
        },
        () => {
          if (live) setClaims({});
        },
      );
    void read();
    const timer = setInterval(read, 30_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client]);

  const username = user.username ?? "";
  return (
    <section className="screen screen-wide" aria-labelledby="profile-title">
      <h1 id="profile-title" ref={heading} tabIndex={-1}>
        You're signed in
      </h1>
      <div className="identity">
        <div className="avatar" aria-hidden="true">
          {(username || user.email).charAt(0).toUpperCase()}
        </div>
        <div className="identity-text">
          <p className="handle" data-testid="handle">
            @{username}
          </p>
          <p className="email">
            <EmailText email={user.email} />
          </p>
        </div>
      </div>
      {method ? (
        <p className="hint" data-testid="sign-in-method">
          {method === "passkey"
            ? "Signed in with a passkey: no email was sent."
            : "Signed in with a code from your email."}
        </p>
      ) : null}
      {passkeyEnrolled ? (
        <p className="notice notice-ok" role="status">
          Passkey created. Next time, choose “Sign in with a passkey”.
        </p>
      ) : null}
      {expiresAt === undefined ? null : (
        <p className="hint" data-testid="tokens-expire">
          Tokens valid until {new Date(expiresAt).toLocaleTimeString()}; the page asks for them
          every 30 s and they are refreshed before they expire.
        </p>
      )}
      <details className="claims" open>
        <summary>ID token claims</summary>
        {claims === undefined ? (
          <p className="hint">Reading the token…</p>
        ) : (
          <dl>
            {Object.entries(claims).map(([name, value]) => (
              <div key={name} className="claim">
                <dt>{name}</dt>
                <dd>{formatClaim(name, value)}</dd>
              </div>
            ))}
          </dl>
        )}
      </details>
      {showPasskeys ? (
        <PasskeysPanel
          client={client}
          open={method === "passkey" || passkeyEnrolled}
          onSignInAgain={() => {
            if (!signingOut) onSignOut();
          }}
        />
      ) : null}
      <button
        type="button"
        className="button-secondary"
        aria-disabled={signingOut || undefined}
        onClick={() => {
          if (!signingOut) onSignOut();
        }}
      >
        {signingOut ? "Signing out…" : "Sign out"}
      </button>
    </section>
  );
}
