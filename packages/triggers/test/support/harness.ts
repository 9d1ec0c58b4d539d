import {
  createPasscodeTriggers,
  type EmailMessage,
  type LogFields,
  type PasscodeTriggersOptions,
} from "@cognito-passcode/triggers";
import type { TestUser } from "./events.js";
import { fakeCognito } from "./fake-cognito-client.js";

/** The `codeSecret` every harness uses unless a test passes its own. */
export const TEST_CODE_SECRET = "test-code-secret-0123456789abcdef";

/** A captured log line. */
export interface LogLine {
  level: string;
  message: string;
  fields?: LogFields;
}

/** Everything a handler test needs: triggers, a mailbox, a clock, users, logs. */
export function harness(
  overrides: Partial<PasscodeTriggersOptions> & { users?: TestUser[]; start?: number } = {},
) {
  const { users = [], start = Date.UTC(2026, 0, 1), ...options } = overrides;
  const clock = { now: start };
  const mailbox: EmailMessage[] = [];
  const logs: LogLine[] = [];
  const cognito = fakeCognito(users);
  const log =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      logs.push({ level, message, ...(fields ? { fields } : {}) });
    };
  const triggers = createPasscodeTriggers({
    email: { from: "no-reply@example.com", appName: "Acme" },
    deliver: async (message) => {
      mailbox.push(message);
    },
    cognito: cognito.client,
    now: () => clock.now,
    unknownUserDelayMs: 0,
    codeSecret: TEST_CODE_SECRET,
    // Tests that exercise the throttle pass their own; the rest run without one.
    throttle: false,
    logger: { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") },
    ...options,
  });
  return {
    triggers,
    mailbox,
    logs,
    cognito,
    users,
    clock,
    /** The code in the most recent email to `to` (from its text part). */
    codeSentTo(to: string): string | undefined {
      const mail = mailbox.filter((m) => m.to === to).at(-1);
      return mail ? /\b(\d{6,10})\b/.exec(mail.text)?.[1] : undefined;
    },
  };
}
