import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CachePolicy, OriginRequestPolicy } from 'aws-cdk-lib/aws-cloudfront';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { STAGES, WIRING } from '../../functions/config/wiring.js';
import { cleanUpApps, testApp, testStack } from './app.js';

const EXISTING_ACL = 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/shared-edge/0a1b2c3d-4e5f-6789-abcd-ef0123456789';

afterAll(cleanUpApps);

const edgeStack = (context: Record<string, unknown>, region: string | null = 'us-east-1') =>
  Template.fromStack(testStack(testApp({ context }), undefined, region));

const onlyLogicalId = (template: Template, type: string) => {
  const ids = Object.keys(template.findResources(type));
  expect(ids).toHaveLength(1);
  return ids[0] as string;
};

/** The stages whose wiring needs the public base URL (links in emails, form actions). */
const LINK_STAGES = STAGES.filter((stage) => (WIRING[stage].env as readonly string[]).includes('PUBLIC_BASE_URL')).length;

const publicBaseUrls = (template: Template) =>
  Object.values(template.findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Environment?.Variables?.[ENV.PUBLIC_BASE_URL])
    .filter((url) => url !== undefined);

describe('without closeloop:waf', () => {
  it('creates no CloudFront distribution and no web ACL; the links point at the API', () => {
    const template = edgeStack({});
    expect(template.findResources('AWS::CloudFront::Distribution')).toEqual({});
    expect(template.findResources('AWS::WAFv2::WebACL')).toEqual({});
    expect(Object.keys(template.findOutputs('*')).filter((key) => key.includes('DistributionDomainName'))).toEqual([]);
    const api = onlyLogicalId(template, 'AWS::ApiGatewayV2::Api');
    const urls = publicBaseUrls(template);
    expect(urls).toHaveLength(LINK_STAGES);
    for (const url of urls) expect(url).toEqual({ 'Fn::GetAtt': [api, 'ApiEndpoint'] });
  });
});

describe('with closeloop:waf=true', () => {
  let template: Template;
  beforeAll(() => {
    template = edgeStack({ 'closeloop:waf': 'true' });
  });

  it('creates a CLOUDFRONT web ACL with the AWS managed rule groups and a rate limit per IP, all with metrics and no sampled requests (they keep link tokens)', () => {
    const visible = { CloudWatchMetricsEnabled: true, SampledRequestsEnabled: false, MetricName: Match.anyValue() };
    const managed = (name: string) =>
      Match.objectLike({
        Statement: { ManagedRuleGroupStatement: Match.objectLike({ VendorName: 'AWS', Name: name }) },
        OverrideAction: { None: {} },
        VisibilityConfig: visible,
      });
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'CLOUDFRONT',
      DefaultAction: { Allow: {} },
      VisibilityConfig: visible,
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: { RateBasedStatement: { Limit: 300, EvaluationWindowSec: 300, AggregateKeyType: 'IP' } },
          Action: { Block: {} },
          VisibilityConfig: visible,
        }),
        managed('AWSManagedRulesAmazonIpReputationList'),
        managed('AWSManagedRulesKnownBadInputsRuleSet'),
        managed('AWSManagedRulesCommonRuleSet'),
      ]),
    });
  });

  it('puts a distribution in front of the API: HTTPS to the origin, nothing cached, every viewer header but Host forwarded, the web ACL attached', () => {
    const api = onlyLogicalId(template, 'AWS::ApiGatewayV2::Api');
    const webAcl = onlyLogicalId(template, 'AWS::WAFv2::WebACL');
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Origins: [
          Match.objectLike({
            DomainName: { 'Fn::Join': ['', [{ Ref: api }, '.execute-api.us-east-1.', { Ref: 'AWS::URLSuffix' }]] },
            CustomOriginConfig: Match.objectLike({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }),
          }),
        ],
        DefaultCacheBehavior: Match.objectLike({
          CachePolicyId: CachePolicy.CACHING_DISABLED.cachePolicyId,
          OriginRequestPolicyId: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER.originRequestPolicyId,
          AllowedMethods: Match.arrayWith(['GET', 'HEAD', 'POST']),
          ViewerProtocolPolicy: 'redirect-to-https',
        }),
        WebACLId: { 'Fn::GetAtt': [webAcl, 'Arn'] },
      }),
    });
  });

  /** The logical id of the Closeloop construct's output of this name. */
  const outputId = (t: Template, name: string) => {
    const id = Object.keys(t.findOutputs('*')).find((key) => new RegExp(`^Closeloop${name}[0-9A-F]{8}$`).test(key));
    if (!id) throw new Error(`no output ${name}`);
    return id;
  };

  it("builds the survey links and the pages' form actions on the distribution's URL, and outputs its domain", () => {
    const distribution = onlyLogicalId(template, 'AWS::CloudFront::Distribution');
    const urls = publicBaseUrls(template);
    expect(urls).toHaveLength(LINK_STAGES); // dispatch and notify (links), respond (form actions)
    for (const url of urls) expect(url).toEqual({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] });
    template.hasOutput(outputId(template, 'PublicBaseUrl'), { Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] } });
    template.hasOutput(outputId(template, 'DistributionDomainName'), { Value: { 'Fn::GetAtt': [distribution, 'DomainName'] } });
  });

  it('keeps an explicit closeloop:publicBaseUrl (a custom domain in front of the distribution)', () => {
    const custom = edgeStack({ 'closeloop:waf': true, 'closeloop:publicBaseUrl': 'https://feedback.shop.example' });
    expect(publicBaseUrls(custom)).toEqual(Array(LINK_STAGES).fill('https://feedback.shop.example'));
  });

  it('takes the rate limit from closeloop:wafRateLimit', () => {
    const custom = edgeStack({ 'closeloop:waf': 'true', 'closeloop:wafRateLimit': '1000' });
    custom.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 1000 }) } })]),
    });
  });

  it('refuses to create the web ACL in a region other than us-east-1, naming the way out', () => {
    expect(() => edgeStack({ 'closeloop:waf': 'true' }, 'eu-west-1')).toThrow(
      /waf: the stack is in eu-west-1, but a web ACL for CloudFront can only be created in us-east-1.*waf\.webAclArn/,
    );
  });

  it('guards an environment-agnostic stack with a CloudFormation rule that allows us-east-1 only', () => {
    const agnostic = edgeStack({ 'closeloop:waf': 'true' }, null);
    const rules = Object.values((agnostic.toJSON() as { Rules: Record<string, unknown> }).Rules);
    expect(rules).toContainEqual({
      Assertions: [{ Assert: { 'Fn::Equals': [{ Ref: 'AWS::Region' }, 'us-east-1'] }, AssertDescription: expect.stringContaining('closeloop:webAclArn') }],
    });
  });

  it('attaches an existing web ACL given by closeloop:webAclArn and creates none, in any region', () => {
    const shared = edgeStack({ 'closeloop:waf': 'true', 'closeloop:webAclArn': EXISTING_ACL }, 'eu-west-1');
    expect(shared.findResources('AWS::WAFv2::WebACL')).toEqual({});
    shared.hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ WebACLId: EXISTING_ACL }) });
  });

  it('passes both cdk-nag packs, with a created and with an attached web ACL', () => {
    for (const [context, region] of [
      [{ 'closeloop:waf': true }, 'us-east-1'],
      [{ 'closeloop:waf': true, 'closeloop:webAclArn': EXISTING_ACL }, 'eu-west-1'],
    ] as const) {
      const app = testApp({ context });
      testStack(app, undefined, region);
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
      expect(() => app.synth()).not.toThrow();
    }
  });
});

describe('invalid WAF settings', () => {
  it.each([
    [{ 'closeloop:waf': 'yes' }, 'closeloop:waf: "yes" is not true or false'],
    [{ 'closeloop:waf': true, 'closeloop:wafRateLimit': 'many' }, 'closeloop:wafRateLimit: "many" is not a number'],
    [{ 'closeloop:waf': true, 'closeloop:wafRateLimit': 5 }, 'waf.rateLimit: "5" is not a whole number of requests per 5 minutes from 10 to 2000000000'],
    [{ 'closeloop:waf': true, 'closeloop:wafRateLimit': 99.5 }, 'waf.rateLimit: "99.5"'],
    [{ 'closeloop:waf': true, 'closeloop:webAclArn': 'shared-edge' }, 'waf.webAclArn: "shared-edge" is not the ARN of a CLOUDFRONT-scoped WAFv2 web ACL'],
    [
      { 'closeloop:waf': true, 'closeloop:webAclArn': EXISTING_ACL.replace('us-east-1', 'eu-west-1').replace('global', 'regional') },
      'is not the ARN of a CLOUDFRONT-scoped',
    ],
    [{ 'closeloop:webAclArn': EXISTING_ACL }, 'closeloop:webAclArn is set but closeloop:waf is not true'],
  ])('refuses %j', (context, message) => {
    expect(() => edgeStack(context)).toThrow(message);
  });
});
