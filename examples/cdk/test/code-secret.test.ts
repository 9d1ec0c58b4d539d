import type { GetSecretValueCommand } from "@aws-sdk/client-secrets-manager";
import { describe, expect, it } from "vitest";
import { readCodeSecret } from "../lambda/code-secret.js";

// A stand-in for Secrets Manager that answers like the service does.
const secretsManager = (answer: { SecretString?: string; SecretBinary?: Uint8Array }) => {
  const asked: string[] = [];
  return {
    asked,
    client: {
      send: async (command: GetSecretValueCommand) => {
        asked.push(command.input.SecretId ?? "");
        return answer;
      },
    } as never,
  };
};

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";

describe("readCodeSecret", () => {
  it("returns the secret string it asked for", async () => {
    const sm = secretsManager({ SecretString: "k".repeat(64) });
    await expect(readCodeSecret(ARN, sm.client)).resolves.toBe("k".repeat(64));
    expect(sm.asked).toEqual([ARN]);
  });

  it.each([
    ["a binary secret", { SecretBinary: new Uint8Array(64) }],
    ["a short secret", { SecretString: "short" }],
  ])("fails closed on %s", async (_name, answer) => {
    await expect(readCodeSecret(ARN, secretsManager(answer).client)).rejects.toThrow(
      /at least 32 characters/,
    );
  });
});
