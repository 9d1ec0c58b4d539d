import type { SESClient } from "@aws-sdk/client-ses";
import { isValidEmail, PasscodeError } from "@cognito-passcode/shared";
import { sendEmail } from "./delivery.js";
import { escapeHtml } from "./email-template.js";
import type {
  DeliverEmail,
  EmailContent,
  EmailOptions,
  PasscodeTriggersOptions,
} from "./options.js";
import { fail, resolveEmail } from "./resolve-options.js";

/** What {@link renderPasskeyNoticeEmail} (or your own `render`) is told. */
export interface PasskeyNoticeRenderInput {
  /** `added` after a registration, `removed` after a removal (by the user or an admin). */
  kind: "added" | "removed";
  /** The passkey's name as the user gave it (untrusted: escape it in HTML). */
  name: string;
  /** Your product's name, if set (escape it in HTML). */
  appName?: string;
  /** When it happened, epoch milliseconds. */
  when: number;
}

/** One notice to send: what a {@link PasskeyNotifier} is called with. */
export interface PasskeyNotice {
  /** The user's email address. Never logged. */
  to: string;
  /** `added` or `removed`. */
  kind: "added" | "removed";
  /** The passkey's name. */
  name: string;
  /** When it happened, epoch milliseconds. */
  when: number;
}

/**
 * Sends one passkey notice; resolves once the email is accepted, rejects
 * (`PasscodeError` `DELIVERY_FAILED`) when it was not or took longer than
 * `email.sendTimeoutMs`. Callers send it best effort: a failed notice does
 * not undo the change it reports.
 */
export type PasskeyNotifier = (notice: PasskeyNotice) => Promise<void>;

/** Options of {@link createPasskeyNotifier}: the email and delivery options of `createPasscodeTriggers`. */
export interface PasskeyNotifierOptions {
  /**
   * Sender, app name, Reply-To, configuration set and send timeout, as for the
   * code email (the same object may be passed; its `render`, which builds the
   * code email, is not used here).
   */
  email: EmailOptions;
  /** Sends the email yourself instead of through SES. */
  deliver?: DeliverEmail;
  /** An SES client to send with. Built once, on first send, when neither this nor `deliver` is given. */
  ses?: SESClient;
  /**
   * Builds the notice yourself (may be async). Escape every value you put in HTML.
   * @default {@link renderPasskeyNoticeEmail}
   */
  render?: (input: PasskeyNoticeRenderInput) => EmailContent | Promise<EmailContent>;
}

/**
 * Removes control and format characters (line breaks, bidi overrides,
 * zero-width characters) that could forge lines or reorder text, and trims;
 * a lone surrogate becomes U+FFFD (SES's query encoding refuses ill-formed
 * text, so one in a name would silence the notice).
 */
function plain(value: string): string {
  return value
    .replace(/\p{Cs}/gu, "\ufffd")
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]+/gu, " ")
    .trim();
}

/**
 * The default passkey notice: "a passkey was added to / removed from your
 * account", with the passkey's name, the time (UTC) and what to do if it was
 * not you. The name goes into the body only (never the subject); every value
 * is escaped in the HTML part and stripped of control and format characters
 * in both parts (a lone surrogate becomes U+FFFD).
 *
 * @example
 * ```ts
 * const { subject, html, text } = renderPasskeyNoticeEmail({
 *   kind: "added", name: "MacBook", appName: "Acme", when: Date.now(),
 * });
 * ```
 */
export function renderPasskeyNoticeEmail(input: PasskeyNoticeRenderInput): EmailContent {
  const name = plain(String(input.name ?? ""));
  const appName = input.appName === undefined ? "" : plain(String(input.appName));
  const account = appName ? `your ${appName} account` : "your account";
  const when = Number.isFinite(input.when) ? new Date(input.when).toUTCString() : "just now";
  const added = input.kind === "added";
  const subject = added
    ? `A passkey was added to ${account}`
    : `A passkey was removed from ${account}`;
  const which = name ? `A passkey named "${name}"` : "A passkey";
  const paragraphs = [
    [
      `${which} was ${added ? "added to" : "removed from"} ${account} on ${when}.`,
      "font-size:16px",
    ],
    [
      added
        ? "If this was you, there is nothing to do. If it wasn't, someone can sign in as you: remove this passkey in your account settings and contact support."
        : "If this was you, there is nothing to do. If it wasn't, sign in and check your passkeys, and contact support.",
      "font-size:14px",
    ],
  ] as const;
  const text = `${paragraphs.map(([line]) => line).join("\n\n")}\n`;
  const body = paragraphs
    .map(([line, style]) => `<p style="margin:0 0 16px;${style}">${escapeHtml(line)}</p>`)
    .join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,sans-serif;color:#1f2328"><div style="max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">${body}</div></body></html>`;
  return { subject, html, text };
}

/**
 * A {@link PasskeyNotifier} that emails the user through SES (or your
 * `deliver`), with the same sender settings and timeout as the code email.
 * Options are validated now (`PasscodeError` `CONFIGURATION_ERROR` naming the
 * field). Verify sends `added` after a stored registration; the token
 * handler and `removePasskeys` send `removed`. The notifier never logs; its
 * errors never carry the address.
 *
 * @example
 * ```ts
 * const notify = createPasskeyNotifier({ email: { from: "no-reply@example.com", appName: "Acme" } });
 * await notify({ to: "ada@example.com", kind: "removed", name: "Old phone", when: Date.now() });
 * ```
 */
export function createPasskeyNotifier(options: PasskeyNotifierOptions): PasskeyNotifier {
  if (typeof options !== "object" || options === null) fail("options", "must be an object");
  if (options.render !== undefined && typeof options.render !== "function")
    fail("render", "must be a function");
  const email = resolveEmail({
    email: options.email === undefined ? undefined : { ...options.email, render: undefined },
    deliver: options.deliver,
    ses: options.ses,
  } as unknown as PasscodeTriggersOptions);
  const render = options.render ?? renderPasskeyNoticeEmail;
  return async (notice) => {
    if (
      typeof notice !== "object" ||
      notice === null ||
      typeof notice.to !== "string" ||
      !isValidEmail(notice.to)
    ) {
      throw new PasscodeError(
        "DELIVERY_FAILED",
        "Passkey notice: the recipient is not an email address",
      );
    }
    if (notice.kind !== "added" && notice.kind !== "removed") {
      throw new TypeError('kind must be "added" or "removed"');
    }
    const content = await render({
      kind: notice.kind,
      name: typeof notice.name === "string" ? notice.name : "",
      ...(email.appName === undefined ? {} : { appName: email.appName }),
      when: notice.when,
    });
    try {
      await sendEmail(email, {
        to: notice.to,
        subject: content.subject,
        html: content.html,
        text: content.text,
      });
    } catch (cause) {
      throw new PasscodeError("DELIVERY_FAILED", "Passkey notice: the email could not be sent", {
        cause,
      });
    }
  };
}
