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
 * Acknowledges `rule` on the one CloudFormation resource of `scope` (its
 * default child, not the constructs under it), with its reason from
 * {@link NAG_REASONS}.
 */
export function acknowledge(scope: IConstruct, rule: NagRule): void {
  Validations.of(scope.node.defaultChild ?? scope).acknowledge({
    id: rule,
    reason: NAG_REASONS[rule],
  });
}
