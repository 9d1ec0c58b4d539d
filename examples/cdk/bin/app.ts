#!/usr/bin/env node
/**
 * The CDK app. Configuration comes from context (`cdk.json`, or `-c key=value`):
 *   emailDomain | emailAddress   the SES identity to create (one of them)
 *   fromAddress                  From address of the code email
 *   appName                      product name in the email
 *   deletionProtection           "false" to allow deleting the pool and table
 *   functionLayout               "per-trigger" (default) or "single"
 *   existingUserPoolId           attach to an existing pool instead of creating one
 *   siteOrigin                   the page's exact https origin: the token handler
 *                                (cookie mode) at /auth on the site's distribution
 *   certificateArn               ACM certificate (us-east-1) for siteOrigin's host
 * The account and region come from the environment the CLI passes
 * (CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION) and fall back to placeholders, so
 * `cdk synth` works offline: the stack makes no context lookups.
 */
import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { stackPropsFromContext } from "../lib/context.js";
import { PasscodeStack } from "../lib/passcode-stack.js";

const app = new App();
new PasscodeStack(app, "CognitoPasscode", stackPropsFromContext(app.node, process.env));
// cdk-nag runs on every synth; acknowledged findings are written into the
// template metadata (cdk_nag.rules_to_suppress) with their reasons, for audit.
Validations.of(app).addPlugins(
  new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }),
);
app.synth();
