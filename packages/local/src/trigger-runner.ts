import { randomUUID } from "node:crypto";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CognitoError, invalidLambdaResponse } from "./cognito-error.js";
import { configError } from "./resolve-options.js";

/** The triggers the local stack runs. */
export type TriggerName =
  | "defineAuthChallenge"
  | "createAuthChallenge"
  | "verifyAuthChallenge"
  | "preSignUp"
  | "postAuthentication"
  | "preTokenGeneration";

/** The names Cognito uses for each trigger in its error messages. */
export const COGNITO_TRIGGER_NAMES: Readonly<Record<TriggerName, string>> = Object.freeze({
  defineAuthChallenge: "DefineAuthChallenge",
  createAuthChallenge: "CreateAuthChallenge",
  verifyAuthChallenge: "VerifyAuthChallengeResponse",
  preSignUp: "PreSignUp",
  postAuthentication: "PostAuthentication",
  preTokenGeneration: "PreTokenGeneration",
});

/** A Cognito trigger event, as a Lambda receives it. */
export interface TriggerEvent {
  version: string;
  region: string;
  userPoolId: string;
  userName: string;
  callerContext: { awsSdkVersion: string; clientId: string };
  triggerSource: string;
  request: Record<string, unknown>;
  response: Record<string, unknown>;
}

/** The Lambda context handed to a trigger (the parts handlers use). */
export interface TriggerContext {
  functionName: string;
  awsRequestId: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/**
 * A trigger as the stack runs it: an async Lambda handler
 * (`(event, context) => Promise<event>`). Callback-style handlers
 * (`(event, context, callback)`) work too.
 */
// biome-ignore lint/suspicious/noExplicitAny: handlers are typed by their authors (aws-lambda's event types differ per trigger)
export type TriggerHandler = (event: any, context?: any, callback?: any) => unknown;

/** Loads `"path/to/file.js#exportName"` (default export when `#name` is left out). */
export async function loadHandlerModule(spec: string, field: string): Promise<TriggerHandler> {
  const hash = spec.lastIndexOf("#");
  const file = hash > 0 ? spec.slice(0, hash) : spec;
  const exportName = hash > 0 ? spec.slice(hash + 1) : "default";
  const url = pathToFileURL(isAbsolute(file) ? file : resolve(file)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (cause) {
    throw configError(field, `could not load ${file}: ${(cause as Error).message}`);
  }
  let fn = mod[exportName];
  // A CommonJS module imported from ESM puts its exports on `default`.
  if (typeof fn !== "function" && typeof mod.default === "object" && mod.default !== null) {
    fn = (mod.default as Record<string, unknown>)[exportName];
  }
  if (typeof fn !== "function") {
    throw configError(field, `${file} has no function export named ${exportName}`);
  }
  return fn as TriggerHandler;
}

/** Runs triggers with Cognito's time limit and turns their failures into Cognito's errors. */
export class TriggerRunner {
  readonly #handlers: Partial<Record<TriggerName, TriggerHandler>>;
  readonly #timeoutMs: number;
  readonly #onError: (trigger: TriggerName, error: unknown) => void;

  constructor(
    handlers: Partial<Record<TriggerName, TriggerHandler>>,
    timeoutMs: number,
    onError: (trigger: TriggerName, error: unknown) => void,
  ) {
    this.#handlers = handlers;
    this.#timeoutMs = timeoutMs;
    this.#onError = onError;
  }

  /** Whether a handler is configured for `trigger`. */
  has(trigger: TriggerName): boolean {
    return this.#handlers[trigger] !== undefined;
  }

  /**
   * Invokes `trigger` with `event` across a JSON boundary (as Lambda does) and
   * returns the event it answered. A thrown error, a timeout or an answer that
   * is not an event becomes the `CognitoError` Cognito would answer with:
   * `UserLambdaValidationException` (`<Trigger> failed with error <message>.`),
   * `UnexpectedLambdaException` (`<Trigger> invocation failed due to error
   * Socket timeout while invoking Lambda function.`) and
   * `InvalidLambdaResponseException` respectively.
   */
  async invoke(trigger: TriggerName, event: TriggerEvent): Promise<TriggerEvent> {
    const handler = this.#handlers[trigger];
    if (!handler) throw new Error(`no ${trigger} handler`);
    const name = COGNITO_TRIGGER_NAMES[trigger];
    const input = JSON.parse(JSON.stringify(event)) as TriggerEvent;
    const deadline = Date.now() + this.#timeoutMs;
    const context: TriggerContext = {
      functionName: `local-${name}`,
      awsRequestId: randomUUID(),
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new TriggerTimeout()), this.#timeoutMs);
    });
    let output: unknown;
    try {
      output = await Promise.race([call(handler, input, context), timeout]);
    } catch (error) {
      this.#onError(trigger, error);
      // Cognito answers a trigger that ran out of time as an invocation failure
      // (`UnexpectedLambdaException`), not as the trigger's own error (observed:
      // "PostAuthentication invocation failed due to error Socket timeout while
      // invoking Lambda function.").
      if (error instanceof TriggerTimeout) {
        throw new CognitoError(
          "UnexpectedLambdaException",
          `${name} invocation failed due to error Socket timeout while invoking Lambda function.`,
        );
      }
      const message =
        error instanceof Error ? error.message : typeof error === "string" ? error : "Error";
      throw new CognitoError(
        "UserLambdaValidationException",
        `${name} failed with error ${message}.`,
      );
    } finally {
      clearTimeout(timer);
    }
    let answered: unknown;
    try {
      answered = output === undefined ? undefined : JSON.parse(JSON.stringify(output));
    } catch {
      answered = undefined;
    }
    if (typeof answered !== "object" || answered === null || Array.isArray(answered)) {
      throw invalidLambdaResponse();
    }
    const result = answered as Partial<TriggerEvent>;
    const response = result.response;
    if (typeof response !== "object" || response === null || Array.isArray(response)) {
      throw invalidLambdaResponse();
    }
    return { ...event, response: response as Record<string, unknown> };
  }
}

class TriggerTimeout extends Error {}

function call(
  handler: TriggerHandler,
  event: TriggerEvent,
  context: TriggerContext,
): Promise<unknown> {
  return new Promise((resolvePromise, rejectPromise) => {
    let settled = false;
    const callback = (error: unknown, result?: unknown) => {
      if (settled) return;
      settled = true;
      if (error) rejectPromise(error);
      else resolvePromise(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === "function") {
        (returned as Promise<unknown>).then(
          (value) => callback(null, value),
          (error: unknown) => callback(error ?? new Error("Error")),
        );
      } else if (handler.length < 3) {
        callback(null, returned);
      }
    } catch (error) {
      callback(error);
    }
  });
}
