import { decodeJwtPayload, type PasscodeClient, type PasscodeUser } from "@cognito-passcode/client";
import { useEffect, useRef, useState } from "react";
import { EmailText } from "./email-text.js";
import { formatClaim } from "./jwt.js";

interface ProfileScreenProps {
  client: PasscodeClient;
  user: PasscodeUser;
  signingOut: boolean;
  onSignOut: () => void;
}

/** Signed in: who you are, what your ID token says, and the way out. */
export function ProfileScreen({ client, user, signingOut, onSignOut }: ProfileScreenProps) {
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
