import {
  canonicalMailbox,
  isValidEmail,
  maskEmail,
  type PasscodeStep,
} from "@cognito-passcode/shared";
import type { CreateAuthChallengeTriggerEvent } from "aws-lambda";
import {
  type CodeState,
  codeAddress,
  codePrivateParameters,
  encodeCodeMetadata,
  type PublicChallengeParameters,
  USERNAME_METADATA,
} from "./challenge-state.js";
import { digestCode, emailTag, generateCode, newSalt } from "./code.js";
import type { TriggerHandler } from "./define-auth-challenge.js";
import { sendEmail } from "./delivery.js";
import { renderDefaultEmail } from "./email-template.js";
import {
  ENROL_METADATA,
  type NextStep,
  nextStep,
  passkeyBinding,
  passkeyMetadata,
} from "./next-step.js";
import type { EmailContent, PasscodeTriggersOptions } from "./options.js";
import {
  CHALLENGE_GRACE_MS,
  creationOptionsJson,
  MAX_OPTIONS_LENGTH,
  newPasskeyChallenge,
  newUserHandle,
  requestOptionsJson,
} from "./passkey-options.js";
import { placeholderMasker } from "./placeholder-mask.js";
import {
  type BaseSettings,
  type CodeSettings,
  type EmailSettings,
  inAllowedDomains,
  type PasskeySettings,
  type PolicyBounds,
  resolveAllowedDomains,
  resolveBase,
  resolveCode,
  resolveCodeSecret,
  resolveEmail,
  resolvePasskeys,
  resolvePolicyBounds,
  resolveThrottle,
  resolveUsername,
  type ThrottleSettings,
  type UsernameSettings,
} from "./resolve-options.js";
import type { ThrottleDecision } from "./store.js";
import { describeError, guarded, triggerError } from "./trigger-errors.js";

/** The Create Auth Challenge handler. */
export type CreateAuthChallengeHandler = TriggerHandler<CreateAuthChallengeTriggerEvent>;

/** A BCP 47-shaped language tag (`-` or `_` between subtags). */
const LOCALE = /^[A-Za-z]{2,8}(?:[-_][A-Za-z0-9]{1,8}){0,7}$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What Create needs from the options. */
export interface CreateSettings extends BaseSettings {
  code: CodeSettings;
  username: UsernameSettings | false;
  policy: PolicyBounds;
  email: EmailSettings;
  throttle: ThrottleSettings | false;
  /** Keys the code digest and the placeholder mask of an identifier that is not an address. */
  codeSecret: string;
  allowedEmailDomains?: ReadonlySet<string>;
  /** Passkeys in the loop, or `false`. */
  passkeys?: PasskeySettings | false;
}

/** Who a new code is for, and whether it is emailed. */
interface Recipient {
  /** The user's current email, normalised; for a user that does not exist, what was typed. */
  email: string;
  /** Only an existing user whose current email is valid and in the allowed domains gets an email. */
  deliver: boolean;
  /** What the challenge shows: the masked address, or a placeholder shaped like one. */
  masked: string;
  /** The throttle key's part: a tag of the canonical mailbox (of the identifier, if no address). */
  mailbox: string;
}

function recipientOf(
  runtime: CreateSettings,
  event: CreateAuthChallengeTriggerEvent,
  userNotFound: boolean,
  placeholder: (identifier: string) => string,
): Recipient {
  // The address the code is bound to (Verify and Define recompute it the same
  // way): an existing user's current email, or what was typed for one that
  // does not exist (Cognito passes it no attributes).
  const email = codeAddress(event.request.userAttributes, event.userName);
  const valid = isValidEmail(email);
  return {
    email,
    deliver: !userNotFound && valid && inAllowedDomains(email, runtime.allowedEmailDomains),
    masked: valid ? maskEmail(email) : placeholder(email),
    mailbox: emailTag(valid ? canonicalMailbox(email) : email),
  };
}

/**
 * Builds Create from validated settings.
 *
 * Retry safety (Cognito re-invokes a trigger that takes over 5 seconds):
 * - Every challenge after the first (the same code after a wrong answer, and
 *   every USERNAME challenge) is a pure function of the session: a retry
 *   returns the same parameters and sends nothing.
 * - The first challenge of a session must draw a new random code and email
 *   it, and Cognito gives no request id that a retry shares, so it cannot be
 *   made idempotent without storing the code. Instead the send is bounded by
 *   `email.sendTimeoutMs` (3 s by default), so Create answers (with the
 *   challenge, or `DELIVERY_FAILED`) before Cognito's 5-second limit and a
 *   slow send is not repeated. If a retry happens anyway (a cold start plus a
 *   slow store), the throttle's minimum interval refuses it with `THROTTLED`
 *   rather than sending a second email; with the throttle off, the retry
 *   sends a second email whose code replaces the first (Cognito keeps only
 *   the retry's answer).
 */
export function createAuthChallengeFrom(runtime: CreateSettings): CreateAuthChallengeHandler {
  const placeholder = placeholderMasker(runtime.codeSecret, runtime.allowedEmailDomains);
  return (event) =>
    guarded("CreateAuthChallenge", runtime.logger, async () => {
      const request = event.request;
      const userNotFound = request.userNotFound === true;
      const step = nextStep(
        request.session,
        runtime,
        request.userAttributes,
        userNotFound,
        undefined,
        request.clientMetadata,
      );
      const response = event.response;
      if (step.action === "passkey" && runtime.passkeys) {
        passkeyChallenge(runtime, runtime.passkeys, event, step);
        return event;
      }
      if (step.action === "enrol" && runtime.passkeys) {
        await enrolChallenge(runtime, runtime.passkeys, event, step);
        return event;
      }
      if (step.action === "username") {
        const policy = runtime.policy;
        response.publicChallengeParameters = {
          step: "USERNAME",
          minLength: String(policy.minLength),
          maxLength: String(policy.maxLength),
          attemptsLeft: String(step.attemptsLeft),
          // Cognito gives Create only a yes/no per earlier answer, so the reason
          // a name was refused cannot reach this point; the client, which runs
          // the same policy, can tell an invalid name from a taken one.
          ...(step.rejected ? { rejected: "true" } : {}),
        } satisfies PublicChallengeParameters;
        // The proof's binding: Verify refuses the name once it no longer holds.
        response.privateChallengeParameters = {
          step: "USERNAME" satisfies PasscodeStep,
          ...(step.emailTag ? { emailTag: step.emailTag } : {}),
        };
        response.challengeMetadata = USERNAME_METADATA;
        return event;
      }
      if (step.action !== "code" || request.challengeName !== "CUSTOM_CHALLENGE") {
        throw new Error(`Create called for ${step.action}/${request.challengeName}`);
      }
      // Everyone but an existing user with an allowed, valid email takes the
      // fake path: the same challenge, throttle and delay, and no email.
      const recipient = recipientOf(runtime, event, userNotFound, placeholder);
      const code = step.code ?? (await newCode(runtime, event, recipient));
      response.publicChallengeParameters = {
        step: "CODE",
        codeLength: String(code.codeLength),
        expiresAt: String(code.expiresAt),
        attemptsLeft: String(step.attemptsLeft),
        email: recipient.masked,
      } satisfies PublicChallengeParameters;
      response.privateChallengeParameters = codePrivateParameters(code);
      response.challengeMetadata = encodeCodeMetadata(code);
      return event;
    });
}

/**
 * The PASSKEY challenge: the same shape for every caller (known with or
 * without passkeys, unknown, outside the allowed domains) and no I/O at all:
 * no store, no Cognito, no email. Only the 32-byte challenge differs.
 */
function passkeyChallenge(
  runtime: CreateSettings,
  passkeys: PasskeySettings,
  event: CreateAuthChallengeTriggerEvent,
  step: Extract<NextStep, { action: "passkey" }>,
): void {
  const challenge = newPasskeyChallenge();
  const response = event.response;
  response.publicChallengeParameters = {
    step: "PASSKEY",
    attemptsLeft: String(step.attemptsLeft),
    ...(step.rejected ? { rejected: "true" } : {}),
    options: requestOptionsJson(challenge, passkeys.rpId, passkeys.timeoutMs),
  } satisfies PublicChallengeParameters;
  response.privateChallengeParameters = {
    step: "PASSKEY" satisfies PasscodeStep,
    challenge,
    expiresAt: String(runtime.now() + passkeys.timeoutMs + CHALLENGE_GRACE_MS),
  };
  // Not public: the proof is bound to the account as it is now (one SHA-256, the same for everyone).
  response.challengeMetadata = passkeyMetadata(
    passkeyBinding(
      codeAddress(event.request.userAttributes, event.userName),
      event.request.userAttributes,
    ),
  );
}

/**
 * The ENROL challenge, only ever reached after a proof: reads the user's
 * passkeys (1 GetItem) for `excludeCredentials`, the user handle and the
 * limit. The "given up" challenge (`attemptsLeft` 0) and the limit one
 * (`reason=PASSKEY_LIMIT`) carry no options, so no answer can register.
 */
async function enrolChallenge(
  runtime: CreateSettings,
  passkeys: PasskeySettings,
  event: CreateAuthChallengeTriggerEvent,
  step: Extract<NextStep, { action: "enrol" }>,
): Promise<void> {
  const response = event.response;
  const attributes = event.request.userAttributes ?? {};
  const base = {
    step: "ENROL",
    attemptsLeft: String(step.attemptsLeft),
    ...(step.rejected ? { rejected: "true" } : {}),
  } satisfies PublicChallengeParameters;
  response.challengeMetadata = ENROL_METADATA;
  // The proof's binding on every ENROL challenge: Verify checks it on any answer.
  response.privateChallengeParameters = {
    step: "ENROL" satisfies PasscodeStep,
    emailTag: step.emailTag,
  };
  if (step.attemptsLeft === 0) {
    response.publicChallengeParameters = base;
    return;
  }
  const owner = attributes.sub ?? "";
  const account = owner ? await passkeys.store.getPasskeys(owner) : undefined;
  const challenge = newPasskeyChallenge();
  const email = codeAddress(attributes, event.userName);
  const username = runtime.username ? attributes[runtime.username.attribute] : undefined;
  const userHandle = account?.userHandle ?? newUserHandle();
  const options = creationOptionsJson({
    challenge,
    rpId: passkeys.rpId,
    rpName: passkeys.rpName,
    userHandle,
    userName: email,
    displayName: username ? `@${username}` : email,
    timeoutMs: passkeys.timeoutMs,
    account,
  });
  // Full, or so many long credential ids that the options outgrow the
  // parameter limit: nothing to register, the client skips.
  if (
    !owner ||
    (account?.passkeys.length ?? 0) >= passkeys.maxPerUser ||
    options.length > MAX_OPTIONS_LENGTH
  ) {
    response.publicChallengeParameters = { ...base, reason: "PASSKEY_LIMIT" };
    return;
  }
  response.publicChallengeParameters = { ...base, options };
  response.privateChallengeParameters = {
    step: "ENROL" satisfies PasscodeStep,
    challenge,
    expiresAt: String(runtime.now() + passkeys.timeoutMs + CHALLENGE_GRACE_MS),
    userHandle,
    emailTag: step.emailTag,
  };
}

/** Throttle, draw, digest and send (or, on the fake path, wait as long). */
async function newCode(
  runtime: CreateSettings,
  event: CreateAuthChallengeTriggerEvent,
  recipient: Recipient,
): Promise<CodeState> {
  const email = recipient.email;
  const user = emailTag(email);
  if (runtime.throttle) {
    const { store, rules, day } = runtime.throttle;
    // One budget per mailbox: every send to an address is a send to its
    // mailbox, so this key bounds each address too (plus-tags, case and
    // Gmail dots cannot multiply the codes one inbox receives).
    const key = `email#${recipient.mailbox}`;
    const now = runtime.now();
    const enforce = (decision: ThrottleDecision, limit: "window" | "day"): void => {
      if (decision.allowed) return;
      runtime.logger.info("code throttled", { user, limit, retryAfterMs: decision.retryAfterMs });
      throw triggerError("THROTTLED", {
        retryAfterMs: Math.max(0, Math.ceil(decision.retryAfterMs)),
      });
    };
    // The short window first, so that hammering resend is refused there and
    // does not use up the day's codes. The day count has its own key: a tag
    // is base64url, so `email#<tag>#day` is never another address's key.
    enforce(await store.hit(key, now, rules), "window");
    enforce(await store.hit(`${key}#day`, now, day), "day");
  }
  const { length, ttlMs } = runtime.code;
  const code = generateCode(length);
  const expiresAt = runtime.now() + ttlMs;
  const salt = newSalt();
  const state: CodeState = {
    codeLength: length,
    expiresAt,
    salt,
    // Bound to the address it goes to: Verify and Define refuse it once the
    // user's email is another address (codeAddress; recipient.email is that).
    digest: digestCode(code, salt, expiresAt, email, runtime.codeSecret),
    emailTag: user,
  };
  if (!recipient.deliver) {
    // Same work, same shape, no email: the caller cannot tell the difference.
    // No code was sent, so the digest becomes random bytes of the same length,
    // which no answer can match (Verify and Define refuse this path as well).
    const delay = runtime.email.unknownUserDelay();
    if (delay > 0) await sleep(delay);
    runtime.logger.info("code issued", { user, delivered: false });
    const bytes = Buffer.from(state.digest, "base64url").length;
    const random = process.getBuiltinModule("node:crypto").randomBytes(bytes);
    return { ...state, digest: random.toString("base64url") };
  }
  const started = Date.now();
  try {
    const render = runtime.email.render ?? renderDefaultEmail;
    const input = {
      code,
      expiresInMinutes: Math.max(1, Math.floor(ttlMs / 60_000)),
      ...(runtime.email.appName === undefined ? {} : { appName: runtime.email.appName }),
      // The user can set `locale` at sign-up: pass on only a language tag
      // (`pt-BR`, `en_US`), never text a render could misuse as a path or HTML.
      ...(LOCALE.test(event.request.userAttributes?.locale ?? "")
        ? { locale: event.request.userAttributes.locale }
        : {}),
    };
    const content: EmailContent = await render(input);
    if (
      typeof content?.subject !== "string" ||
      typeof content.html !== "string" ||
      typeof content.text !== "string"
    ) {
      throw new TypeError("email.render returned no { subject, html, text }");
    }
    await sendEmail(runtime.email, {
      to: email,
      subject: content.subject,
      html: content.html,
      text: content.text,
    });
  } catch (error) {
    runtime.logger.error("code delivery failed", { user, ...describeError(error) });
    throw triggerError("DELIVERY_FAILED", {}, error);
  }
  runtime.email.recordSendDuration(Date.now() - started);
  runtime.logger.info("code issued", { user });
  return state;
}

/**
 * Creates the Create Auth Challenge trigger: for a new sign-in it checks the
 * throttle, draws a code, emails it and returns the CODE challenge; after a
 * wrong answer it returns the same code's challenge again (no email); after a
 * right code it returns the USERNAME challenge when that step is on.
 *
 * Only an existing user whose current email is valid and, with
 * `signUp.allowedEmailDomains`, on an allowed domain gets an email. Everyone
 * else (an unknown user, an identifier that is not an address such as a
 * UUID, an account whose email moved outside the allowed domains) takes the
 * fake path: the same challenge (the masked address, or for a non-address a
 * placeholder shaped like one, derived with an HMAC keyed by `codeSecret`,
 * the same on every instance), the same throttle hits and about the
 * same delay, no email, and a digest no answer matches. The throttle counts
 * per canonical mailbox (`canonicalMailbox`: case, `+tag` and Gmail dots
 * folded), for known and unknown addresses alike.
 *
 * With `passkeys`, the first challenge of every sign-in is `PASSKEY`:
 * WebAuthn request options with a fresh 32-byte challenge and an empty
 * `allowCredentials`, the same bytes for every identifier but the challenge,
 * built with no store, Cognito or email call. After a switch
 * (`passcode:method=code`) the CODE challenge above follows. After a proof,
 * when the answer asked for it, `ENROL`: registration options (one store
 * read, for `excludeCredentials`, the user handle and `maxPerUser`).
 *
 * Validates the options it uses (`email`, `code`, `username`, `throttle`,
 * `codeSecret`, `signUp`, `ses`, `deliver`, `passkeys`, `logger`, `now`) now; throws
 * `CONFIGURATION_ERROR` on a bad one, when `throttle` is left out (pass a
 * store, or `false` to send without a throttle) and when `codeSecret` is
 * missing or shorter than 32 characters.
 *
 * @example
 * ```ts
 * const store = dynamoDbStore({ tableName: "passcode" });
 * export const handler = createCreateAuthChallengeHandler({
 *   email: { from: "no-reply@example.com", appName: "Acme" },
 *   username: { registry: store },
 *   throttle: { store },
 *   // 32+ characters, the same for Create and Verify: your read of a
 *   // Secrets Manager secret, once per cold start.
 *   codeSecret: await readSecret("passcode/code-secret"),
 * });
 * ```
 */
export function createCreateAuthChallengeHandler(
  options: PasscodeTriggersOptions,
): CreateAuthChallengeHandler {
  return createAuthChallengeFrom({
    ...resolveBase(options),
    code: resolveCode(options),
    username: resolveUsername(options),
    policy: resolvePolicyBounds(options),
    email: resolveEmail(options),
    throttle: resolveThrottle(options),
    codeSecret: resolveCodeSecret(options),
    allowedEmailDomains: resolveAllowedDomains(options),
    passkeys: resolvePasskeys(options),
  });
}
