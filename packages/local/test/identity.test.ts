import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  ListUsersCommand,
  SignUpCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { afterEach, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack, type TriggerEvent } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, PASSWORD, sdkClient } from "./support/clients.js";
import { answerChallenge, startCustomAuth } from "./support/flow.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EMAIL_MISMATCH = {
  name: "InvalidParameterException",
  message: "User email should be empty or same as username, since username attribute is email.",
};

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** A stack on the secret-word triggers, with PostAuthentication recorded too. */
async function start() {
  const triggers = secretWordTriggers();
  stack = await startLocalStack({
    handlers: {
      ...triggers.handlers,
      postAuthentication: async (event: TriggerEvent) => {
        triggers.events.push({ trigger: "postAuthentication", event: structuredClone(event) });
        return event;
      },
    },
  });
  return { stack, client: sdkClient(stack), events: triggers.events };
}

describe("email as username: the internal username is the sub", () => {
  it("SignUp names the user with its sub everywhere: tokens, challenge, AdminGetUser, ListUsers, every trigger", async () => {
    // Prepare
    const { stack, client, events } = await start();
    const { UserSub } = await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "Ana@Example.com",
        Password: PASSWORD,
      }),
    );
    expect(UserSub).toMatch(UUID);
    // Act: sign in by the email alias, in another case
    const started = await startCustomAuth(stack, client, "ana@example.COM");
    const done = await answerChallenge(
      stack,
      client,
      started.Session,
      "ANA@example.com",
      "open-sesame",
    );
    const got = await client.send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "ana@example.com" }),
    );
    const listed = await client.send(new ListUsersCommand({ UserPoolId: stack.userPoolId }));
    // Assess
    expect(started.ChallengeParameters!.USERNAME).toBe(UserSub);
    const id = claims(done.AuthenticationResult!.IdToken!);
    const access = claims(done.AuthenticationResult!.AccessToken!);
    expect(id).toMatchObject({ sub: UserSub, "cognito:username": UserSub });
    expect(access).toMatchObject({ sub: UserSub, username: UserSub });
    expect(got.Username).toBe(UserSub);
    expect(got.UserAttributes).toContainEqual({ Name: "email", Value: "Ana@Example.com" });
    expect(listed.Users!.map((u) => u.Username)).toEqual([UserSub]);
    expect(events.map((e) => e.trigger)).toEqual([
      "preSignUp",
      "define",
      "create",
      "verify",
      "define",
      "postAuthentication",
    ]);
    for (const { event } of events) expect(event.userName).toBe(UserSub);
  });

  it("ListUsers finds the user by username = sub, not by the email alias (AWS: aliases are not usernames there)", async () => {
    const { stack, client } = await start();
    const { UserSub } = await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "bo@example.com",
        Password: PASSWORD,
      }),
    );
    const list = (filter: string) =>
      client.send(new ListUsersCommand({ UserPoolId: stack.userPoolId, Filter: filter }));
    expect((await list(`username = "${UserSub}"`)).Users!.map((u) => u.Username)).toEqual([
      UserSub,
    ]);
    expect((await list('username = "bo@example.com"')).Users).toEqual([]);
    expect((await list('email = "bo@example.com"')).Users!.map((u) => u.Username)).toEqual([
      UserSub,
    ]);
  });

  it("AdminCreateUser answers with the sub as Username, runs PreSignUp with it, and the admin calls accept the email alias", async () => {
    // Prepare
    const { stack, client, events } = await start();
    // Act
    const created = await client.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.userPoolId,
        Username: "cy@example.com",
        MessageAction: "SUPPRESS",
      }),
    );
    // Assess
    const sub = created.User!.Attributes!.find((a) => a.Name === "sub")!.Value!;
    expect(created.User!.Username).toBe(sub);
    const preSignUp = events.find((e) => e.trigger === "preSignUp")!.event;
    expect(preSignUp).toMatchObject({ triggerSource: "PreSignUp_AdminCreateUser", userName: sub });
    await client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: stack.userPoolId,
        Username: "CY@example.com",
        UserAttributes: [{ Name: "custom:username", Value: "cy" }],
      }),
    );
    await client.send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: stack.userPoolId,
        Username: "cy@example.com",
      }),
    );
    const bySub = await client.send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: sub }),
    );
    expect(bySub.UserAttributes).toContainEqual({ Name: "custom:username", Value: "cy" });
    await client.send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: "cy@example.com" }),
    );
    await expect(
      client.send(new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: sub })),
    ).rejects.toMatchObject({ name: "UserNotFoundException" });
  });
});

describe("email as username: an email attribute must be absent or the username", () => {
  it("SignUp refuses an email attribute other than the username, before PreSignUp, and creates nothing", async () => {
    // Prepare
    const { stack, client, events } = await start();
    // Act
    const refused = client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "dee@example.com",
        Password: PASSWORD,
        UserAttributes: [{ Name: "email", Value: "someone.else@example.com" }],
      }),
    );
    // Assess
    await expect(refused).rejects.toMatchObject(EMAIL_MISMATCH);
    expect(events).toEqual([]);
    expect(
      (await client.send(new ListUsersCommand({ UserPoolId: stack.userPoolId }))).Users,
    ).toEqual([]);
    expect(stack.mailbox.messages()).toEqual([]);
  });

  it("SignUp accepts an email attribute equal to the username", async () => {
    const { stack, client } = await start();
    const { UserSub } = await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "eve@example.com",
        Password: PASSWORD,
        UserAttributes: [{ Name: "email", Value: "eve@example.com" }],
      }),
    );
    const got = await client.send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "eve@example.com" }),
    );
    expect(got.Username).toBe(UserSub);
    expect(got.UserAttributes).toContainEqual({ Name: "email", Value: "eve@example.com" });
  });

  it("AdminCreateUser refuses an email attribute other than the username and creates nothing", async () => {
    const { stack, client, events } = await start();
    await expect(
      client.send(
        new AdminCreateUserCommand({
          UserPoolId: stack.userPoolId,
          Username: "fay@example.com",
          UserAttributes: [
            { Name: "email", Value: "other@example.com" },
            { Name: "email_verified", Value: "true" },
          ],
          MessageAction: "SUPPRESS",
        }),
      ),
    ).rejects.toMatchObject(EMAIL_MISMATCH);
    expect(events).toEqual([]);
    expect(
      (await client.send(new ListUsersCommand({ UserPoolId: stack.userPoolId }))).Users,
    ).toEqual([]);
    const created = await client.send(
      new AdminCreateUserCommand({
        UserPoolId: stack.userPoolId,
        Username: "fay@example.com",
        UserAttributes: [{ Name: "email", Value: "fay@example.com" }],
        MessageAction: "SUPPRESS",
      }),
    );
    expect(created.User!.Attributes).toContainEqual({ Name: "email", Value: "fay@example.com" });
  });
});
