import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressFromHeader, ipAddress, viewerAddress } from "../src/client-ip.js";

describe("ipAddress", () => {
  it.each([
    ["203.0.113.9", "203.0.113.9"],
    ["2001:db8::1", "2001:db8::1"],
    ["::ffff:198.51.100.4", "198.51.100.4"],
    ["::1", "::1"],
    [" 10.0.0.1 ", "10.0.0.1"],
  ])("accepts %s", (value, expected) => {
    expect(ipAddress(value)).toBe(expected);
  });

  it.each([
    "",
    "256.1.1.1",
    "1.2.3",
    "01.2.3.4",
    "example.com",
    "fe80::1%eth0",
    "1.2.3.4, 5.6.7.8",
    "[::1]",
    "::g",
  ])("refuses %j", (value) => {
    expect(ipAddress(value)).toBeUndefined();
  });

  it("passes only addresses: anything it returns is an IPv4 or IPv6 literal", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6()), (value) => {
        const out = ipAddress(value);
        if (out !== undefined) expect(out).toMatch(/^[0-9a-fA-F:.]+$/);
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(ipAddress(v4)).toBe(v4);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (v6) => {
        expect(ipAddress(v6)).toBeDefined();
      }),
    );
  });
});

describe("proxy headers", () => {
  it("takes the last entry of a list, without its port", () => {
    expect(addressFromHeader("10.0.0.9, 203.0.113.7")).toBe("203.0.113.7");
    expect(addressFromHeader("203.0.113.7:443")).toBe("203.0.113.7");
    expect(addressFromHeader("[2001:db8::5]:443")).toBe("2001:db8::5");
    expect(addressFromHeader("203.0.113.7, forged")).toBeUndefined();
    expect(addressFromHeader(undefined)).toBeUndefined();
  });

  it("reads CloudFront-Viewer-Address (address:port, IPv6 unbracketed)", () => {
    expect(viewerAddress("198.51.100.10:46532")).toBe("198.51.100.10");
    expect(viewerAddress("2001:db8:85a3::8a2e:370:7334:46532")).toBe(
      "2001:db8:85a3::8a2e:370:7334",
    );
    expect(viewerAddress("198.51.100.10")).toBeUndefined();
    expect(viewerAddress("not-an-ip:443")).toBeUndefined();
  });
});
