import { randomUUID } from "node:crypto";
import {
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  type CognitoIdentityProviderClient,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { canonicalMailbox, parseTriggerError } from "@cognito-passcode/shared";
import type { ThrottleOptions } from "@cognito-passcode/triggers";
import { describe, expect, it } from "vitest";
import type { LocalStack } from "../src/index.js";
import { PASSWORD, stackPerTest } from "./support/clients.js";
import { signUp, startCustomAuth } from "./support/flow.js";

// Who gets an email, end to end through real clients: only an existing user
// whose current email is valid and allowed; everyone else sees the same
// challenge and gets nothing. And one mailbox has one throttle budget.

const setUp = stackPerTest();

/**
 * Throttle rules over the stack's own store: the stack merges `triggers.throttle`
 * field by field over `{ store }`, though `Partial<PasscodeTriggersOptions>` is shallow.
 */
const throttleRules = (rules: Omit<ThrottleOptions, "store">) => rules as ThrottleOptions;

const MASK = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]\*\*\*@[a-z0-9]\*\*\*\.[a-z]{2,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** What a caller can compare across two challenges: keys and formats, not values. */
function shape(started: {
  ChallengeName?: string;
  Session?: string;
  ChallengeParameters?: Record<string, string>;
}) {
  const p = started.ChallengeParameters ?? {};
  return {
    challengeName: started.ChallengeName,
    hasSession: typeof started.Session === "string" && started.Session.length > 0,
    keys: Object.keys(p).sort(),
    step: p.step,
    codeLength: p.codeLength,
    attemptsLeft: p.attemptsLeft,
    expiresAt: /^\d{13}$/.test(p.expiresAt ?? ""),
    email: MASK.test(p.email ?? ""),
    username: UUID.test(p.USERNAME ?? ""),
  };
}

/** InitiateAuth as an outcome: the challenge, or the trigger error's message. */
function attempt(s: LocalStack, client: CognitoIdentityProviderClient, username: string) {
  return startCustomAuth(s, client, username).then(
    (started) => ({ started, error: undefined }),
    (error: Error) => ({ started: undefined, error }),
  );
}

async function subOf(s: LocalStack, client: CognitoIdentityProviderClient, email: string) {
  const user = await client.send(
    new AdminGetUserCommand({ UserPoolId: s.userPoolId, Username: email }),
  );
  return user.UserAttributes!.find((a) => a.Name === "sub")!.Value!;
}

describe("who gets an email (local stack, AWS SDK v3)", () => {
  it("answers a real user's sub and a random UUID as USERNAME with the same shape, never INVALID_EMAIL", async () => {
    // Prepare
    const { stack, client } = await setUp();
    await signUp(stack, "ruth@example.com", client);
    const sub = await subOf(stack, client, "ruth@example.com");
    // Act
    const real = await attempt(stack, client, sub);
    const unknown = await attempt(stack, client, randomUUID());
    // Assess
    expect(real.error).toBeUndefined();
    expect(unknown.error?.message).toBeUndefined();
    expect(shape(unknown.started!)).toEqual(shape(real.started!));
    expect(shape(real.started!)).toMatchObject({ email: true, username: true, step: "CODE" });
    expect(stack.mailbox.messages().flatMap((m) => m.to)).toEqual(["ruth@example.com"]);
  });

  it("sends nothing to an account whose email was moved outside the allowed domains, and shows an unknown user's challenge", async () => {
    // Prepare
    const { stack, client } = await setUp({
      // Two requests for one address in a row: no minimum interval between them.
      triggers: {
        signUp: { allowedEmailDomains: ["example.com"] },
        throttle: throttleRules({ minIntervalSeconds: 0 }),
      },
    });
    await signUp(stack, "sam@example.com", client);
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: stack.userPoolId,
        Username: "sam@example.com",
        UserAttributes: [
          { Name: "email", Value: "sam@elsewhere.example" },
          { Name: "email_verified", Value: "true" },
        ],
      }),
    );
    const sub = await subOf(stack, client, "sam@elsewhere.example");
    // Act
    const moved = await attempt(stack, client, "sam@elsewhere.example");
    const movedBySub = await attempt(stack, client, sub);
    const unknown = await attempt(stack, client, "sue@elsewhere.example");
    // Assess
    expect(moved.error).toBeUndefined();
    expect(movedBySub.error).toBeUndefined();
    expect(shape(moved.started!)).toEqual(shape(unknown.started!));
    expect(shape(movedBySub.started!)).toEqual(shape(unknown.started!));
    expect(moved.started!.ChallengeParameters!.email).toBe("s***@e***.example");
    expect(stack.mailbox.messages()).toEqual([]);
  });

  it("refuses a sign-up that carries the username attribute, even from a client allowed to write it", async () => {
    // Prepare: a misconfigured app client that lists custom:username in WriteAttributes
    const { stack, client } = await setUp({
      client: { writeAttributes: ["email", "custom:username"], allowUnsafeWriteAttributes: true },
    });
    // Act
    const error = await client
      .send(
        new SignUpCommand({
          ClientId: stack.clientId,
          Username: "mallory@example.com",
          Password: PASSWORD,
          UserAttributes: [{ Name: "custom:username", Value: "admin" }],
        }),
      )
      .catch((e: Error) => e);
    // Assess
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("UserLambdaValidationException");
    expect(parseTriggerError((error as Error).message)).toMatchObject({
      code: "NOT_AUTHORIZED",
      details: { reason: "username-attribute" },
    });
    await expect(
      client.send(
        new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "mallory@example.com" }),
      ),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
  });
});

describe("one mailbox, one throttle (local stack, AWS SDK v3)", () => {
  it("delivers at most maxPerWindow codes to one mailbox across 21 rapid +tag and dot variants", async () => {
    // Prepare: no minimum interval, so only the window limits
    const maxPerWindow = 5;
    const { stack, client } = await setUp({
      triggers: { throttle: throttleRules({ minIntervalSeconds: 0, maxPerWindow }) },
    });
    const variants = Array.from({ length: 21 }, (_, i) =>
      i % 3 === 0
        ? `tessa+${i}@gmail.com`
        : i % 3 === 1
          ? `t.essa+${i}@gmail.com`
          : `tes.sa+${i}@googlemail.com`,
    );
    for (const email of variants) await signUp(stack, email, client);
    // Act
    const outcomes = [];
    for (const email of variants) outcomes.push(await attempt(stack, client, email));
    // Assess
    const delivered = stack.mailbox
      .messages()
      .filter((m) => m.to.some((to) => canonicalMailbox(to) === "tessa@gmail.com"));
    expect(delivered).toHaveLength(maxPerWindow);
    const refused = outcomes.filter((o) => o.error);
    expect(refused).toHaveLength(variants.length - maxPerWindow);
    for (const { error } of refused) {
      expect(error!.name).toBe("UserLambdaValidationException");
      expect(parseTriggerError(error!.message)?.code).toBe("THROTTLED");
    }
  });

  it("delivers at most maxPerWindow codes when the 21 variants are requested all at once", async () => {
    // Prepare
    const maxPerWindow = 5;
    const { stack, client } = await setUp({
      triggers: { throttle: throttleRules({ minIntervalSeconds: 0, maxPerWindow }) },
    });
    const variants = Array.from({ length: 21 }, (_, i) =>
      i % 2 ? `Vera+${i}@example.com` : `vera+${i}@EXAMPLE.com`,
    );
    for (const email of variants) await signUp(stack, email, client);
    // Act
    const outcomes = await Promise.all(variants.map((email) => attempt(stack, client, email)));
    // Assess
    const delivered = stack.mailbox
      .messages()
      .filter((m) => m.to.some((to) => canonicalMailbox(to) === "vera@example.com"));
    expect(delivered.length).toBeLessThanOrEqual(maxPerWindow);
    expect(delivered.length).toBeGreaterThan(0);
    expect(outcomes.filter((o) => !o.error)).toHaveLength(delivered.length);
    for (const { error } of outcomes.filter((o) => o.error)) {
      expect(parseTriggerError(error!.message)?.code).toBe("THROTTLED");
    }
  });

  it("counts an unknown +tag variant against the same mailbox as the real one", async () => {
    // Prepare
    const { stack, client } = await setUp({
      triggers: { throttle: throttleRules({ minIntervalSeconds: 60 }) },
    });
    await signUp(stack, "uma@example.com", client);
    // Act
    const unknownFirst = await attempt(stack, client, "Uma+probe@example.com");
    const real = await attempt(stack, client, "uma@example.com");
    // Assess
    expect(unknownFirst.error).toBeUndefined();
    expect(parseTriggerError(real.error?.message)).toMatchObject({ code: "THROTTLED" });
    expect(stack.mailbox.messages()).toEqual([]);
  });
});
