/**
 * The token handler as a Lambda function behind a function URL, an API
 * Gateway HTTP API (payload format 2.0) or CloudFront in front of either.
 *
 * @packageDocumentation
 */
import { viewerAddress } from "./client-ip.js";
import { unreadableRequest } from "./http.js";
import { configurationError, type TokenHandlerOptions } from "./options.js";
import { createTokenHandler } from "./token-handler.js";

/**
 * The parts of a Lambda function URL / HTTP API (payload format 2.0) event
 * the handler reads; an `APIGatewayProxyEventV2` of `@types/aws-lambda` fits.
 * The path is not read: the function serves the handler wherever it is routed.
 */
export interface LambdaHttpEvent {
  /** Request headers, names in lower case, repeated values joined with commas. */
  headers?: Record<string, string | undefined>;
  /** The request's cookies (`name=value` each); Lambda takes them out of `headers`. */
  cookies?: string[];
  /** The body, base64 when `isBase64Encoded`. */
  body?: string;
  /** Whether `body` is base64. */
  isBase64Encoded?: boolean;
  /** Where the request came from. */
  requestContext: {
    /** Method and caller address. */
    http: { method: string; sourceIp?: string };
  };
}

/** The result the handler returns (payload format 2.0). */
export interface LambdaHttpResult {
  /** HTTP status. */
  statusCode: number;
  /** Response headers (Set-Cookie excluded: see `cookies`). */
  headers: Record<string, string>;
  /** One `Set-Cookie` value each. */
  cookies: string[];
  /** The JSON body. */
  body: string;
  /** Always false: the body is text. */
  isBase64Encoded: false;
}

/** Options of {@link createLambdaHandler}: the token handler's, plus where the caller's address is read. */
export interface LambdaHandlerOptions extends TokenHandlerOptions {
  /**
   * Read the caller's address from CloudFront's `CloudFront-Viewer-Address`
   * header instead of `requestContext.http.sourceIp` (which is then a
   * CloudFront edge). Turn it on only when the function URL cannot be called
   * except through your distribution (origin access control with `AWS_IAM`
   * auth), or any caller could claim any address; add the header to the
   * distribution's origin request policy.
   * @default false
   */
  trustCloudFrontViewerAddress?: boolean;
}

/**
 * Creates a Lambda handler for the token handler. The caller's address for
 * `UserContextData` is `requestContext.http.sourceIp`, or CloudFront's
 * viewer address when `trustCloudFrontViewerAddress` is on.
 *
 * @example
 * ```ts
 * import { createLambdaHandler } from "@cognito-passcode/token-handler/lambda";
 *
 * export const handler = createLambdaHandler({
 *   clientId: "4tq1example",
 *   region: "eu-west-1",
 *   allowedOrigins: ["https://app.example.com"],
 *   cookieKeys: [cookieKey], // e.g. read with readCookieKeys() from ./secrets-manager
 * });
 * ```
 */
export function createLambdaHandler(
  options: LambdaHandlerOptions,
): (event: LambdaHttpEvent) => Promise<LambdaHttpResult> {
  const { trustCloudFrontViewerAddress = false, ...rest } = options ?? ({} as LambdaHandlerOptions);
  if (typeof trustCloudFrontViewerAddress !== "boolean") {
    throw configurationError("trustCloudFrontViewerAddress", "must be a boolean");
  }
  const handle = createTokenHandler(rest);
  return async (event) => {
    const { requestContext } = event;
    const headers = new Headers();
    let request: Request;
    try {
      for (const [name, value] of Object.entries(event.headers ?? {})) {
        if (value !== undefined) headers.set(name, value);
      }
      if (event.cookies?.length) headers.set("cookie", event.cookies.join("; "));
      const method = requestContext.http.method.toUpperCase();
      const hasBody = method !== "GET" && method !== "HEAD" && event.body !== undefined;
      // The handler reads no URL (the app chose where to mount it): a fixed one.
      request = new Request("https://token-handler.invalid/", {
        method,
        headers,
        body: hasBody
          ? event.isBase64Encoded
            ? Uint8Array.from(atob(event.body!), (c) => c.charCodeAt(0))
            : event.body
          : null,
      });
    } catch {
      return result(unreadableRequest());
    }
    const ipAddress = trustCloudFrontViewerAddress
      ? viewerAddress(headers.get("cloudfront-viewer-address"))
      : requestContext.http.sourceIp;
    return result(await handle(request, ipAddress ? { ipAddress } : {}));
  };
}

async function result(response: Response): Promise<LambdaHttpResult> {
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") out[name] = value;
  });
  return {
    statusCode: response.status,
    headers: out,
    cookies: response.headers.getSetCookie(),
    body: await response.text(),
    isBase64Encoded: false,
  };
}

export type { TokenHandlerOptions } from "./options.js";
