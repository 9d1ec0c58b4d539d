import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { parseCookieKeys, readCookieKeys } from "@cognito-passcode/token-handler/secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type SecretsManagerStandIn,
  secretsManagerClient,
  startSecretsManager,
} from "../../triggers/test/support/lambda-process.js";
import { KEY_A, KEY_B } from "./support/requests.js";

describe("readCookieKeys (a real SecretsManagerClient)", () => {
  let sm: SecretsManagerStandIn;
  let client: SecretsManagerClient;
  beforeAll(async () => {
    sm = await startSecretsManager({
      one: KEY_A,
      list: JSON.stringify([KEY_B, KEY_A]),
      short: "short-key",
      "short-in-list": JSON.stringify([KEY_A, "short-key"]),
      "not-json": "[not json",
      empty: "[]",
    });
    client = secretsManagerClient(sm);
  });
  afterAll(async () => {
    client.destroy();
    await sm.stop();
  });

  it("reads one key, or a JSON list of keys in order, with a signed request", async () => {
    await expect(readCookieKeys("one", { client })).resolves.toEqual([KEY_A]);
    await expect(readCookieKeys("list", { client })).resolves.toEqual([KEY_B, KEY_A]);
    expect(sm.requests.at(-1)).toEqual({ secretId: "list", signed: true });
  });

  it.each(["short", "short-in-list", "not-json", "empty"])(
    "fails closed on %s, without echoing the value",
    async (id) => {
      const error = await readCookieKeys(id, { client }).catch((e: Error) => e);
      expect(error).toBeInstanceOf(Error);
      expect(String(error)).not.toContain("short-key");
      expect(String(error)).not.toContain(KEY_A);
    },
  );

  it("refuses an empty secret id before asking", async () => {
    const before = sm.requests.length;
    await expect(readCookieKeys(" ", { client })).rejects.toThrow(/ARN or name/);
    expect(sm.requests.length).toBe(before);
  });
});

describe("parseCookieKeys", () => {
  it("refuses a missing (binary) secret string", () => {
    expect(() => parseCookieKeys(undefined)).toThrow(/must be a string/);
  });
});
