import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalStack, startLocalStack, type TriggerEvent } from "../src/index.js";
import { secretWordTriggers } from "./support/challenge-triggers.js";
import { signUp } from "./support/flow.js";

// PreSignUp that leaves users unconfirmed, so SignUp emails a confirmation code.
const unconfirmed = () => ({
  ...secretWordTriggers().handlers,
  preSignUp: async (event: TriggerEvent) => event,
});
let a: LocalStack;
let b: LocalStack;
beforeAll(async () => {
  [a, b] = await Promise.all([
    startLocalStack({ handlers: unconfirmed() }),
    startLocalStack({ handlers: unconfirmed() }),
  ]);
});
afterAll(() => Promise.all([a?.stop(), b?.stop()]));

describe("the embedded SES and the mailbox", () => {
  it("shows each stack only its own mail, even with the same recipient", async () => {
    await signUp(a, "cy@example.com");
    await signUp(b, "cy@example.com");
    await signUp(b, "di@example.com");
    expect(a.mailbox.messages()).toHaveLength(1);
    expect(b.mailbox.messages()).toHaveLength(2);
    expect(b.mailbox.messages("DI@example.com")).toHaveLength(1);
  });

  it("parses the code from the newest mail and throws when there is none", async () => {
    await signUp(a, "ed@example.com");
    const [mail] = a.mailbox.messages("ed@example.com");
    expect(await a.mailbox.latestCode("ED@example.com")).toBe(/\d{6}/.exec(mail!.text!)![0]);
    await expect(a.mailbox.latestCode("nobody@example.com")).rejects.toThrow(
      /n\*\*\*@e\*\*\*\.com/,
    );
  });

  it("exposes the web inbox and the JSON store of aws-ses-v2-local", async () => {
    await signUp(a, "flo@example.com");
    const inbox = await fetch(`${a.sesEndpoint}/`);
    expect(inbox.status).toBe(200);
    expect(inbox.headers.get("content-type")).toContain("text/html");
    const store = (await (await fetch(`${a.sesEndpoint}/store`)).json()) as {
      emails: { destination: { to: string[] } }[];
    };
    expect(store.emails.some((e) => e.destination.to.includes("flo@example.com"))).toBe(true);
  });

  it("clear() forgets this stack's mail only", async () => {
    await signUp(a, "gil@example.com");
    const before = b.mailbox.messages().length;
    a.mailbox.clear();
    expect(a.mailbox.messages()).toHaveLength(0);
    expect(b.mailbox.messages()).toHaveLength(before);
    await signUp(a, "hue@example.com");
    expect(a.mailbox.messages()).toHaveLength(1);
  });
});
