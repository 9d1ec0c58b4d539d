import { createPasscodeClient } from "@cognito-passcode/client";
import { type ReactNode, StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.js";
import { loadConfig, type PageConfig } from "./config.js";
import { clientOptions, endStoredSession, pickMode, type SessionMode } from "./mode.js";
import { ModeNote } from "./mode-note.js";
import "./styles.css";

interface ShellProps {
  config?: PageConfig;
  mode?: SessionMode;
  children: ReactNode;
}

function Shell({ config, mode, children }: ShellProps) {
  return (
    <div className="page">
      <main className="card">
        <p className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Passcode
        </p>
        {children}
      </main>
      {config && mode ? <ModeNote mode={mode} cookieAvailable={!!config.tokenHandler} /> : null}
      {config?.inboxUrl ? (
        <p className="footnote">
          Local demo: no email leaves this machine. Your code is in the{" "}
          <a href={config.inboxUrl} target="_blank" rel="noreferrer">
            local inbox
          </a>{" "}
          (open the mail with “Toggle text view”).
        </p>
      ) : null}
    </div>
  );
}

async function start(root: ReturnType<typeof createRoot>) {
  let config: PageConfig;
  let mode: SessionMode;
  try {
    config = await loadConfig();
    mode = pickMode(window.location.search, config);
  } catch (cause) {
    root.render(
      <Shell>
        <section className="screen" aria-labelledby="config-title">
          <h1 id="config-title">Sign-in is not set up</h1>
          <div className="notice notice-error" role="alert">
            <p>This page could not read its configuration ({String(cause)}).</p>
          </div>
          <p className="hint">
            Run <code>pnpm demo</code> from the repository, or serve a <code>config.json</code> with{" "}
            <code>clientId</code> and <code>tokenHandler</code>, <code>endpoint</code> or{" "}
            <code>region</code>. <code>?mode=</code> takes <code>cookie</code>, <code>storage</code>{" "}
            or <code>memory</code>.
          </p>
        </section>
      </Shell>,
    );
    return;
  }
  endStoredSession(config, mode);
  const client = createPasscodeClient(clientOptions(config, mode));
  root.render(
    <StrictMode>
      <Shell config={config} mode={mode}>
        <App client={client} offerPasskeys={config.passkeys !== false} />
      </Shell>
    </StrictMode>,
  );
}

void start(createRoot(document.getElementById("root")!));
