/** Structured fields attached to a log line. Never put a code, a token or a full email here. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * Where the triggers write their logs. Each method gets a short, stable
 * message and structured fields. The default writes one JSON object per line
 * to the console, which CloudWatch Logs indexes; pass your own (for example a
 * Powertools `Logger`, whose methods have the same shape) to route them.
 */
export interface PasscodeLogger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

function line(level: string, message: string, fields?: LogFields): string {
  return JSON.stringify({ level, message, ...fields });
}

/**
 * The default logger: one JSON line per call (`{"level":"info","message":...}`)
 * on the console. `debug` lines are dropped.
 */
export function consoleJsonLogger(): PasscodeLogger {
  return {
    debug() {},
    info: (message, fields) => console.log(line("info", message, fields)),
    warn: (message, fields) => console.warn(line("warn", message, fields)),
    error: (message, fields) => console.error(line("error", message, fields)),
  };
}
