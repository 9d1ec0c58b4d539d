import { isPasscodeError } from "@cognito-passcode/shared";
import { describe, expect, it } from "vitest";
import { type LocalStackOptions, startLocalStack } from "../src/index.js";
import { resolveOptions } from "../src/resolve-options.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { call, sdkClient } from "./support/clients.js";
import { signUpAndSignIn } from "./support/flow.js";

describe("options", () => {
  it("defaults to an AWS-shaped pool, Cognito's app-client defaults and a 5 s trigger limit", () => {
    const config = resolveOptions();
    expect(config.userPoolId).toMatch(/^us-east-1_[A-Za-z0-9]{9}$/);
    expect(config.clientId).toMatch(/^[a-z0-9]{26}$/);
    expect(config.triggerTimeoutMs).toBe(5000);
    expect(config.authSessionValidityMs).toBe(3 * 60_000);
    expect(config.idTokenValidityMs).toBe(60 * 60_000);
    expect(config.refreshTokenValidityMs).toBe(30 * 24 * 60 * 60_000);
    expect([...config.explicitAuthFlows].sort()).toEqual([
      "ALLOW_CUSTOM_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    expect(config.preventUserExistenceErrors).toBe(true);
    expect(config.writeAttributes.has("custom:username")).toBe(false);
    expect(config.writeAttributes.has("email")).toBe(true);
    expect(config.readAttributes.has("custom:username")).toBe(true);
  });

  it.each<[LocalStackOptions, string]>([
    [{ port: -1 }, "port"],
    [{ region: "mars" }, "region"],
    [{ userPoolId: "nope" }, "userPoolId"],
    [{ client: { authSessionValidityMinutes: 16 } }, "client.authSessionValidityMinutes"],
    [{ client: { idTokenValidityMinutes: 4 } }, "client.idTokenValidityMinutes"],
    [{ client: { explicitAuthFlows: ["ALLOW_MAGIC"] } }, "client.explicitAuthFlows"],
    [{ client: { readAttributes: ["custom:nope"] } }, "client.readAttributes"],
    [{ client: { writeAttributes: ["sub"] } }, "client.writeAttributes"],
    [
      { client: { preventUserExistenceErrors: "OFF" as "LEGACY" } },
      "client.preventUserExistenceErrors",
    ],
    [{ pool: { customAttributes: ["bad name"] } }, "pool.customAttributes"],
    [{ triggerTimeoutMs: 0 }, "triggerTimeoutMs"],
    [{ now: 5 as unknown as () => number }, "now"],
  ])("refuses %j naming the field", (options, field) => {
    let caught: unknown;
    try {
      resolveOptions(options);
    } catch (error) {
      caught = error;
    }
    expect(isPasscodeError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
  });

  it("refuses a handler that is neither a function nor a module path", async () => {
    await expect(
      startLocalStack({ handlers: { preSignUp: 42 as unknown as string } }),
    ).rejects.toMatchObject({
      code: "CONFIGURATION_ERROR",
      details: { field: "handlers.preSignUp" },
    });
  });

  it("answers RevokeToken as unsupported when token revocation is off", async () => {
    const stack = await startLocalStack({
      handlers: secretWordTriggers().handlers,
      client: { enableTokenRevocation: false },
    });
    try {
      const tokens = await signUpAndSignIn(stack, sdkClient(stack), "mo@example.com");
      const { body } = await call(stack, "RevokeToken", {
        ClientId: stack.clientId,
        Token: tokens.RefreshToken,
      });
      expect(body.__type).toBe("UnsupportedOperationException");
      expect(
        JSON.parse(Buffer.from(tokens.IdToken!.split(".")[1]!, "base64url").toString()),
      ).not.toHaveProperty("origin_jti");
    } finally {
      await stack.stop();
    }
  });

  it("starts the whole stack, triggers included, quickly", async () => {
    const started = performance.now();
    const stack = await startLocalStack();
    const ms = performance.now() - started;
    await stack.stop();
    // The target is 1.5 s on a quiet 2-core machine; allow headroom for a busy CI host.
    expect(ms).toBeLessThan(4000);
  });
});
