import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  RevokeTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { PASSWORD, sdkClient } from "./support/clients.js";
import { signUpAndSignIn } from "./support/flow.js";

// Answers the local stack gave that the cognito-idp model rules out (issue 14, rows 11-13):
// each names an error the operation's model error list has, and does what Cognito does.

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ handlers: secretWordTriggers().handlers });
});
afterAll(async () => {
  await stack?.stop();
});

describe("RevokeToken answers only errors its model lists", () => {
  it("refuses an access token with UnsupportedTokenTypeException and leaves it working", async () => {
    const client = sdkClient(stack);
    const tokens = await signUpAndSignIn(stack, client, "rita@example.com");
    await expect(
      client.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: tokens.AccessToken! })),
    ).rejects.toMatchObject({ name: "UnsupportedTokenTypeException" });
    await expect(
      client.send(new RevokeTokenCommand({ ClientId: stack.clientId, Token: tokens.IdToken! })),
    ).rejects.toMatchObject({ name: "UnsupportedTokenTypeException" });
    const user = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(user.Username).toBeTruthy();
  });

  it("answers an unknown app client with UnauthorizedException, not ResourceNotFoundException", async () => {
    const client = sdkClient(stack);
    const tokens = await signUpAndSignIn(stack, client, "ravi@example.com");
    await expect(
      client.send(
        new RevokeTokenCommand({ ClientId: "someotherclient1", Token: tokens.RefreshToken! }),
      ),
    ).rejects.toMatchObject({ name: "UnauthorizedException" });
  });
});

describe("GlobalSignOut answers only errors its model lists", () => {
  it("answers a deleted user's token with NotAuthorizedException, not UserNotFoundException", async () => {
    const client = sdkClient(stack);
    const tokens = await signUpAndSignIn(stack, client, "gil@example.com");
    const { Username } = await client.send(
      new GetUserCommand({ AccessToken: tokens.AccessToken! }),
    );
    await client.send(new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username }));
    await expect(
      client.send(new GlobalSignOutCommand({ AccessToken: tokens.AccessToken! })),
    ).rejects.toMatchObject({ name: "NotAuthorizedException" });
  });
});

describe("AdminCreateUser checks TemporaryPassword and RESEND as Cognito does", () => {
  it("refuses a TemporaryPassword outside the password policy, and creates nobody", async () => {
    const client = sdkClient(stack);
    await expect(
      client.send(
        new AdminCreateUserCommand({
          UserPoolId: stack.userPoolId,
          Username: "tess@example.com",
          TemporaryPassword: "password",
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidPasswordException",
      message: "Password did not conform with policy: Password must have uppercase characters",
    });
    await expect(
      client.send(
        new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "tess@example.com" }),
      ),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
    expect(stack.mailbox.messages("tess@example.com")).toHaveLength(0);
  });

  it("RESEND emails an invited user again, and refuses a confirmed one with UnsupportedUserStateException", async () => {
    const client = sdkClient(stack);
    const invite = (action?: "RESEND") =>
      client.send(
        new AdminCreateUserCommand({
          UserPoolId: stack.userPoolId,
          Username: "ivy@example.com",
          ...(action ? { MessageAction: action } : {}),
        }),
      );
    await invite();
    const resent = await invite("RESEND");
    expect(resent.User?.UserStatus).toBe("FORCE_CHANGE_PASSWORD");
    expect(stack.mailbox.messages("ivy@example.com")).toHaveLength(2);

    await signUpAndSignIn(stack, client, "cora@example.com");
    await expect(
      client.send(
        new AdminCreateUserCommand({
          UserPoolId: stack.userPoolId,
          Username: "cora@example.com",
          MessageAction: "RESEND",
          TemporaryPassword: PASSWORD,
        }),
      ),
    ).rejects.toMatchObject({ name: "UnsupportedUserStateException" });
    expect(stack.mailbox.messages("cora@example.com")).toHaveLength(0);
  });
});
