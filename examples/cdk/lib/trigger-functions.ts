import { fileURLToPath } from "node:url";
import { Duration } from "aws-cdk-lib";
import type * as cognito from "aws-cdk-lib/aws-cognito";
import type * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import type * as logs from "aws-cdk-lib/aws-logs";
import type * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { ENVIRONMENT_KEYS } from "../lambda/config.js";
import { FUNCTION_BASE, roleWithOwnLogs } from "./function-base.js";

/**
 * The four Cognito triggers the flow needs, by the name of their handler
 * export. PostAuthentication is not among them: its handler is a pass-through
 * since Verify marks the email verified, so wiring it would cost a Lambda
 * invocation per sign-in and do nothing.
 */
export const TRIGGERS = [
  "defineAuthChallenge",
  "createAuthChallenge",
  "verifyAuthChallenge",
  "preSignUp",
] as const;

/** One of {@link TRIGGERS}. */
export type TriggerName = (typeof TRIGGERS)[number];

/**
 * The DynamoDB actions each trigger's calls to `dynamoDbStore` need, and
 * nothing more (read from packages/triggers/src/dynamodb-store.ts and the
 * handlers that call it). A `TransactWriteItems` is authorised item by item:
 * its `Update`s need `dynamodb:UpdateItem`, its `Delete`s `DeleteItem`.
 * - Create: the send throttle, a consistent GetItem and a conditional PutItem
 *   per counter.
 * - Verify: the per-code attempt counter (GetItem, PutItem), and at the
 *   USERNAME step the registry claim (one transaction of two `Update`s) and
 *   the owner lookup (GetItem).
 */
export const TABLE_ACTIONS: Readonly<Record<TriggerName, readonly string[]>> = {
  defineAuthChallenge: [],
  createAuthChallenge: ["dynamodb:GetItem", "dynamodb:PutItem"],
  verifyAuthChallenge: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  preSignUp: [],
};

/**
 * What each trigger may touch. Least privilege: Define and PreSignUp need no
 * AWS access at all; only Create sends email; only Verify writes user
 * attributes (the username, and email_verified pinned to the proven address).
 */
interface Needs {
  ses: boolean;
  /** DynamoDB actions on the table. */
  table: readonly string[];
  pool: boolean;
  /** Makes or checks code digests, so needs the digest key. */
  codeSecret: boolean;
}
const NEEDS: Readonly<Record<TriggerName, Needs>> = {
  defineAuthChallenge: { ses: false, table: [], pool: false, codeSecret: false },
  createAuthChallenge: {
    ses: true,
    table: TABLE_ACTIONS.createAuthChallenge,
    pool: false,
    codeSecret: true,
  },
  verifyAuthChallenge: {
    ses: false,
    table: TABLE_ACTIONS.verifyAuthChallenge,
    pool: true,
    codeSecret: true,
  },
  preSignUp: { ses: false, table: [], pool: false, codeSecret: false },
};

/** Props of {@link TriggerFunctions}. */
export interface TriggerFunctionsProps {
  /** `per-trigger`: four functions, each with only its own permissions. `single`: one function for all four. */
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
  /** The distinct functions (one or four). */
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
      const { logGroup, role } = roleWithOwnLogs(
        this,
        { logs: `${name}Logs`, role: `${name}Role` },
        `cognito-passcode ${name} trigger`,
        props.logRetention,
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
      if (needs.table.length > 0) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...needs.table],
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
        ...FUNCTION_BASE,
        // Cognito waits 5 seconds for a trigger; a longer timeout only hides failures.
        timeout: Duration.seconds(5),
        role,
        logGroup,
        environment: needs.codeSecret
          ? { ...environment, [ENVIRONMENT_KEYS.codeSecretArn]: props.codeSecret.secretArn }
          : environment,
      });
    };

    if (props.layout === "single") {
      const fn = make("Triggers", "handler", {
        ses: true,
        table: [...new Set(TRIGGERS.flatMap((t) => TABLE_ACTIONS[t]))],
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
   * Lets the trigger that writes user attributes (Verify) call
   * cognito-idp:AdminUpdateUserAttributes and AdminUserGlobalSignOut (it
   * signs the user out everywhere before it marks an address verified, and
   * fails closed without it) on this pool only. A separate
   * iam.Policy (not the roles' default policy) keeps CloudFormation free of a
   * cycle: the pool depends on the functions, the functions on their roles'
   * default policies, and this policy on the pool, with nothing depending on it.
   */
  allowAttributeWrites(pool: cognito.IUserPool): iam.Policy {
    return new iam.Policy(this, "UserPoolAttributeWrites", {
      roles: this.poolWriters,
      statements: [
        new iam.PolicyStatement({
          actions: ["cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut"],
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
