import { createServer, type Server } from "node:http";
import type { SESClient } from "@aws-sdk/client-ses";
import { maskEmail, normalizeEmail } from "@cognito-passcode/shared";
import sesServer from "aws-ses-v2-local";
import * as sesStore from "aws-ses-v2-local/dist/store.js";
import { guardServer } from "./host-check.js";
import { lazyClient } from "./lazy-client.js";
import { closeServer, endpointOf, listen } from "./net.js";
import { configError } from "./resolve-options.js";

/** One email the stack sent, as the mailbox shows it. */
export interface MailMessage {
  /** SES message id. */
  id: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  /** When it was sent, epoch milliseconds (second precision, from aws-ses-v2-local). */
  sentAt: number;
}

/** The emails this stack sent through the embedded SES. */
export interface Mailbox {
  /** Every email this stack sent, oldest first; only those to `email` when given (case-insensitive). */
  messages(email?: string): MailMessage[];
  /** The code in the newest email to `email`; throws when there is none. */
  latestCode(email: string): Promise<string>;
  /** Forgets this stack's emails (and removes them from the embedded SES inbox). */
  clear(): void;
}

type StoredEmail = sesStore.Email;

/** The embedded aws-ses-v2-local, an SES client that records what it sends, and the mailbox over it. */
export interface EmbeddedSes {
  endpoint: string;
  client: SESClient;
  mailbox: Mailbox;
  send(from: string, to: string, subject: string, text: string): Promise<void>;
  stop(): Promise<void>;
}

const CODE = /(?<![\d])(\d{6,10})(?![\d])/;

/**
 * Starts aws-ses-v2-local on `host`:`port` (0: a free port; check a fixed one
 * with {@link assertInboxPortFree} first). Its store is global to the
 * process, so the mailbox only shows messages whose ids this stack's SES client
 * got back: two stacks in one process never see each other's mail. Its web
 * inbox and API show every code, so a guard answers 403 before it to a request
 * whose `Host` is not a loopback name (DNS rebinding) or whose `Origin` is not
 * the inbox's own (a cross-site POST such as `/clear-store`).
 */
export async function startEmbeddedSes(
  host: string,
  region: string,
  port = 0,
): Promise<EmbeddedSes> {
  // aws-ses-v2-local is CommonJS: Node's ESM loader hands its whole exports object as the default.
  const start = ((sesServer as unknown as { default?: typeof sesServer }).default ??
    sesServer) as typeof sesServer;
  const server: Server = await start({ host, port });
  guardServer(server, host);
  const endpoint = endpointOf(server, host);
  const ids = new Set<string>();
  const client = lazyClient<SESClient>(async () => {
    const { SESClient } = await import("@aws-sdk/client-ses");
    const real = new SESClient({
      endpoint,
      region,
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    // Record the id of every message this client sends: that is what the mailbox shows.
    real.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const id = (result.output as { MessageId?: unknown } | undefined)?.MessageId;
        if (typeof id === "string") ids.add(id);
        return result;
      },
      { step: "initialize", name: "cognitoPasscodeLocalMailbox" },
    );
    return real;
  });

  const emails = (): StoredEmail[] => sesStore.getStoreReadonly().emails;
  const isFor = (e: StoredEmail, wanted: string | undefined) =>
    ids.has(e.messageId) &&
    (wanted === undefined || e.destination.to.some((to) => normalizeEmail(to) === wanted));
  const toMessage = (e: StoredEmail): MailMessage => ({
    id: e.messageId,
    from: e.from,
    to: [...e.destination.to],
    subject: e.subject,
    ...(e.body.text !== undefined ? { text: e.body.text } : {}),
    ...(e.body.html !== undefined ? { html: e.body.html } : {}),
    sentAt: e.at * 1000,
  });
  const forget = () => {
    const store = sesStore.getStoreReadonly() as { emails: StoredEmail[] };
    store.emails = store.emails.filter((e) => !ids.has(e.messageId));
    ids.clear();
  };
  const mailbox: Mailbox = {
    messages(email?: string) {
      const wanted = email === undefined ? undefined : normalizeEmail(email);
      return emails()
        .filter((e) => isFor(e, wanted))
        .map(toMessage);
    },
    async latestCode(email: string) {
      const wanted = normalizeEmail(email);
      const all = emails();
      // Newest first: tests and benches call this after every send.
      let latest: StoredEmail | undefined;
      for (let i = all.length - 1; i >= 0 && !latest; i--) {
        if (isFor(all[i]!, wanted)) latest = all[i];
      }
      if (!latest) throw new Error(`No email to ${maskEmail(email)} in the local mailbox`);
      const text = latest.body.text ?? latest.body.html?.replace(/<[^>]*>/g, " ") ?? "";
      const code = CODE.exec(text)?.[1] ?? CODE.exec(latest.subject)?.[1];
      if (!code) throw new Error(`The newest email to ${maskEmail(email)} has no code in it`);
      return code;
    },
    clear: forget,
  };
  return {
    endpoint,
    client,
    mailbox,
    async send(from, to, subject, text) {
      const { SendEmailCommand } = await import("@aws-sdk/client-ses");
      await client.send(
        new SendEmailCommand({
          Source: from,
          Destination: { ToAddresses: [to] },
          Message: { Subject: { Data: subject }, Body: { Text: { Data: text } } },
        }),
      );
    },
    async stop() {
      forget();
      client.destroy();
      await closeServer(server);
    },
  };
}

/**
 * aws-ses-v2-local listens without an error handler (a port in use would crash
 * the process, and its start would never settle), so a fixed port is tried
 * first with a server of our own, closed at once.
 */
export async function assertInboxPortFree(host: string, port: number): Promise<void> {
  const probe = createServer();
  try {
    await listen(probe, port, host);
  } catch (error) {
    throw configError(
      "inboxPort",
      `cannot listen on ${host}:${port} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  await closeServer(probe);
}
