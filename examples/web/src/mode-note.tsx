import { MODE_SUMMARY, SESSION_MODES, type SessionMode } from "./mode.js";

const LABELS: Record<SessionMode, string> = {
  cookie: "httpOnly cookie",
  storage: "sessionStorage",
  memory: "memory",
};

/**
 * Says where this page keeps the session, and links to the same page in the
 * other modes (`?mode=`). Cookie mode is offered only with a token handler.
 */
export function ModeNote({
  mode,
  cookieAvailable,
}: {
  mode: SessionMode;
  cookieAvailable: boolean;
}) {
  const offered = SESSION_MODES.filter((candidate) => candidate !== "cookie" || cookieAvailable);
  return (
    <nav className="mode" aria-label="Session mode" data-testid="session-mode" data-mode={mode}>
      <div className="mode-head">
        <p className="mode-title">
          Session in <strong>{LABELS[mode]}</strong>
        </p>
        <ul className="mode-switch">
          {offered.map((candidate) => (
            <li key={candidate}>
              <a href={`?mode=${candidate}`} aria-current={candidate === mode ? "true" : undefined}>
                {candidate}
              </a>
            </li>
          ))}
        </ul>
      </div>
      <p className="mode-summary">{MODE_SUMMARY[mode]}</p>
    </nav>
  );
}
