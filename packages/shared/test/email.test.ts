import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalMailbox, isValidEmail, maskEmail, normalizeEmail } from "../src/index.js";

describe("normalizeEmail", () => {
  it("trims and lower-cases", () => {
    expect(normalizeEmail("  Alice@Example.COM ")).toBe("alice@example.com");
  });

  it("lower-cases only ASCII, so no other character can become an ASCII letter", () => {
    expect(normalizeEmail("\u212Alice@example.com")).toBe("\u212Alice@example.com");
  });
});

describe("isValidEmail", () => {
  it.each([
    "alice@example.com",
    "Alice.Smith+tag@mail.example.co.uk",
    "a@b.io",
    "o'neil@example.ie",
    "x@xn--bcher-kva.example",
    "user@sub-domain.example.travel",
  ])("accepts %s", (email) => {
    expect(isValidEmail(email)).toBe(true);
  });

  it.each([
    "",
    "alice",
    "alice@",
    "@example.com",
    "alice@example",
    "alice@@example.com",
    "al ice@example.com",
    ".alice@example.com",
    "alice.@example.com",
    "al..ice@example.com",
    "alice@-example.com",
    "alice@example-.com",
    "alice@example.c",
    "alice@example.123",
    "alïce@example.com",
    "alice@exämple.com",
    '"alice"@example.com',
    "alice@[127.0.0.1]",
    `${"a".repeat(65)}@example.com`,
    `a@${"b".repeat(250)}.com`,
    "alice\n@example.com",
    "alice@example.com\u0000",
    // KELVIN SIGN: toLowerCase() would turn it into an ASCII "k".
    "\u212Alice@example.com",
    "alice@\u212Aorp.com",
  ])("refuses %j", (email) => {
    expect(isValidEmail(email)).toBe(false);
  });

  it("refuses non-strings", () => {
    expect(isValidEmail(42 as unknown as string)).toBe(false);
  });
});

describe("maskEmail", () => {
  it("keeps the first letters and the top-level domain", () => {
    expect(maskEmail("alice@example.com")).toBe("a***@e***.com");
    expect(maskEmail("Bob.Smith@Mail.Example.co.uk")).toBe("b***@m***.uk");
  });

  it("masks unparseable input completely", () => {
    expect(maskEmail("nonsense")).toBe("***");
    expect(maskEmail("@example.com")).toBe("***");
    expect(maskEmail("alice@localhost")).toBe("a***@***");
  });

  it("never reveals more than two characters outside the top-level domain (property)", () => {
    const local = fc.stringMatching(/^[a-z0-9._+-]{2,30}$/);
    const label = fc.stringMatching(/^[a-z0-9-]{2,20}$/);
    fc.assert(
      fc.property(local, label, label, fc.constantFrom("com", "io", "org"), (l, d1, d2, tld) => {
        const email = `${l}@${d1}.${d2}.${tld}`;
        const masked = maskEmail(email);
        expect(masked).toBe(`${l[0]}***@${d1[0]}***.${tld}`);
        expect(masked).toHaveLength(10 + tld.length);
      }),
    );
  });
});

describe("canonicalMailbox", () => {
  it.each([
    ["Alice@Example.com", "alice@example.com"],
    ["alice+news@example.com", "alice@example.com"],
    ["alice+a+b@example.com", "alice@example.com"],
    ["Al.Ice+x@gmail.com", "alice@gmail.com"],
    ["a.l.i.c.e@GoogleMail.com", "alice@gmail.com"],
    ["alice+@googlemail.com", "alice@gmail.com"],
    // Dots are kept for every other domain: they can be different mailboxes there.
    ["al.ice@example.com", "al.ice@example.com"],
    ["al.ice@mail.gmail.com", "al.ice@mail.gmail.com"],
    // Nothing before the `+`: not a tag, left as it is.
    ["+alice@example.com", "+alice@example.com"],
    ["not-an-email", "not-an-email"],
  ])("%s -> %s", (email, mailbox) => {
    expect(canonicalMailbox(email)).toBe(mailbox);
  });

  const local = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
  const tag = fc.stringMatching(/^[a-z0-9._+-]{0,10}$/);
  const domain = fc.constantFrom("example.com", "gmail.com", "googlemail.com", "mail.example.org");

  it("gives one mailbox for every +tag and case variant, and for Gmail's dots (property)", () => {
    fc.assert(
      fc.property(local, domain, tag, fc.array(fc.nat(), { maxLength: 5 }), (l, d, t, dots) => {
        const base = canonicalMailbox(`${l}@${d}`);
        const tagged = `${l}+${t}@${d}`.toUpperCase();
        expect(canonicalMailbox(tagged)).toBe(base);
        expect(canonicalMailbox(base)).toBe(base);
        if (d === "gmail.com" || d === "googlemail.com") {
          let dotted = l;
          for (const at of dots) {
            const i = 1 + (at % dotted.length);
            dotted = `${dotted.slice(0, i)}.${dotted.slice(i)}`;
          }
          const other = d === "gmail.com" ? "googlemail.com" : "gmail.com";
          expect(canonicalMailbox(`${dotted}+${t}@${other}`)).toBe(base);
        }
      }),
    );
  });

  it("keeps different local parts apart outside Gmail (property)", () => {
    fc.assert(
      fc.property(local, local, (a, b) => {
        fc.pre(a.split("+")[0] !== b.split("+")[0]);
        expect(canonicalMailbox(`${a}@example.com`)).not.toBe(canonicalMailbox(`${b}@example.com`));
      }),
    );
  });
});
