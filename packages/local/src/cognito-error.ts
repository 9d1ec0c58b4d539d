/**
 * An error answered the way Cognito answers it: HTTP status, `__type` and
 * `message`. Operations throw it; the HTTP layer serialises it.
 */
export class CognitoError extends Error {
  /** Cognito's error name, e.g. `NotAuthorizedException`. */
  readonly type: string;
  /** HTTP status; Cognito answers 400 for nearly everything a caller did wrong. */
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.name = "CognitoError";
    this.type = type;
    this.status = status;
  }
}

/** `NotAuthorizedException` with `message`. */
export const notAuthorized = (message: string) =>
  new CognitoError("NotAuthorizedException", message);

/** `InvalidParameterException` with `message`. */
export const invalidParameter = (message: string) =>
  new CognitoError("InvalidParameterException", message);

/** Cognito's wording for a failed sign-in, whatever the reason. */
export const INCORRECT_CREDENTIALS = "Incorrect username or password.";

/** What Cognito answers when a trigger's output is not what it expects. */
export const invalidLambdaResponse = () =>
  new CognitoError("InvalidLambdaResponseException", "Unrecognizable lambda output");

/** `UserNotFoundException: User does not exist.` */
export const userNotFound = () => new CognitoError("UserNotFoundException", "User does not exist.");

/**
 * The validation error Cognito's front end gives for a missing or mistyped
 * member, e.g. `1 validation error detected: Value null at 'clientId' failed to
 * satisfy constraint: Member must not be null`.
 */
export function memberMissing(member: string): CognitoError {
  return invalidParameter(
    `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
  );
}
