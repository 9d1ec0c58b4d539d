import type { Node } from "constructs";
import type { PasscodeStackProps } from "./passcode-stack.js";

const PLACEHOLDER_ACCOUNT = "123456789012";
const PLACEHOLDER_REGION = "eu-west-1";

function text(node: Node, key: string): string | undefined {
  const value = node.tryGetContext(key);
  if (value === undefined || value === null || value === "") return undefined;
  return String(value);
}

/**
 * Builds the stack props from CDK context and the environment the CDK CLI
 * sets. Throws when neither or both of `emailDomain` and `emailAddress` are given.
 */
export function stackPropsFromContext(
  node: Node,
  env: Readonly<Record<string, string | undefined>>,
): PasscodeStackProps {
  const domain = text(node, "emailDomain");
  const address = text(node, "emailAddress");
  if ((domain === undefined) === (address === undefined)) {
    throw new Error("Set exactly one of the context values emailDomain and emailAddress");
  }
  const layout = text(node, "functionLayout") ?? "per-trigger";
  if (layout !== "per-trigger" && layout !== "single") {
    throw new Error('functionLayout must be "per-trigger" or "single"');
  }
  const fromAddress = text(node, "fromAddress");
  const appName = text(node, "appName");
  const existingUserPoolId = text(node, "existingUserPoolId");
  const siteOrigin = text(node, "siteOrigin");
  const certificateArn = text(node, "certificateArn");
  // certificateArn serves siteOrigin's host, a domain of yours. Without
  // siteOrigin there is no token handler, and on the distribution's own
  // *.cloudfront.net name no certificate of yours: then it is not used.
  const host =
    siteOrigin !== undefined && URL.canParse(siteOrigin) ? new URL(siteOrigin).hostname : "";
  const ownDomain = siteOrigin !== undefined && !host.endsWith(".cloudfront.net");
  if (ownDomain) {
    // The construct checks the origin itself; this only decides the domain.
    if (certificateArn === undefined) {
      throw new Error(
        `siteOrigin ${siteOrigin} is not the distribution's own *.cloudfront.net name: give certificateArn (an ACM certificate in us-east-1 for its host)`,
      );
    }
    if (!/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(certificateArn)) {
      throw new Error(
        "certificateArn must be an ACM certificate ARN in us-east-1 (CloudFront's region)",
      );
    }
  }
  // Passkeys on the site's origin: the RP id is its host unless passkeyRpId
  // names a parent domain (the construct checks that the origin is on it).
  const passkeysOn = text(node, "passkeys");
  if (passkeysOn !== undefined && passkeysOn !== "true" && passkeysOn !== "false") {
    throw new Error('passkeys must be "true" or "false"');
  }
  const passkeys = passkeysOn === "true";
  if (passkeys && siteOrigin === undefined) {
    throw new Error("passkeys=true needs siteOrigin (the page's origin the passkeys are bound to)");
  }
  const passkeyRpId = text(node, "passkeyRpId");
  if (passkeyRpId !== undefined && !passkeys) {
    throw new Error("passkeyRpId is set but passkeys is not true");
  }
  if (address !== undefined && fromAddress && fromAddress.toLowerCase() !== address.toLowerCase()) {
    throw new Error("fromAddress must be the SES identity address emailAddress");
  }
  return {
    env: {
      account: env.CDK_DEFAULT_ACCOUNT ?? PLACEHOLDER_ACCOUNT,
      region: env.CDK_DEFAULT_REGION ?? PLACEHOLDER_REGION,
    },
    auth: {
      email:
        domain !== undefined
          ? { domain, ...(fromAddress ? { fromAddress } : {}) }
          : { address: address! },
      deletionProtection: text(node, "deletionProtection") !== "false",
      functionLayout: layout,
      ...(appName ? { appName } : {}),
      ...(siteOrigin ? { tokenHandler: { allowedOrigins: [siteOrigin] } } : {}),
      ...(passkeys && siteOrigin
        ? {
            passkeys: {
              rpId: passkeyRpId ?? host,
              origins: [siteOrigin],
              required: text(node, "passkeysRequired") === "true",
            },
          }
        : {}),
    },
    ...(existingUserPoolId ? { existingUserPoolId } : {}),
    ...(siteOrigin
      ? { site: { origin: siteOrigin, ...(ownDomain ? { certificateArn } : {}) } }
      : {}),
  };
}
