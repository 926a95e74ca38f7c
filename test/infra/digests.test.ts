import { Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { DIGEST_ASYNC_RETRIES, DIGEST_SCHEDULE_RETRIES } from '../../lib/constructs/digests.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const catalog = () => ({
  ...declaredCatalog(),
  integrations: [
    { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack-url', on: ['FollowUpOpened'] },
    { id: 'other-slack', kind: 'slack', secret: 'closeloop/other-slack', on: ['FollowUpOpened'] },
  ],
  digests: [
    { id: 'weekly-cx', schedule: 'cron(0 8 ? * MON *)', timeZone: 'Europe/Tallinn', to: ['cx-slack', 'ops@shop.example'] },
    { id: 'monthly-ops', schedule: 'cron(0 7 1 * ? *)', timeZone: 'America/New_York', to: ['ops@shop.example'], programs: ['order-delivered-nps'] },
  ],
});
type Resource = { Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

describe('digests in the stack', () => {
  const template = Template.fromStack(testStack(testApp(), catalog()));
  const digestFunction = () => {
    const [entry] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([, fn]) => (fn as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-digest',
    );
    return { id: entry?.[0] as string, fn: entry?.[1] as Resource };
  };
  const statementsOf = (roleRef: unknown) =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((policy) => JSON.stringify(policy.Properties.Roles) === JSON.stringify([roleRef]))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);

  it('gives each digest a Scheduler schedule in its time zone, without a flexible window, that invokes the digest function with its id', () => {
    const { id } = digestFunction();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 ? * MON *)',
      ScheduleExpressionTimezone: 'Europe/Tallinn',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { 'Fn::GetAtt': [id, 'Arn'] }, Input: JSON.stringify({ digestId: 'weekly-cx' }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 7 1 * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      Target: Match.objectLike({ Input: JSON.stringify({ digestId: 'monthly-ops' }) }),
    });
    expect(Object.keys(template.findResources('AWS::Scheduler::Schedule'))).toHaveLength(2);
  });

  it("gives each schedule's target a retry policy and the digest dead-letter queue; failed invocations end there too", () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')) as Resource[];
    const dlq = schedules[0]?.Properties.Target.DeadLetterConfig.Arn;
    expect(dlq).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^CloseloopDigestsDeadLetters/), 'Arn'] });
    for (const schedule of schedules) {
      expect(schedule.Properties.Target.RetryPolicy).toEqual({ MaximumRetryAttempts: DIGEST_SCHEDULE_RETRIES, MaximumEventAgeInSeconds: 6 * 3600 });
      expect(schedule.Properties.Target.DeadLetterConfig.Arn).toEqual(dlq);
    }
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: digestFunction().id },
      MaximumRetryAttempts: DIGEST_ASYNC_RETRIES,
      DestinationConfig: { OnFailure: { Destination: dlq } },
    });
  });

  it("lets the schedules' role invoke the digest function and nothing else (and send to the dead-letter queue), assumed by Scheduler of this account only", () => {
    const { id } = digestFunction();
    const [roleId, role] = Object.entries(template.findResources('AWS::IAM::Role')).find(
      ([, r]) =>
        JSON.stringify((r as Resource).Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com') &&
        JSON.stringify((r as Resource).Properties).includes('digest'),
    ) as [string, Resource];
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    const statements = statementsOf({ Ref: roleId });
    expect(statements.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      'lambda:InvokeFunction',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:SendMessage',
    ]);
    const invoke = statements.find((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke?.Resource).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
    for (const schedule of Object.values(template.findResources('AWS::Scheduler::Schedule')) as Resource[]) {
      expect(schedule.Properties.Target.RoleArn).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
    }
  });

  it('wires the function: its variables, SES as the sender identity only, exactly the Slack secrets digests send to, the send route behind IAM', () => {
    const { fn } = digestFunction();
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.SURVEY_TABLE, ENV.SENDER_EMAIL, ENV.SUPPORT_EMAIL, ENV.CONFIGURATION_SET]),
    );
    expect(fn.Properties.Timeout).toBe(60);
    const statements = statementsOf({ Ref: fn.Properties.Role['Fn::GetAtt'][0] });
    const ses = statements.filter((s) => [s.Action].flat().includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/');
    expect(JSON.stringify(ses[0]?.Resource)).not.toContain('"*"');
    const secrets = JSON.stringify(statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue')).map((s) => s.Resource));
    expect(secrets).toContain(':secret:closeloop/slack-url-??????');
    expect(secrets).not.toContain('other-slack');
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /digests/{digestId}/send', AuthorizationType: 'AWS_IAM' });
  });

  it('creates no schedule or scheduler role without digests (the function still serves the send route)', () => {
    const { digests: _demo, ...withoutDigests } = declaredCatalog();
    const plain = Template.fromStack(testStack(testApp(), withoutDigests));
    expect(Object.keys(plain.findResources('AWS::Scheduler::Schedule'))).toHaveLength(0);
    plain.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /digests/{digestId}/send' });
  });

  it('keeps cdk-nag (AwsSolutions, Serverless) clean with digests', () => {
    const app = testApp();
    testStack(app, catalog());
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
