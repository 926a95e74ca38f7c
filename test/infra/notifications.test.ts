import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { Catalog, Closeloop } from '../../lib/index.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';
import { cleanUpApps, testApp } from './app.js';

afterAll(cleanUpApps);

const stack = new Stack(testApp(), 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
new Closeloop(stack, 'Feedback', { catalog: Catalog.fromFile(DEMO_CATALOG_FILE), senderEmail: 'surveys@shop.example', supportEmail: 'support@shop.example' });
const template = Template.fromStack(stack);

/** The logical id of the function whose environment has `variable`. */
const _functionWith = (variable: string) =>
  Object.entries(template.findResources('AWS::Lambda::Function')).find(([, resource]) => resource.Properties?.Environment?.Variables?.[variable])?.[0];

describe('the notify stage (respondent notifications)', () => {
  const notify = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, resource]) => resource.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-notify',
  )?.[0] as string;

  it('is a function of its own, reading only new outbox items from the stream, with an on-failure queue', () => {
    expect(notify).toBeDefined();
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: notify },
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { type: { S: ['notification'] } } } }) }] },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.SENDER_EMAIL]: 'surveys@shop.example',
          [ENV.SUPPORT_EMAIL]: 'support@shop.example',
          [ENV.CONFIGURATION_SET]: Match.anyValue(),
          [ENV.PUBLIC_BASE_URL]: Match.anyValue(),
        }),
      },
      Handler: 'index.handler',
    });
  });

  it('may send email as the sender identity only, and claim, mark and check items of the table (no scan, no delete)', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(notify.replace(/Function.*$/, '')),
    );
    const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const actions = statements.flatMap((statement) => [statement.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['ses:SendEmail', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem', 'dynamodb:PutItem']));
    expect(actions).not.toContain('dynamodb:Scan');
    expect(actions).not.toContain('dynamodb:DeleteItem');
    const ses = statements.find((statement) => [statement.Action].flat().includes('ses:SendEmail'));
    expect(JSON.stringify(ses?.Resource)).toContain('identity/surveys@shop.example');
    expect(JSON.stringify(ses?.Resource)).not.toContain('"*"');
  });

  it('alarms on its failure queue like every dead-letter queue', () => {
    expect(Object.keys(template.findOutputs('*')).some((key) => /^FeedbackNotifyFailureQueueUrl[0-9A-F]{8}$/.test(key))).toBe(true);
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((alarm) => JSON.stringify(alarm.Properties));
    expect(alarms.some((alarm) => alarm.includes('notify-failures'))).toBe(true);
  });
});
