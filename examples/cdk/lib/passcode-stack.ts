import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import type { Construct } from "constructs";
import { acknowledgeSecretFindings, acknowledgeUserPoolFindings } from "./nag-acknowledgements.js";
import { TRIGGERS, TriggerFunctions } from "./trigger-functions.js";
import { UsernameSweep } from "./username-sweep.js";

/** Where the code emails come from: a verified domain or a single verified address. */
export type EmailIdentitySource = { readonly domain: string } | { readonly address: string };

/** Props of {@link PasscodeStack}. */
export interface PasscodeStackProps extends StackProps {
  /** The SES identity to create and send through. */
  readonly emailIdentity: EmailIdentitySource;
  /**
   * The From address of the code email. Must be the identity's address, or an
   * address in its domain.
   * @default `no-reply@<domain>` for a domain identity, the address itself otherwise
   */
  readonly fromAddress?: string;
  /**
   * Product name shown in the email.
   * @default "cognito-passcode"
   */
  readonly appName?: string;
  /**
   * Protect the user pool and the table from deletion (Cognito's
   * DeletionProtection and DynamoDB's DeletionProtectionEnabled).
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * How long a sign-in session (one code challenge) stays valid: 3 to 15 minutes.
   * @default Duration.minutes(3)
   */
  readonly authSessionValidity?: Duration;
  /**
   * `per-trigger` (four functions, each with only its own permissions) or
   * `single` (one function, one cold start, the union of the permissions).
   * @default "per-trigger"
   */
  readonly functionLayout?: "per-trigger" | "single";
  /**
   * Attach to an existing user pool instead of creating one. The stack then
   * creates the app client, the table, the functions and their permissions
   * (including Cognito's permission to invoke them), but it cannot set the
   * pool's LambdaConfig: CloudFormation cannot modify a pool it does not own.
   * Wire the triggers where the pool is defined (see docs/guides/deploy-cdk.md).
   * The pool must already have the mutable custom attribute `username`.
   * @default a new user pool
   */
  readonly existingUserPoolId?: string;
  /**
   * Cognito feature plan for a new pool. Lite is enough for this flow; Plus
   * adds threat protection, which the stack then turns on.
   * @default cognito.FeaturePlan.LITE
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /**
   * How long trigger logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Code options passed to the triggers.
   * @default { length: 6, ttlSeconds: 180, maxAttempts: 3 }
   */
  readonly code?: {
    readonly length?: number;
    readonly ttlSeconds?: number;
    readonly maxAttempts?: number;
  };
  /**
   * The scheduled sweep that releases the usernames of deleted users
   * (`releaseOrphanedUsernames`, lambda/username-sweep.ts): its schedule, or
   * `false` for none (then names of deleted users stay reserved).
   * @default { schedule: events.Schedule.rate(Duration.days(1)) }
   */
  readonly usernameSweep?: false | { readonly schedule?: events.Schedule };
  /**
   * Acknowledge the cdk-nag findings this design accepts (see
   * nag-acknowledgements.ts). Turn off to see every finding, e.g. in an audit.
   * @default true
   */
  readonly acknowledgeNagFindings?: boolean;
}

/** Standard attributes the public app client may write (never `custom:username`). */
export const CLIENT_WRITE_ATTRIBUTES: cognito.StandardAttributesMask = {
  email: true,
  fullname: true,
  locale: true,
};

/**
 * The production shape of cognito-passcode: a user pool with email sign-in,
 * one public app client limited to CUSTOM_AUTH and refresh, the four
 * triggers, an SES identity, the DynamoDB table, the daily username sweep and
 * least-privilege IAM.
 */
export class PasscodeStack extends Stack {
  /** The user pool (imported when `existingUserPoolId` is set). */
  readonly userPool: cognito.IUserPool;
  /** The public app client the browser uses. */
  readonly userPoolClient: cognito.UserPoolClient;
  /** The registry and throttle table. */
  readonly table: dynamodb.Table;
  /** The trigger functions. */
  readonly triggers: TriggerFunctions;
  /** The scheduled username sweep, unless `usernameSweep: false`. */
  readonly usernameSweep: UsernameSweep | undefined;

  constructor(scope: Construct, id: string, props: PasscodeStackProps) {
    super(scope, id, props);
    const deletionProtection = props.deletionProtection ?? true;
    const sessionValidity = props.authSessionValidity ?? Duration.minutes(3);
    const sessionMinutes = sessionValidity.toMinutes();
    if (sessionMinutes < 3 || sessionMinutes > 15) {
      throw new Error("authSessionValidity must be 3 to 15 minutes");
    }

    const { identity, fromAddress } = resolveEmailIdentity(props.emailIdentity, props.fromAddress);
    const emailIdentity = new ses.EmailIdentity(this, "EmailIdentity", { identity });

    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "ttl",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      deletionProtection,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Keys the stored code digests (HMAC), so a digest read from a trigger
    // event or log cannot be brute-forced back to the code without it.
    const codeSecret = new secretsmanager.Secret(this, "CodeSecret", {
      description: "cognito-passcode: key of the one-time code digests",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    if (props.acknowledgeNagFindings ?? true) acknowledgeSecretFindings(codeSecret);

    this.triggers = new TriggerFunctions(this, "Triggers", {
      codeSecret,
      layout: props.functionLayout ?? "per-trigger",
      table: this.table,
      emailIdentityArn: emailIdentity.emailIdentityArn,
      fromAddress,
      appName: props.appName ?? "cognito-passcode",
      code: {
        length: props.code?.length ?? 6,
        ttlSeconds: props.code?.ttlSeconds ?? 180,
        maxAttempts: props.code?.maxAttempts ?? 3,
      },
      logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      runtime: lambda.Runtime.NODEJS_24_X,
    });

    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.LITE;
    if (props.existingUserPoolId) {
      this.userPool = cognito.UserPool.fromUserPoolId(this, "UserPool", props.existingUserPoolId);
      // Without a pool resource to carry LambdaConfig, grant Cognito the
      // invoke permission the L2 UserPool would otherwise add.
      for (const fn of this.triggers.functions) {
        fn.addPermission("CognitoInvoke", {
          principal: new iam.ServicePrincipal("cognito-idp.amazonaws.com"),
          sourceArn: this.userPool.userPoolArn,
        });
      }
    } else {
      const pool = new cognito.UserPool(this, "UserPool", {
        featurePlan,
        ...(featurePlan === cognito.FeaturePlan.PLUS
          ? { standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION }
          : {}),
        selfSignUpEnabled: true,
        signInAliases: { email: true },
        signInCaseSensitive: false,
        // Email is the username: keep the old address until a new one is
        // verified, so nobody can move their account onto someone else's address.
        autoVerify: { email: true },
        keepOriginal: { email: true },
        standardAttributes: { email: { required: true, mutable: true } },
        customAttributes: {
          // Mutable so the Verify trigger can set it after the first sign-in;
          // users cannot, because it is not in the client's WriteAttributes.
          username: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        },
        // No password ever signs anyone in (no password flow on any client),
        // but Cognito still stores the random one sign-up sends: keep it strong.
        passwordPolicy: {
          minLength: 12,
          requireDigits: true,
          requireLowercase: true,
          requireUppercase: true,
          requireSymbols: true,
        },
        accountRecovery: cognito.AccountRecovery.NONE,
        mfa: cognito.Mfa.OFF,
        deletionProtection,
        removalPolicy: RemovalPolicy.RETAIN,
        lambdaTriggers: Object.fromEntries(
          TRIGGERS.map((t) => [
            t === "verifyAuthChallenge" ? "verifyAuthChallengeResponse" : t,
            this.triggers.byTrigger[t],
          ]),
        ),
      });
      if (props.acknowledgeNagFindings ?? true) acknowledgeUserPoolFindings(pool, featurePlan);
      this.userPool = pool;
    }
    this.triggers.allowAttributeWrites(this.userPool);

    this.usernameSweep =
      props.usernameSweep === false
        ? undefined
        : new UsernameSweep(this, "UsernameSweep", {
            table: this.table,
            userPool: this.userPool,
            schedule: props.usernameSweep?.schedule ?? events.Schedule.rate(Duration.days(1)),
            logRetention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
            runtime: lambda.Runtime.NODEJS_24_X,
          });

    this.userPoolClient = new cognito.UserPoolClient(this, "WebClient", {
      userPool: this.userPool,
      userPoolClientName: "web",
      generateSecret: false,
      authFlows: { custom: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      authSessionValidity: sessionValidity,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      // List both explicitly: an empty list means "all writable" to Cognito.
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes(
        CLIENT_WRITE_ATTRIBUTES,
      ),
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ ...CLIENT_WRITE_ATTRIBUTES, emailVerified: true })
        .withCustomAttributes("username"),
    });

    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, "Region", { value: this.region });
    if (props.existingUserPoolId) {
      for (const t of TRIGGERS) {
        new CfnOutput(this, `${t}FunctionArn`, {
          value: this.triggers.byTrigger[t].functionArn,
          description: `Set as the pool's ${t} trigger`,
        });
      }
    }
  }
}

function resolveEmailIdentity(
  source: EmailIdentitySource,
  fromAddress: string | undefined,
): { identity: ses.Identity; fromAddress: string } {
  if ("domain" in source) {
    const domain = source.domain.toLowerCase();
    const from = (fromAddress ?? `no-reply@${domain}`).toLowerCase();
    if (!from.endsWith(`@${domain}`)) {
      throw new Error(`fromAddress ${from} is not in the SES domain ${domain}`);
    }
    return { identity: ses.Identity.domain(domain), fromAddress: from };
  }
  const address = source.address.toLowerCase();
  if (fromAddress !== undefined && fromAddress.toLowerCase() !== address) {
    throw new Error(`fromAddress must be the SES identity address ${address}`);
  }
  return { identity: ses.Identity.email(address), fromAddress: address };
}
