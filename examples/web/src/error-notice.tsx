import type { PasscodeErrorCode } from "@cognito-passcode/shared";
import { humanMessage, isRetryable, type MessageContext } from "./messages.js";

/** An error as the page shows it: the client's `snapshot.error` or a rejected call. */
export interface ShownError {
  code: PasscodeErrorCode;
  message?: string;
  retryAfterMs?: number;
}

interface ErrorNoticeProps {
  id: string;
  error: ShownError;
  context?: MessageContext;
  /** Repeats the request that failed; offered for errors a retry can fix. */
  onRetry?: () => void;
}

/** The error banner: announced at once (role=alert), with a retry when it can help. */
export function ErrorNotice({ id, error, context, onRetry }: ErrorNoticeProps) {
  const text = humanMessage(error.code, { retryAfterMs: error.retryAfterMs, ...context });
  return (
    <div className="notice notice-error" id={id} role="alert" data-error-code={error.code}>
      <p>{text}</p>
      {onRetry && isRetryable(error.code) ? (
        <button type="button" className="button-link" onClick={onRetry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}
