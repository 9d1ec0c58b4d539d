import type { CodeDetails, PasscodeClient } from "@cognito-passcode/client";
import { usePasscode } from "@cognito-passcode/client/react";
import { isPasscodeError, isValidEmail } from "@cognito-passcode/shared";
import { useCallback, useEffect, useRef, useState } from "react";
import { CodeScreen } from "./code-screen.js";
import { EmailScreen } from "./email-screen.js";
import type { ShownError } from "./error-notice.js";
import { EnrolScreen, PasskeySignInScreen, passkeysSupported } from "./passkey-screens.js";
import { ProfileScreen } from "./profile-screen.js";
import { UsernameScreen } from "./username-screen.js";

type Action = () => Promise<unknown>;

function toShownError(cause: unknown): ShownError {
  if (isPasscodeError(cause)) {
    return { code: cause.code, message: cause.message, retryAfterMs: cause.retryAfterMs };
  }
  return { code: "SERVICE_ERROR", message: String(cause) };
}

/**
 * The login page: one screen per snapshot status. The client's snapshot is the
 * only source of truth for where the user is; the page keeps just what the
 * person typed and a few display notes.
 */
export function App({
  client,
  offerPasskeys = true,
}: {
  client: PasscodeClient;
  /** `false` when the user pool has no passkeys (`config.json`'s `passkeys`). */
  offerPasskeys?: boolean;
}) {
  const snapshot = usePasscode(client);
  const [email, setEmail] = useState("");
  const [callError, setCallError] = useState<ShownError | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [resendAvailableAt, setResendAvailableAt] = useState(0);
  const [signingOut, setSigningOut] = useState(false);
  // "Sign in faster next time with a passkey": ticked on the code or username screen.
  const [enrolPasskey, setEnrolPasskey] = useState(false);
  // The last way in the person tried: a passkey sign-in that ends words its error for passkeys.
  const [triedPasskey, setTriedPasskey] = useState(false);
  const [canUsePasskeys] = useState(() => offerPasskeys && passkeysSupported());
  const enrol = canUsePasskeys ? { checked: enrolPasskey, onChange: setEnrolPasskey } : undefined;
  const enrolOption = { enrolPasskey: canUsePasskeys && enrolPasskey };
  const lastAction = useRef<Action | undefined>(undefined);

  // A rejected call whose error is not in the snapshot is shown until the status moves on.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on every status change
  useEffect(() => setCallError(undefined), [snapshot.status]);

  const error: ShownError | undefined = snapshot.error ?? callError;
  useEffect(() => {
    if (error?.code === "THROTTLED" && error.retryAfterMs !== undefined) {
      setResendAvailableAt(Date.now() + error.retryAfterMs);
    }
  }, [error]);

  const run = useCallback(async (action: Action): Promise<boolean> => {
    lastAction.current = action;
    setCallError(undefined);
    try {
      await action();
      return true;
    } catch (cause) {
      setCallError(toShownError(cause));
      return false;
    }
  }, []);
  const retry = useCallback(() => {
    if (lastAction.current) void run(lastAction.current);
  }, [run]);

  switch (snapshot.status) {
    case "restoring":
      return (
        <section className="screen" aria-busy="true" aria-labelledby="restoring-title">
          <h1 id="restoring-title">Welcome back</h1>
          <p className="lede">
            <span className="spinner" aria-hidden="true" /> Restoring your session…
          </p>
        </section>
      );
    case "signedOut":
    case "sendingCode":
    case "startingPasskey": {
      // A resend keeps the code screen up (with its details) while the new code is on its way.
      if (snapshot.status === "sendingCode" && snapshot.resendOf) {
        return renderCode(snapshot.resendOf, false, true);
      }
      return (
        <EmailScreen
          email={email}
          onEmailChange={setEmail}
          busy={snapshot.status === "sendingCode"}
          passkeyBusy={snapshot.status === "startingPasskey"}
          afterPasskey={triedPasskey}
          error={error}
          onRetry={retry}
          onSubmit={() => {
            if (!isValidEmail(email)) {
              setCallError({ code: "INVALID_EMAIL" });
              return;
            }
            setNotice(undefined);
            setResendAvailableAt(0);
            setTriedPasskey(false);
            void run(() => client.requestCode(email));
          }}
          onPasskey={
            canUsePasskeys
              ? () => {
                  if (!isValidEmail(email)) {
                    setCallError({ code: "INVALID_EMAIL" });
                    return;
                  }
                  setNotice(undefined);
                  setResendAvailableAt(0);
                  setTriedPasskey(true);
                  void run(() => client.signInWithPasskey(email));
                }
              : undefined
          }
        />
      );
    }
    case "authenticatingPasskey":
    case "awaitingPasskey":
    case "verifyingPasskey":
      return (
        <PasskeySignInScreen
          email={snapshot.email}
          phase={
            snapshot.status === "awaitingPasskey"
              ? "waiting"
              : snapshot.status === "verifyingPasskey"
                ? "verifying"
                : "authenticating"
          }
          attemptsLeft={"attemptsLeft" in snapshot ? snapshot.attemptsLeft : undefined}
          error={error}
          onTryAgain={() => void run(() => client.retryPasskey())}
          onUseCode={() => {
            setResendAvailableAt(0);
            setTriedPasskey(false);
            void run(() => client.switchToCode());
          }}
          onChangeEmail={() => void run(async () => client.reset())}
        />
      );
    case "awaitingEnrolment":
    case "enrollingPasskey":
    case "verifyingEnrolment":
      return (
        <EnrolScreen
          phase={
            snapshot.status === "awaitingEnrolment"
              ? "waiting"
              : snapshot.status === "verifyingEnrolment"
                ? "verifying"
                : "enrolling"
          }
          attemptsLeft={"attemptsLeft" in snapshot ? snapshot.attemptsLeft : undefined}
          reason={"reason" in snapshot ? snapshot.reason : undefined}
          error={error}
          onTryAgain={() => void run(() => client.enrolPasskey())}
          onSkip={() => void run(() => client.skipEnrolment())}
        />
      );
    case "awaitingCode":
    case "verifyingCode":
      return renderCode(snapshot, snapshot.status === "verifyingCode", false);
    case "awaitingUsername":
    case "submittingUsername":
      return (
        <UsernameScreen
          minLength={snapshot.minLength}
          maxLength={snapshot.maxLength}
          attemptsLeft={snapshot.attemptsLeft}
          submitting={snapshot.status === "submittingUsername"}
          error={error}
          onRetry={retry}
          enrol={enrol}
          onSubmit={(name) => void run(() => client.submitUsername(name, enrolOption))}
        />
      );
    case "signedIn":
      return (
        <ProfileScreen
          client={client}
          user={snapshot.user}
          method={snapshot.method}
          passkeyEnrolled={snapshot.passkeyEnrolled === true}
          showPasskeys={offerPasskeys}
          signingOut={signingOut}
          onSignOut={async () => {
            setSigningOut(true);
            await run(() => client.signOut());
            setSigningOut(false);
          }}
        />
      );
  }

  function renderCode(code: CodeDetails, verifying: boolean, isResending: boolean) {
    return (
      <CodeScreen
        details={code}
        verifying={verifying}
        resending={isResending}
        error={error}
        resendAvailableAt={resendAvailableAt}
        notice={notice}
        onRetry={retry}
        enrol={enrol}
        onSubmit={(value) => {
          setNotice(undefined);
          void run(() => client.submitCode(value, enrolOption));
        }}
        onResend={async () => {
          setNotice(undefined);
          const ok = await run(() => client.resendCode());
          const after = client.getSnapshot();
          if (ok && after.status === "awaitingCode" && !after.error) {
            setNotice("We sent a new code. Check your email.");
          }
        }}
        onChangeEmail={() => {
          setNotice(undefined);
          void run(async () => client.reset());
        }}
      />
    );
  }
}
