import { Token } from "aws-cdk-lib";
import { parseExactOrigin } from "./token-handler.js";

/**
 * Passkeys ({@link PasscodeAuthProps.passkeys}): WebAuthn sign-in and
 * enrolment in the same custom-auth flow, stored in the construct's table.
 */
export interface PasscodePasskeysProps {
  /**
   * The WebAuthn relying party id: the registrable domain of the pages that
   * sign in, or a suffix of it (`example.com` for `https://app.example.com`).
   * Lower-case host name, no scheme, port or path, never an IP address, and
   * a literal (no token): synthesis fails otherwise. Credentials are bound to
   * it: changing it later orphans every passkey.
   */
  readonly rpId: string;
  /** The relying party name the browser may show. @default the `appName` prop */
  readonly rpName?: string;
  /**
   * The exact origins of the pages that use passkeys
   * (`https://app.example.com`): `https` (`http` only on `localhost`), no
   * path, trailing slash or wildcard, literal, each on `rpId` or a subdomain
   * of it.
   */
  readonly origins: readonly string[];
  /**
   * Once a user has a passkey, a right code alone no longer signs them in
   * (`PASSKEY_REQUIRED`); recovery is an admin's `removePasskeys`.
   * @default false
   */
  readonly required?: boolean;
}

/** What {@link checkPasskeys} returns: the values for the trigger environment. */
export interface CheckedPasskeys {
  rpId: string;
  rpName: string;
  origins: string[];
  required: boolean;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

function rpIdProblem(rpId: unknown): string | undefined {
  if (typeof rpId !== "string") return "is not a string";
  if (Token.isUnresolved(rpId))
    return "is a token resolved only at deploy time: give the literal domain";
  if (rpId.length === 0 || rpId.length > 253) return "must be a host name of 1 to 253 characters";
  if (IPV4.test(rpId) || rpId.includes(":") || rpId.includes("[")) {
    return "is an IP address, which WebAuthn refuses as a relying party id";
  }
  if (rpId !== rpId.toLowerCase()) return "must be lower-case";
  if (!rpId.split(".").every((label) => LABEL.test(label))) {
    return "is not a host name (no scheme, port, path or trailing dot)";
  }
  if (/^\d+$/.test(rpId.slice(rpId.lastIndexOf(".") + 1))) return "ends in a numeric label";
  return undefined;
}

function originProblem(origin: unknown, rpId: string): string | undefined {
  const url = parseExactOrigin(origin);
  if (typeof url === "string") return url;
  if (url.protocol !== "https:" && !(url.protocol === "http:" && url.hostname === "localhost")) {
    return "must use https (http only for localhost)";
  }
  if (url.hostname !== rpId && !url.hostname.endsWith(`.${rpId}`)) {
    return `is not on the relying party id ${rpId} or a subdomain of it`;
  }
  return undefined;
}

/**
 * Checks {@link PasscodePasskeysProps} when the construct is built and
 * returns the values the trigger environment gets.
 * @throws Error naming the first prop that is wrong.
 */
export function checkPasskeys(props: PasscodePasskeysProps, appName: string): CheckedPasskeys {
  if (typeof props !== "object" || props === null) throw new Error("passkeys must be an object");
  const rpIdWhy = rpIdProblem(props.rpId);
  if (rpIdWhy) throw new Error(`passkeys.rpId: ${JSON.stringify(props.rpId)} ${rpIdWhy}`);
  const rpId = props.rpId;
  if (!Array.isArray(props.origins) || props.origins.length === 0) {
    throw new Error("passkeys.origins must list at least one origin");
  }
  const origins = props.origins.map((origin) => {
    const why = originProblem(origin, rpId);
    if (why) throw new Error(`passkeys.origins: ${JSON.stringify(origin)} ${why}`);
    return origin;
  });
  const rpName = props.rpName ?? appName;
  if (
    typeof rpName !== "string" ||
    (!Token.isUnresolved(rpName) && (rpName.trim() === "" || rpName.length > 64))
  ) {
    throw new Error("passkeys.rpName must be 1 to 64 characters");
  }
  if (props.required !== undefined && typeof props.required !== "boolean") {
    throw new Error("passkeys.required must be true or false");
  }
  return { rpId, rpName, origins, required: props.required ?? false };
}
