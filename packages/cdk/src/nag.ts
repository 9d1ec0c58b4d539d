import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";

/**
 * Every cdk-nag (AwsSolutions) finding `PasscodeAuth` accepts, with its
 * reason. Each is acknowledged on the one construct it concerns, never
 * stack-wide, so a new finding elsewhere still fails your build. The reasons
 * are written into the template (`cdk_nag.rules_to_suppress`) when cdk-nag
 * runs with `writeSuppressionsToCloudFormation`.
 */
export const NAG_REASONS = Object.freeze({
  "AwsSolutions-COG2":
    "Sign-in is passwordless by design: the emailed one-time code is the single factor " +
    "(an AAL1-style consumer flow, see docs/guides/security-model.md). No password flow is " +
    "enabled on any app client, so Cognito's SMS/TOTP MFA would add a second factor to a " +
    "password nobody uses. Apps that need multi-factor assurance need another authenticator.",
  "AwsSolutions-COG8":
    "The custom-auth triggers work on every Cognito feature plan, and Lite costs least. The Plus " +
    "plan (threat protection) is opt-in through the featurePlan prop; with it, this finding " +
    "does not arise and the construct enables threat protection in full-function mode.",
  "AwsSolutions-SMG4":
    "The secret only keys the digests of one-time codes that live minutes. It is read once " +
    "per cold start, so a rotation would make codes issued just before it fail, and no rotation " +
    "function is included. Rotate it by hand (put a new value, then let the functions restart) " +
    "if it may have leaked.",
  "AwsSolutions-L1":
    "The deployer chose this Node.js runtime through the runtime prop (the prebuilt handler " +
    "runs on nodejs22.x and nodejs24.x); the default is the latest.",
} as const);

/** One of {@link NAG_REASONS}. */
export type NagRule = keyof typeof NAG_REASONS;

/**
 * Why the token handler's cookie secret (`tokenHandler`) has no automatic
 * rotation (AwsSolutions-SMG4), acknowledged on that secret alone.
 */
export const COOKIE_SECRET_REASON =
  "The secret keys the token handler's refresh-token cookies. A Secrets Manager rotation would " +
  "replace the key and end every session at once, so no rotation function is included. Rotate " +
  'by hand without signing anyone out: put a JSON array ["<old key>", "<new key>"] as the value ' +
  "(the first encrypts, all decrypt) and restart the function, then put the new key first and " +
  "restart again, and drop the old key once the refresh token validity has passed (see " +
  "docs/guides/token-storage.md).";

/**
 * Acknowledges `rule` on the one CloudFormation resource of `scope` (its
 * default child, not the constructs under it), with its reason from
 * {@link NAG_REASONS} unless another one is given.
 */
export function acknowledge(
  scope: IConstruct,
  rule: NagRule,
  reason: string = NAG_REASONS[rule],
): void {
  Validations.of(scope.node.defaultChild ?? scope).acknowledge({ id: rule, reason });
}
