import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { integrationQueueDefaults } from '../../functions/config/resources.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

const zendesk = {
  id: 'zendesk',
  kind: 'zendesk',
  url: 'https://shop.zendesk.com',
  secret: 'closeloop/zendesk',
  on: ['FollowUpOpened', 'FollowUpEscalated', 'FollowUpResolved'],
};
type Resource = { Properties: Record<string, any> };

describe('a zendesk integration in the stack', () => {
  const template = Template.fromStack(testStack(testApp(), { ...declaredCatalog(), integrations: [zendesk] }));

  it("routes the case events to its own queue, read by the deliver function, which may read exactly its API token's secret", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['closeloop'], 'detail-type': ['FollowUpOpened', 'FollowUpEscalated', 'FollowUpResolved'] },
    });
    const queues = (Object.values(template.findResources('AWS::SQS::Queue')) as Resource[]).filter(
      (queue) => queue.Properties.RedrivePolicy?.maxReceiveCount === integrationQueueDefaults.maxReceiveCount,
    );
    expect(queues).toHaveLength(1);
    const [[id, fn] = []] = Object.entries(template.findResources('AWS::Lambda::Function')).filter(
      ([, candidate]) => (candidate as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'closeloop-deliver',
    );
    expect(id).toBeDefined();
    const role = (fn as Resource).Properties.Role['Fn::GetAtt'][0];
    const secretResources = JSON.stringify(
      (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
        .filter((policy) => policy.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => [statement.Action].flat().includes('secretsmanager:GetSecretValue'))
        .map((statement) => statement.Resource),
    );
    expect(secretResources).toContain(':secret:closeloop/zendesk-??????');
    expect(secretResources).not.toMatch(/secret:\*/);
  });

  it('refuses a plain-http loopback Zendesk URL (the sandbox only), naming the catalog path', () => {
    const local = { ...declaredCatalog(), integrations: [{ ...zendesk, url: 'http://127.0.0.1:9000' }] };
    expect(() => testStack(testApp(), local)).toThrow(/integrations\.0\.url: .*sandbox/);
  });
});
