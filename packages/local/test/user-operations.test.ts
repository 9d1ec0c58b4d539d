import {
  DeleteUserCommand,
  GetUserCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { describe, expect, it } from "vitest";
import type { LocalStack, LocalStackOptions } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { claims, PASSWORD, sdkClient, stackPerTest } from "./support/clients.js";
import { signIn, signUpAndSignIn } from "./support/flow.js";

const startStack = stackPerTest();

async function setUp(options: LocalStackOptions = {}) {
  const { stack, client } = await startStack({
    ...options,
    handlers: secretWordTriggers().handlers,
  });
  const tokens = await signUpAndSignIn(stack, client, "olga@example.com");
  return { stack, client, tokens };
}

function update(s: LocalStack, token: string, attributes: Record<string, string>) {
  return sdkClient(s).send(
    new UpdateUserAttributesCommand({
      AccessToken: token,
      UserAttributes: Object.entries(attributes).map(([Name, Value]) => ({ Name, Value })),
    }),
  );
}

describe("user operations and the app client's attribute permissions", () => {
  it("GetUser returns the user's readable attributes", async () => {
    const { client, tokens } = await setUp();
    const user = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(user.Username).toBe(claims(tokens.IdToken!)["cognito:username"]);
    const attributes = Object.fromEntries(user.UserAttributes!.map((a) => [a.Name, a.Value]));
    expect(attributes).toMatchObject({
      email: "olga@example.com",
      sub: claims(tokens.IdToken!).sub,
    });
  });

  it("limits GetUser and the ID token to ReadAttributes (sub always readable)", async () => {
    const { client, tokens } = await setUp({
      client: { readAttributes: ["email", "custom:username"] },
    });
    const user = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    expect(user.UserAttributes!.map((a) => a.Name).sort()).toEqual(["email", "sub"]);
    const id = claims(tokens.IdToken!);
    expect(id.email).toBe("olga@example.com");
    expect(id).not.toHaveProperty("email_verified");
  });

  it("refuses a write to custom:username, which the default client cannot write", async () => {
    const { stack, tokens } = await setUp();
    await expect(
      update(stack, tokens.AccessToken!, { "custom:username": "mallory" }),
    ).rejects.toMatchObject({
      name: "NotAuthorizedException",
      message: "A client attempted to write unauthorized attribute",
    });
    await expect(
      update(stack, tokens.AccessToken!, { email_verified: "true" }),
    ).rejects.toMatchObject({
      name: "NotAuthorizedException",
    });
    await update(stack, tokens.AccessToken!, { name: "Olga" });
    const refreshed = await signIn(stack, sdkClient(stack), "olga@example.com");
    expect(claims(refreshed.IdToken!).name).toBe("Olga");
    expect(claims(refreshed.IdToken!)).not.toHaveProperty("custom:username");
  });

  it("allows what WriteAttributes lists", async () => {
    const { stack, tokens } = await setUp({ client: { writeAttributes: ["nickname"] } });
    await update(stack, tokens.AccessToken!, { nickname: "olga" });
    await expect(update(stack, tokens.AccessToken!, { name: "Olga" })).rejects.toMatchObject({
      message: "A client attempted to write unauthorized attribute",
    });
  });

  it("refuses attributes outside the schema", async () => {
    const { stack, tokens } = await setUp();
    await expect(update(stack, tokens.AccessToken!, { "custom:nope": "x" })).rejects.toMatchObject({
      name: "InvalidParameterException",
    });
  });

  it("marks a changed email unverified and refuses an email another user has", async () => {
    // Without the AttributesRequireVerificationBeforeUpdate emulation the change applies at once.
    const { stack, client, tokens } = await setUp({
      pool: { attributesRequireVerificationBeforeUpdate: [] },
    });
    await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "pam@example.com",
        Password: PASSWORD,
      }),
    );
    await expect(
      update(stack, tokens.AccessToken!, { email: "PAM@example.com" }),
    ).rejects.toMatchObject({
      name: "AliasExistsException",
    });
    const result = await update(stack, tokens.AccessToken!, { email: "olga2@example.com" });
    expect(result.CodeDeliveryDetailsList?.[0]).toMatchObject({
      DeliveryMedium: "EMAIL",
      AttributeName: "email",
    });
    const user = await client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! }));
    const attributes = Object.fromEntries(user.UserAttributes!.map((a) => [a.Name, a.Value]));
    expect(attributes).toMatchObject({ email: "olga2@example.com", email_verified: "false" });
  });

  it("DeleteUser removes the user; their token then finds no user", async () => {
    const { stack, client, tokens } = await setUp();
    await client.send(new DeleteUserCommand({ AccessToken: tokens.AccessToken! }));
    await expect(
      client.send(new GetUserCommand({ AccessToken: tokens.AccessToken! })),
    ).rejects.toMatchObject({
      name: "UserNotFoundException",
    });
    // The email is free again.
    await client.send(
      new SignUpCommand({
        ClientId: stack.clientId,
        Username: "olga@example.com",
        Password: PASSWORD,
      }),
    );
  });
});
