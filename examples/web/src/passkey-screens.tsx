import { useEffect, useRef } from "react";
import { EmailText } from "./email-text.js";
import { ErrorNotice, type ShownError } from "./error-notice.js";

/** True where the browser has WebAuthn: the page offers passkeys only there. */
export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && typeof window.PublicKeyCredential === "function";
}

/** The checkbox on the code and username screens: enrol a passkey before the tokens. */
export function PasskeyOffer({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="check">
      <input
        id="enrol-passkey"
        type="checkbox"
        checked={checked}
        aria-describedby="enrol-passkey-hint"
        onChange={(event) => onChange(event.target.checked)}
      />
      <label htmlFor="enrol-passkey">
        Sign in faster next time with a passkey
        <span id="enrol-passkey-hint" className="hint">
          Your device asks you to create one with your fingerprint, face or screen lock. No email
          next time.
        </span>
      </label>
    </div>
  );
}

interface PasskeySignInProps {
  email: string;
  /** `waiting`: the ceremony ended without a passkey, or the service refused it. */
  phase: "starting" | "authenticating" | "verifying" | "waiting";
  attemptsLeft: number | undefined;
  error: ShownError | undefined;
  onTryAgain: () => void;
  onUseCode: () => void;
  onChangeEmail: () => void;
}

/** A passkey sign-in: the browser's dialog is open, or it ended and the user picks what next. */
export function PasskeySignInScreen(props: PasskeySignInProps) {
  const { email, phase, attemptsLeft, error } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const waiting = phase === "waiting";
  useEffect(() => {
    if (waiting) heading.current?.focus();
  }, [waiting]);
  const status =
    phase === "verifying"
      ? "Checking your passkey…"
      : phase === "starting"
        ? "Starting…"
        : "Follow your browser's prompt: choose your passkey and unlock it.";
  // Rejected with no attempts left: only a code can still sign this person in.
  const spent = attemptsLeft !== undefined && attemptsLeft <= 0;
  return (
    <section className="screen" aria-busy={!waiting} aria-labelledby="passkey-title">
      <h1 id="passkey-title" ref={heading} tabIndex={-1}>
        Sign in with your passkey
      </h1>
      <p className="lede">
        For{" "}
        <strong>
          <EmailText className="email" email={email} />
        </strong>
        .
      </p>
      {waiting ? null : (
        <p className="hint" role="status">
          <span className="spinner" aria-hidden="true" /> {status}
        </p>
      )}
      {error ? <ErrorNotice id="passkey-error" error={error} context={{ attemptsLeft }} /> : null}
      {waiting && !spent ? (
        <button type="button" className="button-primary" onClick={props.onTryAgain}>
          Try your passkey again
        </button>
      ) : null}
      <button
        type="button"
        className={waiting && !spent ? "button-secondary" : "button-primary"}
        aria-disabled={!waiting || undefined}
        onClick={() => {
          if (waiting) props.onUseCode();
        }}
      >
        Email me a code instead
      </button>
      <div className="secondary-actions">
        <button type="button" className="button-link" onClick={props.onChangeEmail}>
          Use a different email
        </button>
      </div>
    </section>
  );
}

interface EnrolProps {
  phase: "enrolling" | "verifying" | "waiting";
  attemptsLeft: number | undefined;
  reason: "PASSKEY_LIMIT" | undefined;
  error: ShownError | undefined;
  onTryAgain: () => void;
  onSkip: () => void;
}

/** Creating a passkey after the code (and username): the dialog, or what next after it ended. */
export function EnrolScreen(props: EnrolProps) {
  const { phase, attemptsLeft, reason, error } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  const waiting = phase === "waiting";
  useEffect(() => {
    if (waiting) heading.current?.focus();
  }, [waiting]);
  // No options left to try (the limit, or the last registration refused): skip signs in.
  const cannotRetry =
    reason === "PASSKEY_LIMIT" || (attemptsLeft !== undefined && attemptsLeft <= 0);
  const shownError: ShownError | undefined =
    error ?? (reason === "PASSKEY_LIMIT" ? { code: "PASSKEY_LIMIT" } : undefined);
  return (
    <section className="screen" aria-busy={!waiting} aria-labelledby="enrol-title">
      <h1 id="enrol-title" ref={heading} tabIndex={-1}>
        Create a passkey
      </h1>
      <p className="lede">
        Your code is confirmed. A passkey lets you sign in next time with your fingerprint, face or
        screen lock, without an email.
      </p>
      {waiting ? null : (
        <p className="hint" role="status">
          <span className="spinner" aria-hidden="true" />{" "}
          {phase === "verifying"
            ? "Saving your passkey…"
            : "Follow your browser's prompt to create the passkey."}
        </p>
      )}
      {shownError ? (
        <ErrorNotice
          id="enrol-error"
          error={shownError}
          context={{ enrolling: true, attemptsLeft }}
        />
      ) : null}
      {waiting && !cannotRetry ? (
        <button type="button" className="button-primary" onClick={props.onTryAgain}>
          Try again
        </button>
      ) : null}
      <button
        type="button"
        className={waiting && !cannotRetry ? "button-secondary" : "button-primary"}
        aria-disabled={!waiting || undefined}
        onClick={() => {
          if (waiting) props.onSkip();
        }}
      >
        {cannotRetry ? "Continue without a passkey" : "Skip for now"}
      </button>
    </section>
  );
}
