import { Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { INTEGRATION_DETAIL_TYPES } from '../../functions/domain/integration-event-schemas.js';
import { Catalog, Closeloop } from '../../lib/index.js';
import { InvalidPropsError } from '../../lib/props.js';
import { DEMO_CATALOG_FILE } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const busArn = () => ({ 'Fn::GetAtt': [Match.stringLikeRegexp('IngestBus'), 'Arn'] });

describe('producers: the schema registry and other accounts', () => {
  it('creates a schema registry with event contract v1 per trigger and every integration event, in the EventBridge envelope (OpenAPI 3)', () => {
    const template = Template.fromStack(testStack(testApp()));

    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const schemas = template.findResources('AWS::EventSchemas::Schema');
    const names = Object.values(schemas).map((r) => r.Properties.SchemaName as string);
    expect(names.sort()).toEqual(
      [
        'shop.orders@OrderDelivered',
        'shop.orders@OrderReturned',
        'shop.orders@OrderPlaced',
        'shop.orders@OrderCancelled',
        'support.tickets@TicketResolved',
        ...INTEGRATION_DETAIL_TYPES.map((t) => `closeloop@${t}`),
      ].sort(),
    );
    for (const resource of Object.values(schemas)) {
      expect(resource.Properties).toMatchObject({ Type: 'OpenApi3', RegistryName: { 'Fn::GetAtt': [expect.stringMatching(/Registry/), 'RegistryName'] } });
      const document = JSON.parse(resource.Properties.Content);
      const [source, detailType] = (resource.Properties.SchemaName as string).split('@');
      expect(document.openapi).toBe('3.0.0');
      expect(document.components.schemas.AWSEvent).toMatchObject({
        'x-amazon-events-source': source,
        'x-amazon-events-detail-type': detailType,
        properties: { detail: { $ref: `#/components/schemas/${detailType}` } },
      });
      expect(resource.Properties.Content.length).toBeLessThan(100_000);
    }
    const delivered = Object.values(schemas).find((r) => r.Properties.SchemaName === 'shop.orders@OrderDelivered')!;
    const components = JSON.parse(delivered.Properties.Content).components.schemas;
    // Nested objects are components of their own: code bindings make each a class.
    expect(components.OrderDelivered.properties.customer).toEqual({ $ref: '#/components/schemas/OrderDeliveredCustomer' });
    expect(components.OrderDeliveredCustomer.required).toEqual(['id', 'email']);
    template.hasOutput('*', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('Registry'), 'RegistryName'] } });
  });

  it('lets the producer accounts and the organization put events for the catalog sources only (not as "closeloop")', () => {
    const app = testApp({ context: { 'closeloop:producerAccounts': '111111111111, 222222222222', 'closeloop:producerOrganizationId': 'o-a1b2c3d4e5' } });
    const template = Template.fromStack(testStack(app));

    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      EventBusName: { Ref: Match.stringLikeRegexp('IngestBus') },
      Statement: {
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Principal: {
          AWS: [
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111111111111:root']] },
            { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:root']] },
          ],
        },
        Resource: busArn(),
        Condition: { StringEquals: { 'events:source': ['shop.orders', 'support.tickets'] } },
      },
    });
    template.hasResourceProperties('AWS::Events::EventBusPolicy', {
      Statement: {
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: busArn(),
        Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5', 'events:source': ['shop.orders', 'support.tickets'] } },
      },
    });
    template.hasOutput('*', { Value: busArn() });
  });

  it('adds no producer statement without producers: the bus policy is only the source guard', () => {
    const policies = Object.values(Template.fromStack(testStack(testApp())).findResources('AWS::Events::EventBusPolicy')) as Resource[];
    expect(policies.map((p) => p.Properties.Statement.Effect)).toEqual(['Deny']);
  });

  it('refuses an account id or organization id that is not one, naming the prop or context key', () => {
    expect(() => testStack(testApp({ context: { 'closeloop:producerAccounts': '12345,123456789012' } }))).toThrow(
      new InvalidPropsError('Invalid Closeloop props: producerAccounts: "12345" is not an AWS account id (12 digits, e.g. "123456789012")'),
    );
    expect(() => testStack(testApp({ context: { 'closeloop:producerOrganizationId': 'org-1' } }))).toThrow(
      /producerOrganizationId: "org-1" is not an AWS Organizations id/,
    );
  });

  it('passes cdk-nag with producer accounts and an organization', () => {
    const app = testApp({ context: { 'closeloop:producerAccounts': '111111111111', 'closeloop:producerOrganizationId': 'o-a1b2c3d4e5' } });
    testStack(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

type Resource = { Properties: Record<string, any> };

describe('no forged internal events: source "closeloop" only from the roles Closeloop tags', () => {
  const template = Template.fromStack(testStack(testApp()));
  const guard = () =>
    (Object.values(template.findResources('AWS::Events::EventBusPolicy')) as Resource[]).find((p) => p.Properties.Statement.Effect === 'Deny')!;
  const roleOf = (fn: Resource) => fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policiesOf = (role: string) =>
    (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]).filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role));
  const putsEvents = (role: string) =>
    policiesOf(role).some((p) =>
      (p.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).some((st) => [st.Action].flat().includes('events:PutEvents')),
    );
  const tagged = (role: string) =>
    ((template.findResources('AWS::IAM::Role')[role] as Resource).Properties.Tags ?? []).some(
      (tag: { Key: string; Value: string }) => tag.Key === 'closeloop:publisher' && tag.Value === 'true',
    );

  it('denies PutEvents of source closeloop on the bus to every principal without the publisher tag', () => {
    expect(guard().Properties.Statement).toEqual({
      Effect: 'Deny',
      Principal: '*',
      Action: 'events:PutEvents',
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/IngestBus/), 'Arn'] },
      Condition: { StringEquals: { 'events:source': 'closeloop' }, StringNotEquals: { 'aws:PrincipalTag/closeloop:publisher': 'true' } },
    });
  });

  it('tags exactly the roles that may put events (the stages that announce), and no other', () => {
    const roles = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).map(roleOf);
    const publishers = roles.filter(putsEvents);
    expect(publishers.length).toBeGreaterThanOrEqual(6);
    for (const role of roles) expect(tagged(role), role).toBe(putsEvents(role));
  });

  it('lets two Closeloops share a bus without denying each other: one guard each, the same tag', () => {
    const stack = new Stack(testApp(), 'Shared', { env: { account: '123456789012', region: 'eu-west-1' } });
    const bus = new EventBus(stack, 'Bus');
    for (const id of ['Dev', 'Prod']) {
      new Closeloop(stack, id, { catalog: Catalog.fromFile(DEMO_CATALOG_FILE), senderEmail: 'a@shop.example', supportEmail: 'b@shop.example', eventBus: bus });
    }
    const shared = Template.fromStack(stack);
    const guards = (Object.values(shared.findResources('AWS::Events::EventBusPolicy')) as Resource[]).filter((p) => p.Properties.Statement.Effect === 'Deny');
    expect(guards).toHaveLength(2);
    expect(new Set(guards.map((g) => g.Properties.StatementId)).size).toBe(2);
    expect(new Set(guards.map((g) => JSON.stringify(g.Properties.Statement.Condition))).size).toBe(1);
  });
});
