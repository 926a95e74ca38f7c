import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { bufferQueue, feedbackQueue, surveyTable } from '../../functions/config/resources.js';
import { cleanUpApps, testApp, testStack } from './app.js';

let template: Template;

beforeAll(() => {
  template = Template.fromStack(testStack(testApp({ context: { 'closeloop:sesMaxSendRate': 50, 'closeloop:senderEmail': 'nps@shop.example' } })));
});
afterAll(cleanUpApps);

const functionWith = (variable: string) => {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) => variable in (r.Properties.Environment?.Variables ?? {}));
  if (!found) throw new Error(`no function has ${variable}`);
  return found;
};

describe('CloseloopStack', () => {
  it('builds one bus rule per program trigger, into the buffer queue with a dead-letter queue', () => {
    for (const [source, detailType] of [
      ['shop.orders', 'OrderDelivered'],
      ['shop.orders', 'OrderPlaced'],
      ['support.tickets', 'TicketResolved'],
    ]) {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.anyValue(),
        EventPattern: { source: [source], 'detail-type': [detailType] },
        Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 185 }) })],
      });
    }
    template.resourceCountIs('AWS::Events::EventBus', 1);
  });

  it('publishes SES bounces and complaints to the default bus, and a rule there feeds the deliverability function', () => {
    template.hasResourceProperties('AWS::SES::ConfigurationSetEventDestination', {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayEquals(['bounce', 'complaint']),
        EventBridgeDestination: { EventBusArn: Match.anyValue() },
      }),
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'default',
      EventPattern: {
        source: ['aws.ses'],
        'detail-type': ['Email Bounced', 'Email Complaint'],
        detail: { mail: { tags: { 'ses:configuration-set': [Match.anyValue()] } } },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: Match.anyValue() } })],
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: feedbackQueue.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: feedbackQueue.maxReceiveCount },
    });
    const [logicalId] = functionWith(ENV.DELIVERABILITY_FAILURE_QUEUE_URL);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { FunctionName: { Ref: logicalId }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  });

  it('indexes personal items by hashed contact, keys only, for erasure', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: surveyTable.contactIndex.name,
          KeySchema: [{ AttributeName: surveyTable.contactIndex.partitionKey, KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
  });

  it('buffers events in an encrypted, TLS-only queue that redrives to a DLQ', () => {
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: bufferQueue.visibilityTimeoutSeconds,
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: bufferQueue.maxReceiveCount },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  it('runs dispatch on Node.js 24 arm64 from the buffer with partial batch responses and a concurrency cap from the SES rate', () => {
    const [logicalId, dispatch] = functionWith(ENV.DISPATCH_FAILURE_QUEUE_URL);
    expect(dispatch.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(Object.keys(dispatch.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.SURVEY_TABLE, ENV.SENDER_EMAIL, ENV.SUPPORT_EMAIL, ENV.PUBLIC_BASE_URL, ENV.CONFIGURATION_SET]),
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalId },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
    // Each of the 5 instances paces itself to a fifth of the stack's SES rate (50/s here).
    expect(dispatch.Properties.Environment.Variables[ENV.SES_SEND_RATE]).toBe('10');
  });

  it('lets dispatch send only from the sender identity and configuration set', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Resource: [
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/nps@shop.example']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:identity/shop.example']] },
              { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:eu-west-1:123456789012:configuration-set/', { Ref: Match.anyValue() }]] },
            ],
          }),
        ]),
      },
    });
    template.resourceCountIs('AWS::SES::ConfigurationSet', 1);
    template.hasResourceProperties('AWS::SES::ConfigurationSet', { DeliveryOptions: { TlsPolicy: 'REQUIRE' } });
  });

  it('stores invitations on demand with PITR, TTL and a stream', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      Replicas: [Match.objectLike({ PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } })],
    });
  });

  it('delays surveys with EventBridge Scheduler: a group, a role that may only feed the buffer, and dispatch may pass it', () => {
    template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 1);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({ Principal: { Service: 'scheduler.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } }),
        ],
      },
    });
    const dispatchPolicy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p).includes('ses:SendEmail'))!;
    const actions = (dispatchPolicy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) => [st.Action].flat());
    expect(actions).toEqual(expect.arrayContaining(['scheduler:CreateSchedule', 'iam:PassRole', 'events:PutEvents', 'dynamodb:ConditionCheckItem']));
    expect(actions).not.toContain('scheduler:DeleteScheduleGroup');
    const [, dispatch] = functionWith(ENV.SCHEDULE_ROLE_ARN);
    expect(Object.keys(dispatch.Properties.Environment.Variables)).toEqual(
      expect.arrayContaining([ENV.SCHEDULE_GROUP, ENV.SCHEDULE_TARGET_ARN, ENV.EVENT_BUS_NAME]),
    );
  });

  it('routes the cancelling events of programs to the buffer too', () => {
    template.hasResourceProperties('AWS::Events::Rule', { EventPattern: { source: ['shop.orders'], 'detail-type': ['OrderCancelled'] } });
  });

  it('serves GET, HEAD and POST of the rating and unsubscribe routes through an HTTP API with access logs', () => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${method} /r/{token}` });
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: `${method} /u/{token}` });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
      DefaultRouteSettings: { ThrottlingBurstLimit: 200, ThrottlingRateLimit: 100 },
      // Tighter per-route limits on the public routes that write.
      RouteSettings: {
        'POST /r/{token}': { ThrottlingBurstLimit: 100, ThrottlingRateLimit: 50 },
        'POST /u/{token}': { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
        'GET /u/{token}': { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
        'HEAD /u/{token}': { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
        'POST /hooks/{integrationId}': { ThrottlingBurstLimit: 40, ThrottlingRateLimit: 20 },
      },
    });
    const [stageId, stage] = Object.entries(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
    const routeIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Route'))
      .filter(([, route]) => /\/(r|u)\/\{token\}$/.test(route.Properties.RouteKey))
      .map(([id]) => id);
    expect(stageId).toBeDefined();
    expect(stage.DependsOn).toEqual(expect.arrayContaining(routeIds));
    // The access log keeps no personal data: no IP address, user agent, path or query string.
    const format = stage.Properties.AccessLogSettings.Format as string;
    expect(Object.keys(JSON.parse(format))).toEqual(['requestId', 'method', 'routeKey', 'status', 'latency', 'time']);
    expect(format).not.toMatch(/sourceIp|userAgent|path|querystring/i);
  });

  it('generates the page signing key as a secret, names it to the function that signs pages (respond) and lets only it read it', () => {
    const secrets = template.findResources('AWS::SecretsManager::Secret', {
      Properties: { GenerateSecretString: Match.objectLike({ PasswordLength: 64, ExcludePunctuation: true }) },
    });
    // The page key and the inbox's cursor key (the case API's own).
    expect(Object.keys(secrets)).toHaveLength(2);
    const secretId = Object.keys(secrets).find((id) => id.includes('PageSigningKey')) as string;
    expect(secrets[secretId]!.Properties).not.toHaveProperty('SecretString'); // generated by Secrets Manager, never in the template

    const signers = Object.values(template.findResources('AWS::Lambda::Function')).filter(
      (fn) => ENV.PAGE_SIGNING_SECRET in (fn.Properties.Environment?.Variables ?? {}),
    );
    // respond (the page stamp) only: the case API keys its cursors with a secret of its own.
    expect(signers).toHaveLength(1);
    for (const fn of signers) expect(fn.Properties.Environment.Variables[ENV.PAGE_SIGNING_SECRET]).toEqual({ Ref: secretId });
    const signerRoles = signers.map((fn) => ({ Ref: fn.Properties.Role['Fn::GetAtt'][0] }));

    const readers = Object.values(template.findResources('AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]).some(
        (st) => [st.Action].flat().some((action) => action.startsWith('secretsmanager:')) && JSON.stringify(st.Resource) === JSON.stringify({ Ref: secretId }),
      ),
    );
    expect(readers.flatMap((policy) => policy.Properties.Roles)).toEqual(expect.arrayContaining(signerRoles));
    expect(readers.flatMap((policy) => policy.Properties.Roles)).toHaveLength(1);
    for (const policy of readers) {
      expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Action: expect.arrayContaining(['secretsmanager:GetSecretValue']), Effect: 'Allow', Resource: { Ref: secretId } }),
      );
    }
  });

  it('feeds the stream to the rules function with bisection, partial failures, a filter and an on-failure queue', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: Match.anyValue(),
      StartingPosition: 'TRIM_HORIZON',
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
      FilterCriteria: { Filters: [{ Pattern: Match.stringLikeRegexp('respondedAt') }] },
    });
  });

  it('creates each declared follow-up queue with a DLQ and alarms; only the rules function and the escalation sweep send to it', () => {
    const [, rules] = functionWith(ENV.FOLLOW_UP_QUEUE_URLS);
    const urls = rules.Properties.Environment.Variables[ENV.FOLLOW_UP_QUEUE_URLS];
    expect(JSON.stringify(urls)).toContain('customer-success');
    expect(JSON.stringify(urls)).toContain('support');
    const sendPolicies = Object.values(template.findResources('AWS::IAM::Policy')).filter(
      (p) =>
        JSON.stringify(p.Properties.PolicyDocument).includes('sqs:SendMessage') &&
        JSON.stringify(p.Properties.PolicyDocument).includes('FollowUpsCustomerSuccess'),
    );
    expect(sendPolicies).toHaveLength(2);
    const [rulesLogicalId] = functionWith(ENV.CASE_API_URL);
    const [sweepLogicalId] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) => r.Properties.ReservedConcurrentExecutions === 1)!;
    const roles = sendPolicies.flatMap((p) => p.Properties.Roles.map((r: { Ref: string }) => r.Ref));
    const roleOf = (id: string) => template.findResources('AWS::Lambda::Function')[id]!.Properties.Role['Fn::GetAtt'][0];
    expect(roles.sort()).toEqual([roleOf(rulesLogicalId), roleOf(sweepLogicalId)].sort());
    for (const queue of ['CustomerSuccess', 'Support', 'Advocacy', 'Escalation']) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmDescription: Match.stringLikeRegexp('could not handle'),
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp(`FollowUps${queue}DeadLetters`), 'QueueName'] } }],
      });
    }
  });

  it('exposes the case API on IAM-authorised routes only', () => {
    for (const routeKey of ['GET /cases/{caseId}', 'POST /cases/{caseId}/acknowledge', 'POST /cases/{caseId}/resolve']) {
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey, AuthorizationType: 'AWS_IAM' });
    }
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /r/{token}', AuthorizationType: 'NONE' });
  });

  it('traces with X-Ray only when closeloop:tracing is true', () => {
    for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) expect(fn.Properties.TracingConfig).toBeUndefined();
    const traced = Template.fromStack(testStack(testApp({ context: { 'closeloop:tracing': 'true' } })));
    const functions = Object.values(traced.findResources('AWS::Lambda::Function'));
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    traced.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'] })]) },
    });
  });

  it('sweeps deadlines every minute with one instance, over the sparse index only', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue() })],
    });
    // A sweep run that fails after Lambda's own retries of the asynchronous invocation is kept too.
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 1, DeadLetterConfig: { TargetArn: Match.anyValue() } });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: 'sla-due',
          KeySchema: [
            { AttributeName: 'slaShard', KeyType: 'HASH' },
            { AttributeName: 'slaDueAt', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
    const indexGrants = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p).includes('/index/'));
    // The sweep reads the deadline index, the erasure the contact index, announce the answer index, the case API and
    // the digest (its overdue count) the inbox index; each one only, nobody else reads any.
    expect(indexGrants).toHaveLength(5);
    expect(indexGrants.map((grant) => JSON.stringify(grant).match(/\/index\/([\w-]+)/g)).sort()).toEqual([
      ['/index/by-contact'],
      ['/index/by-program-answer'],
      ['/index/inbox'],
      ['/index/inbox'],
      ['/index/sla-due'],
    ]);
  });

  it('offers erasure on an IAM-authorised route only', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /erasures', AuthorizationType: 'AWS_IAM' });
  });

  it('outputs the bus, the API URL and every queue URL', () => {
    // Output ids are the construct's id plus the output's name (and CDK's hash): two Closeloops in one stack do not collide.
    const outputs = Object.keys(template.findOutputs('*')).map((key) => key.replace(/^Closeloop/, '').replace(/[0-9A-F]{8}$/, ''));
    expect(outputs).toEqual(
      expect.arrayContaining([
        'EventBusName',
        'EventBusArn',
        'ApiUrl',
        'PublicBaseUrl',
        'BufferQueueUrl',
        // One per stage's failure queue, `<Stage>FailureQueueUrl`.
        'DispatchFailureQueueUrl',
        'RulesFailureQueueUrl',
        'MeasureFailureQueueUrl',
        'EscalateFailureQueueUrl',
        'DeliverabilityFailureQueueUrl',
        'NotifyFailureQueueUrl',
        'DeliverFailureQueueUrl',
        'AnnounceFailureQueueUrl',
        'DigestFailureQueueUrl',
        'FollowUpQueueUrlcustomersuccess',
        'FollowUpQueueUrlsupport',
      ]),
    );
  });

  it('uses the configured public base URL in the links when one is given', () => {
    const custom = Template.fromStack(testStack(testApp({ context: { 'closeloop:publicBaseUrl': 'https://feedback.shop.example/' } })));
    const found = Object.values(custom.findResources('AWS::Lambda::Function')).filter(
      (r) => r.Properties.Environment?.Variables?.[ENV.PUBLIC_BASE_URL] === 'https://feedback.shop.example',
    );
    expect(found).toHaveLength(4); // dispatch, respond, notify and announce (unsubscribe links)
  });

  it('refuses invalid settings with a message naming the prop (or the context key that cannot be a value of it)', () => {
    expect(() => testStack(testApp({ context: { 'closeloop:senderEmail': 'nobody' } }))).toThrow(
      'Invalid Closeloop props: senderEmail: "nobody" is not an email address',
    );
    expect(() => testStack(testApp({ context: { 'closeloop:publicBaseUrl': 'http://insecure.example' } }))).toThrow(
      'publicBaseUrl: "http://insecure.example" is not an https:// URL',
    );
    expect(() => testStack(testApp({ context: { 'closeloop:sesMaxSendRate': 'fast' } }))).toThrow('closeloop:sesMaxSendRate: "fast" is not a number');
    expect(() => testStack(testApp({ context: { 'closeloop:tracing': 'yes' } }))).toThrow('closeloop:tracing: "yes" is not true or false');
  });

  it('has a dashboard and the alarms that need a person: SES reputation, SLA breaches, detractor rate, dead letters', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
    for (const metric of [
      'ResponseRecorded',
      'DetractorRecorded',
      'FollowUpEscalated',
      'Reputation.BounceRate',
      'Reputation.ComplaintRate',
      'ApproximateNumberOfMessagesVisible',
    ]) {
      expect(body).toContain(metric);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Reputation.BounceRate', Namespace: 'AWS/SES', Threshold: 0.04 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'Reputation.ComplaintRate', Namespace: 'AWS/SES', Threshold: 0.0008 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'FollowUpEscalated', Namespace: 'Closeloop' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ Expression: Match.stringLikeRegexp('detractors') })]),
      Threshold: 50,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmDescription: 'A message waits in "dispatch-failures"' });
  });
  it('lets the rules, measure and escalation functions each set a poison record aside on a failure queue of its own, with a send grant each', () => {
    const variables = [ENV.RULES_FAILURE_QUEUE_URL, ENV.MEASURE_FAILURE_QUEUE_URL, ENV.ESCALATE_FAILURE_QUEUE_URL];
    const functions = Object.entries(template.findResources('AWS::Lambda::Function')).filter(([, r]) =>
      variables.some((name) => name in (r.Properties.Environment?.Variables ?? {})),
    );
    expect(functions.map(([, r]) => r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME).sort()).toEqual([
      'closeloop-escalate',
      'closeloop-measure',
      'closeloop-rules',
    ]);
    const queues = functions.map(([, r]) => JSON.stringify(variables.map((name) => r.Properties.Environment.Variables[name]).find(Boolean)));
    expect(new Set(queues).size).toBe(3);
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    for (const [logicalId, fn] of functions) {
      const role = fn.Properties.Role['Fn::GetAtt'][0];
      const statements = policies
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
      expect(statements, logicalId).toEqual(expect.arrayContaining([expect.objectContaining({ Action: expect.arrayContaining(['sqs:SendMessage']) })]));
    }
  });
});
