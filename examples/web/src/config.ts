/** Where the page finds its user pool. Served as `config.json` next to the page. */
export interface PageConfig {
  /** The Cognito endpoint, e.g. the local stack's URL. Either this or `region`. */
  endpoint?: string;
  /** The AWS region of a real user pool, e.g. `eu-west-1`. */
  region?: string;
  /** The user pool's public app client id. */
  clientId: string;
  /**
   * The token handler's URL (`/auth`, or absolute on the same site): cookie
   * mode, the page's default when it is set.
   */
  tokenHandler?: string;
  /** Local demo only: where the emails can be read (the local stack's inbox). */
  inboxUrl?: string;
  /**
   * `false`: the user pool has no passkeys, so the page offers none. Absent
   * or `true`: passkeys are offered wherever the browser has WebAuthn.
   */
  passkeys?: boolean;
}

/**
 * Reads `config.json` at start-up, so one build of the page serves any user
 * pool: the demo and the tests write the local stack's values, a deployment
 * writes its own. Throws a readable error when the file is missing or wrong.
 */
export async function loadConfig(url = "./config.json"): Promise<PageConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const raw: unknown = await response.json();
  if (typeof raw !== "object" || raw === null) throw new Error(`${url} is not a JSON object`);
  const { endpoint, region, clientId, tokenHandler, inboxUrl, passkeys } = raw as Record<
    string,
    unknown
  >;
  if (typeof clientId !== "string" || clientId === "") {
    throw new Error(`${url} has no clientId`);
  }
  const config: PageConfig = { clientId };
  if (typeof endpoint === "string" && endpoint !== "") config.endpoint = endpoint;
  if (typeof region === "string" && region !== "") config.region = region;
  if (typeof tokenHandler === "string" && /^(?:\/(?!\/)|https?:\/\/)/.test(tokenHandler)) {
    config.tokenHandler = tokenHandler;
  }
  if (typeof inboxUrl === "string" && /^https?:\/\//.test(inboxUrl)) config.inboxUrl = inboxUrl;
  if (typeof passkeys === "boolean") config.passkeys = passkeys;
  if (!config.endpoint && !config.region && !config.tokenHandler) {
    throw new Error(`${url} needs an endpoint, a region or a tokenHandler`);
  }
  return config;
}
