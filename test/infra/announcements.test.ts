import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { announceConcurrencyFor, announceQueue, surveyTable } from '../../functions/config/resources.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

type Resource = { Properties: Record<string, any> };

describe('announcements in the stack', () => {
  const template = Template.fromStack(testStack(testApp({ context: { 'closeloop:sesMaxSendRate': 200 } })));
  const announce = () => {
    const [entry] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([, fn]) => (fn as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-announce',
    );
    return { id: entry?.[0] as string, fn: entry?.[1] as Resource };
  };
  const statements = () => {
    const role = announce().fn.Properties.Role['Fn::GetAtt'][0];
    return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
      .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
  };

  it('adds a sparse keys-only answer index on attributes the answer already writes (program, answer time)', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: surveyTable.answerIndex.name,
          KeySchema: [
            { AttributeName: 'programId', KeyType: 'HASH' },
            { AttributeName: 'respondedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
  });

  it('serves POST /announcements with IAM authorization, integrated with the announce function', () => {
    const routes = (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).filter(
      (route) => route.Properties.RouteKey === 'POST /announcements',
    );
    expect(routes).toHaveLength(1);
    expect(routes[0]?.Properties.AuthorizationType).toBe('AWS_IAM');
    const integration = template.findResources('AWS::ApiGatewayV2::Integration')[routes[0]?.Properties.Target['Fn::Join'][1][1].Ref];
    expect(JSON.stringify(integration)).toContain(announce().id);
  });

  it('feeds the function from a queue with a dead-letter queue, partial batch responses and half the SES send rate', () => {
    const { id, fn } = announce();
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.ANNOUNCE_QUEUE_URL, ENV.SURVEY_TABLE, ENV.SENDER_EMAIL, ENV.SUPPORT_EMAIL, ENV.CONFIGURATION_SET, ENV.PUBLIC_BASE_URL]),
    );
    const queues = (Object.values(template.findResources('AWS::SQS::Queue')) as Resource[]).filter(
      (queue) => queue.Properties.VisibilityTimeout === announceQueue.visibilityTimeoutSeconds && queue.Properties.RedrivePolicy,
    );
    expect(queues).toHaveLength(1);
    expect(queues[0]?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        maxReceiveCount: announceQueue.maxReceiveCount,
        deadLetterTargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^CloseloopAnnouncementsDeadLetters/), 'Arn'] },
      },
    });
    const mappings = (Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[]).filter(
      (mapping) => mapping.Properties.FunctionName.Ref === id,
    );
    expect(mappings).toHaveLength(1);
    expect(mappings[0]?.Properties).toMatchObject({
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: announceConcurrencyFor(200) },
    });
    expect(announceConcurrencyFor(200)).toBe(10);
    expect(announceConcurrencyFor(1)).toBe(2);
  });

  it('grants exactly its table actions, the answer index only, sending to its queue and SES on the sender identity', () => {
    const all = statements();
    const actions = (s: { Action: string | string[] }) => [s.Action].flat();
    const table = all.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    const resources = JSON.stringify(table.map((s) => s.Resource));
    expect(resources).toContain(`/index/${surveyTable.answerIndex.name}`);
    expect(resources).not.toContain(`/index/${surveyTable.contactIndex.name}`);
    expect(resources).not.toContain('/index/*');
    expect(table.flatMap(actions)).not.toContain('dynamodb:Scan');
    expect(table.flatMap(actions)).toEqual(expect.arrayContaining(['dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:UpdateItem']));
    expect(all.some((s) => actions(s).includes('sqs:SendMessage'))).toBe(true);
    const ses = all.filter((s) => actions(s).includes('ses:SendEmail'));
    expect(ses).toHaveLength(1);
    expect(JSON.stringify(ses[0]?.Resource)).toContain(':identity/');
    expect(JSON.stringify(ses[0]?.Resource)).not.toContain('"*"');
  });
});
