import {
  maskEmail,
  normalizeEmail,
  normalizeUsername,
  parseChallengeParameters,
  parseTriggerError,
} from "@cognito-passcode/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClientDescriptor } from "./clients/types.js";
import {
  CODE_TTL_MS,
  expectChallenge,
  expectCodeChallenge,
  expectCognitoError,
  expectTokens,
  type LocalStack,
  MAX_CODE_ATTEMPTS,
  ScenarioContext,
  SESSION_VALIDITY_MINUTES,
  startConformanceStack,
  THROTTLE_MIN_INTERVAL_MS,
  wrongCode,
} from "./support/fixture.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const INCORRECT = /^Incorrect username or password\.$/;
const INVALID_SESSION = /Invalid session for the user/;
const REVOKED = /revoked/i;
const THROTTLED = /^CreateAuthChallenge failed with error THROTTLED retryAfterMs=\d+\.$/;
/** identity-js retries refreshes for ~6 s before reporting a refusal. */
const SLOW = 40_000;

/**
 * The conformance scenarios, one list for every client. Scenarios a client
 * cannot express (see its `capabilities`) are not generated for it; the
 * clients that can express them cover them.
 */
export function describeConformance(subject: ClientDescriptor): void {
  const can = subject.capabilities;
  describe(`conformance: ${subject.name}`, () => {
    let stack: LocalStack;
    let ctx: ScenarioContext;

    beforeAll(async () => {
      stack = await startConformanceStack();
      ctx = new ScenarioContext(stack, subject.create(stack), subject.name);
    });

    afterAll(async () => {
      await ctx?.client.close();
      await ctx?.close();
      await stack?.stop();
    });

    it("new user: sign-up, emailed code, username step, tokens carrying custom:username", async () => {
      const email = ctx.email("new");
      const chosen = `New_${ctx.username("user")}`;
      await ctx.client.signUp(email);
      const started = ctx.now();

      const challenge = await ctx.client.startSignIn(email);
      expectCodeChallenge(challenge.params);
      expect(challenge.params.attemptsLeft).toBe(String(MAX_CODE_ATTEMPTS));
      expect(challenge.params.email).toBe(maskEmail(email));
      expect(JSON.stringify(challenge.params)).not.toContain(email);
      const expiresAt = Number(challenge.params.expiresAt);
      expect(expiresAt).toBeGreaterThanOrEqual(started + CODE_TTL_MS - 2_000);
      expect(expiresAt).toBeLessThanOrEqual(ctx.now() + CODE_TTL_MS + 2_000);
      expect(parseChallengeParameters(challenge.params)?.step).toBe("CODE");
      expect(await ctx.messageCount(email)).toBe(1);

      const afterCode = await ctx.client.answer(challenge.session, await ctx.code(email));
      const usernameStep = expectChallenge(afterCode, "USERNAME");
      expect(usernameStep.params.minLength).toBe("3");
      expect(usernameStep.params.maxLength).toBe("30");
      expect(Number(usernameStep.params.attemptsLeft)).toBeGreaterThan(0);
      expect(usernameStep.params.rejected).not.toBe("true");
      expect(parseChallengeParameters(usernameStep.params)?.step).toBe("USERNAME");

      const tokens = expectTokens(await ctx.client.answer(usernameStep.session, chosen));
      const { id, access } = await ctx.verify(tokens);
      expect(id["custom:username"]).toBe(normalizeUsername(chosen));
      expect(id.email).toBe(normalizeEmail(email));
      expect(id.aud).toBe(stack.clientId);
      expect(id.iss).toBe(stack.issuer);
      expect(id["cognito:username"]).toMatch(UUID);
      expect(id.sub).toMatch(UUID);
      // Email as username: the internal username is the sub.
      expect(id["cognito:username"]).toBe(id.sub);
      expect(access.sub).toBe(id.sub);
      expect(access.username).toBe(id["cognito:username"]);
      expect(String(access.scope).split(" ")).toContain("aws.cognito.signin.user.admin");
      expect(tokens.refreshToken).toBeTruthy();

      const user = await ctx.client.getUser(tokens);
      expect(user.email).toBe(normalizeEmail(email));
      expect(user["custom:username"]).toBe(normalizeUsername(chosen));
      expect(user.sub).toBe(id.sub);
      // PostAuthentication marks the address verified: the code proved the mailbox.
      expect(user.email_verified).toBe("true");
    });

    it("returning user: code only, no username step, same identity", async () => {
      const email = ctx.email("returning");
      const chosen = ctx.username("back");
      const first = await ctx.verify(await ctx.registerUser(email, chosen));
      ctx.passThrottleInterval();

      // SignUp can reveal existence (a documented Cognito limitation); the client ignores it.
      await expectCognitoError(ctx.client.signUp(email), "UsernameExistsException");
      const challenge = await ctx.client.startSignIn(email);
      expectCodeChallenge(challenge.params);
      expect(challenge.params.attemptsLeft).toBe(String(MAX_CODE_ATTEMPTS));
      const tokens = expectTokens(
        await ctx.client.answer(challenge.session, await ctx.code(email)),
      );
      const { id } = await ctx.verify(tokens);
      expect(id.sub).toBe(first.id.sub);
      expect(id["custom:username"]).toBe(normalizeUsername(chosen));
      expect(await ctx.messageCount(email)).toBe(2);
    });

    it("wrong code, then the right one: same code, no new email, one attempt spent", async () => {
      const { email, challenge, code } = await ctx.returningUserChallenge("wrongthenright", "wr");
      const sent = await ctx.messageCount(email);
      const retry = expectChallenge(
        await ctx.client.answer(challenge.session, wrongCode(code)),
        "CODE",
      );
      expect(retry.params.attemptsLeft).toBe(String(MAX_CODE_ATTEMPTS - 1));
      expect(retry.params.expiresAt).toBe(challenge.params.expiresAt);
      expect(retry.params.codeLength).toBe(challenge.params.codeLength);
      expect(retry.params.email).toBe(challenge.params.email);
      expect(await ctx.messageCount(email)).toBe(sent);
      expect(await ctx.code(email)).toBe(code);

      const tokens = expectTokens(await ctx.client.answer(retry.session, code));
      await ctx.verify(tokens);
    });

    it("three wrong codes: the sign-in fails with NotAuthorizedException", async () => {
      const started = await ctx.returningUserChallenge("threewrong", "tw");
      let challenge = started.challenge;
      const wrong = wrongCode(started.code);
      for (let left = MAX_CODE_ATTEMPTS - 1; left > 0; left--) {
        challenge = expectChallenge(await ctx.client.answer(challenge.session, wrong), "CODE");
        expect(challenge.params.attemptsLeft).toBe(String(left));
      }
      await expectCognitoError(
        ctx.client.answer(challenge.session, wrong),
        "NotAuthorizedException",
        INCORRECT,
      );
    });

    it("expired code: the right code after its lifetime fails", async () => {
      const { challenge, code } = await ctx.returningUserChallenge("expiredcode", "ec");
      // Past the code's 3 minutes, inside the session's 5.
      stack.clock.advance(CODE_TTL_MS + 1_000);
      await expectCognitoError(
        ctx.client.answer(challenge.session, code),
        "NotAuthorizedException",
        INCORRECT,
      );
    });

    it("expired session: answering after AuthSessionValidity fails", async () => {
      const { challenge, code } = await ctx.returningUserChallenge("expiredsession", "es");
      stack.clock.advance(SESSION_VALIDITY_MINUTES * 60_000 + 1_000);
      await expectCognitoError(
        ctx.client.answer(challenge.session, code),
        "NotAuthorizedException",
        INVALID_SESSION,
      );
    });

    // Amplify drops its sign-in state once tokens arrive, so it cannot submit twice;
    // raw fetch, the SDK and identity-js (which keeps the used session) cover this.
    if (can.resubmitUsedSession) {
      it("reused session: a session that produced tokens cannot be answered again", async () => {
        const { challenge, code } = await ctx.returningUserChallenge("reused", "ru");
        await ctx.verify(expectTokens(await ctx.client.answer(challenge.session, code)));
        await expectCognitoError(
          ctx.client.answer(challenge.session, code),
          "NotAuthorizedException",
          INVALID_SESSION,
        );
      });
    }

    // Amplify and identity-js always answer with their latest session; raw fetch and
    // the SDK, which hold session strings, cover replaying an older one.
    if (can.replayStaleSession) {
      it("replayed session: an answered session cannot be replayed to reset the attempts", async () => {
        const { challenge: first, code } = await ctx.returningUserChallenge("replayed", "rp");
        expectChallenge(await ctx.client.answer(first.session, wrongCode(code)), "CODE");
        await expectCognitoError(
          ctx.client.answer(first.session, code),
          "NotAuthorizedException",
          INVALID_SESSION,
        );
      });
    }

    it("unknown user: same challenge shape, no email, every answer fails, same throttle", async () => {
      // The known user first, to the end of its first answer (Amplify holds one sign-in at a time).
      const known = ctx.email("knownshape");
      await ctx.client.signUp(known);
      const knownChallenge = await ctx.client.startSignIn(known);
      const knownRetry = expectChallenge(
        await ctx.client.answer(knownChallenge.session, wrongCode(await ctx.code(known))),
        "CODE",
      );

      const unknown = ctx.email("unknown");
      const challenge = await ctx.client.startSignIn(unknown);
      expect(Object.keys(challenge.params).sort()).toEqual(
        Object.keys(knownChallenge.params).sort(),
      );
      expectCodeChallenge(challenge.params);
      expect(challenge.params.attemptsLeft).toBe(knownChallenge.params.attemptsLeft);
      expect(challenge.params.email).toBe(maskEmail(unknown));
      expect(
        Math.abs(Number(challenge.params.expiresAt) - Number(knownChallenge.params.expiresAt)),
      ).toBeLessThan(10_000);
      expect(await ctx.messageCount(unknown)).toBe(0);

      // Any answer for an unknown user looks like a wrong answer for a known one.
      let current = challenge;
      for (let left = MAX_CODE_ATTEMPTS - 1; left > 0; left--) {
        current = expectChallenge(await ctx.client.answer(current.session, "123456"), "CODE");
        expect(current.params.attemptsLeft).toBe(String(left));
        if (left === MAX_CODE_ATTEMPTS - 1) {
          expect(Object.keys(current.params).sort()).toEqual(Object.keys(knownRetry.params).sort());
        }
      }
      await expectCognitoError(
        ctx.client.answer(current.session, "654321"),
        "NotAuthorizedException",
        INCORRECT,
      );

      const knownThrottle = await expectCognitoError(
        ctx.client.startSignIn(known),
        "UserLambdaValidationException",
        THROTTLED,
      );
      const unknownThrottle = await expectCognitoError(
        ctx.client.startSignIn(unknown),
        "UserLambdaValidationException",
        THROTTLED,
      );
      expect(parseTriggerError(unknownThrottle.message)?.code).toBe("THROTTLED");
      expect(parseTriggerError(knownThrottle.message)?.code).toBe("THROTTLED");
      expect(await ctx.messageCount(unknown)).toBe(0);
    });

    it("throttled resend: THROTTLED with retryAfterMs, then a new code once it has passed", async () => {
      const email = ctx.email("throttled");
      await ctx.client.signUp(email);
      await ctx.client.startSignIn(email);
      await ctx.code(email);

      const error = await expectCognitoError(
        ctx.client.startSignIn(email),
        "UserLambdaValidationException",
        THROTTLED,
      );
      const info = parseTriggerError(error.message);
      expect(info?.code).toBe("THROTTLED");
      expect(info?.retryAfterMs).toBeGreaterThan(0);
      expect(info?.retryAfterMs).toBeLessThanOrEqual(THROTTLE_MIN_INTERVAL_MS);
      expect(await ctx.messageCount(email)).toBe(1);

      stack.clock.advance((info?.retryAfterMs ?? 0) + 1_000);
      const resent = await ctx.client.startSignIn(email);
      expectCodeChallenge(resent.params);
      expect(await ctx.messageCount(email)).toBe(2);
      const secondCode = await ctx.code(email);
      expectChallenge(await ctx.client.answer(resent.session, secondCode), "USERNAME");
    });

    it("username taken: refused case-insensitively, invalid names refused, a free one accepted", async () => {
      const taken = ctx.username("taken");
      await ctx.registerUser(ctx.email("owner"), taken);

      const email = ctx.email("second");
      await ctx.client.signUp(email);
      const challenge = await ctx.client.startSignIn(email);
      let step = expectChallenge(
        await ctx.client.answer(challenge.session, await ctx.code(email)),
        "USERNAME",
      );
      const attempts = Number(step.params.attemptsLeft);
      expect(attempts).toBeGreaterThanOrEqual(3);

      step = expectChallenge(
        await ctx.client.answer(step.session, taken.toUpperCase()),
        "USERNAME",
      );
      expect(step.params.rejected).toBe("true");
      expect(step.params.attemptsLeft).toBe(String(attempts - 1));
      // The triggers send no `reason`: Create only learns that the last answer failed.
      expect(step.params.reason).toBeUndefined();

      step = expectChallenge(
        await ctx.client.answer(step.session, "4_starts_with_digit"),
        "USERNAME",
      );
      expect(step.params.rejected).toBe("true");
      expect(step.params.attemptsLeft).toBe(String(attempts - 2));
      expect(step.params.reason).toBeUndefined();

      const free = ctx.username("free");
      const { id } = await ctx.verify(expectTokens(await ctx.client.answer(step.session, free)));
      expect(id["custom:username"]).toBe(normalizeUsername(free));
    });

    it(
      "refresh: new tokens, same identity and username, verified against the JWKS",
      async () => {
        const email = ctx.email("refresh");
        const chosen = ctx.username("rf");
        const tokens = await ctx.registerUser(email, chosen);
        const before = await ctx.verify(tokens);

        const refreshed = await ctx.client.refresh(tokens);
        const after = await ctx.verify(refreshed);
        expect(after.id.sub).toBe(before.id.sub);
        expect(after.id["custom:username"]).toBe(normalizeUsername(chosen));
        expect(after.access.jti).not.toBe(before.access.jti);
        expect(refreshed.accessToken).not.toBe(tokens.accessToken);
        const user = await ctx.client.getUser(refreshed);
        expect(user["custom:username"]).toBe(normalizeUsername(chosen));
      },
      SLOW,
    );

    it(
      "revoke: the refresh token and its access tokens stop working; other sessions do not",
      async () => {
        const email = ctx.email("revoke");
        const revoked = await ctx.registerUser(email, ctx.username("rv"));
        ctx.passThrottleInterval();
        const other = await ctx.signIn(email, ctx.probe);

        await ctx.client.revoke(revoked);

        await expectCognitoError(ctx.probe.refresh(revoked), "NotAuthorizedException", REVOKED);
        await expectCognitoError(ctx.probe.getUser(revoked), "NotAuthorizedException", REVOKED);
        // Amplify drops its tokens on sign-out (and swallows the service's answer): the
        // probe above checks what the stack did; the other clients retry the old tokens too.
        if (can.useTokensAfterSignOut) {
          await expectCognitoError(ctx.client.refresh(revoked), "NotAuthorizedException");
          await expectCognitoError(ctx.client.getUser(revoked), "NotAuthorizedException");
        }
        await ctx.verify(await ctx.probe.refresh(other));
        expect((await ctx.probe.getUser(other)).email).toBe(normalizeEmail(email));
      },
      SLOW,
    );

    it(
      "global sign-out: every session's refresh and access tokens stop working",
      async () => {
        const email = ctx.email("global");
        const mine = await ctx.registerUser(email, ctx.username("gs"));
        ctx.passThrottleInterval();
        const elsewhere = await ctx.signIn(email, ctx.probe);

        await ctx.client.globalSignOut(mine);

        for (const tokens of [mine, elsewhere]) {
          await expectCognitoError(ctx.probe.refresh(tokens), "NotAuthorizedException", REVOKED);
          await expectCognitoError(ctx.probe.getUser(tokens), "NotAuthorizedException", REVOKED);
        }
        if (can.useTokensAfterSignOut) {
          await expectCognitoError(ctx.client.getUser(mine), "NotAuthorizedException");
          await expectCognitoError(ctx.client.refresh(elsewhere), "NotAuthorizedException");
        }
        // Signing in again afterwards works.
        ctx.passThrottleInterval();
        await ctx.signIn(email, ctx.probe);
      },
      SLOW,
    );

    it("custom:username cannot be changed through UpdateUserAttributes", async () => {
      const email = ctx.email("rename");
      const chosen = ctx.username("keep");
      const tokens = await ctx.registerUser(email, chosen);

      await expectCognitoError(
        ctx.client.updateUserAttributes(tokens, { "custom:username": ctx.username("stolen") }),
        "NotAuthorizedException",
        /unauthorized attribute/,
      );
      const user = await ctx.client.getUser(tokens);
      expect(user["custom:username"]).toBe(normalizeUsername(chosen));
    });
  });
}
