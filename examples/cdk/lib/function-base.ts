import { RemovalPolicy } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

/**
 * What every function of the example shares: ARM64, 256 MB, bundled by the
 * local esbuild (no Docker) into one minified CommonJS file for Node 22.
 */
export const FUNCTION_BASE = {
  architecture: lambda.Architecture.ARM_64,
  memorySize: 256,
  bundling: {
    forceDockerBundling: false,
    minify: true,
    sourceMap: false,
    target: "node22",
    format: nodejs.OutputFormat.CJS,
  },
} satisfies Partial<nodejs.NodejsFunctionProps>;

/**
 * A function's own log group (kept when the stack goes) and its role, which
 * may write to that group only: an explicit role instead of the AWS managed
 * AWSLambdaBasicExecutionRole, whose logs:* grant covers every log group in
 * the account. `ids` are the construct ids of the two, under `scope`.
 */
export function roleWithOwnLogs(
  scope: Construct,
  ids: { logs: string; role: string },
  description: string,
  retention: logs.RetentionDays,
): { logGroup: logs.LogGroup; role: iam.Role } {
  const logGroup = new logs.LogGroup(scope, ids.logs, {
    retention,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const role = new iam.Role(scope, ids.role, {
    assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
    description,
  });
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [logGroup.logGroupArn],
    }),
  );
  return { logGroup, role };
}
