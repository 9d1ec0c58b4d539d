import { parseChallengeParameters, parseTriggerError } from "@cognito-passcode/shared";
import { describe, expect, it } from "vitest";
import { claims, stackPerTest } from "./support/clients.js";
import { requestCode, answerStep as respond, startCustomAuth } from "./support/flow.js";

const setUp = stackPerTest();

describe("the default passcode triggers on the local stack", () => {
  it("signs a new user in: code by email, username step, tokens carrying custom:username", async () => {
    // Prepare
    const { stack, client } = await setUp();
    // Act
    const codeStep = await requestCode(stack, client, "Vera@Example.com");
    const code = await stack.mailbox.latestCode("vera@example.com");
    const usernameStep = await respond(stack, client, codeStep, code);
    const done = await respond(stack, client, usernameStep, "Vera_1");
    // Assess
    expect(parseChallengeParameters(codeStep.ChallengeParameters)).toMatchObject({
      step: "CODE",
      codeLength: 6,
      attemptsLeft: 3,
      maskedEmail: "v***@e***.com",
    });
    expect(parseChallengeParameters(usernameStep.ChallengeParameters)).toMatchObject({
      step: "USERNAME",
    });
    const id = claims(done.AuthenticationResult!.IdToken!);
    expect(id["custom:username"]).toBe("vera_1");
    expect(id.email_verified).toBe(true);
    const [mail] = stack.mailbox.messages("vera@example.com");
    expect(mail?.from).toBe("no-reply@cognito-passcode.local");
  });

  it("signs a returning user in with the code alone", async () => {
    const { stack, client } = await setUp({ triggers: { throttle: false } });
    const first = await requestCode(stack, client, "walt@example.com");
    const named = await respond(
      stack,
      client,
      first,
      await stack.mailbox.latestCode("walt@example.com"),
    );
    await respond(stack, client, named, "walt");
    const again = await requestCode(stack, client, "walt@example.com");
    const done = await respond(
      stack,
      client,
      again,
      await stack.mailbox.latestCode("walt@example.com"),
    );
    expect(claims(done.AuthenticationResult!.IdToken!)["custom:username"]).toBe("walt");
  });

  it("throttles a resend on the stack's clock, and clock.advance lets it through", async () => {
    const { stack, client } = await setUp();
    await requestCode(stack, client, "xena@example.com");
    const throttled = await requestCode(stack, client, "xena@example.com").catch((e: Error) => e);
    expect(throttled).toMatchObject({ name: "UserLambdaValidationException" });
    const info = parseTriggerError((throttled as Error).message);
    expect(info?.code).toBe("THROTTLED");
    expect(info?.retryAfterMs).toBeGreaterThan(0);
    stack.clock.advance(info!.retryAfterMs!);
    const resent = await requestCode(stack, client, "xena@example.com");
    expect(resent.ChallengeName).toBe("CUSTOM_CHALLENGE");
    expect(stack.mailbox.messages("xena@example.com")).toHaveLength(2);
  });

  it("turns the throttle off with triggers: { throttle: false }", async () => {
    const { stack, client } = await setUp({ triggers: { throttle: false } });
    await requestCode(stack, client, "yuri@example.com");
    await requestCode(stack, client, "yuri@example.com");
    expect(stack.mailbox.messages("yuri@example.com")).toHaveLength(2);
  });

  it("expires the code on the stack's clock", async () => {
    const { stack, client } = await setUp({ client: { authSessionValidityMinutes: 15 } });
    const step = await requestCode(stack, client, "zoe@example.com");
    const code = await stack.mailbox.latestCode("zoe@example.com");
    stack.clock.advance(181_000);
    await expect(respond(stack, client, step, code)).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "Incorrect username or password.",
    });
  });

  it("sends no email to an unknown user but answers with the same challenge shape", async () => {
    const { stack, client } = await setUp({ triggers: { throttle: false } });
    const known = await requestCode(stack, client, "ann@example.com");
    const unknown = await startCustomAuth(stack, client, "ghost@example.com");
    expect(Object.keys(unknown.ChallengeParameters!).sort()).toEqual(
      Object.keys(known.ChallengeParameters!).sort(),
    );
    expect(stack.mailbox.messages("ghost@example.com")).toHaveLength(0);
  });

  it("merges trigger options over the defaults (code length, sender)", async () => {
    const { stack, client } = await setUp({
      triggers: { code: { length: 8 }, email: { from: "auth@acme.test", appName: "Acme" } },
    });
    const step = await requestCode(stack, client, "ben@example.com");
    expect(step.ChallengeParameters!.codeLength).toBe("8");
    expect(await stack.mailbox.latestCode("ben@example.com")).toMatch(/^\d{8}$/);
    expect(stack.mailbox.messages("ben@example.com")[0]?.from).toBe("auth@acme.test");
  });
});
