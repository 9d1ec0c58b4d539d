import { escapeHtml, renderDefaultEmail } from "@cognito-passcode/triggers";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const PLACEHOLDER = "QQQQPLACEHOLDERQQQQ";

describe("renderDefaultEmail", () => {
  it("puts the code in both parts, states the expiry and says to ignore it", () => {
    // Prepare
    const input = { code: "012345", expiresInMinutes: 3, appName: "Acme" };
    // Act
    const email = renderDefaultEmail(input);
    // Assess
    expect(email.subject).toBe("Your Acme sign-in code");
    expect(email.text).toContain("012345");
    expect(email.html).toContain(">012345<");
    expect(email.text).toContain("expires in 3 minutes");
    expect(email.html).toContain("expires in 3 minutes");
    expect(email.text).toContain("If you didn't try to sign in, you can ignore this email.");
    expect(email.html).toContain("If you didn&#39;t try to sign in, you can ignore this email.");
    expect(renderDefaultEmail({ code: "1", expiresInMinutes: 1 }).text).toContain("1 minute.");
  });

  it("escapes any app name everywhere in the HTML (property)", () => {
    const template = renderDefaultEmail({
      code: "123456",
      expiresInMinutes: 3,
      appName: PLACEHOLDER,
    }).html;
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (appName) => {
        // Prepare
        fc.pre(appName.length > 0);
        // Act
        const html = renderDefaultEmail({ code: "123456", expiresInMinutes: 3, appName }).html;
        // Assess: the HTML is the template with the escaped name in every slot,
        // and the escaped name holds no raw <, >, quotes or bare &.
        const escaped = escapeHtml(appName);
        return (
          html === template.split(PLACEHOLDER).join(escaped) &&
          !/[<>"']/.test(escaped) &&
          !escaped.replace(/&#\d+;/g, "").includes("&")
        );
      }),
      { numRuns: 300 },
    );
  });

  it("escapes the five HTML-special characters", () => {
    // Prepare
    // Act
    const escaped = escapeHtml(`<a href="x" onclick='y'>&amp;</a>`);
    // Assess
    expect(escaped).toBe("&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;amp;&#60;/a&#62;");
  });
});
