import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineEvent, knownUser } from "./support/events.js";
import { type LambdaProcess, PREBUILT, startLambda } from "./support/lambda-process.js";

// What a failed secret read may show a caller. Cognito forwards a trigger's
// error message to the (unauthenticated) browser as
// "UserLambdaValidationException: <Trigger> failed with error <message>", so
// the prebuilt handler must turn a failed read into a stable code, as the
// triggers' own `guarded` does with every unexpected error.

const ACCOUNT = "123456789012";
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:CodeSecret-AbCdEf`;
const SECRET = "b6Yq1x2ZkT9s0Vw3Lr8Pm4Nc7Hd5Jf2Ga1Qe6Ku0Ti9Sb3Xo";
// Secrets Manager's own wording for a role without the permission.
const DENIED =
  `User: arn:aws:sts::${ACCOUNT}:assumed-role/Passcode-AuthCreateAuthChallengeRole1A2B3C4D/` +
  `Passcode-AuthCreateAuthChallenge5E6F7A8B is not authorized to perform: ` +
  `secretsmanager:GetSecretValue on resource: ${SECRET_ARN} because no identity-based policy ` +
  "allows the secretsmanager:GetSecretValue action";

const REQUIRED = {
  PASSCODE_TABLE_NAME: "cognito-passcode",
  PASSCODE_EMAIL_FROM: "no-reply@example.com",
  PASSCODE_APP_NAME: "Acme",
  PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
};

/** A GetSecretValue stand-in that denies the first `deny` reads, then serves the secret. */
async function secretsManager(deny: number) {
  let reads = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      reads++;
      const denied = reads <= deny;
      res.writeHead(denied ? 400 : 200, { "content-type": "application/x-amz-json-1.1" });
      res.end(
        JSON.stringify(
          denied
            ? { __type: "AccessDeniedException", Message: DENIED }
            : { ARN: SECRET_ARN, Name: "CodeSecret", SecretString: SECRET, VersionId: "v1" },
        ),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads: () => reads,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("the prebuilt bundle when the code secret cannot be read", { timeout: 60_000 }, () => {
  const stops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });
  const start = async (deny: number, handler: string) => {
    const sm = await secretsManager(deny);
    stops.push(sm.stop);
    const p: LambdaProcess = await startLambda(PREBUILT.triggers, {
      ...REQUIRED,
      _HANDLER: handler,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
      AWS_MAX_ATTEMPTS: "1",
    });
    stops.push(p.stop);
    return { sm, p };
  };

  let denied: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    denied = await start(Number.POSITIVE_INFINITY, "index.createAuthChallenge");
  });

  it.each(["createAuthChallenge", "verifyAuthChallengeResponse", "handler"])(
    "%s fails with a stable SERVICE_ERROR that names no account, role or ARN",
    async (name) => {
      const result = await denied.p.invoke(name, defineEvent(knownUser(), []));
      if (!("error" in result))
        throw new Error(`expected a failure, got ${JSON.stringify(result)}`);
      expect(result.error.message).toMatch(/^SERVICE_ERROR\b/);
      expect(result.error.message).not.toContain(ACCOUNT);
      expect(result.error.message).not.toMatch(/arn:|assumed-role|secretsmanager/i);
    },
  );

  it("logs the failure for the operator, without the secret", async () => {
    const logs = denied.p.logs().join("\n");
    expect(logs).toContain("AccessDeniedException");
    expect(logs).not.toContain(SECRET);
  });

  it("reads the secret again on the next call after a failed read, then keeps it", async () => {
    const { sm, p } = await start(1, "index.handler");
    expect(p.init).toMatchObject({ init: "ok" });
    // Let the read started at start-up fail first: the handler logs the
    // failure in the same turn as it forgets the failed read (no fixed sleep,
    // which a slow machine can outlast).
    while (!p.logs().some((line) => line.includes("code secret read failed"))) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sm.reads()).toBe(1);
    const event = defineEvent(knownUser(), []);
    const first = await p.invoke("handler", event);
    expect(first).toMatchObject({ ok: { response: { challengeName: "CUSTOM_CHALLENGE" } } });
    await p.invoke("handler", event);
    // One denied read at start-up, one good read, then none.
    expect(sm.reads()).toBe(2);
  });
});
