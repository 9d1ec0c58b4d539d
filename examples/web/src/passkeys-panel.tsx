import type { PasscodeClient } from "@cognito-passcode/client";
import { isPasscodeError, PASSKEY_LIMITS } from "@cognito-passcode/shared";
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { humanMessage } from "./messages.js";

/** One passkey as `listPasskeys()` returns it. */
type Passkey = Awaited<ReturnType<PasscodeClient["listPasskeys"]>>[number];

/** What the panel shows about a failed call. */
interface PanelError {
  text: string;
  /** The session is refused, or too old for a removal: offer "Sign in again". */
  reauthenticate?: true;
}

function toPanelError(cause: unknown, removing = false): PanelError {
  if (!isPasscodeError(cause)) return { text: humanMessage("SERVICE_ERROR") };
  if (cause.code === "SESSION_EXPIRED") {
    // The token handler refuses a removal on a sign-in older than 10 minutes
    // (REAUTHENTICATE), so a stolen long-lived session cannot strip passkeys.
    const text = removing
      ? "For your safety, removing a passkey needs a sign-in from the last few minutes. Sign in again, then remove it."
      : "Your session has ended. Sign in again to manage your passkeys.";
    return { text, reauthenticate: true };
  }
  if (cause.code === "CONFIGURATION_ERROR") {
    return { text: "This page cannot manage passkeys: it has no token handler to ask." };
  }
  return { text: humanMessage(cause.code) };
}

/**
 * What the token handler refuses in a passkey name: control characters, bidi
 * controls (they reorder the text around the name), line and paragraph
 * separators, lone surrogates.
 */
const UNNAMEABLE = /[\p{Cc}\p{Bidi_Control}\u2028\u2029\p{Cs}]/u;

function formatDate(value: number | Date | string | undefined): string {
  if (value === undefined) return "never";
  return new Date(value).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

interface PasskeysPanelProps {
  client: PasscodeClient;
  /**
   * Open (and list) at once: this sign-in used or created a passkey. Otherwise
   * the list is asked for when the person opens the panel, so a code sign-in
   * costs no request to the token handler.
   */
  open: boolean;
  /** Signs out, so the user can sign in again (a removal needs a recent sign-in). */
  onSignInAgain: () => void;
}

/** The signed-in user's passkeys: list, rename, remove (through the token handler). */
export function PasskeysPanel({ client, open, onSignInAgain }: PasskeysPanelProps) {
  const [opened, setOpened] = useState(open);
  const [passkeys, setPasskeys] = useState<readonly Passkey[] | undefined>();
  const [error, setError] = useState<PanelError | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [renaming, setRenaming] = useState<string | undefined>();
  const [newName, setNewName] = useState("");
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setPasskeys(await client.listPasskeys());
    } catch (cause) {
      setError(toPanelError(cause));
    }
  }, [client]);
  useEffect(() => {
    if (opened) void load();
  }, [opened, load]);

  const act = async (action: () => Promise<unknown>, done: string, removing = false) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      await action();
      await load();
      setRenaming(undefined);
      setConfirming(undefined);
      setNotice(done);
    } catch (cause) {
      const shown = toPanelError(cause, removing);
      // Another click would be refused the same way: "Sign in again" is the way on.
      if (shown.reauthenticate) setConfirming(undefined);
      setError(shown);
    } finally {
      setBusy(false);
    }
  };

  const rename = (event: FormEvent, passkey: Passkey) => {
    event.preventDefault();
    const name = newName.trim();
    if (name === "" || name === passkey.name) {
      setRenaming(undefined);
      return;
    }
    // The token handler refuses these (RenamePasskey): say why instead of "a problem".
    if (UNNAMEABLE.test(name)) {
      setNotice(undefined);
      setError({ text: "A passkey name can't contain control or text-direction characters." });
      return;
    }
    void act(() => client.renamePasskey(passkey.id, name), `Renamed to “${name}”.`);
  };

  return (
    <details
      className="passkeys"
      data-testid="passkeys"
      open={open}
      onToggle={(event) => {
        if (event.currentTarget.open) setOpened(true);
      }}
    >
      <summary>
        <h2>Passkeys</h2>
      </summary>
      {passkeys === undefined && !error ? <p className="hint">Loading your passkeys…</p> : null}
      {passkeys?.length === 0 ? (
        <p className="hint">
          No passkeys yet. Next time you sign in with a code, tick “Sign in faster next time with a
          passkey”.
        </p>
      ) : null}
      {passkeys && passkeys.length > 0 ? (
        <ul className="passkey-list">
          {passkeys.map((passkey) => (
            <li key={passkey.id} className="passkey" data-testid="passkey">
              {renaming === passkey.id ? (
                <form className="passkey-rename" onSubmit={(event) => rename(event, passkey)}>
                  <label htmlFor={`rename-${passkey.id}`}>New name</label>
                  <input
                    id={`rename-${passkey.id}`}
                    type="text"
                    value={newName}
                    maxLength={PASSKEY_LIMITS.passkeyName}
                    // biome-ignore lint/a11y/noAutofocus: the field appears on the Rename click
                    autoFocus
                    onChange={(event) => setNewName(event.target.value)}
                  />
                  <div className="passkey-actions">
                    <button
                      type="submit"
                      className="button-primary"
                      aria-disabled={busy || undefined}
                    >
                      Save
                    </button>
                    <button
                      type="button"
                      className="button-link"
                      onClick={() => setRenaming(undefined)}
                    >
                      Cancel
                    </button>
                  </div>
                </form>
              ) : (
                <>
                  <p className="passkey-name">{passkey.name}</p>
                  <p className="passkey-meta">
                    Created {formatDate(passkey.createdAt)} · Last used{" "}
                    {formatDate(passkey.lastUsedAt)} ·{" "}
                    {passkey.synced ? "Synced across your devices" : "On one device only"}
                  </p>
                  {confirming === passkey.id ? (
                    <div className="passkey-confirm">
                      <p>Remove “{passkey.name}”? You won't be able to sign in with it any more.</p>
                      <div className="passkey-actions">
                        <button
                          type="button"
                          className="button-danger"
                          aria-disabled={busy || undefined}
                          onClick={() =>
                            void act(
                              () => client.removePasskey(passkey.id),
                              `Removed “${passkey.name}”.`,
                              true,
                            )
                          }
                        >
                          Remove passkey
                        </button>
                        <button
                          type="button"
                          className="button-link"
                          onClick={() => setConfirming(undefined)}
                        >
                          Keep it
                        </button>
                      </div>
                    </div>
                  ) : (
                    <div className="passkey-actions">
                      <button
                        type="button"
                        className="button-link"
                        aria-label={`Rename ${passkey.name}`}
                        onClick={() => {
                          setConfirming(undefined);
                          setNewName(passkey.name);
                          setRenaming(passkey.id);
                        }}
                      >
                        Rename
                      </button>
                      <button
                        type="button"
                        className="button-link"
                        aria-label={`Remove ${passkey.name}`}
                        onClick={() => {
                          setRenaming(undefined);
                          setConfirming(passkey.id);
                        }}
                      >
                        Remove
                      </button>
                    </div>
                  )}
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
      {notice && !error ? (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      ) : null}
      {error ? (
        <div className="notice notice-error" role="alert">
          <p>{error.text}</p>
          {error.reauthenticate ? (
            <button type="button" className="button-link" onClick={onSignInAgain}>
              Sign in again
            </button>
          ) : null}
        </div>
      ) : null}
    </details>
  );
}
