import { PasscodeAuth, type PasscodeAuthProps, TRIGGERS } from "@cognito-passcode/cdk";
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from "aws-cdk-lib";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as s3 from "aws-cdk-lib/aws-s3";
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
  /**
   * The site's public origin, when the token handler is deployed
   * (`auth.tokenHandler`): the distribution serves the page and `/auth` on
   * it. Without a certificate it must be the distribution's own
   * `https://<id>.cloudfront.net` (known after a first deploy). The site's
   * accepted cdk-nag findings are acknowledged unless
   * `auth.acknowledgeNagFindings` is `false`, as the construct's are.
   */
  readonly site?: { readonly origin: string; readonly certificateArn?: string };
}

/** The path the browser client calls (`createPasscodeClient({ tokenHandler: "/auth" })`). */
export const TOKEN_HANDLER_PATH = "/auth";

/**
 * The request headers the token handler needs from the browser, forwarded
 * to the function URL (never `Host`: a function URL answers only its own).
 */
export const TOKEN_HANDLER_HEADERS = [
  "Origin",
  "Sec-Fetch-Site",
  "X-Amz-Target",
  "X-Cognito-Passcode",
  "Content-Type",
] as const;

/** The cookie the prebuilt token handler keeps the refresh token in. */
export const TOKEN_HANDLER_COOKIE = "__Host-Http-cognito-passcode";

/**
 * The example: one {@link PasscodeAuth}, one web client, the site's
 * CloudFront distribution (a private S3 bucket for the page) and, with
 * `site`, the token handler on the site's own origin at `/auth`; the outputs
 * a browser app needs.
 */
export class PasscodeStack extends Stack {
  /** The construct. */
  readonly auth: PasscodeAuth;
  /** The distribution that serves the page (and `/auth`, with the token handler). */
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: PasscodeStackProps) {
    super(scope, id, props);
    this.auth = new PasscodeAuth(this, "Auth", {
      ...props.auth,
      ...(props.existingUserPoolId
        ? { userPool: cognito.UserPool.fromUserPoolId(this, "UserPool", props.existingUserPoolId) }
        : {}),
    });
    const client = this.auth.addClient("WebClient", { userPoolClientName: "web" });

    this.distribution = this.site(props.site, props.auth.acknowledgeNagFindings ?? true);

    new CfnOutput(this, "UserPoolId", { value: this.auth.userPool.userPoolId });
    new CfnOutput(this, "UserPoolClientId", { value: client.userPoolClientId });
    new CfnOutput(this, "Region", { value: this.region });
    new CfnOutput(this, "SiteUrl", {
      value: props.site?.origin ?? `https://${this.distribution.distributionDomainName}`,
      description: "Where the page is served (upload the built page to SiteBucketName)",
    });
    if (this.auth.tokenHandlerClient) {
      new CfnOutput(this, "TokenHandlerClientId", {
        value: this.auth.tokenHandlerClient.userPoolClientId,
        description: `Cookie mode: createPasscodeClient({ clientId: <this>, tokenHandler: "${TOKEN_HANDLER_PATH}" })`,
      });
    }
    if (props.existingUserPoolId) {
      for (const t of TRIGGERS) {
        new CfnOutput(this, `${t}FunctionArn`, {
          value: this.auth.triggerFunctions[t].functionArn,
          description: `Set as the pool's ${t} trigger`,
        });
      }
      if (this.auth.preTokenGenerationFunction) {
        new CfnOutput(this, "preTokenGenerationFunctionArn", {
          value: this.auth.preTokenGenerationFunction.functionArn,
          description: "Set as the pool's Pre Token Generation trigger, event version V1_0",
        });
      }
    }
  }

  /**
   * The site: a private bucket behind CloudFront (origin access control),
   * and with the token handler, `/auth` and `/auth/*` forwarded to its
   * function URL, so the page and the handler share one origin. The handler's
   * cookie is `__Host-` and `SameSite=Strict`: a browser sends it only to the
   * site that set it, never to `*.lambda-url.*.on.aws` from your page.
   */
  private site(site: PasscodeStackProps["site"], acknowledge: boolean): cloudfront.Distribution {
    const bucket = new s3.Bucket(this, "SiteBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    if (acknowledge)
      Validations.of(bucket.node.defaultChild!).acknowledge({
        id: "AwsSolutions-S1",
        reason:
          "The bucket holds the public page's static files, read only through CloudFront (origin " +
          "access control); the example keeps no server access logs. Add a log bucket in production.",
      });
    new CfnOutput(this, "SiteBucketName", { value: bucket.bucketName });

    const fnUrl = this.auth.tokenHandlerFunctionUrl;
    const auth: Record<string, cloudfront.BehaviorOptions> = {};
    if (fnUrl) {
      const behaviour: cloudfront.BehaviorOptions = {
        origin: new origins.FunctionUrlOrigin(fnUrl),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        // POST for the calls, OPTIONS for preflights; CloudFront offers no
        // narrower set with POST, and the handler refuses the other methods.
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        originRequestPolicy: new cloudfront.OriginRequestPolicy(this, "TokenHandlerForwarding", {
          comment: "cognito-passcode token handler: the headers and the cookie it checks",
          headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(
            ...TOKEN_HANDLER_HEADERS,
          ),
          cookieBehavior: cloudfront.OriginRequestCookieBehavior.allowList(TOKEN_HANDLER_COOKIE),
          queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.none(),
        }),
      };
      auth[TOKEN_HANDLER_PATH] = behaviour;
      auth[`${TOKEN_HANDLER_PATH}/*`] = behaviour;
    }

    const certificate = site?.certificateArn
      ? acm.Certificate.fromCertificateArn(this, "SiteCertificate", site.certificateArn)
      : undefined;
    const distribution = new cloudfront.Distribution(this, "Site", {
      comment: "cognito-passcode example site",
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      },
      additionalBehaviors: auth,
      ...(certificate && site
        ? {
            certificate,
            domainNames: [new URL(site.origin).hostname],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    const nag = Validations.of(distribution.node.defaultChild!);
    const reasons: Record<string, string> = {
      "AwsSolutions-CFR1":
        "The sign-in page is for every country; geo restriction is a product decision.",
      "AwsSolutions-CFR2":
        "The example attaches no AWS WAF web ACL (it costs per month). In production, add one " +
        "with rate-based rules on /auth, where your site's sign-in attempts arrive (they do not " +
        "bound an attacker, who can call the function URL or Cognito directly).",
      "AwsSolutions-CFR3":
        "The example keeps no CloudFront access logs (the token handler logs to CloudWatch). " +
        "Turn standard logging on in production.",
    };
    if (!certificate) {
      reasons["AwsSolutions-CFR4"] =
        "Without certificateArn the site is served on the distribution's own *.cloudfront.net " +
        "name, whose TLS policy CloudFront fixes. With a certificate the distribution requires " +
        "TLS 1.2 (TLSv1.2_2021).";
    }
    if (acknowledge)
      for (const [id, reason] of Object.entries(reasons)) nag.acknowledge({ id, reason });
    return distribution;
  }
}
