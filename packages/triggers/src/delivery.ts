import type { EmailMessage } from "./options.js";
import type { EmailSettings } from "./resolve-options.js";

/**
 * Sends one email through `deliver` or SES (v1 SendEmail), giving up after
 * `email.sendTimeoutMs`. Rejects on failure or timeout; the caller turns that
 * into `DELIVERY_FAILED`.
 */
export async function sendEmail(email: EmailSettings, message: EmailMessage): Promise<void> {
  const controller = new AbortController();
  const timeoutMs = email.sendTimeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`send timed out after ${timeoutMs} ms`);
      error.name = "TimeoutError";
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    await Promise.race([send(email, message, controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function send(
  email: EmailSettings,
  message: EmailMessage,
  signal: AbortSignal,
): Promise<void> {
  if (email.deliver) return email.deliver(message, { signal });
  const { client, sdk } = await email.ses$();
  const utf8 = (Data: string) => ({ Data, Charset: "UTF-8" });
  await client.send(
    new sdk.SendEmailCommand({
      Source: email.from,
      Destination: { ToAddresses: [message.to] },
      Message: {
        Subject: utf8(message.subject),
        Body: { Html: utf8(message.html), Text: utf8(message.text) },
      },
      ...(email.replyTo.length > 0 ? { ReplyToAddresses: email.replyTo } : {}),
      ...(email.configurationSetName ? { ConfigurationSetName: email.configurationSetName } : {}),
    }),
    { abortSignal: signal },
  );
}
