import type { AddressInfo } from "node:net";
import { SESClient } from "@aws-sdk/client-ses";
import { isPasscodeError } from "@cognito-passcode/shared";
import server from "aws-ses-v2-local";
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { EmailMessage, EmailOptions } from "../src/options.js";
import { createPasskeyNotifier, renderPasskeyNoticeEmail } from "../src/passkey-notice.js";

const WHEN = Date.UTC(2026, 11, 5, 20, 49, 1);

/** The number of `<` the template itself writes (the same for every input, if values are escaped). */
const TEMPLATE_TAGS = (
  renderPasskeyNoticeEmail({ kind: "added", name: "x", appName: "y", when: WHEN }).html.match(
    /</g,
  ) ?? []
).length;

/** Arbitrary text, often made of the characters that matter to HTML and to line structure. */
const untrusted = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: "binary", maxLength }),
    fc.string({
      unit: fc.constantFrom(
        ...["<", ">", "&", '"', "'", "a", " ", "\n", "\r", "\u202e", "\u0000"],
        ...["\ud800", "\udfff", "\ud83d\ude00"],
      ),
      maxLength,
    }),
  );

afterEach(() => {
  vi.restoreAllMocks();
});

describe("renderPasskeyNoticeEmail", () => {
  it("says what was added, to which account, when, and what to do", () => {
    const added = renderPasskeyNoticeEmail({
      kind: "added",
      name: "MacBook",
      appName: "Acme",
      when: WHEN,
    });
    expect(added.subject).toBe("A passkey was added to your Acme account");
    expect(added.text).toContain(
      'A passkey named "MacBook" was added to your Acme account on Sat, 05 Dec 2026 20:49:01 GMT.',
    );
    expect(added.text).toContain("If it wasn't");
    expect(added.html).toContain(
      "A passkey named &#34;MacBook&#34; was added to your Acme account",
    );
    const removed = renderPasskeyNoticeEmail({ kind: "removed", name: "", when: WHEN });
    expect(removed.subject).toBe("A passkey was removed from your account");
    expect(removed.text).toContain(
      "A passkey was removed from your account on Sat, 05 Dec 2026 20:49:01 GMT.",
    );
    expect(removed.html).not.toContain("named");
  });

  it("escapes markup in the name and app name", () => {
    const { html, text, subject } = renderPasskeyNoticeEmail({
      kind: "added",
      name: '<img src=x onerror="alert(1)">&amp;',
      appName: "<b>Acme</b>",
      when: WHEN,
    });
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<b>");
    expect(html).toContain("&#60;img src=x onerror=&#34;alert(1)&#34;&#62;&#38;amp;");
    // The plain-text part carries the text as typed (no entities), and the subject never has the name.
    expect(text).toContain('"<img src=x onerror="alert(1)">&amp;"');
    expect(subject).not.toContain("img");
  });

  it("strips line breaks, bidi overrides and other control or format characters", () => {
    const { text, subject, html } = renderPasskeyNoticeEmail({
      kind: "removed",
      name: "phone\r\nBcc: x@evil.example\u202Eevil\u200B",
      appName: "Ac\nme",
      when: WHEN,
    });
    expect(text).toContain('"phone Bcc: x@evil.example evil"');
    expect(subject).toBe("A passkey was removed from your Ac me account");
    for (const part of [text.trimEnd(), subject, html]) {
      expect(part).not.toMatch(/[\r\u202E\u200B]/);
    }
    expect(text.trimEnd().split("\n\n")).toHaveLength(2);
  });

  it("never lets a raw < or & from the name or app name into the HTML (property)", () => {
    fc.assert(
      fc.property(
        untrusted(64),
        fc.option(untrusted(100), { nil: undefined }),
        fc.constantFrom("added" as const, "removed" as const),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (name, appName, kind, when) => {
          const { html, text, subject } = renderPasskeyNoticeEmail({ kind, name, appName, when });
          // Only the template's own tags open with <.
          expect((html.match(/</g) ?? []).length).toBe(TEMPLATE_TAGS);
          // Every & starts a numeric entity the renderer wrote.
          expect(html.replace(/&#\d+;/g, "")).not.toContain("&");
          expect(html).not.toMatch(/[>"'][^<]*"[^<>]*</); // no attribute break-out into a tag
          // No control characters anywhere but the text part's paragraph breaks.
          expect(subject).not.toMatch(/[\p{Cc}\p{Cf}]/u);
          expect(text.replace(/\n/g, "")).not.toMatch(/[\p{Cc}\p{Cf}]/u);
          // Well-formed UTF-16 (no lone surrogate): SES's query encoding refuses anything else.
          for (const part of [subject, text, html]) expect(part).not.toMatch(/\p{Cs}/u);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("createPasskeyNotifier", () => {
  it("sends the notice through deliver with the sender settings of the code email", async () => {
    const sent: EmailMessage[] = [];
    const notify = createPasskeyNotifier({
      email: {
        from: "no-reply@example.com",
        appName: "Acme",
        render: () => ({ subject: "code", html: "", text: "" }),
      },
      deliver: async (message) => {
        sent.push(message);
      },
    });
    await notify({ to: "ada@example.com", kind: "added", name: "Pixel", when: WHEN });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      to: "ada@example.com",
      ...renderPasskeyNoticeEmail({ kind: "added", name: "Pixel", appName: "Acme", when: WHEN }),
    });
  });

  it("uses a custom render", async () => {
    const sent: EmailMessage[] = [];
    const notify = createPasskeyNotifier({
      email: { from: "no-reply@example.com" },
      deliver: async (message) => void sent.push(message),
      render: async ({ kind, name, when }) => ({
        subject: `${kind} ${name}`,
        html: "<p>x</p>",
        text: `${when}`,
      }),
    });
    await notify({ to: "ada@example.com", kind: "removed", name: "Key", when: 7 });
    expect(sent[0]).toMatchObject({ subject: "removed Key", text: "7" });
  });

  it("refuses bad options at creation, naming the field", () => {
    const field = (make: () => unknown) => {
      try {
        make();
      } catch (error) {
        expect(isPasscodeError(error) && error.code).toBe("CONFIGURATION_ERROR");
        return (error as { details: { field: string } }).details.field;
      }
      return "none";
    };
    expect(field(() => createPasskeyNotifier({ email: { from: "not an address" } }))).toBe(
      "email.from",
    );
    expect(
      field(() => createPasskeyNotifier({ email: undefined as unknown as EmailOptions })),
    ).toBe("email.from");
    expect(
      field(() => createPasskeyNotifier({ email: { from: "a@example.com", sendTimeoutMs: 10 } })),
    ).toBe("email.sendTimeoutMs");
    expect(
      field(() =>
        createPasskeyNotifier({
          email: { from: "a@example.com" },
          render: "x" as unknown as undefined,
        }),
      ),
    ).toBe("render");
    expect(
      field(() =>
        createPasskeyNotifier({
          email: { from: "a@example.com" },
          deliver: 1 as unknown as undefined,
        }),
      ),
    ).toBe("deliver");
  });

  it("rejects with DELIVERY_FAILED without the address, and logs nothing", async () => {
    const logs = [
      vi.spyOn(console, "log").mockImplementation(() => {}),
      vi.spyOn(console, "warn").mockImplementation(() => {}),
      vi.spyOn(console, "error").mockImplementation(() => {}),
      vi.spyOn(console, "info").mockImplementation(() => {}),
    ];
    const notify = createPasskeyNotifier({
      email: { from: "no-reply@example.com", sendTimeoutMs: 500 },
      deliver: async () => {
        throw new Error("mailbox full");
      },
    });
    const failure = await notify({
      to: "secret.person@example.com",
      kind: "removed",
      name: "Key",
      when: WHEN,
    }).catch((error: unknown) => error);
    expect(isPasscodeError(failure) && failure.code).toBe("DELIVERY_FAILED");
    expect(String((failure as Error).message)).not.toContain("secret.person");
    const notAddress = await notify({
      to: "secret.person",
      kind: "removed",
      name: "Key",
      when: WHEN,
    }).catch((error: unknown) => error);
    expect(isPasscodeError(notAddress) && notAddress.code).toBe("DELIVERY_FAILED");
    expect(String((notAddress as Error).message)).not.toContain("secret.person");
    for (const spy of logs) expect(spy).not.toHaveBeenCalled();
  });

  it("sends a notice through SES (aws-ses-v2-local) for a name with a lone surrogate", async () => {
    // A name a page can store through RenamePasskey (JSON's "\ud800"): the
    // SDK's query encoding throws URIError on it, which silenced the notice.
    const ses = await server({ host: "127.0.0.1", port: 0 });
    try {
      const endpoint = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
      const notify = createPasskeyNotifier({
        email: { from: "no-reply@example.com", appName: "Acme" },
        ses: new SESClient({
          endpoint,
          region: "eu-west-1",
          credentials: { accessKeyId: "AKIDLOCAL", secretAccessKey: "local" },
        }),
      });
      for (const name of ["Ph\ud800one", "\udfff", "Phone \ud83d\ude00"]) {
        await expect(
          notify({ to: "ada@example.com", kind: "removed", name, when: WHEN }),
        ).resolves.toBeUndefined();
      }
      const store = (await (await fetch(`${endpoint}/store`)).json()) as {
        emails: { body: { text?: string } }[];
      };
      expect(store.emails.map((e) => e.body.text?.split("\n")[0])).toEqual([
        'A passkey named "Ph\ufffdone" was removed from your Acme account on Sat, 05 Dec 2026 20:49:01 GMT.',
        'A passkey named "\ufffd" was removed from your Acme account on Sat, 05 Dec 2026 20:49:01 GMT.',
        'A passkey named "Phone \ud83d\ude00" was removed from your Acme account on Sat, 05 Dec 2026 20:49:01 GMT.',
      ]);
    } finally {
      await new Promise<void>((resolve, reject) =>
        ses.close((error) => (error ? reject(error) : resolve())),
      );
    }
  });

  it("gives up after sendTimeoutMs", async () => {
    const notify = createPasskeyNotifier({
      email: { from: "no-reply@example.com", sendTimeoutMs: 500 },
      deliver: (_message, { signal }) =>
        new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
    });
    const started = Date.now();
    await expect(
      notify({ to: "ada@example.com", kind: "added", name: "Key", when: WHEN }),
    ).rejects.toMatchObject({
      code: "DELIVERY_FAILED",
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
