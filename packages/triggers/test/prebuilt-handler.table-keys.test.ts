import type { AddressInfo } from "node:net";
import server from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynaliteTable, startDynaliteTable } from "./support/dynalite-table.js";
import { createEvent, knownUser, unknownUser } from "./support/events.js";
import {
  type LambdaProcess,
  PREBUILT,
  type SecretsManagerStandIn,
  startLambda,
  startSecretsManager,
} from "./support/lambda-process.js";

// @cognito-passcode/cdk lets Create reach only the table's `throttle#`
// records (IAM dynamodb:LeadingKeys). This checks the prebuilt Create, run
// as Lambda runs it against a real table, keeps to them: for a known user,
// an unknown one, and a throttled send.

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:CodeSecret-AbCdEf";
const SECRET = "b6Yq1x2ZkT9s0Vw3Lr8Pm4Nc7Hd5Jf2Ga1Qe6Ku0Ti9Sb3Xo";

describe("the prebuilt Create's table keys", { timeout: 60_000 }, () => {
  let table: DynaliteTable;
  let ses: Awaited<ReturnType<typeof server>>;
  let sm: SecretsManagerStandIn;
  let create: LambdaProcess;
  beforeAll(async () => {
    table = await startDynaliteTable();
    ses = await server({ host: "127.0.0.1", port: 0 });
    sm = await startSecretsManager({ [SECRET_ARN]: SECRET });
    create = await startLambda(PREBUILT.triggers, {
      PASSCODE_TABLE_NAME: table.tableName,
      PASSCODE_EMAIL_FROM: "no-reply@example.com",
      PASSCODE_APP_NAME: "Acme",
      PASSCODE_CODE_SECRET_ARN: SECRET_ARN,
      _HANDLER: "index.createAuthChallenge",
      AWS_ENDPOINT_URL_DYNAMODB: table.endpoint,
      AWS_ENDPOINT_URL_SES: `http://127.0.0.1:${(ses.address() as AddressInfo).port}`,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
    });
  });
  afterAll(async () => {
    await create?.stop();
    await table?.stop();
    await sm?.stop();
    await new Promise<void>((resolve) => ses.close(() => resolve()));
  });

  it("writes only throttle# records", async () => {
    const user = knownUser("keys@example.com", { email_verified: "true" });
    expect(await create.invoke("createAuthChallenge", createEvent(user, []))).toHaveProperty("ok");
    expect(
      await create.invoke(
        "createAuthChallenge",
        createEvent(unknownUser("nobody@example.com"), []),
      ),
    ).toHaveProperty("ok");
    // A second send inside the minimum interval is refused by the throttle.
    expect(await create.invoke("createAuthChallenge", createEvent(user, []))).toMatchObject({
      error: { message: expect.stringMatching(/^THROTTLED/) },
    });
    const keys = (await table.scan()).map((item) => item.pk?.S ?? "");
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(/^throttle#[0-9a-f]{64}$/);
  });
});
