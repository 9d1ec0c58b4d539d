import { ENVIRONMENT_KEYS, SWEEP_ENVIRONMENT_KEYS } from "@cognito-passcode/triggers/environment";
import { Annotations, Duration, RemovalPolicy, Stack, Token } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secretsmanager from "aws-cdk-lib/aws-secretsmanager";
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";
import { acknowledge, COOKIE_SECRET_REASON } from "./nag.js";
import { type CheckedPasskeys, checkPasskeys, type PasscodePasskeysProps } from "./passkeys.js";
import { prebuiltHandlerDir } from "./prebuilt.js";
import {
  checkAllowedOrigins,
  prebuiltTokenHandlerDir,
  TOKEN_HANDLER_ENVIRONMENT_KEYS,
  TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS,
} from "./token-handler.js";

/** The four Cognito triggers the flow needs (PostAuthentication is not one: it would do nothing). */
export const TRIGGERS = [
  "defineAuthChallenge",
  "createAuthChallenge",
  "verifyAuthChallengeResponse",
  "preSignUp",
] as const;

/** One of {@link TRIGGERS}, named as in `cognito.UserPoolTriggers` and the prebuilt handler's exports. */
export type TriggerName = (typeof TRIGGERS)[number];

/**
 * The DynamoDB actions each trigger's calls need on the table, and nothing
 * more. A `TransactWriteItems` is authorised item by item: its `Update`s need
 * `dynamodb:UpdateItem`, its `Delete`s `DeleteItem`.
 * - Create: the send throttle, a consistent GetItem and a conditional PutItem per counter.
 * - Verify: the per-code attempt counter (GetItem, PutItem), and at the
 *   USERNAME step the registry claim (one transaction of two `Update`s) and
 *   the owner lookup (GetItem).
 */
export const TABLE_ACTIONS: Readonly<Record<TriggerName, readonly string[]>> = Object.freeze({
  defineAuthChallenge: [],
  createAuthChallenge: ["dynamodb:GetItem", "dynamodb:PutItem"],
  verifyAuthChallengeResponse: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"],
  preSignUp: [],
});

/**
 * The DynamoDB actions the username sweep (`releaseOrphanedUsernames`) needs:
 * the registry Scan, the owner lookup (GetItem), and the release (a
 * transaction of `Delete`s, or of a `Delete` and a `ConditionCheck`).
 */
export const SWEEP_TABLE_ACTIONS: readonly string[] = Object.freeze([
  "dynamodb:Scan",
  "dynamodb:GetItem",
  "dynamodb:DeleteItem",
  "dynamodb:ConditionCheckItem",
]);

/**
 * The DynamoDB actions passkeys add, each limited to the records it concerns
 * (`dynamodb:LeadingKeys`):
 * - Create: the user's passkey item (`passkeys#<sub>`, GetItem) for the
 *   enrolment challenge's exclude list.
 * - Verify: the passkey item and the credential claims (`passkey#<hash>`,
 *   written with the item in one transaction), the consumed challenges
 *   (`passkey-auth#<hash>`, a conditional PutItem), the counter (UpdateItem)
 *   and, when an address is proven for the first time, the removal of every
 *   passkey (DeleteItem, UpdateItem).
 * - Pre Token Generation: the single-use read of `passkey-auth#<hash>` (an
 *   UpdateItem that marks it taken and returns the old item; the record stays
 *   until its ttl, so the challenge cannot be recorded again).
 * - The token handler's management operations: list (GetItem), rename
 *   (UpdateItem), remove (a transaction of an Update and a Delete).
 */
export const PASSKEY_TABLE_ACCESS = Object.freeze({
  createAuthChallenge: { actions: ["dynamodb:GetItem"], keys: ["passkeys#*"] },
  verifyAuthChallengeResponse: {
    actions: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    keys: ["passkeys#*", "passkey#*", "passkey-auth#*"],
  },
  preTokenGeneration: { actions: ["dynamodb:UpdateItem"], keys: ["passkey-auth#*"] },
  tokenHandler: {
    actions: ["dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
    keys: ["passkeys#*", "passkey#*"],
  },
} as const satisfies Record<string, { actions: readonly string[]; keys: readonly string[] }>);

/** What each trigger may touch: Define and PreSignUp need no AWS access at all. */
interface Needs {
  ses: boolean;
  table: readonly string[];
  /** The partition keys the table actions are limited to (`dynamodb:LeadingKeys`), if any. */
  tableKeys?: readonly string[];
  pool: boolean;
  codeSecret: boolean;
  /** More table access, each statement limited to its own keys. */
  extraTable?: readonly { actions: readonly string[]; keys: readonly string[] }[];
}
const NEEDS: Readonly<Record<TriggerName, Needs>> = {
  defineAuthChallenge: { ses: false, table: [], pool: false, codeSecret: false },
  createAuthChallenge: {
    ses: true,
    table: TABLE_ACTIONS.createAuthChallenge,
    // Only the send throttle's records (`throttle#<sha256>`): Create, which
    // serves unauthenticated callers, never reaches the username registry.
    tableKeys: ["throttle#*"],
    pool: false,
    codeSecret: true,
  },
  verifyAuthChallengeResponse: {
    ses: false,
    table: TABLE_ACTIONS.verifyAuthChallengeResponse,
    pool: true,
    codeSecret: true,
  },
  preSignUp: { ses: false, table: [], pool: false, codeSecret: false },
};

/** The only auth flows an app client of the pool may allow: no password ever signs anyone in. */
const CLIENT_AUTH_FLOWS: ReadonlySet<string> = new Set([
  "ALLOW_CUSTOM_AUTH",
  "ALLOW_REFRESH_TOKEN_AUTH",
]);

/** Standard attributes the app clients may write (never the username attribute, never `email_verified`). */
export const CLIENT_WRITE_ATTRIBUTES: cognito.StandardAttributesMask = Object.freeze({
  email: true,
  fullname: true,
  locale: true,
});

/**
 * Where the code emails come from: a domain or an address to create as an
 * SES identity, or an identity you already have.
 */
export type PasscodeEmailProps =
  | {
      /** Create an SES domain identity for this domain. */
      readonly domain: string;
      /** @default `no-reply@<domain>` */
      readonly fromAddress?: string;
    }
  | {
      /** Create an SES email address identity and send from it. */
      readonly address: string;
    }
  | {
      /** An identity that exists already (`ses.EmailIdentity.fromEmailIdentityName(...)`). */
      readonly identity: ses.IEmailIdentity;
      /** The From address; it must belong to the identity. */
      readonly fromAddress: string;
    };

/** Code options (see `CodeOptions` of `@cognito-passcode/triggers`). */
export interface PasscodeCodeProps {
  /** Digits, 6 to 10. @default 6 */
  readonly length?: number;
  /** Lifetime in seconds, 60 to 900. @default 180 */
  readonly ttlSeconds?: number;
  /** Answers per code, 1 to 10. @default 3 */
  readonly maxAttempts?: number;
}

/** The per-address send throttle (see `ThrottleOptions`); it is always on. */
export interface PasscodeThrottleProps {
  /** Least seconds between two codes to one address, 0 to 3600. @default 30 */
  readonly minIntervalSeconds?: number;
  /** Most codes to one address per window, 1 to 1000. @default 5 */
  readonly maxPerWindow?: number;
  /** Window length in seconds, 60 to 86400. @default 900 */
  readonly windowSeconds?: number;
  /** Most codes to one address in any 24 hours, 1 to 10000. @default 10 */
  readonly maxPerDay?: number;
}

/** The username step (a unique `@username`, chosen once after the first code). */
export interface PasscodeUsernameProps {
  /**
   * The custom attribute's name, without `custom:` (1 to 20 letters, digits or `_`).
   * @default "username"
   */
  readonly attributeName?: string;
  /** Shortest name. @default the library's (3) */
  readonly minLength?: number;
  /** Longest name. @default the library's */
  readonly maxLength?: number;
  /** Username answers per sign-in, 1 to 20. @default 5 */
  readonly maxAttempts?: number;
}

/** Props of {@link PasscodeAuth}. */
export interface PasscodeAuthProps {
  /** The email that carries the code. */
  readonly email: PasscodeEmailProps;
  /** Product name shown in the email. @default "cognito-passcode" */
  readonly appName?: string;
  /**
   * An existing user pool to serve instead of creating one. The construct
   * then creates everything else (functions, table, secret, IAM, Cognito's
   * permission to invoke the functions from that pool), but it CANNOT attach
   * the triggers or change the pool's settings: CloudFormation only modifies
   * a pool the same stack owns. Finish by hand, where the pool is defined:
   * set its Define, Create, Verify Auth Challenge Response and Pre Sign-up
   * triggers to {@link PasscodeAuth.triggerFunctions} (with the AWS CLI,
   * `aws cognito-idp update-user-pool` resets every setting you leave out:
   * pass them all), and check what the construct would have set: email as
   * username, case-insensitive, a mutable custom `username` attribute (1..64)
   * that no app client may write, `AttributesRequireVerificationBeforeUpdate:
   * [email]`, admin-only account recovery. Every synth warns of this
   * (`@cognito-passcode/cdk:importedUserPool`; acknowledge it with
   * `Annotations.of(auth).acknowledgeWarning(...)` once it is done).
   * @default a new user pool with those settings
   */
  readonly userPool?: cognito.IUserPool;
  /**
   * Protect the new user pool and the table from deletion.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Cognito feature plan of a new pool. Plus adds threat protection, which
   * the construct then turns on (full function) for standard and for custom
   * authentication (the flow the triggers serve).
   * @default cognito.FeaturePlan.LITE
   */
  readonly featurePlan?: cognito.FeaturePlan;
  /** Code options. */
  readonly code?: PasscodeCodeProps;
  /** Throttle options. */
  readonly throttle?: PasscodeThrottleProps;
  /**
   * The username step, or `false` to skip it (then the new pool has no
   * custom username attribute, and the sweep is created only for passkeys).
   * @default {} (on, attribute `custom:username`)
   */
  readonly username?: PasscodeUsernameProps | false;
  /** Only these email domains may sign up and sign in. @default any domain */
  readonly allowedEmailDomains?: readonly string[];
  /** Reply-To addresses of the code email. @default none */
  readonly replyTo?: readonly string[];
  /**
   * `per-trigger`: four functions, each with only its own permissions.
   * `single`: one function serving all four, with the union of the permissions.
   * @default "per-trigger"
   */
  readonly functionLayout?: "per-trigger" | "single";
  /**
   * The code of the trigger functions. Leave it for the prebuilt handler.
   * Give your own bundle to change what the environment cannot, such as the
   * email's look: a file that exports `createEnvironmentHandlers({ render })`
   * from `@cognito-passcode/triggers/environment` under the same names
   * (`handler`, `defineAuthChallenge`, `createAuthChallenge`,
   * `verifyAuthChallengeResponse`, `preSignUp`) in an `index.mjs` or
   * `index.js`, bundled with `--external:@aws-sdk/*`; it reads the same
   * environment. Create may reach only the table's `throttle#` records, as
   * `createEnvironmentHandlers`' store keys them.
   * @default the prebuilt handler of `@cognito-passcode/triggers`
   */
  readonly handlerCode?: lambda.Code;
  /** Node.js runtime of the functions (nodejs22.x or nodejs24.x). @default lambda.Runtime.NODEJS_24_X */
  readonly runtime?: lambda.Runtime;
  /** CPU architecture of the functions. @default lambda.Architecture.ARM_64 */
  readonly architecture?: lambda.Architecture;
  /** How long the functions' logs are kept. @default logs.RetentionDays.ONE_MONTH */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The scheduled sweep that releases the usernames of deleted users and,
   * with `passkeys`, removes their passkeys, or `false` for none (names and
   * passkeys of deleted users then stay in the table).
   * @default { schedule: events.Schedule.rate(Duration.days(1)) }
   */
  readonly usernameSweep?: false | { readonly schedule?: events.Schedule };
  /**
   * Acknowledge the cdk-nag findings this design accepts (see `NAG_REASONS`),
   * each on its own resource. Turn off to see every finding.
   * @default true
   */
  readonly acknowledgeNagFindings?: boolean;
  /**
   * Deploy the token handler (`@cognito-passcode/token-handler`'s prebuilt
   * Lambda) for the client's cookie mode: the refresh token then lives in an
   * encrypted `__Host-Http-` httpOnly cookie instead of JavaScript's reach.
   * The construct creates, beside the rest, an app client of its own for it
   * ({@link PasscodeAuth.tokenHandlerClient}, refresh-token rotation on), the
   * function with a function URL ({@link PasscodeAuth.tokenHandlerUrl}), a
   * generated cookie secret readable only by that function, and its log
   * group. Serve the URL on your site's own origin (CloudFront behaviours for
   * `/auth` and `/auth/*`, see docs/guides/token-storage.md): the cookie is
   * `SameSite=Strict` and a `__Host-` cookie, so the browser sends it only to
   * the page's own site.
   * @default none
   */
  readonly tokenHandler?: PasscodeTokenHandlerProps;
  /**
   * Passkeys (WebAuthn) beside the email codes: a first challenge that
   * accepts a passkey (or switches to a code), enrolment after a sign-in
   * that asks for it, and the `passcode_amr` ID-token claim from a Pre Token
   * Generation trigger (event version V1_0, every feature plan) that the
   * construct adds ({@link PasscodeAuth.preTokenGenerationFunction}). With
   * `tokenHandler`, the token handler also serves the passkey management
   * operations (list, rename, remove). Credentials live in the same table.
   * Update every browser client first: clients released before passkeys
   * cannot answer the passkey challenge and fail closed.
   * @default none (passkeys off)
   */
  readonly passkeys?: PasscodePasskeysProps;
}

/** Props of {@link PasscodeAuthProps.tokenHandler}. */
export interface PasscodeTokenHandlerProps {
  /**
   * The exact origins of the pages that sign in (`https://app.example.com`):
   * the handler refuses any other `Origin` and answers CORS only for these.
   * Each must be `https` (`http` only on `localhost`, `127.0.0.1`, `[::1]`),
   * without path, trailing slash or wildcard, and a literal (no token):
   * synthesis fails otherwise.
   */
  readonly allowedOrigins: readonly string[];
  /**
   * The token handler's own app client, made with {@link PasscodeAuth.addClient}.
   * Browsers in cookie mode use its id ({@link PasscodeAuth.tokenHandlerClient}).
   * @default `{ userPoolClientName: "token-handler", refreshTokenRotation: { retryGracePeriod: Duration.seconds(10) } }`
   */
  readonly client?: PasscodeClientProps;
  /** Memory of the function in MB. @default 256 */
  readonly memorySize?: number;
  /**
   * Reserved concurrency of the function (a positive integer; synthesis
   * fails otherwise). Its function URL is public: unset, a flood of requests
   * can take the account's whole unreserved concurrency in the region, and
   * then the Cognito triggers (which draw from the same pool) are throttled
   * and sign-in fails for everyone. Reserving caps the handler at this many
   * concurrent requests (beyond it the URL answers 429) and keeps the rest
   * for the triggers and your other functions. The trade-off: the reserved
   * amount is taken from the account's pool even when idle, and Lambda must
   * keep 100 unreserved, so on an account with a low concurrency quota (new
   * accounts can start far below the default 1,000) the deploy fails until
   * the quota is raised (Service Quotas, "Concurrent executions").
   * @default none (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
}

/** Props of {@link PasscodeAuth.addClient}. */
export interface PasscodeClientProps {
  /** @default the construct id */
  readonly userPoolClientName?: string;
  /** How long one sign-in (one code challenge) stays valid, 3 to 15 minutes. @default Duration.minutes(3) */
  readonly authSessionValidity?: Duration;
  /** @default Duration.hours(1) */
  readonly accessTokenValidity?: Duration;
  /** @default Duration.hours(1) */
  readonly idTokenValidity?: Duration;
  /** @default Duration.days(30) */
  readonly refreshTokenValidity?: Duration;
  /**
   * Refresh-token rotation: each refresh (`GetTokensFromRefreshToken`, the
   * only way Cognito then refreshes; `ALLOW_REFRESH_TOKEN_AUTH` is left out)
   * returns a new refresh token, and the old one keeps working only for
   * `retryGracePeriod` (0 to 60 seconds) after its first use. `false` for none.
   * @default false for {@link PasscodeAuth.addClient}; on, 10-second grace, for the token handler's client
   */
  readonly refreshTokenRotation?: false | { readonly retryGracePeriod?: Duration };
}

/**
 * cognito-passcode in your stack: passwordless sign-in with one-time email
 * codes. Creates (or serves) a user pool, the four trigger functions from
 * the handler `@cognito-passcode/triggers` ships prebuilt, the DynamoDB table
 * (on demand, TTL, point-in-time recovery), the code secret (readable only
 * by Create and Verify), the SES identity, the daily username sweep, and
 * least-privilege IAM on exact ARNs, and with `tokenHandler` the token
 * handler for the client's cookie mode ({@link PasscodeAuthProps.tokenHandler}).
 * Add app clients with {@link addClient};
 * synthesis fails for any other app client of the pool in the same stack
 * that lists no write attributes (Cognito then lets it write all of them),
 * may write the username attribute or a `*_verified` flag, or allows an auth
 * flow other than `ALLOW_CUSTOM_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH` (or
 * lists none: Cognito's default includes `ALLOW_USER_SRP_AUTH`), or does not
 * enable `PreventUserExistenceErrors`.
 *
 * @example
 * ```ts
 * const auth = new PasscodeAuth(this, "Auth", { email: { domain: "example.com" }, appName: "Acme" });
 * const client = auth.addClient("Web");
 * ```
 */
export class PasscodeAuth extends Construct {
  /** The user pool (the one given, or the new one). */
  readonly userPool: cognito.IUserPool;
  /** The registry, throttle and attempt-counter table. */
  readonly table: dynamodb.Table;
  /** The secret that keys the code digests. */
  readonly codeSecret: secretsmanager.Secret;
  /** The SES identity the code is sent through. */
  readonly emailIdentity: ses.IEmailIdentity;
  /** The From address of the code email. */
  readonly fromAddress: string;
  /** The function serving each trigger (the same one for all four in the `single` layout). */
  readonly triggerFunctions: Readonly<Record<TriggerName, lambda.IFunction>>;
  /** The distinct trigger functions (four, or one). */
  readonly functions: readonly lambda.Function[];
  /**
   * The username sweep function (it also removes deleted users' passkeys),
   * unless turned off, or the username step and passkeys are both off.
   */
  readonly usernameSweepFunction: lambda.Function | undefined;
  /** The username attribute (`custom:<name>`), or `false` when the username step is off. */
  readonly usernameAttribute: string | false;
  /** The token handler's function, with `tokenHandler`. */
  readonly tokenHandlerFunction: lambda.Function | undefined;
  /**
   * The token handler's function URL (auth type `NONE`: the handler checks
   * `Origin`, `Sec-Fetch-Site` and its custom header itself), with `tokenHandler`.
   * Put it behind your site's own origin, e.g. as a CloudFront origin
   * (`origins.FunctionUrlOrigin`).
   */
  readonly tokenHandlerFunctionUrl: lambda.FunctionUrl | undefined;
  /** The function URL's address (`https://<id>.lambda-url.<region>.on.aws/`, a token), with `tokenHandler`. */
  readonly tokenHandlerUrl: string | undefined;
  /**
   * The app client the token handler serves, with `tokenHandler`: give its
   * id to `createPasscodeClient({ clientId, tokenHandler: "/auth" })`.
   */
  readonly tokenHandlerClient: cognito.UserPoolClient | undefined;
  /** The secret that keys the token handler's cookie encryption, with `tokenHandler`. */
  readonly cookieSecret: secretsmanager.Secret | undefined;
  /**
   * The Pre Token Generation trigger's function (V1_0: the `passcode_amr`
   * claim), with `passkeys`: its own function in the `per-trigger` layout,
   * the one function in `single`.
   */
  readonly preTokenGenerationFunction: lambda.IFunction | undefined;

  private readonly nag: boolean;

  constructor(scope: Construct, id: string, props: PasscodeAuthProps) {
    super(scope, id);
    this.nag = props.acknowledgeNagFindings ?? true;
    const deletionProtection = props.deletionProtection ?? true;
    const logRetention = props.logRetention ?? logs.RetentionDays.ONE_MONTH;
    const runtime = props.runtime ?? lambda.Runtime.NODEJS_24_X;
    // The handler targets nodejs22.x and later; an older runtime would also
    // get AwsSolutions-L1 acknowledged for a reason not true of it.
    const nodeMajor = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
    if (runtime.family !== lambda.RuntimeFamily.NODEJS || Number(nodeMajor ?? 0) < 22) {
      throw new Error(
        `runtime must be a Node.js runtime, nodejs22.x or nodejs24.x (not ${runtime.name})`,
      );
    }
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    const usernameName =
      props.username === false ? undefined : (props.username?.attributeName ?? "username");
    if (usernameName !== undefined && !/^[A-Za-z0-9_]{1,20}$/.test(usernameName)) {
      throw new Error("username.attributeName must be 1 to 20 letters, digits or _");
    }
    this.usernameAttribute = usernameName === undefined ? false : `custom:${usernameName}`;

    const email = resolveEmail(this, props.email);
    this.emailIdentity = email.identity;
    this.fromAddress = email.fromAddress;

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
    this.codeSecret = new secretsmanager.Secret(this, "CodeSecret", {
      description: "cognito-passcode: key of the one-time code digests",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    if (this.nag) acknowledge(this.codeSecret, "AwsSolutions-SMG4");

    const passkeys = props.passkeys
      ? checkPasskeys(props.passkeys, props.appName ?? "cognito-passcode")
      : undefined;
    const environment = triggerEnvironment(
      props,
      this.table,
      this.fromAddress,
      this.usernameAttribute,
      passkeys,
    );
    const code = props.handlerCode ?? lambda.Code.fromAsset(prebuiltHandlerDir());
    const poolWriters: iam.IRole[] = [];
    const make = (name: string, handler: string, needs: Needs) => {
      const { logGroup, role } = this.roleWithOwnLogs(
        name,
        `cognito-passcode ${name} trigger`,
        logRetention,
      );
      if (needs.ses) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ["ses:SendEmail"],
            resources: [this.emailIdentity.emailIdentityArn],
            conditions: { StringEquals: { "ses:FromAddress": this.fromAddress } },
          }),
        );
      }
      if (needs.table.length > 0) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...needs.table],
            resources: [this.table.tableArn],
            ...(needs.tableKeys
              ? {
                  conditions: {
                    "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...needs.tableKeys] },
                  },
                }
              : {}),
          }),
        );
      }
      for (const extra of needs.extraTable ?? []) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: [...extra.actions],
            resources: [this.table.tableArn],
            conditions: {
              "ForAllValues:StringLike": { "dynamodb:LeadingKeys": [...extra.keys] },
            },
          }),
        );
      }
      if (needs.codeSecret) {
        role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            actions: ["secretsmanager:GetSecretValue"],
            resources: [this.codeSecret.secretArn],
          }),
        );
      }
      if (needs.pool) poolWriters.push(role);
      const fn = new lambda.Function(this, name, {
        code,
        handler,
        runtime,
        architecture,
        memorySize: 256,
        // Cognito waits 5 seconds for a trigger; a longer timeout only hides failures.
        timeout: Duration.seconds(5),
        role,
        logGroup,
        description: `cognito-passcode ${name}`,
        environment: needs.codeSecret
          ? { ...environment, [ENVIRONMENT_KEYS.codeSecretArn]: this.codeSecret.secretArn }
          : environment,
      });
      this.acknowledgeRuntime(fn, runtime);
      return fn;
    };

    const withPasskeys = (trigger: TriggerName): Needs => {
      const access =
        trigger === "createAuthChallenge" || trigger === "verifyAuthChallengeResponse"
          ? PASSKEY_TABLE_ACCESS[trigger]
          : undefined;
      return passkeys && access ? { ...NEEDS[trigger], extraTable: [access] } : NEEDS[trigger];
    };
    if ((props.functionLayout ?? "per-trigger") === "single") {
      const fn = make("Triggers", "index.handler", {
        ses: true,
        table: [...new Set(TRIGGERS.flatMap((t) => TABLE_ACTIONS[t]))],
        pool: true,
        codeSecret: true,
        ...(passkeys
          ? {
              extraTable: [
                {
                  actions: [
                    ...new Set([
                      ...PASSKEY_TABLE_ACCESS.createAuthChallenge.actions,
                      ...PASSKEY_TABLE_ACCESS.verifyAuthChallengeResponse.actions,
                      ...PASSKEY_TABLE_ACCESS.preTokenGeneration.actions,
                    ]),
                  ],
                  keys: PASSKEY_TABLE_ACCESS.verifyAuthChallengeResponse.keys,
                },
              ],
            }
          : {}),
      });
      this.functions = [fn];
      this.triggerFunctions = byTrigger(() => fn);
      this.preTokenGenerationFunction = passkeys ? fn : undefined;
    } else {
      const made = byTrigger((t) => make(pascal(t), `index.${t}`, withPasskeys(t)));
      this.triggerFunctions = made;
      // Its own function: it needs no secret, no email and no pool access.
      const preToken = passkeys
        ? make("PreTokenGeneration", "index.preTokenGeneration", {
            ses: false,
            table: [],
            pool: false,
            codeSecret: false,
            extraTable: [PASSKEY_TABLE_ACCESS.preTokenGeneration],
          })
        : undefined;
      this.preTokenGenerationFunction = preToken;
      this.functions = [...TRIGGERS.map((t) => made[t]), ...(preToken ? [preToken] : [])];
    }

    if (props.userPool) {
      this.userPool = props.userPool;
      // CloudFormation cannot change a pool this stack does not own: say at
      // every synth what the deployer must set on it by hand.
      Annotations.of(this).addWarningV2(
        "@cognito-passcode/cdk:importedUserPool",
        "The imported user pool is not changed by this construct. Set by hand where it is defined: " +
          "its Define, Create, Verify Auth Challenge Response and Pre Sign-up triggers to " +
          "triggerFunctions; " +
          (passkeys
            ? "its Pre Token Generation trigger (event version V1_0) to preTokenGenerationFunction; "
            : "") +
          "email as username, case-insensitive; " +
          "AttributesRequireVerificationBeforeUpdate [email]; account recovery admin_only; " +
          `${this.usernameAttribute ? `a mutable ${this.usernameAttribute} attribute (1 to 64) that ` : ""}` +
          "no app client defined outside this stack may write. Without the triggers no one can sign in.",
      );
      // Without a pool resource to carry LambdaConfig, grant Cognito the
      // invoke permission the L2 UserPool would otherwise add.
      for (const fn of this.functions) {
        fn.addPermission("CognitoInvoke", {
          principal: new iam.ServicePrincipal("cognito-idp.amazonaws.com"),
          sourceArn: this.userPool.userPoolArn,
        });
      }
    } else {
      const pool = this.createUserPool(props, deletionProtection, usernameName);
      if (this.preTokenGenerationFunction) {
        // V1_0: the one event version every feature plan has (Lite included).
        pool.addTrigger(
          cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
          this.preTokenGenerationFunction,
          cognito.LambdaVersion.V1_0,
        );
      }
      this.userPool = pool;
    }

    // Verify signs the user out everywhere before it marks an address
    // verified, and writes the username: on this pool only. A separate
    // iam.Policy (not the roles' default policy) keeps CloudFormation free of
    // a cycle: pool -> functions -> default policies, and this policy -> pool.
    new iam.Policy(this, "UserPoolAttributeWrites", {
      roles: poolWriters,
      statements: [
        new iam.PolicyStatement({
          actions: ["cognito-idp:AdminUpdateUserAttributes", "cognito-idp:AdminUserGlobalSignOut"],
          resources: [this.userPool.userPoolArn],
        }),
      ],
    });

    this.node.addValidation({ validate: () => this.checkClients() });

    // With the username step off there are no names to release, but a
    // passkey deployment still has deleted users' passkeys to remove.
    this.usernameSweepFunction =
      props.usernameSweep === false || (this.usernameAttribute === false && !props.passkeys)
        ? undefined
        : this.createSweep(
            props.usernameSweep?.schedule ?? events.Schedule.rate(Duration.days(1)),
            { runtime, architecture, logRetention },
          );

    if (props.tokenHandler) {
      const made = this.createTokenHandler(
        props.tokenHandler,
        { runtime, architecture, logRetention },
        passkeys !== undefined,
        props.appName ?? "cognito-passcode",
      );
      this.tokenHandlerFunction = made.fn;
      this.tokenHandlerFunctionUrl = made.url;
      this.tokenHandlerUrl = made.url.url;
      this.tokenHandlerClient = made.client;
      this.cookieSecret = made.secret;
    } else {
      this.tokenHandlerFunction = undefined;
      this.tokenHandlerFunctionUrl = undefined;
      this.tokenHandlerUrl = undefined;
      this.tokenHandlerClient = undefined;
      this.cookieSecret = undefined;
    }
  }

  /**
   * Adds an app client with exactly what the flow needs: public (no secret),
   * `ALLOW_CUSTOM_AUTH` and `ALLOW_REFRESH_TOKEN_AUTH` only, OAuth off,
   * `PreventUserExistenceErrors`, token revocation, a short sign-in session,
   * and explicit write attributes without the username attribute or
   * `email_verified` (an empty list would mean "all" to Cognito); refresh-token
   * rotation when `refreshTokenRotation` asks for it.
   */
  addClient(id: string, props: PasscodeClientProps = {}): cognito.UserPoolClient {
    const sessionValidity = props.authSessionValidity ?? Duration.minutes(3);
    const minutes = sessionValidity.toMinutes();
    if (minutes < 3 || minutes > 15) throw new Error("authSessionValidity must be 3 to 15 minutes");
    const rotation = props.refreshTokenRotation;
    const grace = rotation ? (rotation.retryGracePeriod ?? Duration.seconds(10)) : undefined;
    if (grace !== undefined) {
      const seconds = grace.toSeconds({ integral: false });
      if (!Number.isInteger(seconds) || seconds < 0 || seconds > 60) {
        throw new Error("refreshTokenRotation.retryGracePeriod must be 0 to 60 whole seconds");
      }
    }
    const read = new cognito.ClientAttributes().withStandardAttributes({
      ...CLIENT_WRITE_ATTRIBUTES,
      emailVerified: true,
    });
    return new cognito.UserPoolClient(this, id, {
      userPool: this.userPool,
      userPoolClientName: props.userPoolClientName ?? id,
      generateSecret: false,
      authFlows: { custom: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      authSessionValidity: sessionValidity,
      enableTokenRevocation: true,
      // With a grace period, aws-cdk-lib turns rotation on and leaves
      // ALLOW_REFRESH_TOKEN_AUTH out (Cognito refuses it under rotation).
      ...(grace !== undefined ? { refreshTokenRotationGracePeriod: grace } : {}),
      accessTokenValidity: props.accessTokenValidity ?? Duration.hours(1),
      idTokenValidity: props.idTokenValidity ?? Duration.hours(1),
      refreshTokenValidity: props.refreshTokenValidity ?? Duration.days(30),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes(
        CLIENT_WRITE_ATTRIBUTES,
      ),
      readAttributes:
        this.usernameAttribute === false
          ? read
          : read.withCustomAttributes(this.usernameAttribute.slice("custom:".length)),
    });
  }

  /**
   * Every app client of the pool in this stack, {@link addClient}'s or not,
   * must list its WriteAttributes without the username attribute or a
   * `*_verified` flag: Cognito lets a client without the list write every
   * attribute, and a user could then name themselves past the registry.
   */
  private checkClients(): string[] {
    const stack = Stack.of(this);
    const pool = JSON.stringify(stack.resolve(this.userPool.userPoolId));
    const forbidden = this.usernameAttribute || "email_verified";
    const errors: string[] = [];
    for (const c of stack.node.findAll()) {
      if (!(c instanceof cognito.CfnUserPoolClient)) continue;
      if (JSON.stringify(stack.resolve(c.userPoolId)) !== pool) continue;
      const write: unknown = stack.resolve(c.writeAttributes);
      if (!Array.isArray(write) || write.length === 0) {
        errors.push(
          `${c.node.path} lists no WriteAttributes, so Cognito lets it write every attribute, ${forbidden} included: give it writeAttributes (or use PasscodeAuth.addClient)`,
        );
        continue;
      }
      const bad = write.filter(
        (a) => typeof a !== "string" || a === this.usernameAttribute || a.endsWith("_verified"),
      );
      if (bad.length > 0) {
        errors.push(`${c.node.path} may write ${bad.join(", ")}: only Cognito and Verify may`);
      }
      // Unknown users must take the triggers' fake path, not UserNotFoundException.
      if (stack.resolve(c.preventUserExistenceErrors) !== "ENABLED") {
        errors.push(
          `${c.node.path} does not set PreventUserExistenceErrors: ENABLED, so Cognito tells unknown users apart: give it preventUserExistenceErrors: true`,
        );
      }
      // No password may reach the pool (what AwsSolutions-COG2's acknowledgement rests on).
      const flows: unknown = stack.resolve(c.explicitAuthFlows);
      if (!Array.isArray(flows) || flows.length === 0) {
        errors.push(
          `${c.node.path} lists no ExplicitAuthFlows, so Cognito allows ALLOW_USER_SRP_AUTH, a password sign-in: give it authFlows: { custom: true } (or use PasscodeAuth.addClient)`,
        );
        continue;
      }
      const password = flows.filter((f) => !CLIENT_AUTH_FLOWS.has(f as string));
      if (password.length > 0) {
        errors.push(
          `${c.node.path} allows ${password.join(", ")}: the pool signs in with codes only (ALLOW_CUSTOM_AUTH, ALLOW_REFRESH_TOKEN_AUTH)`,
        );
      }
    }
    return errors;
  }

  private createUserPool(
    props: PasscodeAuthProps,
    deletionProtection: boolean,
    usernameName: string | undefined,
  ): cognito.UserPool {
    const featurePlan = props.featurePlan ?? cognito.FeaturePlan.LITE;
    const pool = new cognito.UserPool(this, "UserPool", {
      featurePlan,
      // Custom auth has its own threat protection mode: the standard one
      // alone does not watch the only flow the clients allow.
      ...(featurePlan === cognito.FeaturePlan.PLUS
        ? {
            standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            customThreatProtectionMode: cognito.CustomThreatProtectionMode.FULL_FUNCTION,
          }
        : {}),
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      // Email is the username: keep the old address until a new one is
      // verified, so nobody can move their account onto someone else's address.
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      ...(usernameName === undefined
        ? {}
        : {
            customAttributes: {
              // Mutable so Verify can set it after the first sign-in; users
              // cannot, as it is in no client's WriteAttributes.
              [usernameName]: new cognito.StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
            },
          }),
      // No password ever signs anyone in, but Cognito stores the random one
      // sign-up sends: keep it strong.
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
      lambdaTriggers: this.triggerFunctions,
    });
    if (this.nag) {
      acknowledge(pool, "AwsSolutions-COG2");
      if (featurePlan !== cognito.FeaturePlan.PLUS) acknowledge(pool, "AwsSolutions-COG8");
    }
    return pool;
  }

  private createSweep(
    schedule: events.Schedule,
    base: {
      runtime: lambda.Runtime;
      architecture: lambda.Architecture;
      logRetention: logs.RetentionDays;
    },
  ): lambda.Function {
    const { logGroup, role } = this.roleWithOwnLogs(
      "UsernameSweep",
      "cognito-passcode username sweep",
      base.logRetention,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...SWEEP_TABLE_ACTIONS],
        resources: [this.table.tableArn],
      }),
    );
    // The pool does not refer to this function, so no dependency cycle here.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["cognito-idp:ListUsers"],
        resources: [this.userPool.userPoolArn],
      }),
    );
    const fn = new lambda.Function(this, "UsernameSweep", {
      code: lambda.Code.fromAsset(prebuiltHandlerDir()),
      handler: "username-sweep.handler",
      runtime: base.runtime,
      architecture: base.architecture,
      memorySize: 256,
      // One ListUsers per claim: Lambda's limit, for a registry of many names.
      timeout: Duration.minutes(15),
      role,
      logGroup,
      description: "cognito-passcode: release the usernames of deleted users",
      environment: {
        [SWEEP_ENVIRONMENT_KEYS.tableName]: this.table.tableName,
        [SWEEP_ENVIRONMENT_KEYS.userPoolId]: this.userPool.userPoolId,
        [SWEEP_ENVIRONMENT_KEYS.usernameAttribute]: this.usernameAttribute || "off",
      },
    });
    this.acknowledgeRuntime(fn, base.runtime);
    new events.Rule(this, "UsernameSweepSchedule", {
      schedule,
      description: "cognito-passcode: release the usernames of deleted users",
      targets: [new targets.LambdaFunction(fn, { retryAttempts: 0 })],
    });
    return fn;
  }

  /**
   * The token handler: its own app client, a generated cookie secret that
   * only its role may read, the prebuilt function (no other AWS access: it
   * calls Cognito's public API, which needs no IAM) and a function URL.
   */
  private createTokenHandler(
    props: PasscodeTokenHandlerProps,
    base: {
      runtime: lambda.Runtime;
      architecture: lambda.Architecture;
      logRetention: logs.RetentionDays;
    },
    passkeys: boolean,
    appName: string,
  ) {
    const origins = checkAllowedOrigins(props.allowedOrigins);
    const { reservedConcurrency } = props;
    if (
      reservedConcurrency !== undefined &&
      !Token.isUnresolved(reservedConcurrency) &&
      !(Number.isInteger(reservedConcurrency) && reservedConcurrency > 0)
    ) {
      throw new Error(
        `tokenHandler.reservedConcurrency must be a positive integer, got ${typeof reservedConcurrency === "number" ? reservedConcurrency : JSON.stringify(reservedConcurrency)}`,
      );
    }
    const clientProps: PasscodeClientProps = {
      userPoolClientName: "token-handler",
      refreshTokenRotation: { retryGracePeriod: Duration.seconds(10) },
      ...props.client,
    };
    const refreshTokenValidity = clientProps.refreshTokenValidity ?? Duration.days(30);
    const client = this.addClient("TokenHandlerClient", clientProps);

    // Keys the cookie encryption (AES-256-GCM, key derived with HKDF). A JSON
    // array of keys rotates it: the first encrypts, all decrypt.
    const secret = new secretsmanager.Secret(this, "CookieSecret", {
      description: "cognito-passcode: key of the token handler's refresh-token cookie",
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    if (this.nag) acknowledge(secret, "AwsSolutions-SMG4", COOKIE_SECRET_REASON);

    const { logGroup, role } = this.roleWithOwnLogs(
      "TokenHandler",
      "cognito-passcode token handler",
      base.logRetention,
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ["secretsmanager:GetSecretValue"],
        resources: [secret.secretArn],
      }),
    );
    const fn = new lambda.Function(this, "TokenHandler", {
      code: lambda.Code.fromAsset(prebuiltTokenHandlerDir()),
      handler: "index.handler",
      runtime: base.runtime,
      architecture: base.architecture,
      memorySize: props.memorySize ?? 256,
      // Unset by default: reserving fails deploys on accounts with a low concurrency quota.
      ...(reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: reservedConcurrency,
      }),
      // One Cognito call per request, but Cognito answers a code answer only
      // after Verify, Define and Create have run (5 s each at most).
      timeout: Duration.seconds(20),
      role,
      logGroup,
      description: "cognito-passcode token handler: keeps the refresh token in an httpOnly cookie",
      environment: {
        [TOKEN_HANDLER_ENVIRONMENT_KEYS.clientId]: client.userPoolClientId,
        [TOKEN_HANDLER_ENVIRONMENT_KEYS.allowedOrigins]: origins.join(","),
        [TOKEN_HANDLER_ENVIRONMENT_KEYS.cookieSecretArn]: secret.secretArn,
        // The client's refresh-token validity in days, to the microday above
        // (60 minutes is 0.041667, not a hair under the handler's 1/24 floor).
        [TOKEN_HANDLER_ENVIRONMENT_KEYS.refreshTokenValidityDays]: String(
          Math.ceil((refreshTokenValidity.toMinutes() * 1e6) / 1440) / 1e6,
        ),
        // The passkey management operations (list, rename, remove): the pool
        // whose access tokens it checks, the table, and the removal email.
        ...(passkeys
          ? {
              [TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS.userPoolId]: this.userPool.userPoolId,
              [TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS.passkeyTable]: this.table.tableName,
              [TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS.emailFrom]: this.fromAddress,
              [TOKEN_HANDLER_PASSKEY_ENVIRONMENT_KEYS.appName]: appName,
            }
          : {}),
      },
    });
    if (passkeys) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...PASSKEY_TABLE_ACCESS.tokenHandler.actions],
          resources: [this.table.tableArn],
          conditions: {
            "ForAllValues:StringLike": {
              "dynamodb:LeadingKeys": [...PASSKEY_TABLE_ACCESS.tokenHandler.keys],
            },
          },
        }),
      );
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ["ses:SendEmail"],
          resources: [this.emailIdentity.emailIdentityArn],
          conditions: { StringEquals: { "ses:FromAddress": this.fromAddress } },
        }),
      );
    }
    this.acknowledgeRuntime(fn, base.runtime);
    // No CORS on the URL: the handler answers preflights itself, for its
    // allowed origins only, with credentials. Auth NONE: a browser cannot
    // sign a request, and the handler refuses what its checks refuse.
    const url = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    return { fn, url, client, secret };
  }

  /**
   * A function's own log group (kept when the stack goes) and its role, which
   * may write to that group only: no AWS managed AWSLambdaBasicExecutionRole,
   * whose logs:* grant covers every log group in the account.
   */
  private roleWithOwnLogs(name: string, description: string, retention: logs.RetentionDays) {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const role = new iam.Role(this, `${name}Role`, {
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

  private acknowledgeRuntime(fn: lambda.Function, runtime: lambda.Runtime) {
    if (this.nag && runtime.name !== lambda.Runtime.NODEJS_24_X.name)
      acknowledge(fn, "AwsSolutions-L1");
  }
}

function triggerEnvironment(
  props: PasscodeAuthProps,
  table: dynamodb.ITable,
  fromAddress: string,
  usernameAttribute: string | false,
  passkeys: CheckedPasskeys | undefined,
): Record<string, string> {
  const env: Record<string, string> = {
    [ENVIRONMENT_KEYS.tableName]: table.tableName,
    [ENVIRONMENT_KEYS.emailFrom]: fromAddress,
    [ENVIRONMENT_KEYS.appName]: props.appName ?? "cognito-passcode",
    [ENVIRONMENT_KEYS.codeLength]: String(props.code?.length ?? 6),
    [ENVIRONMENT_KEYS.codeTtlSeconds]: String(props.code?.ttlSeconds ?? 180),
    [ENVIRONMENT_KEYS.maxAttempts]: String(props.code?.maxAttempts ?? 3),
    [ENVIRONMENT_KEYS.usernameAttribute]: usernameAttribute || "off",
  };
  const set = (key: string, value: number | readonly string[] | undefined) => {
    if (value === undefined) return;
    if (typeof value === "number") {
      if (!Number.isInteger(value) || value < 0) throw new Error(`${key} must be a whole number`);
      env[key] = String(value);
    } else {
      if (value.length === 0 || value.some((v) => !v || v.includes(","))) {
        throw new Error(`${key} must be a non-empty list without commas in its items`);
      }
      env[key] = value.join(",");
    }
  };
  set(ENVIRONMENT_KEYS.codeLength, props.code?.length);
  set(ENVIRONMENT_KEYS.codeTtlSeconds, props.code?.ttlSeconds);
  set(ENVIRONMENT_KEYS.maxAttempts, props.code?.maxAttempts);
  const username = props.username || undefined;
  set(ENVIRONMENT_KEYS.usernameMinLength, username?.minLength);
  set(ENVIRONMENT_KEYS.usernameMaxLength, username?.maxLength);
  set(ENVIRONMENT_KEYS.usernameMaxAttempts, username?.maxAttempts);
  set(ENVIRONMENT_KEYS.throttleMinIntervalSeconds, props.throttle?.minIntervalSeconds);
  set(ENVIRONMENT_KEYS.throttleMaxPerWindow, props.throttle?.maxPerWindow);
  set(ENVIRONMENT_KEYS.throttleWindowSeconds, props.throttle?.windowSeconds);
  set(ENVIRONMENT_KEYS.throttleMaxPerDay, props.throttle?.maxPerDay);
  set(
    ENVIRONMENT_KEYS.allowedEmailDomains,
    props.allowedEmailDomains?.map((d) => d.toLowerCase()),
  );
  set(ENVIRONMENT_KEYS.emailReplyTo, props.replyTo);
  if (passkeys) {
    env[ENVIRONMENT_KEYS.passkeyRpId] = passkeys.rpId;
    env[ENVIRONMENT_KEYS.passkeyRpName] = passkeys.rpName;
    env[ENVIRONMENT_KEYS.passkeyOrigins] = passkeys.origins.join(",");
    env[ENVIRONMENT_KEYS.passkeyRequired] = String(passkeys.required);
  }
  return env;
}

function resolveEmail(
  scope: Construct,
  email: PasscodeEmailProps,
): { identity: ses.IEmailIdentity; fromAddress: string } {
  if ("identity" in email) {
    const from = email.fromAddress.toLowerCase();
    const name = email.identity.emailIdentityName;
    if (!Token.isUnresolved(name)) {
      const ok = name.includes("@")
        ? from === name.toLowerCase()
        : from.endsWith(`@${name.toLowerCase()}`);
      if (!ok) throw new Error(`fromAddress ${from} does not belong to the SES identity ${name}`);
    }
    return { identity: email.identity, fromAddress: from };
  }
  if ("domain" in email) {
    const domain = email.domain.toLowerCase();
    const from = (email.fromAddress ?? `no-reply@${domain}`).toLowerCase();
    if (!from.endsWith(`@${domain}`)) {
      throw new Error(`fromAddress ${from} is not in the SES domain ${domain}`);
    }
    return {
      identity: new ses.EmailIdentity(scope, "EmailIdentity", {
        identity: ses.Identity.domain(domain),
      }),
      fromAddress: from,
    };
  }
  const address = email.address.toLowerCase();
  return {
    identity: new ses.EmailIdentity(scope, "EmailIdentity", {
      identity: ses.Identity.email(address),
    }),
    fromAddress: address,
  };
}

function byTrigger<T>(make: (trigger: TriggerName) => T): Record<TriggerName, T> {
  const out: Partial<Record<TriggerName, T>> = {};
  for (const t of TRIGGERS) out[t] = make(t);
  return out as Record<TriggerName, T>;
}

function pascal(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}
