import { Validations } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { IConstruct } from "constructs";

/**
 * Every cdk-nag (AwsSolutions) finding this design accepts, with its reason.
 * Each is acknowledged on the one construct it concerns, never stack-wide,
 * so a new finding elsewhere still fails the build.
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
    "does not arise and the stack enables threat protection in full-function mode.",
  "AwsSolutions-SMG4":
    "The secret only keys the digests of one-time codes that live minutes. It is read once " +
    "per cold start, so a rotation would make codes issued just before it fail, and no rotation " +
    "function is included. Rotate it by hand (put a new value, then let the functions restart) " +
    "if it may have leaked.",
} as const);

/** Acknowledges the user pool findings above on `pool`. */
export function acknowledgeUserPoolFindings(pool: IConstruct, featurePlan: cognito.FeaturePlan) {
  const validations = Validations.of(pool);
  validations.acknowledge({ id: "AwsSolutions-COG2", reason: NAG_REASONS["AwsSolutions-COG2"] });
  if (featurePlan !== cognito.FeaturePlan.PLUS) {
    validations.acknowledge({ id: "AwsSolutions-COG8", reason: NAG_REASONS["AwsSolutions-COG8"] });
  }
}

/** Acknowledges the code-secret findings above on `secret`. */
export function acknowledgeSecretFindings(secret: IConstruct) {
  Validations.of(secret).acknowledge({
    id: "AwsSolutions-SMG4",
    reason: NAG_REASONS["AwsSolutions-SMG4"],
  });
}
