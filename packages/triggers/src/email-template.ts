import type { EmailContent, EmailRenderInput } from "./options.js";

/**
 * Escapes text for HTML element content and quoted attribute values:
 * `&`, `<`, `>`, `"` and `'` become entities.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The default code email: a short subject, a plain-text part, and a simple
 * HTML part with the code set large. States the expiry and tells a reader who
 * did not ask for it to ignore it. Both parts are built from one list of
 * paragraphs, so they always say the same thing; every value interpolated
 * into the HTML is escaped.
 */
export function renderDefaultEmail(input: EmailRenderInput): EmailContent {
  const { code, expiresInMinutes, appName } = input;
  const subject = appName ? `Your ${appName} sign-in code` : "Your sign-in code";
  // [text, inline style of its HTML paragraph]; the code's paragraph is the large one.
  const paragraphs = [
    [`Your sign-in code${appName ? ` for ${appName}` : ""} is:`, "font-size:16px"],
    [code, "font-size:32px;font-weight:700;letter-spacing:6px;font-family:monospace"],
    [
      `It expires in ${expiresInMinutes} minute${expiresInMinutes === 1 ? "" : "s"}.`,
      "font-size:14px",
    ],
    [
      "If you didn't try to sign in, you can ignore this email. Never share this code with anyone.",
      "font-size:13px;color:#57606a",
    ],
  ];
  const text = `${paragraphs.map(([line]) => line).join("\n\n")}\n`;
  const body = paragraphs
    .map(([line, style]) => `<p style="margin:0 0 16px;${style}">${escapeHtml(line!)}</p>`)
    .join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,sans-serif;color:#1f2328"><div style="max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">${body}</div></body></html>`;
  return { subject, html, text };
}
