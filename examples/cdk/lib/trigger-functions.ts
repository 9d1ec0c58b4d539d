import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { ENVIRONMENT_KEYS } from "../lambda/config.js";

/** The five Cognito triggers the flow needs, by the name of their handler export. */
export const TRIGGERS = [
  "defineAuthChallenge",
  "createAuthChallenge",
  "verifyAuthChallenge",
  "preSignUp",
  "postAuthentication",
] as const;

/** One of {@link TRIGGERS}. */
export type TriggerName = (typeof TRIGGERS)[number];

/**
 * What each trigger may touch. Least privilege: Define and PreSignUp need no
 * AWS access at all; only Create sends email; only Verify (username claim)
 * and PostAuthentication (email_verified) write user attributes.
 */
interface Needs {
  ses: boolean;
  table: boolean;
  pool: boolean;
  /** Makes or checks code digests, so needs the digest key. */
  codeSecret: boolean;
}
const NEEDS: Readonly<Record<TriggerName, Needs>> = {
  defineAuthChallenge: { ses: false, table: false, pool: false, codeSecret: false },
  createAuthChallenge: { ses: true, table: true, pool: false, codeSecret: true },
  verifyAuthChallenge: { ses: false, table: true, pool: true, codeSecret: true },
  preSignUp: { ses: false, table: false, pool: false, codeSecret: false },
  postAuthentication: { ses: false, table: false, pool: true, codeSecret: false },
};

/** The DynamoDB actions the store uses: reads and (conditional) writes, nothing else. */
export const TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
] as const;

/** Props of {@link TriggerFunctions}. */
export interface TriggerFunctionsProps {
  /** `per-trigger`: five functions, each with only its own permissions. `single`: one function for all five. */
  readonly layout: "per-trigger" | "single";
  /** The username registry and throttle table. */
  readonly table: dynamodb.ITable;
  /** The secret that keys the stored code digests (`codeSecret`). */
  readonly codeSecret: secretsmanager.ISecret;
  /** The SES identity ARN the code email is sent through. */
  readonly emailIdentityArn: string;
  /** The From address; the SES permission is limited to it. */
  readonly fromAddress: string;
  /** Product name shown in the email. */
  readonly appName: string;
  /** Code options passed to the handlers. */
  readonly code: {
    readonly length: number;
    readonly ttlSeconds: number;
    readonly maxAttempts: number;
  };
  /** How long the functions' logs are kept. */
  readonly logRetention: logs.RetentionDays;
  /** Lambda runtime. */
  readonly runtime: lambda.Runtime;
}

/**
 * The trigger functions, bundled from `lambda/handler.ts` (which imports
 * `@cognito-passcode/triggers`) by NodejsFunction with the workspace's esbuild,
 * never Docker. Each function has its own role, its own log group with a
 * retention, and only the permissions its trigger needs.
 */
export class TriggerFunctions extends Construct {
  /** The function that serves each trigger (all the same function in the `single` layout). */
  readonly byTrigger: Readonly<Record<TriggerName, lambda.IFunction>>;
  /** The distinct functions (one or five). */
  readonly functions: readonly nodejs.NodejsFunction[];
  private readonly poolWriters: iam.IRole[] = [];

  constructor(scope: Construct, id: string, props: TriggerFunctionsProps) {
    super(scope, id);
    const entry = fileURLToPath(new URL("../lambda/handler.ts", import.meta.url));
    const environment: Record<string, string> = {
      [ENVIRONMENT_KEYS.tableName]: props.table.tableName,
      [ENVIRONMENT_KEYS.emailFrom]: props.fromAddress,
      [ENVIRONMENT_KEYS.appName]: props.appName,
      [ENVIRONMENT_KEYS.codeLength]: String(props.code.length),
      [ENVIRONMENT_KEYS.codeTtlSeconds]: String(props.code.ttlSeconds),
      [ENVIRONMENT_KEYS.maxAttempts]: String(props.code.maxAttempts),
    };

    const make = (name: string, handler: string, needs: Needs) => {
      const logGroup = new logs.LogGroup(this, `${name}Logs`, {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.RETAIN,
      });
      // An explicit role instead of the AWS managed AWSLambdaBasicExecutionRole,
      // whose logs:* grant covers every log group in the account.
      const role = new iam.Role(this, `${name}Role`, {
        assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
        description: `cognito-passcode ${name} trigger`,
      });
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
          resources: [logGroup.logGroupArn],
        }),
      );
      if (needs.ses) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ["ses:SendEmail"],
            resources: [props.emailIdentityArn],
            conditions: { StringEquals: { "ses:FromAddress": props.fromAddress } },
          }),
        );
      }
      if (needs.table) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...TABLE_ACTIONS],
            resources: [props.table.tableArn],
          }),
        );
      }
      if (needs.codeSecret) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ["secretsmanager:GetSecretValue"],
            resources: [props.codeSecret.secretArn],
          }),
        );
      }
      if (needs.pool) this.poolWriters.push(role);
      return new nodejs.NodejsFunction(this, name, {
        entry,
        handler,
        runtime: props.runtime,
        architecture: lambda.Architecture.ARM_64,
        memorySize: 256,
        // Cognito waits 5 seconds for a trigger; a longer timeout only hides failures.
        timeout: Duration.seconds(5),
        role,
        logGroup,
        environment: needs.codeSecret
          ? { ...environment, [ENVIRONMENT_KEYS.codeSecretArn]: props.codeSecret.secretArn }
          : environment,
        bundling: {
          forceDockerBundling: false,
          minify: true,
          sourceMap: false,
          target: "node22",
          format: nodejs.OutputFormat.CJS,
        },
      });
    };

    if (props.layout === "single") {
      const fn = make("Triggers", "handler", {
        ses: true,
        table: true,
        pool: true,
        codeSecret: true,
      });
      this.functions = [fn];
      this.byTrigger = byTrigger(() => fn);
    } else {
      const made = byTrigger((t) => make(pascal(t), t, NEEDS[t]));
      this.functions = TRIGGERS.map((t) => made[t]);
      this.byTrigger = made;
    }
  }

  /**
   * Lets the triggers that write user attributes call
   * cognito-idp:AdminUpdateUserAttributes on this pool only. A separate
   * iam.Policy (not the roles' default policy) keeps CloudFormation free of a
   * cycle: the pool depends on the functions, the functions on their roles'
   * default policies, and this policy on the pool, with nothing depending on it.
   */
  allowAttributeWrites(pool: cognito.IUserPool): iam.Policy {
    return new iam.Policy(this, "UserPoolAttributeWrites", {
      roles: this.poolWriters,
      statements: [
        new iam.PolicyStatement({
          actions: ["cognito-idp:AdminUpdateUserAttributes"],
          resources: [pool.userPoolArn],
        }),
      ],
    });
  }
}

function byTrigger<T>(make: (trigger: TriggerName) => T): Record<TriggerName, T> {
  const out: Partial<Record<TriggerName, T>> = {};
  for (const t of TRIGGERS) out[t] = make(t);
  return out as Record<TriggerName, T>;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
