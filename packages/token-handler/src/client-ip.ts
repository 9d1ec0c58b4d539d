const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIpv6(value: string): boolean {
  if (!/^[0-9A-Fa-f:.]{2,45}$/.test(value) || !value.includes(":")) return false;
  try {
    // The URL parser validates IPv6 literals (and IPv4-mapped forms) for us.
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** `value` when it is an IPv4 or IPv6 address (an IPv4-mapped IPv6 address becomes its IPv4 form), else `undefined`. */
export function ipAddress(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (IPV4.test(text)) return text;
  if (!isIpv6(text)) return undefined;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(text);
  return mapped && IPV4.test(mapped[1]!) ? mapped[1] : text;
}

/**
 * The caller's address from a proxy header: the last entry of a list (the one
 * your proxy appended; earlier ones are whatever the caller claimed), with a
 * port dropped (`198.51.100.7:443`, `[2001:db8::1]:443`).
 */
export function addressFromHeader(value: string | null | undefined): string | undefined {
  const last = value?.split(",").at(-1)?.trim();
  if (!last) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(last);
  if (bracketed) return ipAddress(bracketed[1]);
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(last);
  if (v4port) return ipAddress(v4port[1]);
  return ipAddress(last);
}

/**
 * CloudFront's `CloudFront-Viewer-Address` (`<ip>:<port>`, IPv6 unbracketed):
 * the part before the last colon.
 */
export function viewerAddress(value: string | null | undefined): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const colon = text.lastIndexOf(":");
  if (colon < 0 || !/^\d{1,5}$/.test(text.slice(colon + 1))) return undefined;
  return ipAddress(text.slice(0, colon).replace(/^\[|\]$/g, ""));
}
