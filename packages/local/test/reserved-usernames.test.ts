import { parseChallengeParameters } from "@cognito-passcode/shared";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { claims, sdkClient } from "./support/clients.js";
import { answerStep, signUp, startCustomAuth } from "./support/flow.js";

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

describe("reserved usernames on the local stack (issue 10, point 8)", () => {
  it("refuses look-alikes of reserved names and staff words at the USERNAME step, then takes a normal name", async () => {
    // Prepare: the default triggers, default username policy.
    stack = await startLocalStack({ port: 0 });
    const client = sdkClient(stack);
    const email = "rita@example.com";
    await signUp(stack, email, client);
    const codeStep = await startCustomAuth(stack, client, email);
    let step = await answerStep(stack, client, codeStep, await stack.mailbox.latestCode(email));
    const first = parseChallengeParameters(step.ChallengeParameters);
    expect(first).toMatchObject({ step: "USERNAME", rejected: false });
    let attemptsLeft = first?.step === "USERNAME" ? first.attemptsLeft : 0;
    expect(attemptsLeft).toBeGreaterThan(4);

    // Act and assess: each look-alike comes back as another USERNAME challenge
    // with rejected=true and one attempt fewer, no tokens: the browser client
    // reports exactly that as USERNAME_UNAVAILABLE.
    for (const name of ["supp0rt", "adrnin", "the_admin", "support_team"]) {
      step = await answerStep(stack, client, step, name);
      // No tokens (and none printed should it fail).
      expect(step.AuthenticationResult === undefined, name).toBe(true);
      expect(parseChallengeParameters(step.ChallengeParameters), name).toMatchObject({
        step: "USERNAME",
        rejected: true,
        attemptsLeft: attemptsLeft - 1,
      });
      attemptsLeft--;
    }
    const done = await answerStep(stack, client, step, "Rita_Levi");
    expect(claims(done.AuthenticationResult!.IdToken!)["custom:username"]).toBe("rita_levi");
  });
});
