import { ConfirmSignUpCommand, SignUpCommand } from "@aws-sdk/client-cognito-identity-provider";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack, type TriggerEvent } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, PASSWORD, sdkClient } from "./support/clients.js";
import { signIn, startCustomAuth } from "./support/flow.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe("SignUp", () => {
  it("runs PreSignUp with a Cognito-shaped event and auto-confirms when it says so", async () => {
    // Prepare
    const triggers = secretWordTriggers();
    stack = await startLocalStack({ handlers: triggers.handlers });
    // Act
    const result = await sdkClient(stack).send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "Alice@Example.com",
        Password: PASSWORD,
        ClientMetadata: { source: "test" },
        ValidationData: [{ Name: "captcha", Value: "ok" }],
      }),
    );
    // Assess
    expect(result.UserConfirmed).toBe(true);
    expect(result.UserSub).toMatch(UUID);
    const event = triggers.events.find((e) => e.trigger === "preSignUp")!.event;
    expect(event).toMatchObject({
      version: "1",
      region: "us-east-1",
      userPoolId: stack.userPoolId,
      triggerSource: "PreSignUp_SignUp",
      callerContext: { clientId: stack.clientId },
      request: {
        userAttributes: { email: "Alice@Example.com" },
        clientMetadata: { source: "test" },
        validationData: { captcha: "ok" },
      },
    });
    expect(event.userName).toMatch(UUID);
    expect(event.userName).toBe(result.UserSub);
    expect(event.callerContext.awsSdkVersion).toMatch(/^aws-sdk-js-\d/);
  });

  it("uses the email as username, case-insensitively, with the sub as cognito:username", async () => {
    stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
    const client = sdkClient(stack);
    const { UserSub } = await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "Bob@Example.com",
        Password: PASSWORD,
      }),
    );
    const tokens = await signIn(stack, client, "bob@EXAMPLE.com");
    const id = claims(tokens.IdToken!);
    expect(id.sub).toBe(UserSub);
    // Email as username: Cognito's internal username is the sub (one UUID, not two).
    expect(id["cognito:username"]).toMatch(UUID);
    expect(id["cognito:username"]).toBe(id.sub);
    expect(id.email).toBe("Bob@Example.com");
    await expect(
      client.send(
        new SignUpCommand({
          ClientId: stack.clientId,
          Username: "BOB@example.COM",
          Password: PASSWORD,
        }),
      ),
    ).rejects.toMatchObject({
      name: "UsernameExistsException",
      message: "An account with the given email already exists.",
    });
  });

  it("refuses a username that is not an email and a password outside the policy", async () => {
    stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
    const client = sdkClient(stack);
    await expect(
      client.send(
        new SignUpCommand({ ClientId: stack.clientId, Username: "alice", Password: PASSWORD }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidParameterException",
      message: "Username should be an email.",
    });
    await expect(
      client.send(
        new SignUpCommand({
          ClientId: stack.clientId,
          Username: "c@example.com",
          Password: "short",
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidPasswordException",
      message: "Password did not conform with policy: Password not long enough",
    });
    await expect(
      client.send(
        new SignUpCommand({
          ClientId: stack.clientId,
          Username: "c@example.com",
          Password: "alllowercase1!",
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidPasswordException" });
  });

  it("refuses sign-in for an UNCONFIRMED user until ConfirmSignUp with the emailed code", async () => {
    // Prepare: a PreSignUp that does not auto-confirm.
    const { handlers } = secretWordTriggers();
    stack = await startLocalStack({
      handlers: { ...handlers, preSignUp: async (event: TriggerEvent) => event },
    });
    const client = sdkClient(stack);
    const signUp = await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "carol@example.com",
        Password: PASSWORD,
      }),
    );
    expect(signUp.UserConfirmed).toBe(false);
    expect(signUp.CodeDeliveryDetails).toEqual({
      Destination: "c***@e***.com",
      DeliveryMedium: "EMAIL",
      AttributeName: "email",
    });
    // Act + Assess: refused while UNCONFIRMED.
    await expect(startCustomAuth(stack, client, "carol@example.com")).rejects.toMatchObject({
      name: "UserNotConfirmedException",
      message: "User is not confirmed.",
    });
    const code = await stack.mailbox.latestCode("carol@example.com");
    const wrong = code === "000000" ? "111111" : "000000";
    await expect(
      client.send(
        new ConfirmSignUpCommand({
          ClientId: stack.clientId,
          Username: "carol@example.com",
          ConfirmationCode: wrong,
        }),
      ),
    ).rejects.toMatchObject({ name: "CodeMismatchException" });
    await client.send(
      new ConfirmSignUpCommand({
        ClientId: stack.clientId,
        Username: "Carol@example.com",
        ConfirmationCode: code,
      }),
    );
    const tokens = await signIn(stack, client, "carol@example.com");
    expect(claims(tokens.IdToken!).email_verified).toBe(true);
  });

  it("limits wrong confirmation codes: five an hour, then LimitExceededException even for the right code", async () => {
    // Prepare: an UNCONFIRMED victim (today any number of guesses is checked)
    const { handlers } = secretWordTriggers();
    stack = await startLocalStack({
      handlers: { ...handlers, preSignUp: async (event: TriggerEvent) => event },
    });
    const client = sdkClient(stack);
    const Username = "erin@example.com";
    await client.send(
      new SignUpCommand({ ClientId: stack.clientId, Username, Password: PASSWORD }),
    );
    const code = await stack.mailbox.latestCode(Username);
    const confirm = (ConfirmationCode: string) =>
      client.send(
        new ConfirmSignUpCommand({ ClientId: stack!.clientId, Username, ConfirmationCode }),
      );
    // Act
    for (let i = 0; i < 5; i++) {
      await expect(confirm(`wrong${i}`)).rejects.toMatchObject({ name: "CodeMismatchException" });
    }
    // Assess: refused unread, right or wrong, and the user stays UNCONFIRMED
    for (const attempt of [code, "wrong"]) {
      await expect(confirm(attempt)).rejects.toMatchObject({
        name: "LimitExceededException",
        message: "Attempt limit exceeded, please try after some time.",
      });
    }
    await expect(startCustomAuth(stack, client, Username)).rejects.toMatchObject({
      name: "UserNotConfirmedException",
    });
    // An hour later the code (valid 24 hours) confirms.
    stack.clock.advance(60 * 60_000);
    await confirm(code);
    const tokens = await signIn(stack, client, Username);
    expect(claims(tokens.IdToken!).email_verified).toBe(true);
  });

  it("property: however many wrong codes arrive, at most five an hour are checked, and a refusal means five were", async () => {
    const { handlers } = secretWordTriggers();
    stack = await startLocalStack({
      handlers: { ...handlers, preSignUp: async (event: TriggerEvent) => event },
    });
    const s = stack;
    const client = sdkClient(s);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 30 * 60_000 }), {
          minLength: 1,
          maxLength: 40,
          size: "max",
        }),
        async (gaps) => {
          const Username = `p${++run}@example.com`;
          await client.send(
            new SignUpCommand({ ClientId: s.clientId, Username, Password: PASSWORD }),
          );
          const checked: number[] = [];
          for (const [i, gap] of gaps.entries()) {
            s.clock.advance(gap);
            const answer = await client
              .send(
                new ConfirmSignUpCommand({
                  ClientId: s.clientId,
                  Username,
                  ConfirmationCode: `wrong${i}`,
                }),
              )
              .then(
                () => "ok",
                (error: Error) => error.name,
              );
            expect([
              "CodeMismatchException",
              "LimitExceededException",
              "ExpiredCodeException",
            ]).toContain(answer);
            const now = s.clock.now();
            const lastHour = checked.filter((t) => t > now - 60 * 60_000).length;
            if (answer === "LimitExceededException") {
              // Refused only when five were checked within the hour: the limit locks no one out for good.
              expect(lastHour).toBe(5);
            } else {
              expect(lastHour).toBeLessThan(5);
              checked.push(now);
            }
          }
          // No window of an hour holds more than five checked answers.
          for (const at of checked) {
            expect(
              checked.filter((t) => t >= at && t < at + 60 * 60_000).length,
            ).toBeLessThanOrEqual(5);
          }
        },
      ),
      { numRuns: 20 },
    );
  }, 60_000);

  it("expires the confirmation code after 24 hours", async () => {
    const { handlers } = secretWordTriggers();
    stack = await startLocalStack({
      handlers: { ...handlers, preSignUp: async (event: TriggerEvent) => event },
    });
    const client = sdkClient(stack);
    await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "dan@example.com",
        Password: PASSWORD,
      }),
    );
    const code = await stack.mailbox.latestCode("dan@example.com");
    stack.clock.advance(24 * 60 * 60 * 1000 + 1);
    await expect(
      client.send(
        new ConfirmSignUpCommand({
          ClientId: stack.clientId,
          Username: "dan@example.com",
          ConfirmationCode: code,
        }),
      ),
    ).rejects.toMatchObject({ name: "ExpiredCodeException" });
  });
});
