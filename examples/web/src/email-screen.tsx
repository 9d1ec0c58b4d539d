import type { FormEvent } from "react";
import { ErrorNotice, type ShownError } from "./error-notice.js";

interface EmailScreenProps {
  email: string;
  onEmailChange: (email: string) => void;
  busy: boolean;
  /** A passkey sign-in is starting (InitiateAuth in flight). */
  passkeyBusy: boolean;
  error: ShownError | undefined;
  onSubmit: () => void;
  /** Offered only where the browser has WebAuthn. */
  onPasskey: (() => void) | undefined;
  /** The sign-in that brought the person back here was a passkey sign-in (words its error). */
  afterPasskey?: boolean;
  onRetry: () => void;
}

/** Step 1: the email address the code goes to, or a passkey sign-in for it. */
export function EmailScreen(props: EmailScreenProps) {
  const { email, onEmailChange, error, onSubmit, onPasskey, onRetry } = props;
  const busy = props.busy || props.passkeyBusy;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!busy) onSubmit();
  };
  const emailError = error?.code === "INVALID_EMAIL";
  return (
    <form className="screen" onSubmit={submit} noValidate aria-labelledby="email-title">
      <h1 id="email-title">Sign in</h1>
      <p className="lede">
        Enter your email and we'll send you a one‑time code. No password needed.
      </p>
      <div className="field">
        <label htmlFor="email">Email address</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          autoCapitalize="none"
          spellCheck={false}
          required
          // biome-ignore lint/a11y/noAutofocus: the email field is the only thing on this screen
          autoFocus
          value={email}
          readOnly={busy}
          aria-invalid={emailError || undefined}
          aria-describedby={error ? "email-error" : undefined}
          onChange={(event) => onEmailChange(event.target.value)}
          placeholder="you@example.com"
        />
      </div>
      {error ? (
        <ErrorNotice
          id="email-error"
          error={error}
          context={{ passkey: props.afterPasskey }}
          onRetry={onRetry}
        />
      ) : null}
      <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
        {props.busy ? <span className="spinner" aria-hidden="true" /> : null}
        {props.busy ? "Sending code…" : "Send code"}
      </button>
      {onPasskey ? (
        <>
          <p className="divider" aria-hidden="true">
            <span>or</span>
          </p>
          <button
            type="button"
            className="button-secondary"
            aria-disabled={busy || undefined}
            onClick={() => {
              if (!busy) onPasskey();
            }}
          >
            {props.passkeyBusy ? <span className="spinner" aria-hidden="true" /> : null}
            {props.passkeyBusy ? "Starting…" : "Sign in with a passkey"}
          </button>
        </>
      ) : null}
    </form>
  );
}
