import type { CodeDetails } from "@cognito-passcode/client";
import { type ClipboardEvent, type FormEvent, useEffect, useRef, useState } from "react";
import { EmailText } from "./email-text.js";
import { ErrorNotice, type ShownError } from "./error-notice.js";
import { PasskeyOffer } from "./passkey-screens.js";
import { formatClock, useNow } from "./use-now.js";

interface CodeScreenProps {
  /** The code snapshot (or a resend's `resendOf`): what was sent, where, and until when. */
  details: CodeDetails;
  verifying: boolean;
  resending: boolean;
  error: ShownError | undefined;
  /** When the resend button works again (epoch ms), after a `THROTTLED` answer. */
  resendAvailableAt: number;
  /** A short success note, e.g. after a new code was sent. */
  notice: string | undefined;
  onSubmit: (code: string) => void;
  onResend: () => void;
  onChangeEmail: () => void;
  onRetry: () => void;
  /** The "sign in faster next time with a passkey" checkbox; absent without WebAuthn. */
  enrol?: { checked: boolean; onChange: (checked: boolean) => void };
}

const CODE_REJECTIONS: ReadonlySet<string> = new Set([
  "CODE_MISMATCH",
  "INVALID_CODE_FORMAT",
  "CODE_EXPIRED",
  "TOO_MANY_ATTEMPTS",
]);

/** Only digits, at most `length` of them: what a person typed or pasted, tidied. */
function digitsOf(input: string, length: number): string {
  return input.replace(/\D/g, "").slice(0, length);
}

/** Step 2: the one-time code from the email. Submits by itself once complete. */
export function CodeScreen(props: CodeScreenProps) {
  const { details, verifying, resending, error, resendAvailableAt, notice } = props;
  const { codeLength, expiresAt } = details;
  const [code, setCode] = useState("");
  const inputRef = useRef<HTMLInputElement>(null);
  const lastSubmitted = useRef("");
  const now = useNow(true);
  const expired = now >= expiresAt;
  // No answers left (too many wrong codes, or the service said it expired): only a new code helps.
  const spent = details.attemptsLeft <= 0;
  const needsNewCode = expired || spent;
  const cooldownMs = resendAvailableAt - now;
  const busy = verifying || resending;

  const codeError = error && error.code !== "THROTTLED" ? error : undefined;
  // Errors about the code itself; a network error keeps what was typed for the retry.
  const codeRejected = codeError && CODE_REJECTIONS.has(codeError.code) ? codeError : undefined;
  const throttled = error?.code === "THROTTLED" ? error : undefined;

  // A wrong code, or a new code (new expiry), clears the field and puts the cursor back in it.
  const resendRef = useRef<HTMLButtonElement>(null);
  const clear = () => {
    setCode("");
    lastSubmitted.current = "";
    // A spent code cannot be retried: the next useful key press is "Send a new code".
    if (details.attemptsLeft <= 0) resendRef.current?.focus();
    else inputRef.current?.focus();
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a new error arrives
  useEffect(() => {
    if (codeRejected) clear();
  }, [codeRejected]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when a new code was sent
  useEffect(clear, [expiresAt]);

  const submit = (value: string) => {
    if (busy || spent || value.length !== codeLength || value === lastSubmitted.current) return;
    lastSubmitted.current = value;
    props.onSubmit(value);
  };
  const change = (value: string) => {
    const digits = digitsOf(value, codeLength);
    setCode(digits);
    if (digits.length === codeLength) submit(digits);
  };
  const paste = (event: ClipboardEvent<HTMLInputElement>) => {
    // A pasted "123 456" or "Your code: 123456" still fills the field.
    const text = event.clipboardData.getData("text");
    if (/\d/.test(text)) {
      event.preventDefault();
      change(text);
    }
  };
  const onForm = (event: FormEvent) => {
    event.preventDefault();
    lastSubmitted.current = "";
    submit(code);
  };

  // When an error already says the code is spent, the hint under the field stays quiet.
  let hint = `Code expires in ${formatClock(expiresAt - now)}`;
  if (needsNewCode) {
    hint = codeError
      ? ""
      : spent
        ? "This code can no longer be used. Send a new code."
        : "This code has expired. Send a new code.";
  }
  const resend = () => {
    if (!busy && cooldownMs <= 0) props.onResend();
  };
  const resendLabel = resending
    ? "Sending a new code…"
    : cooldownMs > 0
      ? `Send a new code in ${formatClock(cooldownMs, "up")}`
      : "Send a new code";
  const describedBy = [hint ? "code-hint" : "", codeError ? "code-error" : ""]
    .filter(Boolean)
    .join(" ");

  return (
    <form className="screen" onSubmit={onForm} noValidate aria-labelledby="code-title">
      <h1 id="code-title">Check your email</h1>
      <p className="lede">
        We sent a {codeLength}-digit code to{" "}
        <strong>
          <EmailText className="email" email={details.email} />
        </strong>
        .
      </p>
      {/* Above the field: the code submits itself once complete, so the choice comes first. */}
      {props.enrol ? <PasskeyOffer {...props.enrol} /> : null}
      <div className="field">
        <label htmlFor="code">Code from the email</label>
        <input
          ref={inputRef}
          id="code"
          name="code"
          className="code-input"
          type="text"
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]*"
          // biome-ignore lint/a11y/noAutofocus: the code is what this screen asks for
          autoFocus
          value={code}
          readOnly={busy || spent}
          size={codeLength}
          aria-invalid={codeRejected ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(event) => change(event.target.value)}
          onPaste={paste}
          placeholder={"•".repeat(codeLength)}
        />
        {hint ? (
          <p id="code-hint" className={needsNewCode ? "hint hint-warning" : "hint"} role="timer">
            {hint}
          </p>
        ) : null}
      </div>
      {codeError ? (
        <ErrorNotice
          id="code-error"
          error={codeError}
          context={{ codeLength, attemptsLeft: details.attemptsLeft }}
          onRetry={props.onRetry}
        />
      ) : null}
      {throttled ? (
        <ErrorNotice
          id="resend-error"
          error={{ ...throttled, retryAfterMs: Math.max(0, cooldownMs) || throttled.retryAfterMs }}
        />
      ) : null}
      {notice && !error ? (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      ) : null}
      {needsNewCode ? (
        <button
          ref={resendRef}
          type="button"
          className="button-primary"
          aria-disabled={busy || cooldownMs > 0 || undefined}
          onClick={resend}
        >
          {resending ? <span className="spinner" aria-hidden="true" /> : null}
          {resendLabel}
        </button>
      ) : (
        <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
          {verifying ? <span className="spinner" aria-hidden="true" /> : null}
          {verifying ? "Checking…" : "Verify"}
        </button>
      )}
      <div className="secondary-actions">
        {needsNewCode ? null : (
          <button
            type="button"
            className="button-link"
            aria-disabled={busy || cooldownMs > 0 || undefined}
            onClick={resend}
          >
            {resendLabel}
          </button>
        )}
        <button type="button" className="button-link" onClick={props.onChangeEmail}>
          Use a different email
        </button>
      </div>
    </form>
  );
}
