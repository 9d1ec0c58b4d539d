import { createCognitoIdentityJsTransport } from "@cognito-passcode/client/cognito-identity-js";
import { CognitoUserPool } from "amazon-cognito-identity-js";
import { describe, expect, it } from "vitest";

describe("createCognitoIdentityJsTransport", () => {
  it.each([undefined, {}, { userPool: {} }])("refuses %j without a CognitoUserPool", (options) => {
    expect(() => createCognitoIdentityJsTransport(options as never)).toThrow(
      expect.objectContaining({ code: "CONFIGURATION_ERROR", details: { field: "userPool" } }),
    );
  });

  it("builds every Transport method from a pool, without any request", () => {
    const userPool = new CognitoUserPool({ UserPoolId: "eu-west-1_abc123", ClientId: "client1" });
    const transport = createCognitoIdentityJsTransport({ userPool });
    expect(Object.keys(transport).sort()).toEqual(
      [
        "globalSignOut",
        "initiateAuth",
        "refresh",
        "respondToAuthChallenge",
        "revokeToken",
        "signUp",
      ].sort(),
    );
  });

  it("refuses a refresh without a refresh token (cookie mode needs the fetch transport), sending nothing", async () => {
    const userPool = new CognitoUserPool({
      UserPoolId: "eu-west-1_abc123",
      ClientId: "client1",
      endpoint: "http://127.0.0.1:9/",
    });
    const transport = createCognitoIdentityJsTransport({ userPool });
    await expect(transport.refresh({})).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
      details: { field: "tokenHandler" },
    });
  });
});
