import {
  DeleteUserCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserAttributeVerificationCodeCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  RevokeTokenCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, sdkClient } from "./support/clients.js";
import { answerChallenge, refreshWith, signUpAndSignIn, startCustomAuth } from "./support/flow.js";

// Issue 14 review: with the sub as the internal username and the email as an
// alias, a sign-in session stays bound to its user whatever form USERNAME
// takes, an unknown user's session behaves like a known one's, and no token
// of one kind is accepted where another kind is expected.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
});
afterAll(async () => {
  await stack?.stop();
});

const INVALID_SESSION = {
  name: "NotAuthorizedException",
  message: "Invalid session for the user.",
};

describe("a sign-in session is bound to its user, by email or by sub", () => {
  it("accepts the user's own email (any case) or sub, and refuses another user's email or sub", async () => {
    // Prepare: two users, their subs
    const client = sdkClient(stack);
    const ann = claims((await signUpAndSignIn(stack, client, "ann@example.com")).AccessToken!);
    const bob = claims((await signUpAndSignIn(stack, client, "bob@example.com")).AccessToken!);
    const own = ["ann@example.com", "ANN@Example.com", String(ann.sub)];
    const foreign = ["bob@example.com", String(bob.sub)];
    for (const started of ["ann@example.com", String(ann.sub)]) {
      for (const name of own) {
        // Act
        const opened = await startCustomAuth(stack, client, started);
        const answered = await answerChallenge(stack, client, opened.Session, name, "open-sesame");
        // Assess
        expect(claims(answered.AuthenticationResult!.AccessToken!).sub).toBe(ann.sub);
      }
      for (const name of foreign) {
        const opened = await startCustomAuth(stack, client, started);
        await expect(
          answerChallenge(stack, client, opened.Session, name, "open-sesame"),
        ).rejects.toMatchObject(INVALID_SESSION);
      }
    }
  });

  it("treats an unknown user's typed name as it treats a known user's: trimmed and in any case", async () => {
    // Prepare: one known user; a known and an unknown address typed with
    // spaces around them, answered with the same text in capitals
    const client = sdkClient(stack);
    await signUpAndSignIn(stack, client, "cat@example.com");
    const outcome = async (typed: string) => {
      const opened = await startCustomAuth(stack, client, typed);
      try {
        const next = await answerChallenge(
          stack,
          client,
          opened.Session,
          typed.toUpperCase(),
          "wrong",
        );
        return next.ChallengeName ?? "tokens";
      } catch (error) {
        return `${(error as Error).name}: ${(error as Error).message}`;
      }
    };
    // Act
    const known = await outcome("  cat@example.com ");
    const unknown = await outcome("  nobody-here@example.com ");
    // Assess: a wrong answer either way, with the next challenge; no
    // "Invalid session" for the unknown one only (a user-existence oracle)
    expect(known).toBe("CUSTOM_CHALLENGE");
    expect(unknown).toBe(known);
  });
});

describe("a token of one kind is refused where another kind is expected", () => {
  it("no access-token API accepts an ID token or a refresh token", async () => {
    // Prepare
    const client = sdkClient(stack);
    const tokens = await signUpAndSignIn(stack, client, "dan@example.com");
    for (const wrong of [tokens.IdToken!, tokens.RefreshToken!]) {
      const calls = [
        new GetUserCommand({ AccessToken: wrong }),
        new UpdateUserAttributesCommand({
          AccessToken: wrong,
          UserAttributes: [{ Name: "name", Value: "Mallory" }],
        }),
        new GetUserAttributeVerificationCodeCommand({ AccessToken: wrong, AttributeName: "email" }),
        new VerifyUserAttributeCommand({
          AccessToken: wrong,
          AttributeName: "email",
          Code: "123456",
        }),
        new GlobalSignOutCommand({ AccessToken: wrong }),
        new DeleteUserCommand({ AccessToken: wrong }),
      ];
      for (const command of calls) {
        // Act + Assess
        // biome-ignore lint/suspicious/noExplicitAny: one loop over several command types
        await expect(client.send(command as any)).rejects.toMatchObject({
          name: "NotAuthorizedException",
          message: "Invalid Access Token",
        });
      }
    }
    // The user and every token are untouched.
    expect(
      (await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }))).Username,
    ).toBe(claims(tokens.AccessToken!).username);
  });

  it("no refresh path accepts an ID or access token, and RevokeToken refuses both", async () => {
    const client = sdkClient(stack);
    const tokens = await signUpAndSignIn(stack, client, "eve@example.com");
    for (const wrong of [tokens.IdToken!, tokens.AccessToken!]) {
      await expect(refreshWith(stack, wrong)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Invalid Refresh Token",
      });
      await expect(
        client.send(
          new GetTokensFromRefreshTokenCommand({ ClientId: stack.clientId, RefreshToken: wrong }),
        ),
      ).rejects.toMatchObject({ name: "NotAuthorizedException", message: "Invalid Refresh Token" });
      await expect(
        client.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: wrong })),
      ).rejects.toMatchObject({ name: "UnsupportedTokenTypeException" });
    }
    expect(
      (await refreshWith(stack, tokens.RefreshToken!)).AuthenticationResult?.AccessToken,
    ).toBeTruthy();
  });
});
