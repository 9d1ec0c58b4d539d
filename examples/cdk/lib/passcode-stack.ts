import { PasscodeAuth, type PasscodeAuthProps, TRIGGERS } from "@cognito-passcode/cdk";
import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { Construct } from "constructs";

/** Props of {@link PasscodeStack}. */
export interface PasscodeStackProps extends StackProps {
  /** What the construct deploys (see `PasscodeAuthProps`). */
  readonly auth: Omit<PasscodeAuthProps, "userPool">;
  /**
   * Serve an existing user pool instead of creating one. The construct cannot
   * attach triggers to it: the stack outputs the function ARNs to set on it
   * (see docs/guides/deploy-cdk.md).
   */
  readonly existingUserPoolId?: string;
}

/**
 * The example: one {@link PasscodeAuth} and one web client, and the outputs
 * a browser app needs.
 */
export class PasscodeStack extends Stack {
  /** The construct. */
  readonly auth: PasscodeAuth;

  constructor(scope: Construct, id: string, props: PasscodeStackProps) {
    super(scope, id, props);
    this.auth = new PasscodeAuth(this, "Auth", {
      ...props.auth,
      ...(props.existingUserPoolId
        ? { userPool: cognito.UserPool.fromUserPoolId(this, "UserPool", props.existingUserPoolId) }
        : {}),
    });
    const client = this.auth.addClient("WebClient", { userPoolClientName: "web" });

    new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: client.userPoolClientId });
    new CfnOutput(this, "Region", { value: this.region });
    if (props.existingUserPoolId) {
      for (const t of TRIGGERS) {
        new CfnOutput(this, `${t}FunctionArn`, {
          value: this.auth.triggerFunctions[t].functionArn,
          description: `Set as the pool's ${t} trigger`,
        });
      }
    }
  }
}
