/**
 * Reads a JWT's claims for display. It does not verify the signature: the
 * page got the token straight from Cognito over TLS, and nothing here trusts
 * the claims for a decision. A server must verify tokens (aws-jwt-verify).
 */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split(".")[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const TIME_CLAIMS = new Set(["exp", "iat", "auth_time", "nbf"]);

/** A claim's value as text: epoch-second claims also get a readable local time. */
export function formatClaim(name: string, value: unknown): string {
  if (TIME_CLAIMS.has(name) && typeof value === "number") {
    return `${value} (${new Date(value * 1000).toLocaleString()})`;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}
