import { checkUsername, normalizeUsername } from "@cognito-passcode/shared";
import { type FormEvent, useMemo, useState } from "react";
import { ErrorNotice, type ShownError } from "./error-notice.js";
import { PasskeyOffer } from "./passkey-screens.js";

interface UsernameScreenProps {
  minLength: number;
  maxLength: number;
  attemptsLeft: number;
  submitting: boolean;
  error: ShownError | undefined;
  onSubmit: (username: string) => void;
  onRetry: () => void;
  /** The "sign in faster next time with a passkey" checkbox; absent without WebAuthn. */
  enrol?: { checked: boolean; onChange: (checked: boolean) => void };
}

interface Rule {
  id: string;
  text: string;
  met: boolean;
}

/** The policy's rules, each checked against what is typed so far. */
function rulesFor(value: string, minLength: number, maxLength: number): Rule[] {
  const name = normalizeUsername(value);
  return [
    {
      id: "length",
      text: `${minLength} to ${maxLength} characters`,
      met: name.length >= minLength && name.length <= maxLength,
    },
    {
      id: "characters",
      text: "Letters a–z, digits and underscores only",
      met: name.length > 0 && /^[a-z0-9_]+$/.test(name),
    },
    { id: "start", text: "Starts with a letter", met: /^[a-z]/.test(name) },
  ];
}

/** Step 3, first sign-in only: pick the @username, checked live with the shared policy. */
export function UsernameScreen(props: UsernameScreenProps) {
  const { minLength, maxLength, attemptsLeft, submitting, error } = props;
  const [value, setValue] = useState("");
  const [touched, setTouched] = useState(false);
  const [submitted, setSubmitted] = useState<string | undefined>();
  const validation = useMemo(
    // The rule the Verify trigger runs, with the bounds the service sent (as
    // the client checks); reserved names are the service's to refuse.
    () => checkUsername(value, minLength, maxLength),
    [value, minLength, maxLength],
  );
  const rules = rulesFor(value, minLength, maxLength);
  const showInvalid = touched && !validation.ok;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!submitting && validation.ok) {
      setSubmitted(validation.username);
      props.onSubmit(validation.username);
    }
  };

  // The name the service just refused is not "good", whatever the local rules say.
  const refused = error !== undefined && validation.ok && validation.username === submitted;
  let status: string;
  if (refused) status = "";
  else if (validation.ok) status = `Looks good: you will be @${validation.username}.`;
  else if (touched || value !== "") status = validation.message;
  else status = "";

  return (
    <form className="screen" onSubmit={submit} noValidate aria-labelledby="username-title">
      <h1 id="username-title">Choose a username</h1>
      <p className="lede">This is how others see you. You choose it once, on your first sign-in.</p>
      <div className="field">
        <label htmlFor="username">Username</label>
        <div className="prefixed">
          <span className="prefix" aria-hidden="true">
            @
          </span>
          <input
            id="username"
            name="username"
            type="text"
            autoComplete="off"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            // biome-ignore lint/a11y/noAutofocus: the username is what this screen asks for
            autoFocus
            value={value}
            readOnly={submitting}
            aria-invalid={showInvalid || error ? true : undefined}
            aria-describedby={`username-rules username-status${error ? " username-error" : ""}`}
            onChange={(event) => setValue(event.target.value)}
            onBlur={() => value !== "" && setTouched(true)}
          />
        </div>
        <ul id="username-rules" className="rules" aria-label="Username rules">
          {rules.map((rule) => (
            <li key={rule.id} className={rule.met ? "rule-met" : ""}>
              <span className="rule-mark" aria-hidden="true">
                {rule.met ? "✓" : "•"}
              </span>
              {rule.text}
              <span className="visually-hidden">{rule.met ? " (met)" : " (not met yet)"}</span>
            </li>
          ))}
        </ul>
        <p
          id="username-status"
          className={
            validation.ok && !refused ? "hint hint-ok" : showInvalid ? "hint hint-warning" : "hint"
          }
          aria-live="polite"
        >
          {status}
        </p>
      </div>
      {error ? (
        <ErrorNotice
          id="username-error"
          error={error}
          context={{ username: submitted, triesLeft: attemptsLeft }}
          onRetry={props.onRetry}
        />
      ) : null}
      {props.enrol ? <PasskeyOffer {...props.enrol} /> : null}
      <button type="submit" className="button-primary" aria-disabled={submitting || undefined}>
        {submitting ? <span className="spinner" aria-hidden="true" /> : null}
        {submitting ? "Saving…" : "Continue"}
      </button>
    </form>
  );
}
