import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { surveyTable } from '../../functions/config/resources.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const integrations = [
  {
    id: 'helpdesk',
    kind: 'webhook',
    url: 'https://hooks.shop.example/a',
    secret: 'closeloop/helpdesk',
    on: ['FollowUpOpened'],
    inbound: { secret: 'closeloop/helpdesk-hook', queues: ['support'] },
  },
  { id: 'default', kind: 'webhook', url: 'https://hooks.shop.example/c', secret: 'closeloop/default-delivery', on: ['FollowUpOpened'] },
  { id: 'outbound', kind: 'webhook', url: 'https://hooks.shop.example/b', secret: 'closeloop/outbound-only', on: ['FollowUpOpened'], inbound: false },
  { id: 'cx-slack', kind: 'slack', secret: 'closeloop/slack-url', on: ['FollowUpOpened'] },
];
const template = Template.fromStack(testStack(testApp(), { ...declaredCatalog(), integrations }));
type Resource = { Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown };

const functionOf = (stage: string) => {
  const [entry] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
    ([, fn]) => (fn as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `closeloop-${stage}`,
  );
  return { id: entry?.[0] as string, fn: entry?.[1] as Resource };
};
const statementsOf = (stage: string): Statement[] => {
  const role = functionOf(stage).fn.Properties.Role['Fn::GetAtt'][0];
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
};
const routesTo = (stage: string) => {
  const { id } = functionOf(stage);
  const integrationIds = Object.entries(template.findResources('AWS::ApiGatewayV2::Integration'))
    .filter(([, integration]) => JSON.stringify((integration as Resource).Properties.IntegrationUri).includes(id))
    .map(([integrationId]) => integrationId);
  return (Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[])
    .filter((route) => integrationIds.some((integrationId) => JSON.stringify(route.Properties.Target).includes(integrationId)))
    .map((route) => `${route.Properties.RouteKey} ${route.Properties.AuthorizationType}`)
    .sort();
};

describe('the case inbox in the stack', () => {
  it('adds a sparse keys-only index of cases by queue and status, sorted by the resolve-by time', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: surveyTable.inboxIndex.name,
          KeySchema: [
            { AttributeName: 'inboxKey', KeyType: 'HASH' },
            { AttributeName: 'inboxDue', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ]),
    });
  });

  it('serves GET /cases and POST /cases/{caseId}/assign IAM-authorised, beside the other case routes', () => {
    expect(routesTo('cases')).toEqual([
      'GET /cases AWS_IAM',
      'GET /cases/{caseId} AWS_IAM',
      'POST /cases/{caseId}/acknowledge AWS_IAM',
      'POST /cases/{caseId}/assign AWS_IAM',
      'POST /cases/{caseId}/resolve AWS_IAM',
    ]);
  });

  it('lets the case API query the inbox index (and no other), and read the key of its cursors (its own)', () => {
    const statements = statementsOf('cases');
    const queries = statements.filter((s) => [s.Action].flat().includes('dynamodb:Query'));
    expect(JSON.stringify(queries.map((s) => s.Resource))).toContain(`/index/${surveyTable.inboxIndex.name}`);
    expect(JSON.stringify(queries.map((s) => s.Resource))).not.toMatch(/index\/(\*|sla-due|by-contact)/);
    const secretReads = statements.filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
    expect(secretReads).toHaveLength(1);
    expect(JSON.stringify(secretReads[0]?.Resource)).toContain('InboxCursorKey');
    expect(Object.keys(functionOf('cases').fn.Properties.Environment.Variables)).toContain(ENV.INBOX_CURSOR_SECRET);
  });
});

describe('table grants limited by item family (dynamodb:LeadingKeys, from the table map)', () => {
  it.each([
    ['hooks', ['CASE#*', 'NOTIFY#*', 'HOOK#*']],
    ['respond', ['INV#*', 'CONTACT#*', 'UNSUB#*']],
    ['deliver', ['DELIVERY#*', 'CASE#*']],
  ])('%s: its item actions only on %j', (stage, prefixes) => {
    const itemStatements = statementsOf(stage).filter(
      (s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')) && !JSON.stringify(s.Resource).includes('/index/'),
    ) as (Statement & { Condition?: unknown })[];
    expect(itemStatements.length).toBeGreaterThan(0);
    for (const statement of itemStatements) {
      expect(statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes } });
    }
  });
});

describe('the case API in the stack', () => {
  it("reads its own cursor key, never the pages' signing key", () => {
    const resources = JSON.stringify(
      statementsOf('cases')
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((s) => s.Resource),
    );
    expect(resources).toMatch(/InboxCursorKey/);
    expect(resources).not.toMatch(/PageSigningKey/);
    expect(functionOf('cases').fn.Properties.Environment.Variables[ENV.INBOX_CURSOR_SECRET]).toEqual({ Ref: expect.stringMatching(/InboxCursorKey/) });
    expect(functionOf('cases').fn.Properties.Environment.Variables).not.toHaveProperty(ENV.PAGE_SIGNING_SECRET);
  });
});

describe('inbound hooks in the stack', () => {
  it('serves POST /hooks/{integrationId} without an authorizer (the Standard Webhooks signature is the authorisation)', () => {
    expect(routesTo('hooks')).toEqual(['POST /hooks/{integrationId} NONE']);
  });

  it('may read exactly the inbound hooks’ own secrets: no delivery secret (the hook’s own integration’s, a default webhook’s, Slack’s)', () => {
    const resources = JSON.stringify(
      statementsOf('hooks')
        .filter((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((s) => s.Resource),
    );
    expect(resources).toContain(':secret:closeloop/helpdesk-hook-??????');
    expect(resources).not.toContain(':secret:closeloop/helpdesk-??????');
    expect(resources).not.toContain('closeloop/default-delivery');
    expect(resources).not.toContain('closeloop/outbound-only');
    expect(resources).not.toContain('closeloop/slack-url');
    expect(resources).not.toContain('PageSigningKey');
    expect(resources).not.toMatch(/secret:\*/);
  });

  it('moves cases with the case API’s table actions and no index, and announces on the bus', () => {
    const statements = statementsOf('hooks');
    const dynamo = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('dynamodb:')));
    expect(dynamo.flatMap((s) => [s.Action].flat()).sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
    expect(JSON.stringify(dynamo.map((s) => s.Resource))).not.toContain('/index/');
    expect(statements.some((s) => [s.Action].flat().includes('events:PutEvents'))).toBe(true);
  });
});
