import { Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { inboundMail } from '../../functions/config/resources.js';
import { inbound as manifest } from '../../functions/config/stages/inbound.js';
import { Catalog, Closeloop, type CloseloopProps, propsFromContext } from '../../lib/index.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';
import { cleanUpApps, testApp } from './app.js';

afterAll(cleanUpApps);

const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);

function synth(inbound: CloseloopProps['inbound'], options: { nag?: boolean; region?: string | null } = {}) {
  const app = testApp();
  const region = options.region === undefined ? 'eu-west-1' : options.region;
  const stack = new Stack(app, 'Shop', region === null ? {} : { env: { account: '123456789012', region } });
  new Closeloop(stack, 'Feedback', {
    catalog,
    senderEmail: 'surveys@shop.example',
    supportEmail: 'support@shop.example',
    ...(inbound === undefined ? {} : { inbound }),
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { template: Template.fromStack(stack), stack };
}

/** The logical id of the one resource of `type` whose properties match. */
const only = (template: Template, type: string, props: Record<string, unknown> = {}) => {
  const found = Object.keys(template.findResources(type, props));
  expect(found, type).toHaveLength(1);
  return found[0] as string;
};

const functionOf = (template: Template, stage: string) =>
  only(template, 'AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: `closeloop-${stage}` } } } });

describe("customers' replies by email (construct prop `inbound`)", () => {
  it('off by default: no rule, no bucket, no inbound stage, and notifications keep the support address as Reply-To', () => {
    const { template } = synth(undefined);
    template.resourceCountIs('AWS::SES::ReceiptRule', 0);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(
      Object.keys(
        template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { POWERTOOLS_SERVICE_NAME: 'closeloop-inbound' } } } }),
      ),
    ).toEqual([]);
    const notify = template.findResources('AWS::Lambda::Function')[functionOf(template, 'notify')];
    expect(Object.keys(notify?.Properties.Environment.Variables)).not.toContain(ENV.INBOUND_DOMAIN);
  });

  it('on: a rule set and a rule for the domain (TLS required, spam and virus scan), S3 then the inbound stage asynchronously; cdk-nag finds nothing', () => {
    const { template } = synth({ domain: 'Reply.Shop.Example' }, { nag: true });
    only(template, 'AWS::SES::ReceiptRuleSet');
    const bucket = only(template, 'AWS::S3::Bucket');
    const fn = functionOf(template, 'inbound');
    template.hasResourceProperties('AWS::SES::ReceiptRule', {
      Rule: {
        Enabled: true,
        Recipients: ['reply.shop.example'],
        ScanEnabled: true,
        TlsPolicy: 'Require',
        Actions: [
          { S3Action: { BucketName: { Ref: bucket }, ObjectKeyPrefix: inboundMail.prefix } },
          { LambdaAction: { FunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] }, InvocationType: 'Event' } },
        ],
      },
    });
    // SES may invoke the function, from this account only.
    template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fn, 'Arn'] },
      Principal: 'ses.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
    // Retried twice, then the on-failure destination (inbound-failures), which the failure-queue alarms cover.
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: fn },
      MaximumRetryAttempts: manifest.trigger.retryAttempts,
      MaximumEventAgeInSeconds: manifest.trigger.maxEventAgeMinutes * 60,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('InboundFailures'), 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'closeloop-inbound', [ENV.INBOUND_DOMAIN]: 'reply.shop.example' }) },
    });
  });

  it('the bucket: encrypted, private, TLS only, SES may write to it from this account, raw mail expires after 7 days', () => {
    const { template } = synth({ domain: 'reply.shop.example' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      LifecycleConfiguration: { Rules: [Match.objectLike({ Prefix: inboundMail.prefix, ExpirationInDays: inboundMail.expireDays, Status: 'Enabled' })] },
    });
    const policy = JSON.stringify(Object.values(template.findResources('AWS::S3::BucketPolicy'))[0]?.Properties.PolicyDocument);
    expect(policy).toContain('"aws:SecureTransport":"false"');
    // SES writes under inbound/ only, for this account only (no other account's rule can drop mail here).
    expect(policy).toContain(
      '"Action":"s3:PutObject","Condition":{"StringEquals":{"aws:SourceAccount":{"Ref":"AWS::AccountId"}}},"Effect":"Allow","Principal":{"Service":"ses.amazonaws.com"}',
    );
    expect(policy).toContain('/inbound/*');
  });

  it("least privilege: the stage reads and deletes raw mail under inbound/ only, reads the reply-token key, updates cases and puts the assignee's outbox item", () => {
    const { template } = synth({ domain: 'reply.shop.example' });
    const fn = template.findResources('AWS::Lambda::Function')[functionOf(template, 'inbound')];
    const role = fn?.Properties.Role['Fn::GetAtt'][0] as string;
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role),
    );
    const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((s) => [s.Action].flat());
    expect(actions.filter((a) => a.startsWith('s3:')).sort()).toEqual(['s3:DeleteObject', 's3:GetObject']);
    const s3Resources = JSON.stringify(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('s3:'))).map((s) => s.Resource));
    expect(s3Resources).toContain(`/${inboundMail.prefix}*`);
    expect(actions.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(actions).toContain('secretsmanager:GetSecretValue');
    // No SES: the assignee's email is an outbox item the notify stage sends.
    expect(actions.filter((a) => a.startsWith('ses:'))).toEqual([]);
    // The notify stage reads the same key and puts the reply address in Reply-To.
    const notify = template.findResources('AWS::Lambda::Function')[functionOf(template, 'notify')];
    expect(notify?.Properties.Environment.Variables).toMatchObject({
      [ENV.INBOUND_DOMAIN]: 'reply.shop.example',
      [ENV.REPLY_TOKEN_SECRET]: { Ref: expect.stringMatching(/ReplyTokenKey/) },
    });
  });

  it('an existing rule set gets the rule (no rule set is created); the outputs say how to activate and which MX record to add', () => {
    const { template } = synth({ domain: 'reply.shop.example', ruleSet: 'shop-inbound' });
    template.resourceCountIs('AWS::SES::ReceiptRuleSet', 0);
    template.hasResourceProperties('AWS::SES::ReceiptRule', { RuleSetName: 'shop-inbound' });
    const created = synth({ domain: 'reply.shop.example' }).template;
    const outputs = created.findOutputs('*');
    expect(Object.values(outputs).map((o) => o.Description)).toEqual(expect.arrayContaining([expect.stringContaining('aws ses set-active-receipt-rule-set')]));
    expect(Object.values(outputs).map((o) => o.Value)).toContain('reply.shop.example MX 10 inbound-smtp.eu-west-1.amazonaws.com');
  });

  it('refuses, naming the problem: a region where SES receives no mail, the support address’s own domain, a bad domain or rule set name', () => {
    expect(() => synth({ domain: 'reply.shop.example' }, { region: 'us-west-1' })).toThrow(/inbound: SES does not receive email in us-west-1.*eu-west-1/);
    expect(() => synth({ domain: 'shop.example' })).toThrow(/inbound\.domain: "shop\.example" is the support address's domain.*reply\.shop\.example/);
    expect(() => synth({ domain: 'not a domain' })).toThrow(/inbound\.domain: "not a domain" is not a domain name/);
    expect(() => synth({ domain: 'reply.shop.example', ruleSet: 'bad name!' })).toThrow(/inbound\.ruleSet: "bad name!"/);
  });

  it('a stack without a region synthesizes with a warning that the region could not be checked', () => {
    const { stack } = synth({ domain: 'reply.shop.example' }, { region: null });
    Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('SES receives email'));
  });

  it('context keys: closeloop:inboundDomain (and closeloop:inboundRuleSet, only with it)', () => {
    expect(propsFromContext(testApp({ context: { 'closeloop:inboundDomain': 'reply.shop.example', 'closeloop:inboundRuleSet': 'shop' } })).inbound).toEqual({
      domain: 'reply.shop.example',
      ruleSet: 'shop',
    });
    expect(propsFromContext(testApp()).inbound).toBeUndefined();
    expect(() => propsFromContext(testApp({ context: { 'closeloop:inboundRuleSet': 'shop' } }))).toThrow(
      /closeloop:inboundRuleSet is set but closeloop:inboundDomain is not/,
    );
  });
});
