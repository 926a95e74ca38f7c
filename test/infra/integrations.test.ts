import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { integrationQueueDefaults } from '../../functions/config/resources.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const integrations = [
  {
    id: 'cx-webhook',
    kind: 'webhook',
    url: 'https://hooks.shop.example/closeloop',
    secret: 'closeloop/cx-webhook',
    on: ['FollowUpOpened', 'FollowUpEscalated', 'ThresholdBreached'],
  },
  { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack-url', on: ['FollowUpOpened', 'ThresholdBreached'] },
];
const catalog = () => ({ ...declaredCatalog(), integrations });
const synth = (context: Record<string, unknown> = {}) => Template.fromStack(testStack(testApp({ context }), catalog()));
type Resource = { Properties: Record<string, any> };

describe('integrations in the stack', () => {
  const template = synth();
  const deliver = () => {
    const [entry] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([, fn]) => (fn as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-deliver',
    );
    return { id: entry?.[0] as string, fn: entry?.[1] as Resource };
  };

  it("routes each integration's detail-types on Closeloop's bus (source closeloop) to its own queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['closeloop'], 'detail-type': ['FollowUpOpened', 'FollowUpEscalated', 'ThresholdBreached'] },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 86_400 }) })],
    });
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['closeloop'], 'detail-type': ['FollowUpOpened', 'ThresholdBreached'] } });
  });

  it('gives each queue a dead-letter queue, a retention longer than the retry window and a visibility above the function timeout', () => {
    const queues = (Object.values(template.findResources('AWS::SQS::Queue')) as Resource[]).filter(
      (queue) => queue.Properties.RedrivePolicy?.maxReceiveCount === integrationQueueDefaults.maxReceiveCount,
    );
    expect(queues).toHaveLength(2);
    for (const queue of queues) {
      expect(queue.Properties.MessageRetentionPeriod).toBe(4 * 86_400);
      expect(queue.Properties.VisibilityTimeout).toBe(360);
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
  });

  it('feeds the deliver function from both queues with partial batch responses, and gives it its variables', () => {
    const { id, fn } = deliver();
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.INTEGRATION_QUEUE_URLS, ENV.DELIVER_FAILURE_QUEUE_URL, ENV.SURVEY_TABLE]),
    );
    const mappings = (Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[]).filter(
      (mapping) => mapping.Properties.FunctionName.Ref === id,
    );
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings) expect(mapping.Properties).toMatchObject({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it("may read exactly the integrations' secrets, change visibility (the backoff) and send to the dead-letter queue", () => {
    const { fn } = deliver();
    const role = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
    const secretStatements = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    const secretResources = JSON.stringify(secretStatements.map((s) => s.Resource));
    expect(secretResources).toContain(':secret:closeloop/cx-webhook-??????');
    expect(secretResources).toContain(':secret:closeloop/slack-url-??????');
    expect(secretResources).not.toContain('page-signing');
    expect(secretResources).not.toMatch(/secret:\*/);
    expect(statements.some((s) => [s.Action].flat().includes('sqs:ChangeMessageVisibility'))).toBe(true);
  });

  it('serves the replay route behind IAM', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /integrations/{integrationId}/replay', AuthorizationType: 'AWS_IAM' });
  });

  it('refuses a plain-http loopback URL (the sandbox only), naming the catalog path', () => {
    const local = { ...catalog(), integrations: [{ ...integrations[0], url: 'http://127.0.0.1:9000/hook' }] };
    expect(() => testStack(testApp(), local)).toThrow(/integrations\.0\.url: .*sandbox/);
  });
});

describe('alarms that page', () => {
  it('gives every alarm of the stack the topic subscribed by alarmEmail, and an alarmTopicArn too', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:pager';
    const template = synth({ 'closeloop:alarmEmail': 'oncall@shop.example', 'closeloop:alarmTopicArn': topicArn });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
    expect(alarms.length).toBeGreaterThan(10);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmDescription).toHaveLength(2);
      expect(alarm.Properties.AlarmActions).toContainEqual(topicArn);
    }
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@shop.example' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('leaves alarms without actions when neither is given', () => {
    const alarms = Object.values(synth().findResources('AWS::CloudWatch::Alarm')) as Resource[];
    expect(alarms.every((alarm) => alarm.Properties.AlarmActions === undefined)).toBe(true);
  });

  it('names a bad address or topic ARN', () => {
    expect(() => synth({ 'closeloop:alarmEmail': 'oncall' })).toThrow(/alarmEmail: "oncall" is not an email address/);
    expect(() => synth({ 'closeloop:alarmTopicArn': 'pager' })).toThrow(/alarmTopicArn: "pager" is not an SNS topic ARN/);
  });

  it('keeps cdk-nag (AwsSolutions, Serverless) clean with integrations and an alarm topic', () => {
    const app = testApp({ context: { 'closeloop:alarmEmail': 'oncall@shop.example' } });
    testStack(app, catalog());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
