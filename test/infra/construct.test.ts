import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PublicHostedZone } from 'aws-cdk-lib/aws-route53';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { deployedStages, WIRING } from '../../functions/config/wiring.js';
import { Catalog, Closeloop, type CloseloopProps, InvalidPropsError } from '../../lib/index.js';
import { DEMO_CATALOG_FILE, declaredCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp } from './app.js';

afterAll(cleanUpApps);

const catalog = Catalog.fromFile(DEMO_CATALOG_FILE);
const required = { catalog, senderEmail: 'surveys@shop.example', supportEmail: 'support@shop.example' };
const env = { account: '123456789012', region: 'eu-west-1' };

function synth(
  props: Partial<CloseloopProps> = {},
  setUp?: (stack: Stack) => Partial<CloseloopProps>,
): { stack: Stack; template: Template; closeloop: Closeloop } {
  const stack = new Stack(testApp(), 'Shop', { env });
  const closeloop = new Closeloop(stack, 'Feedback', { ...required, ...props, ...setUp?.(stack) });
  return { stack, template: Template.fromStack(stack), closeloop };
}

describe('the Closeloop construct', () => {
  it('keeps the logical ids of its stateful resources (a changed id would replace the table or a queue on deploy)', () => {
    // Pinned on purpose, and only these: the table and the queues hold data. Ids are the construct id
    // ("Closeloop" in this repo's app) + the path + CDK's hash of it; they must not change across versions.
    const app = testApp();
    const stack = new Stack(app, 'Closeloop', { env });
    new Closeloop(stack, 'Closeloop', required);
    const template = Template.fromStack(stack);
    const ids = (type: string) => Object.keys(template.findResources(type)).sort();
    expect(ids('AWS::DynamoDB::GlobalTable')).toEqual(['CloseloopSurveysTable0F5955E7']);
    expect(ids('AWS::SQS::Queue')).toEqual([
      'CloseloopAnnouncementsDeadLettersCF9FC7E0',
      'CloseloopAnnouncementsQueue75089C8A',
      'CloseloopCasesSweepFailuresDCA47F48',
      'CloseloopDeliverabilityDeadLetters8B4EE3EB',
      'CloseloopDeliverabilityQueueCC60D3C8',
      'CloseloopDigestsDeadLettersB44E708E',
      'CloseloopFollowUpsAdvocacy7AD945F0',
      'CloseloopFollowUpsAdvocacyDeadLetters96E1BAB3',
      'CloseloopFollowUpsCustomerSuccess1F47FFD1',
      'CloseloopFollowUpsCustomerSuccessDeadLetters86DEDBD4',
      'CloseloopFollowUpsEscalation03E15033',
      'CloseloopFollowUpsEscalationDeadLettersD97C250E',
      'CloseloopFollowUpsRulesFailures44EBEA4D',
      'CloseloopFollowUpsSupport91669999',
      'CloseloopFollowUpsSupportDeadLettersFC2F0B6C',
      'CloseloopIngestBuffer3228F87B',
      'CloseloopIngestDeadLettersF50E6E65',
      'CloseloopIntegrationsDeadLettersC95C5ECC',
      'CloseloopMeasurementFailuresEE8459D4',
      'CloseloopNotificationsFailures0B1A71D9',
    ]);
    expect(ids('AWS::Events::EventBus')).toEqual(['CloseloopIngestBus760ABFDC']);
    // The table is retained if the stack or the construct is removed.
    expect(Object.values(template.findResources('AWS::DynamoDB::GlobalTable'))[0]).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('names each bus rule by its trigger: a program added first moves no other rule', () => {
    const ruleIds = (template: Template) =>
      Object.fromEntries(
        Object.entries(template.findResources('AWS::Events::Rule'))
          .filter(([, rule]) => rule.Properties.EventPattern?.source && !rule.Properties.EventPattern.source.includes('closeloop'))
          .map(([id, rule]) => [`${rule.Properties.EventPattern.source[0]} ${rule.Properties.EventPattern['detail-type'][0]}`, id]),
      );
    const before = ruleIds(synth().template);
    const declared = declaredCatalog();
    const { cancel: _cancel, ...first } = declared.programs[0] as Record<string, unknown>;
    declared.programs.unshift({ ...first, id: 'returns-nps', trigger: { source: 'shop.returns', detailType: 'ReturnReceived' } });
    const after = ruleIds(synth({ catalog: Catalog.fromObject(declared) }).template);
    expect(Object.keys(after)).toHaveLength(Object.keys(before).length + 1);
    for (const [trigger, id] of Object.entries(before)) expect(after[trigger], trigger).toBe(id);
  });

  it("exposes the bus, the table, the API and every follow-up queue for the adopter's own wiring", () => {
    const { stack, closeloop } = synth();
    expect(Object.keys(closeloop.followUpQueues).sort()).toEqual(['advocacy', 'customer-success', 'escalation', 'support']);
    // Every deployed stage invoked asynchronously (a manifest trigger, or digest's per-digest schedules) has its failure queue, `<stage>-failures`.
    const deployed: readonly string[] = deployedStages();
    const triggered = [
      ...Object.entries(WIRING).flatMap(([stage, manifest]) => ('trigger' in manifest && deployed.includes(stage) ? [`${stage}-failures`] : [])),
      'digest-failures',
    ];
    expect(triggered).toHaveLength(9);
    expect(Object.keys(closeloop.deadLetterQueues).sort()).toEqual(triggered.sort());
    expect(stack.resolve(closeloop.table.tableName)).toEqual({ Ref: expect.stringMatching(/^FeedbackSurveysTable[0-9A-F]{8}$/) });
    expect(closeloop.alarms.length).toBeGreaterThan(5);
    expect(closeloop.eventBus.eventBusName).toBeDefined();
    expect(closeloop.api.apiEndpoint).toBeDefined();
  });

  it('deploys twice side by side (dev and prod in one account): no fixed physical names', () => {
    const app = testApp();
    const stacks = ['Dev', 'Prod'].map((name) => {
      const stack = new Stack(app, `Shop${name}`, { env });
      new Closeloop(stack, 'Feedback', required);
      return stack;
    });
    const templates = stacks.map(
      (stack) => Template.fromStack(stack).toJSON() as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> },
    );
    const fixedNames = (t: (typeof templates)[number]) =>
      Object.values(t.Resources).flatMap((r) =>
        ['TableName', 'QueueName', 'FunctionName', 'RoleName', 'DashboardName', 'LogGroupName']
          .filter((key) => typeof r.Properties?.[key] === 'string')
          .map((key) => `${r.Type}.${key}`),
      );
    expect(fixedNames(templates[0]!)).toEqual([]);
    const names = (t: (typeof templates)[number], type: string) =>
      Object.values(t.Resources)
        .filter((r) => r.Type === type)
        .map((r) => r.Properties?.Name);
    for (const type of ['AWS::Events::EventBus', 'AWS::Scheduler::ScheduleGroup']) {
      expect(names(templates[0]!, type).some((name) => names(templates[1]!, type).includes(name))).toBe(false);
    }
    // Their metrics do not mix: each instance's functions publish, and its dashboard and alarms read, its own `service` dimension.
    const services = templates.map((t) => {
      const published = new Set(
        Object.values(t.Resources)
          .filter((r) => r.Type === 'AWS::Lambda::Function')
          .map((r) => (r.Properties!.Environment as { Variables: Record<string, string> }).Variables[ENV.METRICS_SERVICE]),
      );
      const read = new Set(
        Object.values(t.Resources)
          .filter((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Properties?.Namespace === 'Closeloop')
          .flatMap((r) => (r.Properties!.Dimensions as { Name: string; Value: string }[]).filter((d) => d.Name === 'service').map((d) => d.Value)),
      );
      expect([...read]).toEqual([...published]);
      return [...published];
    });
    expect(services).toEqual([['closeloop/ShopDev/Feedback'], ['closeloop/ShopProd/Feedback']]);
  });

  it('puts its rules on an existing bus when given one, and creates none', () => {
    const { template } = synth({}, (stack) => ({ eventBus: EventBus.fromEventBusName(stack, 'Shared', 'shop-events') }));
    template.resourceCountIs('AWS::Events::EventBus', 0);
    template.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: 'shop-events',
      EventPattern: { source: ['shop.orders'], 'detail-type': ['OrderDelivered'] },
    });
  });

  it("creates the sender's SES domain identity with Easy DKIM and a MAIL FROM domain; without a zone, the DNS records are outputs", () => {
    const { template } = synth({ senderDomain: 'shop.example' });
    template.hasResourceProperties('AWS::SES::EmailIdentity', {
      EmailIdentity: 'shop.example',
      DkimAttributes: { SigningEnabled: true },
      MailFromAttributes: { MailFromDomain: 'mail.shop.example' },
      ConfigurationSetAttributes: { ConfigurationSetName: Match.anyValue() },
    });
    const outputs = Object.keys(template.findOutputs('*'));
    expect(outputs.filter((id) => /DkimRecord\d/.test(id))).toHaveLength(3);
    expect(outputs.some((id) => id.includes('MailFromMxRecord'))).toBe(true);
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
  });

  it('writes the DKIM and MAIL FROM records into the hosted zone when given one', () => {
    const { template } = synth({ senderDomain: 'shop.example' }, (stack) => ({
      hostedZone: new PublicHostedZone(stack, 'Zone', { zoneName: 'shop.example' }),
    }));
    template.resourceCountIs('AWS::Route53::RecordSet', 5); // 3 DKIM CNAMEs, MX and SPF of the MAIL FROM domain
    template.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'MX', Name: 'mail.shop.example.' });
  });

  it.each([
    [{ senderEmail: 'nobody' }, 'senderEmail: "nobody" is not an email address'],
    [{ supportEmail: '' }, 'supportEmail: "" is not an email address'],
    [{ sesMaxSendRate: 0 }, 'sesMaxSendRate: "0" is not a positive number'],
    [{ publicBaseUrl: 'http://feedback.shop.example' }, 'publicBaseUrl: "http://feedback.shop.example" is not an https:// URL'],
    [{ senderDomain: 'other.example' }, 'senderDomain: senderEmail "surveys@shop.example" is not an address of other.example'],
    [{ senderDomain: 'not a domain' }, 'senderDomain: "not a domain" is not a domain name'],
    [{ waf: { rateLimit: 1 } }, 'waf.rateLimit: "1" is not a whole number'],
  ])('refuses %j, naming the prop', (props, message) => {
    expect(() => synth(props as Partial<CloseloopProps>)).toThrow(InvalidPropsError);
    expect(() => synth(props as Partial<CloseloopProps>)).toThrow(message);
  });

  it("fails with the catalog's own message when the catalog is invalid", () => {
    expect(() => Catalog.fromObject({ brand: { name: 'X' } })).toThrow(/^Invalid catalog: invitationTtlDays: required/);
  });
});
