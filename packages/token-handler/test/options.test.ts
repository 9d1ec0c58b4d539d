import { isPasscodeError } from "@cognito-passcode/shared";
import { createTokenHandler, type TokenHandlerOptions } from "@cognito-passcode/token-handler";
import { describe, expect, it } from "vitest";
import { CLIENT_ID, KEY_A, ORIGIN } from "./support/requests.js";

const GOOD: TokenHandlerOptions = {
  clientId: CLIENT_ID,
  region: "eu-west-1",
  allowedOrigins: [ORIGIN],
  cookieKeys: [KEY_A],
};

describe("createTokenHandler options", () => {
  it("accepts good options, region or endpoint", () => {
    expect(typeof createTokenHandler(GOOD)).toBe("function");
    expect(
      typeof createTokenHandler({ ...GOOD, region: undefined, endpoint: "http://127.0.0.1:9229" }),
    ).toBe("function");
    expect(typeof createTokenHandler({ ...GOOD, allowedOrigins: ["http://localhost:5173"] })).toBe(
      "function",
    );
  });

  it.each<[string, Partial<TokenHandlerOptions>]>([
    ["clientId", { clientId: "" }],
    ["clientId", { clientId: "has space" }],
    ["region", { region: "Europe" }],
    ["region", { region: undefined }],
    ["endpoint", { endpoint: "ftp://x" }],
    ["allowedOrigins", { allowedOrigins: [] }],
    ["allowedOrigins", { allowedOrigins: ["https://app.example.com/"] }],
    ["allowedOrigins", { allowedOrigins: ["https://app.example.com/auth"] }],
    ["allowedOrigins", { allowedOrigins: ["*"] }],
    ["allowedOrigins", { allowedOrigins: ["null"] }],
    ["allowedOrigins", { allowedOrigins: ["http://app.example.com"] }],
    ["cookieKeys", { cookieKeys: [] }],
    ["cookieKeys[0]", { cookieKeys: ["short"] }],
    ["cookieKeys[1]", { cookieKeys: [KEY_A, "a".repeat(40)] }],
    ["cookieKeys", { cookieKeys: [KEY_A, KEY_A] }],
    ["cookieName", { cookieName: "session" }],
    ["cookieName", { cookieName: "__Secure-session" }],
    ["cookieName", { cookieName: "__Host-a;b" }],
    ["refreshTokenValidityDays", { refreshTokenValidityDays: 0 }],
    ["refreshTokenValidityDays", { refreshTokenValidityDays: 4000 }],
    ["refreshTokenValidityDays", { refreshTokenValidityDays: Number.NaN }],
    ["fetch", { fetch: "no" as unknown as typeof fetch }],
  ])("refuses a bad %s with a CONFIGURATION_ERROR naming it", (field, patch) => {
    const error = (() => {
      try {
        createTokenHandler({ ...GOOD, ...patch });
      } catch (e) {
        return e;
      }
    })();
    expect(isPasscodeError(error)).toBe(true);
    expect(error).toMatchObject({ code: "CONFIGURATION_ERROR", details: { field } });
    expect(String((error as Error).message)).toContain(field);
  });

  it("never puts a key in its message", () => {
    const weak = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    try {
      createTokenHandler({ ...GOOD, cookieKeys: [weak] });
    } catch (e) {
      expect(String((e as Error).message)).not.toContain(weak.slice(0, 10));
    }
    expect.assertions(1);
  });
});
