/**
 * CDK idioms (issue 23, part 4, first steps): string props take tokens (checked by CloudFormation at
 * deploy time instead of at synth); the catalog and the send rate must be known at synth, and say so;
 * alarms page an ITopic as well as an ARN; every stage's function is exposed by its stage name.
 */
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, describe, expect, it } from 'vitest';
import { STAGES } from '../../functions/config/wiring.js';
import { Catalog, Closeloop, InvalidPropsError } from '../../lib/index.js';
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
    expect(Object.keys(closeloop.functions).sort()).toEqual([...STAGES].sort());
    expect(closeloop.functions.respond?.functionArn).toBeDefined();
  });
});
