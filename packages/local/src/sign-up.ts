import { createHash, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { maskEmail } from "@cognito-passcode/shared";
import {
  checkEmailAttribute,
  checkEmailUsername,
  checkWritable,
  parseSettableAttributes,
} from "./attributes.js";
import { CognitoError, notAuthorized, userNotFound } from "./cognito-error.js";
import {
  clientMetadata,
  type Operation,
  type PoolContext,
  requireClient,
  requireString,
  triggerEvent,
} from "./pool.js";

const CONFIRMATION_VALIDITY_MS = 24 * 60 * 60 * 1000;

const emailTaken = () =>
  new CognitoError("UsernameExistsException", "An account with the given email already exists.");

/** `SignUp`: email as username; PreSignUp may auto-confirm; otherwise a code is emailed. */
export const signUp: Operation = async (pool, input, request) => {
  requireClient(pool, input);
  const username = requireString(input, "Username");
  const password = requireString(input, "Password");
  checkEmailUsername(username);
  checkPassword(pool, password);
  const attributes = parseSettableAttributes(input, pool.knownAttributes);
  // Before PreSignUp, as Cognito: an attribute the client may not write (the
  // username attribute, email_verified) refuses the whole call.
  checkWritable(Object.keys(attributes), pool.config.writeAttributes);
  checkEmailAttribute(username, attributes);
  attributes.email = username;
  // A user cannot declare their own email verified; only PreSignUp or a code can.
  delete attributes.email_verified;
  if (pool.users.findByEmail(username)) {
    throw emailTaken();
  }

  // With email as the username, Cognito names the user with its sub, drawn
  // before PreSignUp runs (the event's userName).
  const sub = randomUUID();
  let autoConfirm = false;
  let autoVerifyEmail = false;
  if (pool.triggers.has("preSignUp")) {
    const metadata = clientMetadata(input);
    const validationData = attributeRecord(input.ValidationData);
    const answered = await pool.triggers.invoke(
      "preSignUp",
      triggerEvent(
        pool,
        "PreSignUp_SignUp",
        sub,
        {
          userAttributes: { ...attributes },
          validationData: validationData ?? null,
          ...(metadata ? { clientMetadata: metadata } : {}),
        },
        { userAgent: request.userAgent },
      ),
    );
    autoConfirm = answered.response.autoConfirmUser === true;
    autoVerifyEmail = answered.response.autoVerifyEmail === true;
  }
  // The trigger ran asynchronously: someone may have signed up with this email meanwhile.
  if (pool.users.findByEmail(username)) {
    throw emailTaken();
  }
  const now = pool.clock.now();
  // The email is unverified until PreSignUp, ConfirmSignUp or PostAuthentication says otherwise.
  attributes.email_verified = autoVerifyEmail ? "true" : "false";
  const user = pool.users.create(attributes, autoConfirm ? "CONFIRMED" : "UNCONFIRMED", now, sub);

  const result: Record<string, unknown> = {
    UserConfirmed: autoConfirm,
    UserSub: user.attributes.sub,
  };
  if (!autoConfirm && pool.config.autoVerifyEmail) {
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    pool.users.update(
      user,
      (u) => {
        u.confirmation = { code: digest(code), expiresAt: now + CONFIRMATION_VALIDITY_MS };
      },
      now,
    );
    // Cognito's default verification email.
    await pool.sendMail(username, "Your verification code", `Your verification code is ${code}.`);
    result.CodeDeliveryDetails = {
      Destination: maskEmail(username),
      DeliveryMedium: "EMAIL",
      AttributeName: "email",
    };
  }
  return result;
};

/**
 * `ConfirmSignUp`: checks the emailed code, confirms the user and verifies the
 * email. Wrong codes are limited per user (`ATTEMPT_LIMITS.confirmFailuresPerUser`,
 * five an hour): beyond that every answer, right or wrong, gets
 * `LimitExceededException` until the hour has passed; the code stays valid
 * for its 24 hours (the stack has no ResendConfirmationCode).
 */
export const confirmSignUp: Operation = async (pool, input) => {
  requireClient(pool, input);
  const username = requireString(input, "Username");
  const code = requireString(input, "ConfirmationCode");
  const user = pool.users.find(username);
  if (!user) throw userNotFound();
  if (user.status !== "UNCONFIRMED") {
    throw notAuthorized("User cannot be confirmed. Current status is CONFIRMED");
  }
  const now = pool.clock.now();
  // Before the code is read: over the limit, a right code is refused too.
  pool.limits.checkConfirm(user.username, now);
  const pending = user.confirmation;
  if (!pending || pending.expiresAt <= now) {
    throw new CognitoError(
      "ExpiredCodeException",
      "Invalid code provided, please request a code again.",
    );
  }
  const given = Buffer.from(digest(code), "hex");
  if (!timingSafeEqual(given, Buffer.from(pending.code, "hex"))) {
    pool.limits.recordConfirmFailure(user.username, now);
    throw new CognitoError(
      "CodeMismatchException",
      "Invalid verification code provided, please try again.",
    );
  }
  pool.users.update(
    user,
    (u) => {
      u.status = "CONFIRMED";
      u.attributes.email_verified = "true";
      u.confirmation = undefined;
    },
    pool.clock.now(),
  );
  return {};
};

function digest(code: string): string {
  return createHash("sha256").update(code).digest("hex");
}

function attributeRecord(value: unknown): Record<string, string> | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const item of value as { Name?: unknown; Value?: unknown }[]) {
    if (typeof item?.Name === "string") out[item.Name] = String(item.Value ?? "");
  }
  return out;
}

/**
 * Checks `password` against the pool's password policy, as SignUp and
 * AdminCreateUser's `TemporaryPassword` are:
 * `InvalidPasswordException: Password did not conform with policy: ...`.
 * Whitespace never reaches it (the model's `[\S]+` refuses it first), so the
 * symbol rule counts only Cognito's listed symbols.
 */
export function checkPassword(pool: PoolContext, password: string): void {
  const policy = pool.config.passwordPolicy;
  const fail = (why: string) =>
    new CognitoError("InvalidPasswordException", `Password did not conform with policy: ${why}`);
  if (password.length < policy.minimumLength) throw fail("Password not long enough");
  if (policy.requireLowercase && !/[a-z]/.test(password)) {
    throw fail("Password must have lowercase characters");
  }
  if (policy.requireUppercase && !/[A-Z]/.test(password)) {
    throw fail("Password must have uppercase characters");
  }
  if (policy.requireNumbers && !/[0-9]/.test(password)) {
    throw fail("Password must have numeric characters");
  }
  if (policy.requireSymbols && !/[\^$*.[\]{}()?"!@#%&/\\,><':;|_~`=+-]/.test(password)) {
    throw fail("Password must have symbol characters");
  }
}
