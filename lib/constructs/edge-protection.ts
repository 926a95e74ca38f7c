import { Aws, CfnRule, Fn, Stack, Token, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

/** The WAF choices of a deployment (`closeloop:wafRateLimit`, `closeloop:webAclArn`). */
export interface EdgeProtectionOptions {
  /** Requests one client IP may make in 5 minutes before the rate-based rule blocks it. @default 300 */
  readonly rateLimit?: number;
  /** An existing CLOUDFRONT-scoped web ACL to attach; then the construct creates none. @default a web ACL created here (needs us-east-1) */
  readonly webAclArn?: string;
}

export interface EdgeProtectionProps extends EdgeProtectionOptions {
  /** The HTTP API serving the rating pages: the distribution's only origin. */
  readonly api: IHttpApi;
}

/** AWS managed rule groups, in evaluation order after the rate limit. */
export const MANAGED_RULE_GROUPS = ['AWSManagedRulesAmazonIpReputationList', 'AWSManagedRulesKnownBadInputsRuleSet', 'AWSManagedRulesCommonRuleSet'] as const;

/**
 * CloudFront in front of the HTTP API with an AWS WAF web ACL: AWS managed rules (IP reputation,
 * known bad inputs, the common rule set) and a rate limit per client IP. Nothing is cached: every
 * page is per invitation and `no-store`.
 */
export class EdgeProtection extends Construct {
  readonly distribution: Distribution;
  /** The web ACL created here; undefined when an existing one was attached by ARN. */
  readonly webAcl?: CfnWebACL;
  /** `https://<distribution domain>`: the base of the rating links. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: EdgeProtectionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    let webAclArn = props.webAclArn;
    if (webAclArn === undefined) {
      this.webAcl = this.createWebAcl(props.rateLimit ?? 300);
      webAclArn = this.webAcl.attrArn;
    }

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `${stack.stackName}: rating and unsubscribe pages behind AWS WAF`,
      defaultBehavior: {
        origin: new HttpOrigin(`${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
          protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
          originSslProtocols: [OriginSslPolicy.TLS_V1_2],
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        // GET/HEAD show the pages, POST records; CloudFront offers no smaller set that includes POST.
        allowedMethods: AllowedMethods.ALLOW_ALL,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        // Query string (the clicked score), User-Agent (automation check), Content-Type and body reach the
        // function; Host does not: API Gateway routes on its own host name.
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      webAclId: webAclArn,
    });
    this.url = `https://${this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Survey recipients are customers wherever they are (five languages); which countries to block is a business decision, not a default.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR3',
      reason:
        "CloudFront standard logs always contain the URI path, and the path holds the survey link token; the API stage's access log " +
        "(path left out on purpose) and the web ACL's metrics record the traffic instead.",
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'With the default *.cloudfront.net certificate CloudFront fixes the viewer security policy at TLSv1; TLSv1.2_2021 needs a custom ' +
        'domain with an ACM certificate in us-east-1 (put it in front and set closeloop:publicBaseUrl). Browsers negotiate TLS 1.2/1.3 anyway.',
    });
  }

  private createWebAcl(rateLimit: number): CfnWebACL {
    const stack = Stack.of(this);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      metricName: `${stack.stackName}-${metricName}`,
      cloudWatchMetricsEnabled: true,
      // Sampled requests keep the whole URI (the link token) for three hours, and WAF cannot redact them.
      sampledRequestsEnabled: false,
    });
    if (Token.isUnresolved(stack.region)) {
      // An environment-agnostic stack: refuse a deployment outside us-east-1 before anything is created.
      new CfnRule(this, 'WebAclRegion', {
        assertions: [
          {
            assert: Fn.conditionEquals(Aws.REGION, 'us-east-1'),
            assertDescription:
              'closeloop:waf creates a CLOUDFRONT web ACL, which only exists in us-east-1: deploy there, or pass an existing web ACL with closeloop:webAclArn.',
          },
        ],
      });
    }
    return new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Closeloop rating pages: rate limit per IP and AWS managed rules',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('WebAcl'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          statement: { rateBasedStatement: { limit: rateLimit, evaluationWindowSec: 300, aggregateKeyType: 'IP' } },
          action: { block: {} },
          visibilityConfig: visibility('RateLimitPerIp'),
        },
        ...MANAGED_RULE_GROUPS.map(
          (name, index): CfnWebACL.RuleProperty => ({
            name,
            priority: index + 1,
            statement: {
              managedRuleGroupStatement: {
                vendorName: 'AWS',
                name,
                // A comment of 2,000 characters in Thai or Persian is 12–18 KB form-encoded: over the rule set's 8 KB body limit.
                // The function caps what it stores; the rest of the common rule set still inspects the body.
                ...(name === 'AWSManagedRulesCommonRuleSet' ? { ruleActionOverrides: [{ name: 'SizeRestrictions_BODY', actionToUse: { count: {} } }] } : {}),
              },
            },
            overrideAction: { none: {} },
            visibilityConfig: visibility(name),
          }),
        ),
      ],
    });
  }
}
