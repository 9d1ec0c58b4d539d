import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoError } from "../src/cognito-error.js";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { parseFilter } from "../src/list-users.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, sdkClient } from "./support/clients.js";
import { signIn, signUp } from "./support/flow.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let stack: LocalStack;
const triggers = secretWordTriggers();
beforeAll(async () => {
  stack = await startLocalStack({ handlers: triggers.handlers });
  const client = sdkClient(stack);
  for (const email of ["quinn@example.com", "quincy@example.com", "rose@other.org"]) {
    await signUp(stack, email, client);
  }
});
afterAll(() => stack?.stop());

const admin = () => sdkClient(stack);

describe("admin operations", () => {
  it("AdminCreateUser creates a FORCE_CHANGE_PASSWORD user who can still sign in with custom auth", async () => {
    const created = await admin().send(
      new AdminCreateUserCommand({
        UserPoolId: stack.userPoolId,
        Username: "sam@example.com",
        UserAttributes: [{ Name: "email_verified", Value: "true" }],
        MessageAction: "SUPPRESS",
      }),
    );
    expect(created.User).toMatchObject({
      Username: expect.stringMatching(UUID),
      UserStatus: "FORCE_CHANGE_PASSWORD",
      Enabled: true,
    });
    const event = triggers.events.filter((e) => e.trigger === "preSignUp").at(-1)!.event;
    expect(event.triggerSource).toBe("PreSignUp_AdminCreateUser");
    expect(event.callerContext.clientId).toBe("CLIENT_ID_NOT_APPLICABLE");
    expect(stack.mailbox.messages("sam@example.com")).toHaveLength(0);
    const tokens = await signIn(stack, sdkClient(stack), "sam@example.com");
    expect(claims(tokens.IdToken!)["cognito:username"]).toBe(created.User!.Username);
  });

  it("AdminCreateUser emails a temporary password unless suppressed", async () => {
    await admin().send(
      new AdminCreateUserCommand({ UserPoolId: stack.userPoolId, Username: "tia@example.com" }),
    );
    const [mail] = stack.mailbox.messages("tia@example.com");
    expect(mail?.text).toMatch(/temporary password/);
    await expect(
      admin().send(
        new AdminCreateUserCommand({ UserPoolId: stack.userPoolId, Username: "TIA@example.com" }),
      ),
    ).rejects.toMatchObject({ name: "UsernameExistsException" });
  });

  it("AdminGetUser finds a user by email in any case, by internal username and by sub", async () => {
    const byEmail = await admin().send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "QUINN@example.com" }),
    );
    expect(byEmail.UserStatus).toBe("CONFIRMED");
    const sub = byEmail.UserAttributes!.find((a) => a.Name === "sub")!.Value!;
    for (const name of [byEmail.Username!, sub]) {
      const again = await admin().send(
        new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: name }),
      );
      expect(again.Username).toBe(byEmail.Username);
    }
    expect(byEmail.UserCreateDate).toBeInstanceOf(Date);
  });

  it("AdminUpdateUserAttributes writes what the app client may not, but never sub", async () => {
    await admin().send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: stack.userPoolId,
        Username: "quincy@example.com",
        UserAttributes: [{ Name: "custom:username", Value: "quincy" }],
      }),
    );
    const user = await admin().send(
      new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "quincy@example.com" }),
    );
    expect(user.UserAttributes).toContainEqual({ Name: "custom:username", Value: "quincy" });
    await expect(
      admin().send(
        new AdminUpdateUserAttributesCommand({
          UserPoolId: stack.userPoolId,
          Username: "quincy@example.com",
          UserAttributes: [{ Name: "sub", Value: "x" }],
        }),
      ),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
  });

  it("AdminDeleteUser deletes", async () => {
    await signUp(stack, "uma@example.com");
    await admin().send(
      new AdminDeleteUserCommand({ UserPoolId: stack.userPoolId, Username: "uma@example.com" }),
    );
    await expect(
      admin().send(
        new AdminGetUserCommand({ UserPoolId: stack.userPoolId, Username: "uma@example.com" }),
      ),
    ).rejects.toMatchObject({ name: "UserNotFoundException", message: "User does not exist." });
  });
});

describe("ListUsers", () => {
  const list = (Filter?: string, Limit?: number, PaginationToken?: string) =>
    admin().send(
      new ListUsersCommand({ UserPoolId: stack.userPoolId, Filter, Limit, PaginationToken }),
    );
  const emails = (users: { Attributes?: { Name?: string; Value?: string }[] }[] | undefined) =>
    (users ?? []).map((u) => u.Attributes!.find((a) => a.Name === "email")!.Value).sort();

  it('filters with `attr = "value"` and `attr ^= "prefix"`', async () => {
    expect(emails((await list('email = "Quinn@Example.com"')).Users)).toEqual([
      "quinn@example.com",
    ]);
    expect(emails((await list('email ^= "quin"')).Users)).toEqual([
      "quincy@example.com",
      "quinn@example.com",
    ]);
    expect(emails((await list('email^="rose"')).Users)).toEqual(["rose@other.org"]);
    expect(
      (await list('cognito:user_status = "FORCE_CHANGE_PASSWORD"')).Users!.length,
    ).toBeGreaterThan(0);
    expect((await list('status = "Enabled"')).Users!.length).toBeGreaterThanOrEqual(3);
  });

  it("pages with Limit and PaginationToken", async () => {
    const all = await list(undefined, 60);
    const first = await list(undefined, 2);
    expect(first.Users).toHaveLength(2);
    expect(first.PaginationToken).toBeTruthy();
    const rest = await list(undefined, 60, first.PaginationToken);
    expect(first.Users!.length + rest.Users!.length).toBe(all.Users!.length);
  });

  it("refuses custom attributes and malformed filters", async () => {
    await expect(list('custom:username = "x"')).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
    await expect(list("email = quinn")).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
  });

  it("parses any quoted value back exactly (property)", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/["\\]/.test(s)),
        fc.boolean(),
        (value, prefix) => {
          const parsed = parseFilter(`email ${prefix ? "^=" : "="} "${value}"`);
          expect(parsed).toEqual({ attribute: "email", prefix, value });
        },
      ),
    );
  });

  it("fails closed on arbitrary filters: a result or Cognito's error, nothing else (property)", () => {
    fc.assert(
      fc.property(fc.string(), (filter) => {
        try {
          parseFilter(filter);
        } catch (error) {
          expect(error).toBeInstanceOf(CognitoError);
        }
      }),
    );
  });
});
