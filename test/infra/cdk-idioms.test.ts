/**
 * CDK idioms (issue 23, part 4): string props take tokens (checked by CloudFormation at deploy time
 * instead of at synth); the catalog and the send rate must be known at synth, and say so; alarms page
 * an ITopic as well as an ARN; every stage's function is exposed by its stage name; grant* and metric*
 * methods as CDK constructs have them.
 */
import { CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Alarm, ComparisonOperator } from 'aws-cdk-lib/aws-cloudwatch';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Runtime, RuntimeFamily } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { deployedStages } from '../../functions/config/wiring.js';
import { legacySuppression } from '../../lib/constructs/nag.js';
import { Catalog, Closeloop, InvalidPropsError, propsFromContext } from '../../lib/index.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';
import { cleanUpApps, testApp } from './app.js';

afterAll(cleanUpApps);

const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
const env = { account: '123456789012', region: 'eu-west-1' };
const stack = () => new Stack(testApp(), 'Shop', { env });

describe('CDK idioms', () => {
  it('takes tokens for its string props (addresses, URL, topic ARN, producer ids, web ACL), as CloudFormation values', () => {
    const s = stack();
    const param = (id: string) => new CfnParameter(s, id, { type: 'String' }).valueAsString;
    const topic = new Topic(s, 'Paging');
    const closeloop = new Closeloop(s, 'Feedback', {
      catalog,
      senderEmail: param('Sender'),
      supportEmail: param('Support'),
      publicBaseUrl: param('BaseUrl'),
      alarmTopicArn: topic.topicArn,
      alarmEmail: param('Oncall'),
      producerAccounts: [param('Producer')],
      producerOrganizationId: param('Org'),
    });
    const template = Template.fromStack(s);
    const dispatch = Object.values(template.findResources('AWS::Lambda::Function')).find(
      (fn) => fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-dispatch',
    )!;
    expect(dispatch.Properties.Environment.Variables.CLOSELOOP_SENDER_EMAIL).toEqual({ Ref: 'Sender' });
    // The sender's domain identity is derived from the token at deploy time.
    expect(JSON.stringify(template.toJSON())).toContain('"Fn::Split":["@",{"Ref":"Sender"}]');
    expect(closeloop.alarms.length).toBeGreaterThan(0);
  });

  it('refuses a token where the template needs the value at synth, naming the prop', () => {
    const s = stack();
    const rate = new CfnParameter(s, 'Rate', { type: 'Number' }).valueAsNumber;
    expect(() => new Closeloop(s, 'Feedback', { catalog, senderEmail: 'a@shop.example', supportEmail: 'b@shop.example', sesMaxSendRate: rate })).toThrow(
      new InvalidPropsError(
        'Invalid Closeloop props: sesMaxSendRate: must be a number known at synth, not a token (it sizes the dispatch concurrency and pacing)',
      ),
    );
    expect(
      () =>
        new Closeloop(stack(), 'Feedback', {
          catalog: { data: catalog.data } as unknown as Catalog,
          senderEmail: 'a@shop.example',
          supportEmail: 'b@shop.example',
        }),
    ).toThrow(/catalog: must be a Catalog \(Catalog\.fromFile or Catalog\.fromObject\), known at synth/);
  });

  it('pages an ITopic of the app with every alarm', () => {
    const s = stack();
    const topic = new Topic(s, 'Paging');
    const closeloop = new Closeloop(s, 'Feedback', { catalog, senderEmail: 'a@shop.example', supportEmail: 'b@shop.example', alarmTopic: topic });
    const template = Template.fromStack(s);
    const topicRef = { Ref: s.getLogicalId(topic.node.defaultChild as never) };
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(closeloop.alarms.length);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
  });

  it('exposes every stage’s function by its stage name', () => {
    const closeloop = new Closeloop(stack(), 'Feedback', { catalog, senderEmail: 'a@shop.example', supportEmail: 'b@shop.example' });
    expect(Object.keys(closeloop.functions).sort()).toEqual(deployedStages({ workspace: false }).sort());
    expect(closeloop.functions.respond?.functionArn).toBeDefined();
  });

  it('grants, as CDK constructs do: putting events, calling the case API, reading the report figures', () => {
    const s = stack();
    const closeloop = new Closeloop(s, 'Feedback', { catalog, senderEmail: 'a@shop.example', supportEmail: 'b@shop.example' });
    const role = (id: string) => new Role(s, id, { assumedBy: new AccountRootPrincipal() });
    closeloop.grantPutEvents(role('Producer'));
    closeloop.grantCaseApi(role('Agent'));
    closeloop.grantReadReports(role('Analyst'));
    const template = Template.fromStack(s);
    const statementsOf = (roleId: string) =>
      Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[]);
    expect(statementsOf('Producer').map((st) => st.Action)).toEqual(['events:PutEvents']);
    const invoke = statementsOf('Agent');
    expect(invoke.map((st) => st.Action)).toEqual(['execute-api:Invoke']);
    const arns = JSON.stringify(invoke[0]!.Resource);
    for (const route of ['/GET/cases"', '/GET/cases/*"', '/POST/cases/*/acknowledge"', '/POST/cases/*/resolve"', '/POST/cases/*/assign"'])
      expect(arns).toContain(route);
    expect(arns).not.toContain('erasures');
    const reads = statementsOf('Analyst');
    expect(reads.map((st) => [st.Action].flat().sort())).toEqual([['dynamodb:GetItem', 'dynamodb:Query']]);
    expect(reads[0]!.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['AGG#*', 'SEGMENTS#*'] } });
  });

  it("exposes the dashboard's figures as metrics for the app's own alarms", () => {
    const s = stack();
    const closeloop = new Closeloop(s, 'Feedback', { catalog, senderEmail: 'a@shop.example', supportEmail: 'b@shop.example' });
    new Alarm(s, 'FewSurveys', {
      metric: closeloop.metricSurveysSent({ period: Duration.days(1) }),
      threshold: 10,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
    });
    new Alarm(s, 'Detractors', { metric: closeloop.metricDetractorRate(), threshold: 30, evaluationPeriods: 1 });
    const template = Template.fromStack(s);
    expect(template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: 'SurveySent', Namespace: 'Closeloop', Period: 86_400 } })).not.toEqual(
      {},
    );
    const detractors = Object.values(template.findResources('AWS::CloudWatch::Alarm')).find((a) =>
      JSON.stringify(a.Properties.Metrics ?? []).includes('DetractorRecorded'),
    );
    expect(detractors).toBeDefined();
    expect(closeloop.metricResponses()).toBeDefined();
    expect(closeloop.metricFollowUpsEscalated()).toBeDefined();
  });
});

describe('the runtime prop', () => {
  const runtimes = (s: Stack) => new Set(Object.values(Template.fromStack(s).findResources('AWS::Lambda::Function')).map((fn) => fn.Properties.Runtime));
  const addresses = { senderEmail: 'a@shop.example', supportEmail: 'b@shop.example' };

  it('puts every function on Node.js 24 by default, and on the runtime given', () => {
    const byDefault = stack();
    new Closeloop(byDefault, 'Feedback', { catalog, ...addresses });
    expect(runtimes(byDefault)).toEqual(new Set(['nodejs24.x']));
    // A runtime this library does not know yet (Runtime's constructor, as CDK documents for new runtimes).
    const given = stack();
    new Closeloop(given, 'Feedback', { catalog, ...addresses, runtime: new Runtime('nodejs28.x', RuntimeFamily.NODEJS) });
    expect(runtimes(given)).toEqual(new Set(['nodejs28.x']));
  });

  it('refuses another family or a Node.js older than the handlers are built for, naming the prop', () => {
    expect(() => new Closeloop(stack(), 'Feedback', { catalog, ...addresses, runtime: Runtime.PYTHON_3_13 })).toThrow(
      'runtime: "python3.13" is not a Node.js runtime (Runtime.NODEJS_24_X or newer)',
    );
    expect(() => new Closeloop(stack(), 'Feedback', { catalog, ...addresses, runtime: Runtime.NODEJS_22_X })).toThrow(
      'runtime: "nodejs22.x" is older than nodejs24.x, the Node.js the handlers are built for',
    );
  });

  it('is read from context as closeloop:runtime, by its Lambda name', () => {
    const app = testApp({ context: { 'closeloop:runtime': 'nodejs24.x' } });
    expect(propsFromContext(app).runtime?.name).toBe('nodejs24.x');
    expect(() => propsFromContext(testApp({ context: { 'closeloop:runtime': 'node24' } }))).toThrow(
      'closeloop:runtime: "node24" is not a Lambda runtime this aws-cdk-lib knows (e.g. nodejs24.x)',
    );
  });

  it('writes each acknowledgement in cdk-nag 2 form too, on the resources it covers (finding in applies_to; a non-Latin-1 reason base64)', () => {
    const s = new Stack(testApp(), 'Shop', { env });
    new Closeloop(s, 'Feedback', { catalog, ...addresses, tracing: true });
    const template = Template.fromStack(s).toJSON() as { Resources: Record<string, { Type: string; Metadata?: { cdk_nag?: { rules_to_suppress: any[] } } }> };
    const rules = (type: string) =>
      Object.values(template.Resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => resource.Metadata?.cdk_nag?.rules_to_suppress ?? []);
    // Every function's role policy: X-Ray's "*" as a granular finding.
    const xray = rules('AWS::IAM::Policy').filter((policy) => policy.some((rule) => rule.id === 'AwsSolutions-IAM5' && rule.applies_to?.[0] === 'Resource::*'));
    expect(xray).toHaveLength(deployedStages({ workspace: false }).length);
    // Every dead-letter queue.
    const queues = rules('AWS::SQS::Queue').filter((queue) => queue.some((rule) => rule.id === 'AwsSolutions-SQS3'));
    expect(queues.length).toBeGreaterThan(5);
    for (const queue of queues)
      expect(queue.find((rule) => rule.id === 'AwsSolutions-SQS3')).toEqual({ id: 'AwsSolutions-SQS3', reason: expect.stringMatching(/dead-letter/) });
  });

  it('converts as cdk-nag 2 stores suppressions (NagSuppressionHelper.toCfnFormat)', () => {
    expect(legacySuppression('Annotation::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:*]', 'One schedule per survey.')).toEqual({
      id: 'AwsSolutions-IAM5',
      reason: 'One schedule per survey.',
      applies_to: ['Resource::arn:<AWS::Partition>:scheduler:*'],
    });
    expect(legacySuppression('Serverless-LambdaDLQ', 'Retries ≥ 3 — then the queue.')).toEqual({
      id: 'Serverless-LambdaDLQ',
      reason: Buffer.from('Retries ≥ 3 — then the queue.').toString('base64'),
      is_reason_encoded: true,
    });
    expect(legacySuppression('Annotation::not a rule', 'whatever it is')).toBeUndefined();
  });
});
