import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  ListUsersCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CognitoError } from "../src/cognito-error.js";
import { type LocalStack, startLocalStack } from "../src/index.js";
import { parseFilter } from "../src/list-users.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, claims, sdkClient } from "./support/clients.js";
import { refreshWith, signIn, signUp, signUpAndSignIn } from "./support/flow.js";

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

describe("AdminUserGlobalSignOut", () => {
  /** Signed with a copy of the stack's credentials (the SDK marks the object it is given). */
  const signed = () =>
    new CognitoIdentityProviderClient({
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { ...stack.credentials },
      maxAttempts: 1,
    });
  const getUser = (token: string) =>
    sdkClient(stack).send(new GetUserCommand({ AccessToken: token }));

  it("revokes every refresh and access token of the user, leaves other users' alone, and tokens issued after it work", async () => {
    // Prepare: two sessions of one user, one of a bystander
    const first = await signUpAndSignIn(stack, sdkClient(stack), "vic@example.com");
    const second = await signIn(stack, sdkClient(stack), "vic@example.com");
    const bystander = await signUpAndSignIn(stack, sdkClient(stack), "wes@example.com");
    // Act
    const answer = await signed().send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: stack.userPoolId,
        Username: "VIC@example.com",
      }),
    );
    const after = await signIn(stack, sdkClient(stack), "vic@example.com");
    // Assess
    expect(answer.$metadata.httpStatusCode).toBe(200);
    for (const tokens of [first, second]) {
      await expect(getUser(tokens.AccessToken!)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Access Token has been revoked",
      });
      await expect(refreshWith(stack, tokens.RefreshToken!)).rejects.toMatchObject({
        name: "NotAuthorizedException",
        message: "Refresh Token has been revoked",
      });
      await expect(
        sdkClient(stack).send(
          new GetTokensFromRefreshTokenCommand({
            ClientId: stack.clientId,
            RefreshToken: tokens.RefreshToken!,
          }),
        ),
      ).rejects.toMatchObject({ name: "NotAuthorizedException" });
    }
    expect((await getUser(after.AccessToken!)).Username).toBeTruthy();
    expect((await refreshWith(stack, after.RefreshToken!)).AuthenticationResult).toBeDefined();
    expect((await getUser(bystander.AccessToken!)).Username).toBeTruthy();
    expect((await refreshWith(stack, bystander.RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("finds the user by internal username and by sub, and answers UserNotFoundException for an unknown one", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "xan@example.com");
    const id = claims(tokens.IdToken!);
    // Act
    for (const name of [String(id["cognito:username"]), String(id.sub)]) {
      await signed().send(
        new AdminUserGlobalSignOutCommand({ UserPoolId: stack.userPoolId, Username: name }),
      );
    }
    const unknown = signed().send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: stack.userPoolId,
        Username: "nobody@example.com",
      }),
    );
    const otherPool = signed().send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: "us-east-1_Nope12345",
        Username: "xan@example.com",
      }),
    );
    // Assess
    await expect(refreshWith(stack, tokens.RefreshToken!)).rejects.toMatchObject({
      message: "Refresh Token has been revoked",
    });
    await expect(unknown).rejects.toMatchObject({
      name: "UserNotFoundException",
      message: "User does not exist.",
    });
    await expect(otherPool).rejects.toMatchObject({ name: "ResourceNotFoundException" });
  });

  it("refuses an unsigned call and one signed with other credentials, and then revokes nothing", async () => {
    // Prepare
    const tokens = await signUpAndSignIn(stack, sdkClient(stack), "yul@example.com");
    const forged = new CognitoIdentityProviderClient({
      endpoint: stack.endpoint,
      region: stack.region,
      credentials: { accessKeyId: stack.credentials.accessKeyId, secretAccessKey: "x".repeat(40) },
      maxAttempts: 1,
    });
    // Act
    const unsigned = await call(stack, "AdminUserGlobalSignOut", {
      UserPoolId: stack.userPoolId,
      Username: "yul@example.com",
    });
    const wrongSecret = forged.send(
      new AdminUserGlobalSignOutCommand({
        UserPoolId: stack.userPoolId,
        Username: "yul@example.com",
      }),
    );
    // Assess
    expect(unsigned.body.__type).toBe("MissingAuthenticationTokenException");
    await expect(wrongSecret).rejects.toMatchObject({ name: "InvalidSignatureException" });
    expect((await refreshWith(stack, tokens.RefreshToken!)).AuthenticationResult).toBeDefined();
  });

  it("validates the Username shape of the service model", async () => {
    const empty = await signed()
      .send(new AdminUserGlobalSignOutCommand({ UserPoolId: stack.userPoolId, Username: "" }))
      .catch((e: Error) => e);
    expect(empty).toMatchObject({ name: "InvalidParameterException" });
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
