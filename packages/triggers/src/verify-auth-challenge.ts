import type { UsernamePolicy } from "@cognito-passcode/shared";
import {
  isValidCodeFormat,
  normalizeCodeInput,
  type PasscodeStep,
  validateUsername,
} from "@cognito-passcode/shared";
import type { VerifyAuthChallengeResponseTriggerEvent } from "aws-lambda";
import { type CodeState, codeAddress, codeStateFrom } from "./challenge-state.js";
import { codeMatchesDigest, emailTag } from "./code.js";
import { globalSignOut, updateUserAttributes } from "./cognito.js";
import type { TriggerHandler } from "./define-auth-challenge.js";
import { metadataValue, proofStillBound } from "./next-step.js";
import type { PasscodeTriggersOptions } from "./options.js";
import { checkPasskey, enrolPasskey, requirePasskeyProofStanding } from "./passkey-verify.js";
import {
  type BaseSettings,
  type CodeSettings,
  type CognitoGetter,
  inAllowedDomains,
  type PasskeySettings,
  resolveAllowedDomains,
  resolveBase,
  resolveCode,
  resolveCodeSecret,
  resolveCognito,
  resolvePasskeys,
  resolvePolicy,
  resolveThrottleStore,
  resolveUsername,
  type UsernameSettings,
} from "./resolve-options.js";
import { passkeyChallengeKey, type ThrottleStore } from "./store.js";
import { describeError, guarded, triggerError } from "./trigger-errors.js";

/** The Verify Auth Challenge Response handler. */
export type VerifyAuthChallengeHandler = TriggerHandler<VerifyAuthChallengeResponseTriggerEvent>;

/** What Verify needs from the options. */
export interface VerifySettings extends BaseSettings {
  username: UsernameSettings | false;
  policy: UsernamePolicy;
  /** Keys the code digest; the one Create used. */
  codeSecret: string;
  cognito$: CognitoGetter;
  allowedEmailDomains?: ReadonlySet<string>;
  /** `maxAttempts` and `ttlMs` bound the per-code attempt counter. */
  code: CodeSettings;
  /** Its store keeps the per-code attempt counter; `false`: no counter. */
  throttle: { store: ThrottleStore } | false;
  /** Passkeys in the loop, or `false`: PASSKEY and ENROL answers are then refused. */
  passkeys?: PasskeySettings | false;
}

/** Builds Verify from validated settings. */
export function verifyAuthChallengeFrom(runtime: VerifySettings): VerifyAuthChallengeHandler {
  return (event) =>
    guarded("VerifyAuthChallenge", runtime.logger, async () => {
      const request = event.request;
      const params = request.privateChallengeParameters ?? {};
      // Create sends nothing outside signUp.allowedEmailDomains: refuse every answer there.
      const allowed = inAllowedDomains(
        request.userAttributes?.email ?? "",
        runtime.allowedEmailDomains,
      );
      let correct = false;
      const isCode = params.step === ("CODE" satisfies PasscodeStep);
      const passkeys = runtime.passkeys;
      if (passkeys && !isCode) await spendNamedPasskeyRecord(runtime, passkeys, event);
      if (isCode) {
        correct = await checkCode(runtime, event);
        // Only a right code: a wrong one gets no tokens, and spending then
        // would let anyone who knows the address (no proof) take the record
        // of the user's passkey sign-in in progress.
        if (correct && passkeys) await spendNamedPasskeyRecord(runtime, passkeys, event);
      } else if (passkeys && params.step === ("PASSKEY" satisfies PasscodeStep)) {
        correct = await checkPasskey({ ...runtime, passkeys }, event);
      } else if (passkeys && params.step === ("ENROL" satisfies PasscodeStep)) {
        correct = await enrolPasskey({ ...runtime, passkeys }, event);
      } else if (
        params.step === ("USERNAME" satisfies PasscodeStep) &&
        request.userNotFound !== true &&
        allowed
      ) {
        correct = await claimUsername(runtime, event);
      }
      // An unknown user's answer is checked like any other (same work) and then refused.
      event.response.answerCorrect = correct && allowed && request.userNotFound !== true;
      if (isCode && event.response.answerCorrect) {
        // A first proof of the address removes every passkey (markEmailVerified);
        // only an address already proven can be held to `passkeys.required`.
        if (!(await markEmailVerified(runtime, event)) && passkeys && passkeys.required) {
          await requirePasskeyAbsent(runtime, passkeys, event);
        }
      }
      return event;
    });
}

/**
 * An answer of a sign-in that no passkey proved (a right CODE answer, or a
 * USERNAME or ENROL answer after a code: its bound tag has no `:`) that
 * names a passkey sign-in's record (`passcode:passkeyChallenge`, which only
 * a modified client sends there) takes that record now, as Pre Token
 * Generation would (one conditional UpdateItem; an unknown user's owner key
 * is `unknown#<emailTag>`, never stored, so both make the same call). Pre
 * Token Generation, which runs after Verify on the answer that gets the
 * tokens and cannot see the session, then finds it taken and claims `otp`:
 * the record of a passkey sign-in abandoned before its tokens gives
 * `pop mfa` only to a sign-in that a passkey proved. A failed store call
 * fails closed (`SERVICE_ERROR`). A PASSKEY answer, a wrong code (it gets
 * no tokens; taking then would let anyone who knows the address, with no
 * proof, spend the record of the user's passkey sign-in in progress) and the
 * answers after a passkey proof are left alone.
 */
async function spendNamedPasskeyRecord(
  runtime: VerifySettings,
  passkeys: PasskeySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<void> {
  const request = event.request;
  const params = request.privateChallengeParameters ?? {};
  if (params.step === ("PASSKEY" satisfies PasscodeStep) || params.emailTag?.includes(":")) return;
  const metadata = (request as { clientMetadata?: Record<string, string> }).clientMetadata;
  const challenge = metadataValue(metadata, "passcode:passkeyChallenge");
  if (!challenge) return;
  const attributes = request.userAttributes ?? {};
  const owner =
    request.userNotFound === true || !attributes.sub
      ? `unknown#${emailTag(codeAddress(attributes, event.userName))}`
      : attributes.sub;
  let amr: string | undefined;
  await failClosed(runtime, "passkey record spend", async () => {
    amr = await passkeys.store.takePasskeySignIn(
      passkeyChallengeKey(challenge),
      owner,
      runtime.now(),
    );
  });
  // Only a modified client names a record here: worth a line, never the challenge.
  runtime.logger.info("passkey record named by a code sign-in", { spent: amr !== undefined });
}

/**
 * Checks a CODE answer: format, expiry, the address (the code's tag against
 * the user's current address), the per-code attempt counter, then the digest
 * (bound to the address) in constant time. An unknown user's answer goes
 * through the same steps against what was typed.
 */
async function checkCode(
  runtime: VerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  const request = event.request;
  const state = codeStateFrom(request.privateChallengeParameters ?? {});
  const answer: unknown = request.challengeAnswer;
  const candidate = typeof answer === "string" ? normalizeCodeInput(answer) : "";
  const address = codeAddress(request.userAttributes, event.userName);
  // Cheapest checks first; the digest compare is constant-time.
  const reason = !state
    ? "bad-parameters"
    : !isValidCodeFormat(candidate, state.codeLength)
      ? "format"
      : runtime.now() >= state.expiresAt
        ? "expired"
        : emailTag(address) !== state.emailTag
          ? "address-changed"
          : !(await countAttempt(runtime, state))
            ? "attempts-exhausted"
            : codeMatchesDigest(candidate, state, address, runtime.codeSecret)
              ? ""
              : "mismatch";
  if (reason) runtime.logger.info("code rejected", { reason });
  return !reason;
}

/**
 * Counts one answer against the code's budget in the throttle store, keyed by
 * the code's salt: at most `code.maxAttempts` answers per code are ever
 * checked, even when they arrive in parallel on one session (Cognito's
 * session history, which Define counts, only grows one answer at a time).
 * One `hit` per answer (with dynamoDbStore, a read and a conditional write);
 * no counter with `throttle: false`.
 */
async function countAttempt(runtime: VerifySettings, state: CodeState): Promise<boolean> {
  if (!runtime.throttle) return true;
  const decision = await runtime.throttle.store.hit(`attempt#${state.salt}`, runtime.now(), {
    minIntervalMs: 0,
    maxPerWindow: runtime.code.maxAttempts,
    windowMs: runtime.code.ttlMs,
  });
  return decision.allowed;
}

/**
 * After a right code: sets `email_verified=true`, when it is not, with one
 * AdminUpdateUserAttributes that also writes `email` as the value the code
 * was just checked against. Pinned so: if the user changes their email while
 * this write is in flight, the write can only put back the proven address,
 * never mark another one verified.
 *
 * Before that write, it signs the user out everywhere (AdminUserGlobalSignOut):
 * whoever held the account before its address was proven (an attacker who
 * set a victim's address on their own account, in a pool without
 * `AttributesRequireVerificationBeforeUpdate: [email]`) loses their refresh
 * tokens when the address's owner signs in. The session being verified has
 * no tokens yet, so it is not affected; a new user has no sessions, so this
 * costs one admin call per first sign-in and per proven address change.
 *
 * With `passkeys` on, before the sign-out it also removes all the user's
 * passkeys (`store.removeAllPasskeys(sub)`): a passkey enrolled before the
 * address was proven (by whoever held the account then) must not survive
 * the eviction either, and a passkey sign-in finished between the sign-out
 * and a later removal would have kept its tokens.
 *
 * A failed removal, sign-out or write fails closed (`SERVICE_ERROR`, no
 * tokens; after a failed step, none of the later ones); the next right code
 * (a new sign-in) retries them all. Returns true when this was a first proof
 * (the address was not verified), false when there was nothing to do.
 */
async function markEmailVerified(
  runtime: VerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  const attributes = event.request.userAttributes ?? {};
  const email = attributes.email;
  if (attributes.email_verified === "true" || typeof email !== "string") return false;
  const passkeys = runtime.passkeys;
  const sub = attributes.sub;
  // Passkeys first: a passkey sign-in (free, no email) finished after the
  // sign-out would keep its tokens; once they are gone, none can start.
  if (passkeys && sub) {
    await failClosed(runtime, "passkey removal", async () => {
      const removed = await passkeys.store.removeAllPasskeys(sub);
      if (removed > 0) runtime.logger.info("passkeys removed at first proof", { removed });
    });
  }
  await failClosed(runtime, "global sign-out", () =>
    globalSignOut(runtime.cognito$, event.userPoolId, event.userName),
  );
  await failClosed(runtime, "email_verified write", () =>
    updateUserAttributes(runtime.cognito$, event.userPoolId, event.userName, {
      email,
      email_verified: "true",
    }),
  );
  runtime.logger.info("email verified", {});
  return true;
}

/**
 * `passkeys.required`: after a right code for an address already verified,
 * reads the user's passkeys (1 GetItem, reached only with a right code, so
 * outsiders cannot observe it) and, if there is at least one, throws
 * `PASSKEY_REQUIRED` (Cognito's `UserLambdaValidationException`, which the
 * client parses): such a user signs in with the passkey only. A failed read
 * fails closed (`SERVICE_ERROR`).
 */
async function requirePasskeyAbsent(
  runtime: VerifySettings,
  passkeys: PasskeySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<void> {
  const sub = event.request.userAttributes?.sub;
  if (!sub) return;
  let count = 0;
  await failClosed(runtime, "passkey read", async () => {
    count = (await passkeys.store.getPasskeys(sub))?.passkeys.length ?? 0;
  });
  if (count > 0) {
    runtime.logger.info("code refused: passkey required", {});
    throw triggerError("PASSKEY_REQUIRED");
  }
}

/**
 * Runs one admin call of Verify; a failure is logged as `<what> failed` and
 * fails closed: `SERVICE_ERROR`, so Cognito issues no tokens.
 */
async function failClosed(
  runtime: VerifySettings,
  what: string,
  call: () => Promise<unknown>,
): Promise<void> {
  try {
    await call();
  } catch (error) {
    runtime.logger.error(`${what} failed`, describeError(error));
    throw triggerError("SERVICE_ERROR", {}, error);
  }
}

/**
 * Validates the name, claims it for the user's `sub`, then writes it to the
 * username attribute. A user owns at most one name, ever: the registry
 * claims `username#<name>` and `owner#<sub>` in one atomic write, so of many
 * sessions parked at the USERNAME step and answered at once, one claims its
 * name and the others (`owns-other`) finish with that same name: the
 * attribute is written with it and the answer is accepted, whatever name
 * they asked for. A user whose attribute is already set can only end with
 * it (it is claimed again, which also adds the owner record to a claim made
 * before owner records existed). A name another user holds is refused. The
 * claim is idempotent for its owner, so a retried Verify (or the user trying
 * the same name again) succeeds.
 */
async function claimUsername(
  runtime: VerifySettings,
  event: VerifyAuthChallengeResponseTriggerEvent,
): Promise<boolean> {
  const options = runtime.username;
  if (!options) return false;
  // The proof's binding (Create puts it in the private parameters; a
  // challenge without one, from a Create before it did, is not checked): a
  // new address, or after a passkey the address's first proof (the
  // eviction), ends the session, and Define would fail it after this answer.
  const tag = event.request.privateChallengeParameters?.emailTag;
  if (
    typeof tag === "string" &&
    tag !== "" &&
    !proofStillBound(
      tag,
      codeAddress(event.request.userAttributes, event.userName),
      event.request.userAttributes,
    )
  ) {
    runtime.logger.info("username rejected", { reason: "address-changed" });
    return false;
  }
  // After a passkey proof, as for ENROL: passkeys removed since the proof
  // (the recovery, a lost device, the first proof) end the session with
  // NOT_AUTHORIZED; the thief of a removed passkey claims no name and gets
  // no tokens. Passkeys turned off since: refused.
  if (typeof tag === "string" && tag.includes(":")) {
    if (!runtime.passkeys) return false;
    const passkeys = runtime.passkeys;
    await requirePasskeyProofStanding({ ...runtime, passkeys }, event, "username rejected");
  }
  const owner = event.request.userAttributes?.sub;
  const current = event.request.userAttributes?.[options.attribute] || undefined;
  const validation = current
    ? ({ ok: true, username: current } as const)
    : validateUsername(event.request.challengeAnswer, runtime.policy);
  const result =
    validation.ok && owner ? await options.registry.claim(validation.username, owner) : undefined;
  const reason = !validation.ok
    ? validation.reason
    : !owner
      ? "no-sub"
      : result?.status === "taken"
        ? "USERNAME_UNAVAILABLE"
        : "";
  if (!result || result.status === "taken") {
    runtime.logger.info("username rejected", { reason });
    return false;
  }
  const username = result.username;
  if (username === current) {
    runtime.logger.info("username kept", { outcome: result.status });
    return true;
  }
  // Fail closed: no tokens without the attribute. The claim is kept, not
  // released: it belongs to this user's sub, so answering the same name
  // again (now or at the next sign-in) re-claims it idempotently and
  // retries the write. Releasing here could race a concurrent retry of this
  // Verify that already wrote the attribute and leave a name without its
  // claim. If the user answers another name instead, the registry answers
  // `owns-other` with this one, which is written then.
  await failClosed(runtime, "username write", () =>
    updateUserAttributes(runtime.cognito$, event.userPoolId, event.userName, {
      [options.attribute]: username,
    }),
  );
  runtime.logger.info("username claimed", { outcome: result.status });
  return true;
}

/**
 * Creates the Verify Auth Challenge Response trigger: for a CODE challenge it
 * checks the answer's format, the expiry (from the stored timestamp), that
 * the user's current email is still the address the code was sent to, the
 * per-code attempt counter (in the throttle store, when there is one) and
 * the digest (in constant time); on a right code for an address not yet
 * verified it signs the user out everywhere (AdminUserGlobalSignOut), then
 * marks the email verified (one AdminUpdateUserAttributes pinned to the
 * proven address). For a
 * USERNAME challenge it validates, claims and writes the name. Every answer
 * of an unknown user is refused.
 *
 * With `passkeys`: a PASSKEY answer is a WebAuthn assertion checked against
 * the user's stored credential (user verification, origin, RP id, counter,
 * single-use challenge; @simplewebauthn/server, loaded on the first passkey
 * answer), or the switch to a code (`passcode:method=code`, refused with no
 * work); an ENROL answer is a registration, verified and stored (then an
 * "added" email, best effort), or a skip. A first proof of an address also
 * removes the user's passkeys; with `passkeys.required`, a right code for a
 * user with a passkey throws `PASSKEY_REQUIRED`. An answer of a code sign-in
 * that names a passkey sign-in record (`passcode:passkeyChallenge`) takes
 * it, so Pre Token Generation claims `otp` for it.
 *
 * Validates the options it uses (`code`,
 * `username`, `throttle`, `codeSecret`, `cognito`, `passkeys`, `logger`, `now`) now;
 * throws `CONFIGURATION_ERROR` on a bad one, when `throttle` is left out and
 * when `codeSecret` is missing or shorter than 32 characters.
 *
 * @example
 * ```ts
 * const store = dynamoDbStore({ tableName: "passcode" });
 * export const handler = createVerifyAuthChallengeHandler({
 *   email: { from: "no-reply@example.com" },
 *   username: { registry: store },
 *   throttle: { store },
 *   // The secret Create uses: your read of a Secrets Manager secret, once per cold start.
 *   codeSecret: await readSecret("passcode/code-secret"),
 * });
 * ```
 */
export function createVerifyAuthChallengeHandler(
  options: PasscodeTriggersOptions,
): VerifyAuthChallengeHandler {
  return verifyAuthChallengeFrom({
    ...resolveBase(options),
    username: resolveUsername(options),
    policy: resolvePolicy(options),
    codeSecret: resolveCodeSecret(options),
    cognito$: resolveCognito(options),
    allowedEmailDomains: resolveAllowedDomains(options),
    code: resolveCode(options),
    throttle: resolveThrottleStore(options),
    passkeys: resolvePasskeys(options),
  });
}
