import { stringMap } from "./pool.js";

/**
 * What a caller told Cognito about the user's device and address, for threat
 * protection: Cognito's `UserContextDataType`. A server in front of Cognito
 * (the token handler) passes the user's `IpAddress` here.
 */
export interface LocalUserContextData {
  IpAddress?: string;
  EncodedData?: string;
}

/** The operations the stack serves whose input has `UserContextData` in AWS's model. */
export type UserContextDataOperation =
  | "ConfirmSignUp"
  | "InitiateAuth"
  | "RespondToAuthChallenge"
  | "SignUp";

/** The operations the stack serves whose input has `UserContextData` in AWS's model. */
export const USER_CONTEXT_DATA_OPERATIONS: readonly UserContextDataOperation[] = Object.freeze([
  "ConfirmSignUp",
  "InitiateAuth",
  "RespondToAuthChallenge",
  "SignUp",
]);

const RECORDED: ReadonlySet<string> = new Set(USER_CONTEXT_DATA_OPERATIONS);

/**
 * The `UserContextData` the last call of each operation carried (or that it
 * carried none), for tests. Cognito uses it only for threat protection, which
 * the stack does not emulate, and passes it to no trigger; so it is kept here
 * and nowhere else, in memory.
 */
export class UserContextLog {
  readonly #last = new Map<string, LocalUserContextData | undefined>();

  /** Records what a call of `operation` carried, after the model check accepted it. */
  record(operation: string, input: Record<string, unknown>): void {
    if (!RECORDED.has(operation)) return;
    const given = input.UserContextData;
    if (typeof given !== "object" || given === null) {
      this.#last.set(operation, undefined);
      return;
    }
    const { IpAddress, EncodedData } = stringMap(given);
    this.#last.set(operation, {
      ...(IpAddress !== undefined ? { IpAddress } : {}),
      ...(EncodedData !== undefined ? { EncodedData } : {}),
    });
  }

  /** What the last call of `operation` carried; undefined when it carried none or there was none. */
  last(operation: UserContextDataOperation): LocalUserContextData | undefined {
    const value = this.#last.get(operation);
    return value === undefined ? undefined : { ...value };
  }
}
