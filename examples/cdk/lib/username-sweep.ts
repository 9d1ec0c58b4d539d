import { fileURLToPath } from "node:url";
import { Duration } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import type * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { SWEEP_ENVIRONMENT_KEYS } from "../lambda/config.js";
import { FUNCTION_BASE, roleWithOwnLogs } from "./function-base.js";

/**
 * The DynamoDB actions `releaseOrphanedUsernames` needs on the table: the
 * registry Scan, the owner lookup (GetItem), and the release (one
 * transaction of two `Delete`s; for a claim older than owner records, one
 * transaction of its `Delete` and a `ConditionCheck` on the owner record,
 * which DynamoDB authorises as `ConditionCheckItem`). Nothing else.
 */
export const SWEEP_TABLE_ACTIONS = [
  "dynamodb:Scan",
  "dynamodb:GetItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
] as const;

/** Props of {@link UsernameSweep}. */
export interface UsernameSweepProps {
  /** The registry table the Verify trigger claims names in. */
  readonly table: dynamodb.ITable;
  /** The pool whose users own the names. */
  readonly userPool: cognito.IUserPool;
  /** When it runs. */
  readonly schedule: events.Schedule;
  /** How long its logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** Lambda runtime. */
  readonly runtime: lambda.Runtime;
}

/**
 * A function on an EventBridge schedule that runs `releaseOrphanedUsernames`
 * (lambda/username-sweep.ts), with its own role: `cognito-idp:ListUsers` on
 * the pool, {@link SWEEP_TABLE_ACTIONS} on the table, its own logs.
 */
export class UsernameSweep extends Construct {
  /** The sweep function. */
  readonly function: nodejs.NodejsFunction;
  /** The schedule rule. */
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: UsernameSweepProps) {
    super(scope, id);
    const { logGroup, role } = roleWithOwnLogs(
      this,
      { logs: "Logs", role: "Role" },
      "cognito-passcode username sweep",
      props.logRetention,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...SWEEP_TABLE_ACTIONS],
        resources: [props.table.tableArn],
      }),
    );
    // The pool does not refer to this function, so no dependency cycle here.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["cognito-idp:ListUsers"],
        resources: [props.userPool.userPoolArn],
      }),
    );
    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry: fileURLToPath(new URL("../lambda/username-sweep.ts", import.meta.url)),
      handler: "handler",
      runtime: props.runtime,
      ...FUNCTION_BASE,
      // One ListUsers per claim; Lambda's limit, for a registry of many names.
      timeout: Duration.minutes(15),
      role,
      logGroup,
      environment: {
        [SWEEP_ENVIRONMENT_KEYS.tableName]: props.table.tableName,
        [SWEEP_ENVIRONMENT_KEYS.userPoolId]: props.userPool.userPoolId,
      },
    });
    this.rule = new events.Rule(this, "Schedule", {
      schedule: props.schedule,
      description: "cognito-passcode: release the usernames of deleted users",
      targets: [new targets.LambdaFunction(this.function, { retryAttempts: 0 })],
    });
  }
}
