const TIME_CLAIMS = new Set(["exp", "iat", "auth_time", "nbf"]);

/** A claim's value as text: epoch-second claims also get a readable local time. */
export function formatClaim(name: string, value: unknown): string {
  if (TIME_CLAIMS.has(name) && typeof value === "number") {
    return `${value} (${new Date(value * 1000).toLocaleString()})`;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}
