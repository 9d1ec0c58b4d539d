import { describe, expect, test } from "vitest";
import { pickMode } from "../src/mode.js";

const withHandler = { clientId: "c", endpoint: "http://127.0.0.1:1", tokenHandler: "/auth" };

describe("pickMode", () => {
  test("cookie by default with a token handler; ?mode= picks another", () => {
    expect(pickMode("", withHandler)).toBe("cookie");
    expect(pickMode("?mode=storage", withHandler)).toBe("storage");
    expect(pickMode("?mode=memory", withHandler)).toBe("memory");
    expect(pickMode("", { clientId: "c", region: "eu-west-1" })).toBe("storage");
  });

  test("an unknown ?mode= is refused without echoing the link's text onto the sign-in page", () => {
    // The page shows the error in an alert: a crafted link must not put its words there.
    const bait = "Your account is locked. Call +1 555 0100 to unlock it";
    expect(() => pickMode(`?mode=${encodeURIComponent(bait)}`, withHandler)).toThrow(
      /\?mode= takes cookie, storage or memory/,
    );
    try {
      pickMode(`?mode=${encodeURIComponent(bait)}`, withHandler);
    } catch (error) {
      expect(String(error)).not.toContain("Call");
    }
  });
});
