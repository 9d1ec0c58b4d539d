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
 * did not ask for it to ignore it. Every interpolated value is escaped.
 */
export function renderDefaultEmail(input: EmailRenderInput): EmailContent {
  const { code, expiresInMinutes, appName } = input;
  const minutes = `${expiresInMinutes} minute${expiresInMinutes === 1 ? "" : "s"}`;
  const product = appName ? ` for ${appName}` : "";
  const subject = appName ? `Your ${appName} sign-in code` : "Your sign-in code";
  const ignore =
    "If you didn't try to sign in, you can ignore this email. Never share this code with anyone.";
  const text = `Your sign-in code${product} is:\n\n${code}\n\nIt expires in ${minutes}.\n\n${ignore}\n`;
  const h = escapeHtml;
  const p = (style: string, body: string) => `<p style="margin:0 0 16px;${style}">${body}</p>`;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${h(subject)}</title></head><body style="margin:0;padding:24px;background:#f6f7f9;font-family:system-ui,sans-serif;color:#1f2328"><div style="max-width:480px;margin:0 auto;background:#fff;border-radius:8px;padding:32px">${p("font-size:16px", `Your sign-in code${h(product)} is:`)}${p("font-size:32px;font-weight:700;letter-spacing:6px;font-family:monospace", h(code))}${p("font-size:14px", `It expires in ${h(minutes)}.`)}${p("font-size:13px;color:#57606a", h(ignore))}</div></body></html>`;
  return { subject, html, text };
}
