import { isPasscodeError } from "@cognito-passcode/shared";
import fc from "fast-check";
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
    [{ inboxPort: 65536 }, "inboxPort"],
    [{ inboxPort: 1.5 }, "inboxPort"],
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

  it.each<[string, LocalStackOptions]>([
    [
      "the default username attribute",
      { client: { writeAttributes: ["email", "custom:username"] } },
    ],
    [
      "the configured username attribute",
      {
        pool: { customAttributes: ["handle"] },
        triggers: { username: { attribute: "custom:handle" } } as LocalStackOptions["triggers"],
        client: { writeAttributes: ["name", "custom:handle"] },
      },
    ],
    ["email_verified", { client: { writeAttributes: ["email", "email_verified"] } }],
    ["phone_number_verified", { client: { writeAttributes: ["phone_number_verified"] } }],
  ])(
    "refuses an explicit client.writeAttributes naming %s at start (fail closed)",
    async (_, options) => {
      expect(() => resolveOptions(options)).toThrow(
        expect.objectContaining({
          code: "CONFIGURATION_ERROR",
          details: { field: "client.writeAttributes" },
        }),
      );
      await expect(startLocalStack(options)).rejects.toMatchObject({
        code: "CONFIGURATION_ERROR",
        message: expect.stringMatching(/^client\.writeAttributes /),
      });
    },
  );

  it("property: an explicit client.writeAttributes resolves only without the username attribute and the *_verified flags", () => {
    const schema = [
      "email",
      "name",
      "nickname",
      "email_verified",
      "phone_number_verified",
      "custom:username",
      "custom:handle",
    ];
    const forbidden = (attribute: string) =>
      new Set([attribute, "email_verified", "phone_number_verified"]);
    fc.assert(
      fc.property(
        fc.subarray(schema),
        fc.constantFrom("custom:username", "custom:handle"),
        (list, attribute) => {
          const options: LocalStackOptions = {
            pool: { customAttributes: ["username", "handle"] },
            triggers: { username: { attribute } } as LocalStackOptions["triggers"],
            client: { writeAttributes: list },
          };
          const unsafe = list.some((name) => forbidden(attribute).has(name));
          if (unsafe) {
            expect(() => resolveOptions(options)).toThrow(
              expect.objectContaining({ code: "CONFIGURATION_ERROR" }),
            );
          } else {
            expect([...resolveOptions(options).writeAttributes].sort()).toEqual([...list].sort());
          }
        },
      ),
    );
  });

  it("emulates a misconfigured app client only when asked to, loudly (client.allowUnsafeWriteAttributes)", () => {
    const warnings: string[] = [];
    const config = resolveOptions({
      client: { writeAttributes: ["email", "custom:username"], allowUnsafeWriteAttributes: true },
      logger: { warn: (message: string) => warnings.push(message) },
    });
    expect(config.writeAttributes.has("custom:username")).toBe(true);
    expect(warnings.join("\n")).toMatch(/custom:username/);
    expect(() =>
      resolveOptions({ client: { allowUnsafeWriteAttributes: "yes" as unknown as boolean } }),
    ).toThrow(expect.objectContaining({ code: "CONFIGURATION_ERROR" }));
  });

  it("warns at start when handlers replace Verify and triggers.username.attribute is not given (it assumes custom:username)", () => {
    const verifyAuthChallenge = async <T>(event: T) => event;
    const warningsOf = (options: LocalStackOptions) => {
      const warnings: string[] = [];
      resolveOptions({ ...options, logger: { warn: (message: string) => warnings.push(message) } });
      return warnings;
    };
    const assumed = warningsOf({ handlers: { verifyAuthChallenge } });
    expect(assumed).toHaveLength(1);
    expect(assumed[0]).toMatch(/handlers\.verifyAuthChallenge/);
    expect(assumed[0]).toMatch(/custom:username/);
    expect(assumed[0]).toMatch(/triggers\.username\.attribute/);
    // Named: the stack knows the attribute; the library's own Verify: the stack builds it.
    expect(
      warningsOf({
        handlers: { verifyAuthChallenge },
        pool: { customAttributes: ["handle"] },
        triggers: { username: { attribute: "custom:handle" } } as LocalStackOptions["triggers"],
      }),
    ).toEqual([]);
    expect(warningsOf({})).toEqual([]);
    expect(warningsOf({ handlers: { preSignUp: verifyAuthChallenge } })).toEqual([]);
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
