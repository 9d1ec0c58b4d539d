import type { AddressInfo } from "node:net";
import { SESClient } from "@aws-sdk/client-ses";
import { createPasscodeTriggers } from "@cognito-passcode/triggers";
import server from "aws-ses-v2-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEvent, knownUser } from "./support/events.js";
import { TEST_CODE_SECRET } from "./support/harness.js";

interface StoredEmail {
  from: string;
  replyTo: string[];
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

let ses: Awaited<ReturnType<typeof server>>;
let endpoint: string;

beforeAll(async () => {
  ses = await server({ host: "127.0.0.1", port: 0 });
  endpoint = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) =>
    ses.close((error) => (error ? reject(error) : resolve())),
  );
});

async function mailTo(address: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(`${endpoint}/store`)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((e) => e.destination.to.includes(address));
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const client = () =>
  new SESClient({
    endpoint,
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
  });

describe("SES delivery (aws-ses-v2-local)", () => {
  it("sends the code in both parts with the app name escaped, through SES v1 SendEmail", async () => {
    // Prepare
    const appName = `Acme <b>"Beta"</b> & 'Co'`;
    const triggers = createPasscodeTriggers({
      email: { from: "Acme <no-reply@example.com>", appName, replyTo: ["help@example.com"] },
      throttle: false,
      codeSecret: TEST_CODE_SECRET,
      ses: client(),
      logger: quiet,
    });
    const user = knownUser("ses-one@example.com");
    // Act
    const { response } = await triggers.createAuthChallenge(createEvent(user, []));
    // Assess
    const mails = await mailTo("ses-one@example.com");
    expect(mails).toHaveLength(1);
    const mail = mails[0]!;
    const code = /\b(\d{6})\b/.exec(mail.body.text ?? "")?.[1];
    expect(code).toBeDefined();
    expect(mail.body.html).toContain(`>${code}<`);
    expect(mail.from).toBe("Acme <no-reply@example.com>");
    expect(mail.replyTo).toEqual(["help@example.com"]);
    expect(mail.subject).toBe(`Your ${appName} sign-in code`);
    expect(mail.body.html).toContain(
      "Acme &#60;b&#62;&#34;Beta&#34;&#60;/b&#62; &#38; &#39;Co&#39;",
    );
    expect(mail.body.html).not.toContain("<b>");
    expect(mail.body.html).not.toContain(`"Beta"`);
    expect(response.publicChallengeParameters.email).toBe("s***@e***.com");
  });

  it("turns an SES refusal into DELIVERY_FAILED", async () => {
    // Prepare: an endpoint path the local server does not serve (HTTP 404)
    const triggers = createPasscodeTriggers({
      email: { from: "no-reply@example.com" },
      throttle: false,
      codeSecret: TEST_CODE_SECRET,
      ses: new SESClient({
        endpoint: `${endpoint}/nowhere`,
        region: "eu-west-1",
        credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
        maxAttempts: 1,
      }),
      logger: quiet,
    });
    // Act
    const error = await triggers
      .createAuthChallenge(createEvent(knownUser("ses-two@example.com"), []))
      .catch((e: Error) => e);
    // Assess
    expect((error as Error).message).toBe("DELIVERY_FAILED");
    expect(await mailTo("ses-two@example.com")).toHaveLength(0);
  });
});
