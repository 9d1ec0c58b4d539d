/**
 * cognito-passcode with no framework: the page is static HTML with one form
 * per step, and `render(snapshot)` shows the form the client's snapshot
 * names. The state machine does the rest.
 */
import {
  createPasscodeClient,
  decodeJwtPayload,
  type PasscodeClientOptions,
  type PasscodeSnapshot,
} from "@cognito-passcode/client";
import { passkeys } from "@cognito-passcode/client/passkeys";
import { shareAcrossTabs } from "@cognito-passcode/client/tabs";
import { checkUsername, errorMessage } from "@cognito-passcode/shared";
import "./style.css";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const screens = {
  email: $<HTMLFormElement>("email-form"),
  code: $<HTMLFormElement>("code-form"),
  passkey: $<HTMLElement>("passkey"),
  username: $<HTMLFormElement>("username-form"),
  signedIn: $<HTMLElement>("signed-in"),
};
const emailInput = $<HTMLInputElement>("email");
const codeInput = $<HTMLInputElement>("code");
const usernameInput = $<HTMLInputElement>("username");
const errorBox = $<HTMLDivElement>("error");

type Screen = keyof typeof screens;

function screenOf(snapshot: PasscodeSnapshot): Screen | undefined {
  switch (snapshot.status) {
    case "restoring":
      return undefined;
    case "signedOut":
    case "startingPasskey":
      return "email";
    case "sendingCode":
      return snapshot.resendOf ? "code" : "email";
    case "authenticatingPasskey":
    case "awaitingPasskey":
    case "verifyingPasskey":
      return "passkey";
    // This page never asks for enrolment (no enrolPasskey), so these never come.
    case "awaitingEnrolment":
    case "enrollingPasskey":
    case "verifyingEnrolment":
      return undefined;
    case "awaitingCode":
    case "verifyingCode":
      return "code";
    case "awaitingUsername":
    case "submittingUsername":
      return "username";
    case "signedIn":
      return "signedIn";
  }
}

/** The sign-in that ended was a passkey sign-in (its last assertion was refused). */
let triedPasskey = false;

function errorText(snapshot: PasscodeSnapshot): string {
  const error = snapshot.error;
  if (!error) return "";
  if (error.code === "TOO_MANY_ATTEMPTS" && triedPasskey) {
    return "That passkey was refused too many times. Start again with this address's own passkey, or send a code.";
  }
  // The English text; for a username the client refused, the rule it broke.
  let text = errorMessage(error, "minLength" in snapshot ? snapshot : undefined);
  if (error.code === "CODE_MISMATCH" && "attemptsLeft" in snapshot) {
    text += ` ${snapshot.attemptsLeft} attempt${snapshot.attemptsLeft === 1 ? "" : "s"} left.`;
  }
  if (error.retryAfterMs !== undefined) {
    text += ` Try again in ${Math.ceil(error.retryAfterMs / 1000)} s.`;
  }
  return text;
}

interface Config {
  endpoint?: string;
  region?: string;
  clientId: string;
  /** The token handler's URL (`/auth`): cookie mode. */
  tokenHandler?: string;
  /** `false`: the user pool has no passkeys (the page offers none). */
  passkeys?: boolean;
}

async function loadConfig(): Promise<Config> {
  const response = await fetch("./config.json", { cache: "no-store" });
  const config = (await response.json()) as Config;
  if (!config.clientId || !(config.endpoint || config.region || config.tokenHandler)) {
    throw new Error("config.json needs clientId and tokenHandler, endpoint or region");
  }
  return config;
}

const MODES = {
  cookie: "httpOnly cookie (token handler): scripts never see the refresh token",
  storage: "sessionStorage: survives a reload, readable by scripts",
  memory: "memory only: a reload signs you out",
};
type Mode = keyof typeof MODES;

/**
 * `?mode=cookie|storage|memory`; cookie by default when there is a token
 * handler. Every mode gets the passkeys plug-in (sign-in with a passkey).
 */
function clientOptions(config: Config): { mode: Mode; options: PasscodeClientOptions } {
  const asked = new URLSearchParams(window.location.search).get("mode") ?? "";
  const mode: Mode = asked in MODES ? (asked as Mode) : config.tokenHandler ? "cookie" : "memory";
  const cognito = config.endpoint ? { endpoint: config.endpoint } : { region: config.region! };
  const base = { clientId: config.clientId, passkeys: passkeys() };
  if (mode === "cookie" && config.tokenHandler) {
    const options = { ...base, tokenHandler: config.tokenHandler };
    return { mode, options: { ...options, tabs: shareAcrossTabs() } };
  }
  if (mode === "storage") {
    return { mode, options: { ...base, ...cognito, storage: sessionStorage } };
  }
  return { mode: "memory", options: { ...base, ...cognito } };
}

async function main() {
  const config = await loadConfig();
  const { mode, options } = clientOptions(config);
  if (mode !== "storage" && (config.endpoint || config.region)) {
    // A storage-mode session this tab left behind (?mode= switched): out of
    // sessionStorage, where this page's scripts could still read it, and revoked.
    const cognito = config.endpoint ? { endpoint: config.endpoint } : { region: config.region! };
    void createPasscodeClient({
      clientId: config.clientId,
      ...cognito,
      storage: sessionStorage,
    }).signOut();
  }
  $("mode").textContent = `Session: ${MODES[mode]}.`;
  $("mode").dataset.mode = mode;
  document.querySelector(`.switch a[href="?mode=${mode}"]`)?.setAttribute("aria-current", "true");
  const client = createPasscodeClient(options);
  let shown: Screen | undefined;

  function render() {
    const snapshot = client.getSnapshot();
    const screen = screenOf(snapshot);
    $("loading").hidden = screen !== undefined;
    for (const [name, element] of Object.entries(screens)) element.hidden = name !== screen;

    const busy = [
      "sendingCode",
      "verifyingCode",
      "submittingUsername",
      "startingPasskey",
      "authenticatingPasskey",
      "verifyingPasskey",
    ].includes(snapshot.status);
    for (const button of document.querySelectorAll<HTMLButtonElement>(".screen button")) {
      button.setAttribute("aria-disabled", String(busy));
    }
    errorBox.hidden = !snapshot.error;
    errorBox.textContent = errorText(snapshot);

    if (snapshot.status === "awaitingCode" || snapshot.status === "verifyingCode") {
      $("code-email").textContent = snapshot.email;
      codeInput.maxLength = snapshot.codeLength;
      if (snapshot.error) codeInput.value = "";
    }
    if (
      snapshot.status === "authenticatingPasskey" ||
      snapshot.status === "awaitingPasskey" ||
      snapshot.status === "verifyingPasskey"
    ) {
      $("passkey-email").textContent = snapshot.email;
      $("passkey-status").textContent =
        snapshot.status === "awaitingPasskey"
          ? ""
          : snapshot.status === "verifyingPasskey"
            ? "Checking your passkey…"
            : "Follow your browser's prompt to use your passkey.";
      // Rejected with no attempts left: only the code remains.
      $("passkey-retry").hidden =
        snapshot.status !== "awaitingPasskey" || snapshot.attemptsLeft <= 0;
    }
    if (snapshot.status === "awaitingUsername" || snapshot.status === "submittingUsername") {
      $("username-rules").textContent =
        `${snapshot.minLength}–${snapshot.maxLength} characters: letters a–z, digits, underscores; starts with a letter.`;
    }
    if (snapshot.status === "signedIn" && shown !== "signedIn") {
      $("handle").textContent = `@${snapshot.user.username ?? ""}`;
      $("profile-email").textContent = snapshot.user.email;
      void client.getTokens().then((tokens) => {
        $("claims").textContent = tokens
          ? JSON.stringify(decodeJwtPayload(tokens.idToken) ?? {}, null, 2)
          : "";
      });
    }
    if (screen !== shown) {
      shown = screen;
      // Put the keyboard where the new step needs it.
      const focus = { email: emailInput, code: codeInput, username: usernameInput };
      if (screen === "signedIn") $("signed-in-title").focus();
      else if (screen === "passkey") $("passkey-title").focus();
      else if (screen) focus[screen].focus();
    }
    updateTimer();
  }

  function updateTimer() {
    const snapshot = client.getSnapshot();
    if (snapshot.status !== "awaitingCode" && snapshot.status !== "verifyingCode") return;
    const left = Math.max(0, Math.ceil((snapshot.expiresAt - Date.now()) / 1000));
    $("code-timer").textContent =
      left > 0
        ? `Expires in ${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}`
        : "This code has expired. Send a new code.";
  }

  screens.email.addEventListener("submit", (event) => {
    event.preventDefault();
    triedPasskey = false;
    void client.requestCode(emailInput.value);
  });
  screens.code.addEventListener("submit", (event) => {
    event.preventDefault();
    void client.submitCode(codeInput.value);
  });
  codeInput.addEventListener("input", () => {
    const snapshot = client.getSnapshot();
    codeInput.value = codeInput.value.replace(/\D/g, "");
    if (snapshot.status === "awaitingCode" && codeInput.value.length === snapshot.codeLength) {
      void client.submitCode(codeInput.value);
    }
  });
  // Passkeys where the browser has WebAuthn: the same address, no email.
  const passkeyButton = $<HTMLButtonElement>("passkey-sign-in");
  passkeyButton.hidden =
    config.passkeys === false || typeof window.PublicKeyCredential !== "function";
  passkeyButton.addEventListener("click", () => {
    triedPasskey = true;
    void client.signInWithPasskey(emailInput.value);
  });
  $("passkey-retry").addEventListener("click", () => void client.retryPasskey());
  $("passkey-code").addEventListener("click", () => {
    triedPasskey = false;
    void client.switchToCode();
  });
  $("passkey-change-email").addEventListener("click", () => client.reset());
  $("resend").addEventListener("click", () => void client.resendCode());
  $("change-email").addEventListener("click", () => client.reset());
  usernameInput.addEventListener("input", () => {
    const snapshot = client.getSnapshot();
    if (!("minLength" in snapshot)) return;
    // The rule the Verify trigger runs, with the bounds the service sent (as
    // the client checks); reserved names are the service's to refuse.
    const result = checkUsername(usernameInput.value, snapshot.minLength, snapshot.maxLength);
    $("username-status").textContent = result.ok
      ? `You will be @${result.username}.`
      : result.message;
  });
  screens.username.addEventListener("submit", (event) => {
    event.preventDefault();
    void client.submitUsername(usernameInput.value);
  });
  $("sign-out").addEventListener("click", () => void client.signOut());

  client.subscribe(render);
  setInterval(updateTimer, 1000);
  render();
}

main().catch((error: unknown) => {
  errorBox.hidden = false;
  errorBox.textContent = `This page could not start: ${String(error)}`;
});
