import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  GetUserAttributeVerificationCodeCommand,
  GetUserCommand,
  ListUsersCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { isValidEmail, parseChallengeParameters } from "@cognito-passcode/shared";
import { CognitoUserAttribute, CognitoUserPool } from "amazon-cognito-identity-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LocalStack, LocalStackOptions, TriggerEvent } from "../src/index.js";
import { resolveOptions } from "../src/resolve-options.js";
import { userHolding } from "./conformance/clients/cognito-identity-js.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, PASSWORD, sdkClient, stackPerTest } from "./support/clients.js";
import { answerStep, signIn, signUp, startCustomAuth } from "./support/flow.js";

const UNAUTHORIZED = {
  name: "NotAuthorizedException",
  message: "A client attempted to write unauthorized attribute",
};

const startStack = stackPerTest();

/** A PostAuthentication that changes nothing (else the stack's default one would run). */
const keepAttributes = async (event: TriggerEvent) => event;

/**
 * The secret-word triggers, with a PreSignUp that confirms the user and
 * verifies the email, and a PostAuthentication that leaves attributes alone:
 * only the stack itself changes email and email_verified here.
 */
function verifiedSignUpTriggers() {
  const triggers = secretWordTriggers();
  return {
    events: triggers.events,
    handlers: {
      ...triggers.handlers,
      postAuthentication: keepAttributes,
      preSignUp: async (event: TriggerEvent) => {
        triggers.events.push({ trigger: "preSignUp", event: structuredClone(event) });
        event.response.autoConfirmUser = true;
        event.response.autoVerifyEmail = true;
        return event;
      },
    },
  };
}

async function start(options: LocalStackOptions = {}) {
  const triggers = verifiedSignUpTriggers();
  const started = await startStack({ handlers: triggers.handlers, ...options });
  return { ...started, events: triggers.events };
}

function signUpWith(s: LocalStack, email: string, attributes: Record<string, string>) {
  return sdkClient(s).send(
    new SignUpCommand({
      ClientId: s.clientId,
      Username: email,
      Password: PASSWORD,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
}

function update(s: LocalStack, token: string, attributes: Record<string, string>) {
  return sdkClient(s).send(
    new UpdateUserAttributesCommand({
      AccessToken: token,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
}

/** VerifyUserAttribute for the email, sent by `client` with `token` and `code`. */
function verifyEmail(client: ReturnType<typeof sdkClient>, token: string, code: string) {
  return client.send(
    new VerifyUserAttributeCommand({ AccessToken: token, AttributeName: "email", Code: code }),
  );
}

/** An SDK client signing with the stack's admin credentials. */
function adminClient(s: LocalStack) {
  return new CognitoIdentityProviderClient({
    endpoint: s.endpoint,
    region: s.region,
    // A copy: the SDK marks the credentials object it is given, and the stack's is frozen.
    credentials: { ...s.credentials },
    maxAttempts: 1,
  });
}

function adminUpdate(s: LocalStack, username: string, attributes: Record<string, string>) {
  return adminClient(s).send(
    new AdminUpdateUserAttributesCommand({
      UserPoolId: s.userPoolId,
      Username: username,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
}

async function userAttributes(s: LocalStack, accessToken: string) {
  const user = await sdkClient(s).send(new GetUserCommand({ AccessToken: accessToken }));
  return Object.fromEntries(user.UserAttributes!.map((a) => [a.Name, a.Value]));
}

async function adminAttributes(s: LocalStack, username: string) {
  const user = await adminClient(s).send(
    new AdminGetUserCommand({ UserPoolId: s.userPoolId, Username: username }),
  );
  return Object.fromEntries(user.UserAttributes!.map((a) => [a.Name, a.Value]));
}

/** Every user of the pool, across ListUsers pages (a page holds at most 60, as in Cognito). */
async function userCount(s: LocalStack) {
  let count = 0;
  let PaginationToken: string | undefined;
  do {
    const page = await adminClient(s).send(
      new ListUsersCommand({ UserPoolId: s.userPoolId, PaginationToken }),
    );
    count += page.Users?.length ?? 0;
    PaginationToken = page.PaginationToken;
  } while (PaginationToken);
  return count;
}

/** amazon-cognito-identity-js's user pool on the stack. */
function identityJsPool(s: LocalStack) {
  return new CognitoUserPool({
    UserPoolId: s.userPoolId,
    ClientId: s.clientId,
    endpoint: s.endpoint,
  });
}

/** amazon-cognito-identity-js's CognitoUser holding `tokens`, as an app rebuilds it from storage. */
function identityJsUser(s: LocalStack, tokens: { IdToken?: string; AccessToken?: string }) {
  return userHolding(identityJsPool(s), {
    idToken: tokens.IdToken!,
    accessToken: tokens.AccessToken!,
  });
}

describe("WriteAttributes: nobody writes the username attribute but the Verify trigger", () => {
  it("refuses SignUp with custom:username before PreSignUp runs, and creates nobody", async () => {
    // Prepare
    const { stack, events } = await start();
    // Act
    const attempt = signUpWith(stack, "mallory@example.com", { "custom:username": "admin" });
    // Assess
    await expect(attempt).rejects.toMatchObject(UNAUTHORIZED);
    expect(events.filter((e) => e.trigger === "preSignUp")).toHaveLength(0);
    expect(await userCount(stack)).toBe(0);
    // The address is still free: the refused call created nothing.
    await signUp(stack, "mallory@example.com");
    expect(await userCount(stack)).toBe(1);
  });

  it("refuses the attribute the triggers are configured with, not only custom:username", async () => {
    // Prepare
    const { stack } = await start({
      pool: { customAttributes: ["handle", "team"] },
      triggers: { username: { attribute: "custom:handle" } } as LocalStackOptions["triggers"],
    });
    // Act and assess: amazon-cognito-identity-js's signUp, as an app would call it
    const pool = identityJsPool(stack);
    const refused = await new Promise<unknown>((resolve) => {
      pool.signUp(
        "mallory@example.com",
        PASSWORD,
        [new CognitoUserAttribute({ Name: "custom:handle", Value: "admin" })],
        [],
        (error) => resolve(error),
      );
    });
    expect(refused).toMatchObject({ code: UNAUTHORIZED.name, message: UNAUTHORIZED.message });
    expect(await userCount(stack)).toBe(0);
    // Every other custom attribute stays writable by default.
    await signUpWith(stack, "nina@example.com", { "custom:team": "blue" });
    const tokens = await signIn(stack, sdkClient(stack), "nina@example.com");
    expect(claims(tokens.IdToken!)["custom:team"]).toBe("blue");
    await expect(
      update(stack, tokens.AccessToken!, { "custom:handle": "admin" }),
    ).rejects.toMatchObject(UNAUTHORIZED);
    await update(stack, tokens.AccessToken!, { "custom:team": "red" });
    expect(await userAttributes(stack, tokens.AccessToken!)).not.toHaveProperty("custom:handle");
  });

  it("refuses SignUp that declares its own email_verified", async () => {
    const { stack } = await start();
    await expect(
      signUpWith(stack, "vic@example.com", { email_verified: "true" }),
    ).rejects.toMatchObject(UNAUTHORIZED);
    expect(await userCount(stack)).toBe(0);
  });

  it("checks SignUp against an explicit client.writeAttributes too", async () => {
    const { stack } = await start({ client: { writeAttributes: ["name"] } });
    await expect(signUpWith(stack, "wes@example.com", { nickname: "w" })).rejects.toMatchObject(
      UNAUTHORIZED,
    );
    await signUpWith(stack, "wes@example.com", { name: "Wes" });
    expect(await userCount(stack)).toBe(1);
  });

  it("lets admin operations write the username attribute (AdminUpdateUserAttributes is not limited)", async () => {
    const { stack, client } = await start();
    await signUp(stack, "ada@example.com", client);
    await adminUpdate(stack, "ada@example.com", { "custom:username": "ada" });
    expect(await adminAttributes(stack, "ada@example.com")).toMatchObject({
      "custom:username": "ada",
    });
  });

  it("never lets the default WriteAttributes hold the username attribute, a *_verified flag or sub", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_]{1,20}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (custom, pick) => {
          const attribute = `custom:${custom[pick % custom.length]}`;
          const config = resolveOptions({
            pool: { customAttributes: custom },
            triggers: { username: { attribute } } as LocalStackOptions["triggers"],
          });
          expect(config.writeAttributes.has(attribute)).toBe(false);
          for (const flag of ["email_verified", "phone_number_verified", "sub"]) {
            expect(config.writeAttributes.has(flag)).toBe(false);
          }
          for (const other of custom.map((n) => `custom:${n}`)) {
            if (other !== attribute) expect(config.writeAttributes.has(other)).toBe(true);
          }
        },
      ),
    );
  });
});

describe("AttributesRequireVerificationBeforeUpdate (email), emulated by default", () => {
  async function signedIn(options: LocalStackOptions = {}) {
    const { stack, client } = await start(options);
    await signUp(stack, "olga@example.com", client);
    const tokens = await signIn(stack, client, "olga@example.com");
    return { stack, client, tokens };
  }

  it("keeps a verified email in force and holds the new one pending until VerifyUserAttribute", async () => {
    // Prepare
    const { stack, client, tokens } = await signedIn();
    // Act
    const result = await update(stack, tokens.AccessToken!, { email: "victim@example.com" });
    // Assess: the old address still holds, verified; the new one got a code
    expect(result.CodeDeliveryDetailsList).toEqual([
      { Destination: "v***@e***.com", DeliveryMedium: "EMAIL", AttributeName: "email" },
    ]);
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "olga@example.com",
      email_verified: "true",
    });
    const again = await signIn(stack, client, "olga@example.com");
    expect(claims(again.IdToken!)).toMatchObject({
      email: "olga@example.com",
      email_verified: true,
    });
    expect(stack.mailbox.messages("victim@example.com")).toHaveLength(1);
    // The pending address is nobody's sign-in name yet.
    await expect(signUp(stack, "victim@example.com")).resolves.toBeDefined();
  });

  it("VerifyUserAttribute with the code sent to the new address applies it; a wrong code does not", async () => {
    // Prepare
    const { stack, client, tokens } = await signedIn();
    await update(stack, tokens.AccessToken!, { email: "olga.new@example.com" });
    const code = await stack.mailbox.latestCode("olga.new@example.com");
    const wrong = code === "000000" ? "111111" : "000000";
    // Act and assess
    await expect(verifyEmail(client, tokens.AccessToken!, wrong)).rejects.toMatchObject({
      name: "CodeMismatchException",
    });
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "olga@example.com",
    });
    // amazon-cognito-identity-js's verifyAttribute, as an app calls it
    const user = identityJsUser(stack, tokens);
    await new Promise<void>((resolve, reject) => {
      user.verifyAttribute("email", code, {
        onSuccess: () => resolve(),
        onFailure: reject,
      });
    });
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "olga.new@example.com",
      email_verified: "true",
    });
    const renamed = await signIn(stack, client, "olga.new@example.com");
    expect(claims(renamed.IdToken!).email).toBe("olga.new@example.com");
    // The old address names nobody any more.
    await expect(adminAttributes(stack, "olga@example.com")).rejects.toMatchObject({
      name: "UserNotFoundException",
    });
    // The code is single-use.
    await expect(verifyEmail(client, tokens.AccessToken!, code)).rejects.toMatchObject({
      name: expect.stringMatching(/CodeMismatch|ExpiredCode/),
    });
  });

  it("a code proves only the address it was sent to: a later pending change voids it", async () => {
    const { stack, client, tokens } = await signedIn();
    await update(stack, tokens.AccessToken!, { email: "first@example.com" });
    const firstCode = await stack.mailbox.latestCode("first@example.com");
    await update(stack, tokens.AccessToken!, { email: "second@example.com" });
    const secondCode = await stack.mailbox.latestCode("second@example.com");
    if (firstCode !== secondCode) {
      await expect(verifyEmail(client, tokens.AccessToken!, firstCode)).rejects.toMatchObject({
        name: "CodeMismatchException",
      });
    }
    await verifyEmail(client, tokens.AccessToken!, secondCode);
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "second@example.com",
      email_verified: "true",
    });
  });

  it("GetUserAttributeVerificationCode resends to the pending address", async () => {
    const { stack, client, tokens } = await signedIn();
    await update(stack, tokens.AccessToken!, { email: "pending@example.com" });
    const resent = await client.send(
      new GetUserAttributeVerificationCodeCommand({
        AccessToken: tokens.AccessToken!,
        AttributeName: "email",
      }),
    );
    expect(resent.CodeDeliveryDetails).toEqual({
      Destination: "p***@e***.com",
      DeliveryMedium: "EMAIL",
      AttributeName: "email",
    });
    expect(stack.mailbox.messages("pending@example.com")).toHaveLength(2);
    expect(stack.mailbox.messages("olga@example.com")).toHaveLength(0);
    await verifyEmail(
      client,
      tokens.AccessToken!,
      await stack.mailbox.latestCode("pending@example.com"),
    );
    expect((await userAttributes(stack, tokens.AccessToken!)).email).toBe("pending@example.com");
  });

  it("applies a change at once, unverified, when the current email is not verified", async () => {
    // Prepare: secret-word PreSignUp confirms without verifying the email
    const { stack, client } = await startStack({
      handlers: { ...secretWordTriggers().handlers, postAuthentication: keepAttributes },
    });
    await signUp(stack, "ulla@example.com", client);
    const tokens = await signIn(stack, client, "ulla@example.com");
    // Act
    await update(stack, tokens.AccessToken!, { email: "ulla2@example.com" });
    // Assess
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "ulla2@example.com",
      email_verified: "false",
    });
    await verifyEmail(
      client,
      tokens.AccessToken!,
      await stack.mailbox.latestCode("ulla2@example.com"),
    );
    expect((await userAttributes(stack, tokens.AccessToken!)).email_verified).toBe("true");
  });

  it("with attributesRequireVerificationBeforeUpdate: [] applies the change at once, unverified", async () => {
    const { stack, client, tokens } = await signedIn({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    await update(stack, tokens.AccessToken!, { email: "victim@example.com" });
    expect(await userAttributes(stack, tokens.AccessToken!)).toMatchObject({
      email: "victim@example.com",
      email_verified: "false",
    });
    const again = await signIn(stack, client, "victim@example.com");
    expect(claims(again.IdToken!)).toMatchObject({
      email: "victim@example.com",
      email_verified: false,
    });
  });

  it("AdminUpdateUserAttributes with email and email_verified=true applies at once (the Verify trigger's pinned write)", async () => {
    const { stack, tokens } = await signedIn();
    const username = String(claims(tokens.IdToken!)["cognito:username"]);
    await adminUpdate(stack, username, {
      email: "proven@example.com",
      email_verified: "true",
    });
    expect(await adminAttributes(stack, username)).toMatchObject({
      email: "proven@example.com",
      email_verified: "true",
    });
    expect(stack.mailbox.messages("proven@example.com")).toHaveLength(0);
  });

  it("AdminUpdateUserAttributes of a verified email without email_verified=true is held pending", async () => {
    const { stack, tokens } = await signedIn();
    const username = String(claims(tokens.IdToken!)["cognito:username"]);
    await adminUpdate(stack, username, { email: "later@example.com" });
    expect(await adminAttributes(stack, username)).toMatchObject({
      email: "olga@example.com",
      email_verified: "true",
    });
    await verifyEmail(
      sdkClient(stack),
      tokens.AccessToken!,
      await stack.mailbox.latestCode("later@example.com"),
    );
    expect(await adminAttributes(stack, username)).toMatchObject({
      email: "later@example.com",
      email_verified: "true",
    });
  });
});

describe("the options", () => {
  it("default to the emulation on and refuse what Cognito would not accept", () => {
    expect(resolveOptions().emailRequiresVerificationBeforeUpdate).toBe(true);
    expect(
      resolveOptions({ pool: { attributesRequireVerificationBeforeUpdate: [] } })
        .emailRequiresVerificationBeforeUpdate,
    ).toBe(false);
    const refused = (options: LocalStackOptions, field: string) =>
      expect(() => resolveOptions(options)).toThrow(
        expect.objectContaining({ code: "CONFIGURATION_ERROR", details: { field } }),
      );
    refused(
      {
        pool: {
          attributesRequireVerificationBeforeUpdate: ["phone_number"] as unknown as "email"[],
        },
      },
      "pool.attributesRequireVerificationBeforeUpdate",
    );
    refused(
      { triggers: { username: { attribute: "custom:handle" } } as LocalStackOptions["triggers"] },
      "triggers.username.attribute",
    );
    refused(
      { triggers: { username: { attribute: 7 } } as unknown as LocalStackOptions["triggers"] },
      "triggers.username.attribute",
    );
    // `username: false` still keeps custom:username out of the default WriteAttributes.
    expect(
      resolveOptions({ triggers: { username: false } }).writeAttributes.has("custom:username"),
    ).toBe(false);
  });

  it("VerifyUserAttribute checks its members against the service model", async () => {
    const { stack, client } = await start();
    await signUp(stack, "mo@example.com", client);
    const tokens = await signIn(stack, client, "mo@example.com");
    const verify = (AttributeName: string, Code: string) =>
      client.send(
        new VerifyUserAttributeCommand({ AccessToken: tokens.AccessToken!, AttributeName, Code }),
      );
    await expect(verify("email", "12 34")).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
    await expect(verify("phone_number", "123456")).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
    await expect(verify("email", "123456")).rejects.toMatchObject({
      name: "CodeMismatchException",
    });
    await expect(verifyEmail(client, "not-a-token", "1")).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
  });

  it("a verification code expires after 24 hours", async () => {
    const { stack, client } = await start();
    await signUp(stack, "lu@example.com", client);
    const tokens = await signIn(stack, client, "lu@example.com");
    await update(stack, tokens.AccessToken!, { email: "lu2@example.com" });
    const code = await stack.mailbox.latestCode("lu2@example.com");
    stack.clock.advance(24 * 60 * 60 * 1000);
    // The access token expired too; a fresh sign-in gets a new one.
    const fresh = await signIn(stack, client, "lu@example.com");
    await expect(verifyEmail(client, fresh.AccessToken!, code)).rejects.toMatchObject({
      name: "ExpiredCodeException",
    });
    expect((await userAttributes(stack, fresh.AccessToken!)).email).toBe("lu@example.com");
  });

  it("forgets a code after five wrong answers", async () => {
    const { stack, client, tokens } = await (async () => {
      const started = await start();
      await signUp(started.stack, "kai@example.com", started.client);
      return {
        ...started,
        tokens: await signIn(started.stack, started.client, "kai@example.com"),
      };
    })();
    await update(stack, tokens.AccessToken!, { email: "kai2@example.com" });
    const code = await stack.mailbox.latestCode("kai2@example.com");
    const wrong = code === "000000" ? "111111" : "000000";
    const verify = (Code: string) => verifyEmail(client, tokens.AccessToken!, Code);
    for (let i = 0; i < 5; i++) {
      await expect(verify(wrong)).rejects.toMatchObject({ name: "CodeMismatchException" });
    }
    await expect(verify(code)).rejects.toMatchObject({ name: "CodeMismatchException" });
    expect((await userAttributes(stack, tokens.AccessToken!)).email).toBe("kai@example.com");
  });
});

describe("properties against a running stack", () => {
  it("SignUp succeeds exactly when every attribute it writes is in WriteAttributes; a refusal creates nobody", async () => {
    // Prepare
    const { stack } = await start({ pool: { customAttributes: ["username", "team"] } });
    const candidates = ["name", "locale", "custom:team", "custom:username", "email_verified"];
    let run = 0;
    // Act and assess
    await fc.assert(
      fc.asyncProperty(fc.subarray(candidates), async (names) => {
        const email = `p${run++}@example.com`;
        const before = await userCount(stack);
        const values = names.map((n) => [n, n === "email_verified" ? "true" : "x"]);
        const attempt = signUpWith(stack, email, Object.fromEntries(values));
        const forbidden = names.some((n) => n === "custom:username" || n === "email_verified");
        if (forbidden) {
          await expect(attempt).rejects.toMatchObject(UNAUTHORIZED);
          expect(await userCount(stack)).toBe(before);
        } else {
          await attempt;
          expect(await userCount(stack)).toBe(before + 1);
        }
      }),
      { numRuns: 25 },
    );
  });

  it("whatever users and admins do, email_verified=true names only an address a code was entered for or an admin pinned", async () => {
    // Prepare
    const { stack, client } = await start();
    type Step =
      | { kind: "update"; to: number }
      | { kind: "verify"; from: number }
      | { kind: "wrong" }
      | { kind: "resend" }
      | { kind: "pin"; to: number };
    const step = fc.oneof(
      fc.record({ kind: fc.constant("update" as const), to: fc.nat(3) }),
      fc.record({ kind: fc.constant("verify" as const), from: fc.nat(3) }),
      fc.constant({ kind: "wrong" as const }),
      fc.constant({ kind: "resend" as const }),
      fc.record({ kind: fc.constant("pin" as const), to: fc.nat(3) }),
    );
    let run = 0;
    // Act and assess
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 8 }), async (steps: Step[]) => {
        const domain = `run${run++}.example.com`;
        const address = (i: number) => `${["orig", "a", "b", "c"][i]}@${domain}`;
        await signUp(stack, address(0), client);
        const tokens = await signIn(stack, client, address(0));
        const username = String(claims(tokens.IdToken!)["cognito:username"]);
        const proven = new Set([address(0)]);
        for (const s of steps) {
          if (s.kind === "update") {
            await update(stack, tokens.AccessToken!, { email: address(s.to) });
          } else if (s.kind === "pin") {
            await adminUpdate(stack, username, { email: address(s.to), email_verified: "true" });
            proven.add(address(s.to));
          } else if (s.kind === "resend") {
            await client.send(
              new GetUserAttributeVerificationCodeCommand({
                AccessToken: tokens.AccessToken!,
                AttributeName: "email",
              }),
            );
          } else {
            const from = s.kind === "verify" ? address(s.from) : undefined;
            const code = from
              ? await stack.mailbox.latestCode(from).catch(() => undefined)
              : "000000";
            if (code === undefined) continue;
            const verified = await verifyEmail(client, tokens.AccessToken!, code).then(
              () => true,
              () => false,
            );
            if (verified && from) proven.add(from);
          }
          const now = await userAttributes(stack, tokens.AccessToken!);
          if (now.email_verified === "true") expect(proven).toContain(now.email);
        }
      }),
      { numRuns: 20 },
    );
  });
});

describe("the issue's takeover, end to end with the passcode triggers", () => {
  it("an email changed mid sign-in never reaches the ID token as verified", async () => {
    // Prepare: the attacker signs up and in with their own inbox
    const { stack, client } = await startStack({
      triggers: { throttle: false, username: false },
    });
    await signUp(stack, "attacker@example.com", client);
    const first = await startCustomAuth(stack, client, "attacker@example.com");
    const signedIn = await answerStep(
      stack,
      client,
      first,
      await stack.mailbox.latestCode("attacker@example.com"),
    );
    const accessToken = signedIn.AuthenticationResult!.AccessToken!;
    // Act: start a sign-in (code to the attacker), move the email to the victim's, answer
    const second = await startCustomAuth(stack, client, "attacker@example.com");
    expect(parseChallengeParameters(second.ChallengeParameters)?.step).toBe("CODE");
    const code = await stack.mailbox.latestCode("attacker@example.com");
    await update(stack, accessToken, { email: "victim@example.com" });
    const done = await answerStep(stack, client, second, code);
    // Assess: the change is pending, so the code still proves the attacker's own address
    expect(claims(done.AuthenticationResult!.IdToken!)).toMatchObject({
      email: "attacker@example.com",
      email_verified: true,
    });
    expect(await userAttributes(stack, accessToken)).toMatchObject({
      email: "attacker@example.com",
      email_verified: "true",
    });
    // The victim got a verification code the attacker cannot read, and nothing else.
    expect(stack.mailbox.messages("victim@example.com")).toHaveLength(1);
  });
});

describe("attempt limits on email verification codes (brute force across re-issued codes)", () => {
  const LIMITED = {
    name: "LimitExceededException",
    message: "Attempt limit exceeded, please try after some time.",
  };
  const HOUR = 60 * 60_000;

  /** A signed-in user with a verified email and `pending` held pending (one code sent to it). */
  async function withPending(s: LocalStack, own: string, pending: string) {
    const client = sdkClient(s);
    await signUp(s, own, client);
    const tokens = await signIn(s, client, own);
    await update(s, tokens.AccessToken!, { email: pending });
    const token = tokens.AccessToken!;
    return {
      token,
      verify: (Code: string, accessToken = token) => verifyEmail(client, accessToken, Code),
      resend: (accessToken = token) =>
        client.send(
          new GetUserAttributeVerificationCodeCommand({
            AccessToken: accessToken,
            AttributeName: "email",
          }),
        ),
    };
  }

  it("re-requesting a code does not reset the budget: ten wrong answers per user and address an hour, then LimitExceededException, even for the right code", async () => {
    // Prepare: today each GetUserAttributeVerificationCode gives five fresh guesses
    const { stack, client } = await start();
    const attacker = await withPending(stack, "mallory@example.com", "victim@example.com");
    // Act: two codes' worth of wrong answers
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 5; i++) {
        await expect(attacker.verify(`wrong${round}${i}`)).rejects.toMatchObject({
          name: "CodeMismatchException",
        });
      }
      await attacker.resend();
    }
    const code = await stack.mailbox.latestCode("victim@example.com");
    // Assess: the eleventh answer is refused unread, right or wrong
    await expect(attacker.verify(code)).rejects.toMatchObject(LIMITED);
    await expect(attacker.verify("wrong")).rejects.toMatchObject(LIMITED);
    expect((await userAttributes(stack, attacker.token)).email).toBe("mallory@example.com");
    // An hour later the budget is back and the outstanding code works.
    stack.clock.advance(HOUR);
    const fresh = await signIn(stack, client, "mallory@example.com");
    await attacker.verify(code, fresh.AccessToken!);
    expect(await userAttributes(stack, fresh.AccessToken!)).toMatchObject({
      email: "victim@example.com",
      email_verified: "true",
    });
  });

  it("GetUserAttributeVerificationCode sends at most five codes per user and address an hour", async () => {
    const { stack } = await start();
    const user = await withPending(stack, "sam@example.com", "sam.new@example.com");
    for (let i = 0; i < 4; i++) await user.resend();
    expect(stack.mailbox.messages("sam.new@example.com")).toHaveLength(5);
    await expect(user.resend()).rejects.toMatchObject(LIMITED);
    expect(stack.mailbox.messages("sam.new@example.com")).toHaveLength(5);
  });

  it("counts the wrong answers of every account but the address's verified holder together: twenty an hour, whoever guesses", async () => {
    // Prepare: four accounts ask for the same new address, m0 first
    const { stack } = await start();
    const victim = "victim@example.com";
    const accounts = [];
    for (const name of ["m0", "m1", "m2", "m3"]) {
      accounts.push(await withPending(stack, `${name}@example.com`, victim));
    }
    // Act: two of them spend their own budgets (ten each)
    for (const attacker of accounts.slice(1, 3)) {
      for (let i = 0; i < 10; i++) {
        if (i === 5) await attacker.resend();
        await expect(attacker.verify(`wrong${i}`)).rejects.toMatchObject({
          name: "CodeMismatchException",
        });
      }
    }
    // Assess: the fourth, with its own budget untouched, is refused: the shared one is spent
    const code = await stack.mailbox.latestCode(victim);
    await expect(accounts[3]!.verify(code)).rejects.toMatchObject(LIMITED);
    expect((await userAttributes(stack, accounts[3]!.token)).email).toBe("m3@example.com");
    // ... and so is the first to ask: asking first earns no exemption.
    await expect(accounts[0]!.verify(code)).rejects.toMatchObject(LIMITED);
    expect((await userAttributes(stack, accounts[0]!.token)).email).toBe("m0@example.com");
  });

  it("the first account sent a code for an address gets no exemption: once others have spent the shared budgets it is refused too, for up to an hour", async () => {
    // Prepare: the victim asks for their new address first; two accounts ask for it after
    const { stack, client } = await start();
    const target = "victim.new@example.com";
    const victim = await withPending(stack, "victim@example.com", target);
    const m1 = await withPending(stack, "m1@example.com", target);
    const m2 = await withPending(stack, "m2@example.com", target);
    // Act: they spend the shared send budget (the victim's own code counts in it)...
    for (let i = 0; i < 4; i++) await m1.resend();
    for (let i = 0; i < 3; i++) await m2.resend();
    expect(stack.mailbox.messages(target)).toHaveLength(10);
    // ... and the shared budget of wrong answers (ten each).
    for (const attacker of [m1, m2]) {
      for (let i = 0; i < 10; i++) {
        await expect(attacker.verify(`wrong${i}`)).rejects.toMatchObject({
          name: "CodeMismatchException",
        });
      }
    }
    // Assess: the first to ask is held to the shared budgets like everyone else
    await expect(victim.resend()).rejects.toMatchObject(LIMITED);
    await expect(
      withPending(stack, "victim2@example.com", "victim.new+me@example.com"),
    ).rejects.toMatchObject(LIMITED);
    const code = await stack.mailbox.latestCode(target);
    await expect(victim.verify(code)).rejects.toMatchObject(LIMITED);
    expect((await userAttributes(stack, victim.token)).email).toBe("victim@example.com");
    // An hour later the shared budgets are back and the victim verifies.
    stack.clock.advance(HOUR);
    const fresh = await signIn(stack, client, "victim@example.com");
    await victim.resend(fresh.AccessToken!);
    await victim.verify(await stack.mailbox.latestCode(target), fresh.AccessToken!);
    expect(await userAttributes(stack, fresh.AccessToken!)).toMatchObject({
      email: target,
      email_verified: "true",
    });
  });

  it("the user whose verified email an address is is held only to its own budgets: accounts that pile on its mailbox cannot lock it out", async () => {
    // Prepare: the holder's verified email; three accounts ask for +tags of its mailbox
    const { stack, client } = await start();
    const target = "holder@example.com";
    const holder = await signUpAndSignInVerified(stack, client, target);
    const attackers = [];
    for (const name of ["m1", "m2", "m3"]) {
      attackers.push(await withPending(stack, `${name}@example.com`, `holder+${name}@example.com`));
    }
    // Act: they spend every budget they can
    for (const attacker of attackers) {
      for (let i = 0; i < 12; i++) {
        if (i % 5 === 4) await attacker.resend().catch(() => undefined);
        await attacker.verify(`00000${i % 10}`).catch(() => undefined);
      }
    }
    // Assess: the holder can still have a code sent and verify with it
    await client.send(
      new GetUserAttributeVerificationCodeCommand({
        AccessToken: holder.AccessToken!,
        AttributeName: "email",
      }),
    );
    await verifyEmail(client, holder.AccessToken!, await stack.mailbox.latestCode(target));
    expect(await userAttributes(stack, holder.AccessToken!)).toMatchObject({
      email: target,
      email_verified: "true",
    });
    // ... while the attackers' wrong answers stayed within the shared budget.
    const limited = await Promise.all(
      attackers.map((a) =>
        a.verify("123456").then(
          () => "ok",
          (e: Error) => e.name,
        ),
      ),
    );
    expect(limited).toEqual([
      "LimitExceededException",
      "LimitExceededException",
      "LimitExceededException",
    ]);
  });

  it("property: whatever other accounts do against a mailbox within an hour, the user whose verified email it is verifies it within its own budgets; at most ten wrong answers and five codes per user, twenty and ten for all other accounts together", async () => {
    const { stack, client } = await start();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ who: fc.integer({ min: 0, max: 3 }), resend: fc.boolean() }), {
          minLength: 1,
          maxLength: 80,
          size: "max",
        }),
        async (actions) => {
          run++;
          const target = `victim${run}@example.com`;
          // users[0] holds the address verified; the others ask for +tags of its mailbox
          const holder = await signUpAndSignInVerified(stack, client, target);
          const addresses = [target];
          const users = [
            {
              token: holder.AccessToken!,
              verify: (Code: string) => verifyEmail(client, holder.AccessToken!, Code),
              resend: () =>
                client.send(
                  new GetUserAttributeVerificationCodeCommand({
                    AccessToken: holder.AccessToken!,
                    AttributeName: "email",
                  }),
                ),
            },
          ];
          for (let i = 1; i < 4; i++) {
            addresses.push(`victim${run}+u${i}@example.com`);
            users.push(await withPending(stack, `p${run}u${i}@example.com`, addresses[i]!));
          }
          let code: string | undefined;
          let wrongOnCode = 0;
          const mismatches = [0, 0, 0, 0];
          const sends = [0, 1, 1, 1];
          for (const [n, { who, resend }] of actions.entries()) {
            const user = users[who]!;
            const answer = await (resend ? user.resend() : user.verify(`guess${n}`)).then(
              () => "ok",
              (error: Error) => error.name,
            );
            if (resend) {
              expect(["ok", "LimitExceededException"]).toContain(answer);
              if (answer === "ok") sends[who]!++;
              if (answer === "ok" && who === 0) {
                code = await stack.mailbox.latestCode(target);
                wrongOnCode = 0;
              }
            } else {
              expect(["CodeMismatchException", "LimitExceededException"]).toContain(answer);
              if (answer === "CodeMismatchException") mismatches[who]!++;
              if (answer === "CodeMismatchException" && who === 0) wrongOnCode++;
            }
          }
          // The holder is held only to its own budgets, whatever the others did.
          if (sends[0]! < 5) {
            await users[0]!.resend();
            code = await stack.mailbox.latestCode(target);
            wrongOnCode = 0;
            sends[0]!++;
          }
          if (code !== undefined && mismatches[0]! < 10 && wrongOnCode < 5) {
            await users[0]!.verify(code);
            expect(await userAttributes(stack, users[0]!.token)).toMatchObject({
              email: target,
              email_verified: "true",
            });
          }
          for (let i = 0; i < 4; i++) {
            expect(mismatches[i]).toBeLessThanOrEqual(10);
            expect(sends[i]).toBeLessThanOrEqual(5);
          }
          const others = (counts: number[]) => counts.slice(1).reduce((x, y) => x + y);
          expect(others(mismatches)).toBeLessThanOrEqual(20);
          expect(others(sends)).toBeLessThanOrEqual(10);
          const mails = addresses.map((a) => stack.mailbox.messages(a).length);
          expect(mails[0]).toBe(sends[0]);
          expect(others(mails)).toBeLessThanOrEqual(10);
          // Nobody else verified an address of the mailbox.
          for (const user of users.slice(1)) {
            expect((await userAttributes(stack, user.token)).email).not.toContain(`victim${run}`);
          }
        },
      ),
      { numRuns: 15 },
    );
  }, 120_000);
});

async function signUpAndSignInVerified(
  s: LocalStack,
  client: ReturnType<typeof sdkClient>,
  email: string,
) {
  await signUp(s, email, client);
  return signIn(s, client, email);
}

describe("email values the stack will not send to (spellings that would escape the per-mailbox counters)", () => {
  const INVALID_EMAIL = {
    name: "InvalidParameterException",
    message: "Invalid email address format.",
  };
  const NOT_AN_EMAIL = {
    name: "InvalidParameterException",
    message: "Username should be an email.",
  };
  const MALFORMED_USERNAME = {
    name: "InvalidParameterException",
    message:
      "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+",
  };
  /** Each delivers (or claims to) to victim.new@example.com, and each had its own counters. */
  const VARIANTS = [
    "victim.new@example.com.",
    '"victim.new"@example.com',
    "victim.new@[127.0.0.1]",
    '"victim\\.new"@example.com',
    "victim\\.new@example.com",
    '"victim.new\\"@example.com',
    " victim.new@example.com",
    "victim.new@example..com",
    "victim..new@example.com",
  ];

  it.each(VARIANTS)(
    "refuses %j on SignUp, UpdateUserAttributes, AdminCreateUser and AdminUpdateUserAttributes, and sends nothing",
    async (variant) => {
      const { stack, client } = await start();
      const tokens = await signUpAndSignInVerified(stack, client, "sam@example.com");
      const users = await userCount(stack);
      // White space breaks the model's Username pattern: refused by validation, before the email check.
      const badUsername = /\s/.test(variant) ? MALFORMED_USERNAME : NOT_AN_EMAIL;
      await expect(signUpWith(stack, variant, {})).rejects.toMatchObject(badUsername);
      await expect(signUpWith(stack, "kim@example.com", { email: variant })).rejects.toMatchObject(
        INVALID_EMAIL,
      );
      await expect(update(stack, tokens.AccessToken!, { email: variant })).rejects.toMatchObject(
        INVALID_EMAIL,
      );
      await expect(
        adminClient(stack).send(
          new AdminCreateUserCommand({
            UserPoolId: stack.userPoolId,
            Username: variant,
            MessageAction: "SUPPRESS",
          }),
        ),
      ).rejects.toMatchObject(badUsername);
      await expect(
        adminClient(stack).send(
          new AdminCreateUserCommand({
            UserPoolId: stack.userPoolId,
            Username: "lee@example.com",
            UserAttributes: [{ Name: "email", Value: variant }],
            MessageAction: "SUPPRESS",
          }),
        ),
      ).rejects.toMatchObject(INVALID_EMAIL);
      await expect(
        adminUpdate(stack, "sam@example.com", { email: variant, email_verified: "true" }),
      ).rejects.toMatchObject(INVALID_EMAIL);
      expect(await userCount(stack)).toBe(users);
      expect((await userAttributes(stack, tokens.AccessToken!)).email).toBe("sam@example.com");
      expect(stack.mailbox.messages(variant)).toHaveLength(0);
      expect(stack.mailbox.messages("victim.new@example.com")).toHaveLength(0);
    },
  );

  it("property: UpdateUserAttributes accepts an email exactly when shared's isValidEmail does and it has no white space", async () => {
    const { stack, client } = await start({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    const tokens = await signUpAndSignInVerified(stack, client, "pat@example.com");
    const spelling = fc.oneof(
      fc.emailAddress(),
      fc
        .tuple(
          fc.emailAddress(),
          fc.constantFrom(".", " ", "\\", '"', "[", "]", "..", "(x)", "\u212a"),
          fc.nat(),
        )
        .map(([email, extra, at]) => {
          const i = at % (email.length + 1);
          return email.slice(0, i) + extra + email.slice(i);
        }),
      fc.string({ maxLength: 40 }),
    );
    await fc.assert(
      fc.asyncProperty(spelling, async (email) => {
        const answer = await update(stack, tokens.AccessToken!, { email }).then(
          () => "ok",
          (error: Error) => `${error.name}: ${error.message}`,
        );
        const valid = isValidEmail(email) && !/\s/.test(email);
        if (valid) expect(answer).not.toBe(`InvalidParameterException: ${INVALID_EMAIL.message}`);
        else expect(answer).toBe(`InvalidParameterException: ${INVALID_EMAIL.message}`);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
