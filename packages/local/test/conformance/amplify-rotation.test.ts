// Amplify v6 refreshes with GetTokensFromRefreshToken and keeps the refresh
// token it returns: against an app client that rotates refresh tokens, a real
// client stays signed in across refreshes while every token it gave up is
// refused. Its own file, so Amplify's process-wide state meets one stack.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../../src/index.js";
import { call } from "../support/clients.js";
import { amplify } from "./clients/amplify.js";
import { ScenarioContext, SESSION_VALIDITY_MINUTES } from "./support/fixture.js";

let stack: LocalStack;
let ctx: ScenarioContext;
beforeAll(async () => {
  stack = await startLocalStack({
    client: {
      authSessionValidityMinutes: SESSION_VALIDITY_MINUTES,
      refreshTokenRotation: { enabled: true, retryGracePeriodSeconds: 0 },
    },
  });
  ctx = new ScenarioContext(stack, amplify.create(stack), amplify.name);
});
afterAll(async () => {
  await ctx?.client.close();
  await ctx?.close();
  await stack?.stop();
});

describe("conformance: Amplify v6 against an app client that rotates refresh tokens", () => {
  it("refreshes twice, each time holding the new refresh token; the ones it gave up are refused", async () => {
    // Prepare
    const signedIn = await ctx.registerUser(ctx.email("rotation"), ctx.username("rotation"));
    // Act
    const first = await ctx.client.refresh(signedIn);
    const second = await ctx.client.refresh(first);
    // Assess
    const held = [signedIn.refreshToken, first.refreshToken, second.refreshToken];
    expect(new Set(held).size).toBe(3);
    const verified = await ctx.verify(second);
    expect(verified.id.sub).toBe((await ctx.verify(signedIn)).id.sub);
    for (const given of [signedIn.refreshToken, first.refreshToken]) {
      const answer = await call(stack, "GetTokensFromRefreshToken", {
        ClientId: stack.clientId,
        RefreshToken: given,
      });
      expect(answer.body.__type).toBe("RefreshTokenReuseException");
    }
    expect(await ctx.client.getUser(second)).toMatchObject({ sub: verified.id.sub });
  });
});
