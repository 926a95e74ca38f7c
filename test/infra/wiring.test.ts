import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../functions/config/env.js';
import { METRICS_NAMESPACE, type MetricName } from '../../functions/config/metrics.js';
import type { StageManifest } from '../../functions/config/stages/manifest.js';
import { metricOwners, routeKeys, STAGES, type Stage, type StageWiring, stageMetrics, WIRING } from '../../functions/config/wiring.js';
import { PUBLIC_ROUTE_THROTTLE } from '../../lib/constructs/responses.js';
import { STAGE_TAG } from '../../lib/constructs/stage-function.js';
import { declaredCatalog } from '../fixtures/catalog.js';
import { unreadVariables, unsentTableActions } from '../fixtures/manifest-checks.js';
import { cleanUpApps, testApp, testStack } from './app.js';

/**
 * The per-stage wiring contract (functions/config/wiring.ts, metrics.ts) against what the stack
 * synthesizes and what the pre-built handlers contain.
 */
let template: Template;
// The demo catalog with one integration, so that the per-integration queue trigger (deliver) is checked too.
const INTEGRATIONS = [
  { id: 'cx-webhook', kind: 'webhook', url: 'https://hooks.shop.example/closeloop', secret: 'closeloop/cx-webhook', on: ['FollowUpOpened'] },
];
beforeAll(() => {
  // With the workspace and inbound mail on, so that every stage, the optional ones too, is checked.
  template = Template.fromStack(
    testStack(testApp({ context: { 'closeloop:workspace': true, 'closeloop:inboundDomain': 'reply.example.com' } }), {
      ...declaredCatalog(),
      integrations: INTEGRATIONS,
    }),
  );
});
afterAll(cleanUpApps);

type Resource = { Properties: Record<string, any> };
const functionsByStage = (): Map<Stage, Resource & { id: string }> => {
  const byStage = new Map<Stage, Resource & { id: string }>();
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Resource][]) {
    const service = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME as string | undefined;
    const stage = service?.replace(/^closeloop-/, '') as Stage | undefined;
    if (stage && STAGES.includes(stage)) {
      // One name per stage: its logger service and its tag agree.
      expect(fn.Properties.Tags, stage).toContainEqual({ Key: STAGE_TAG, Value: stage });
      byStage.set(stage, { ...fn, id });
    }
  }
  return byStage;
};
const bundle = (stage: Stage) => readFileSync(path.join('dist', 'functions', stage, 'index.js'), 'utf8');
const hasLiteral = (code: string, name: string) => code.includes(`"${name}"`) || code.includes(`'${name}'`) || code.includes(`\`${name}\``);

/** Closeloop metric names read by the dashboard's widgets and by every alarm (plain or metric math). */
function metricsRead(): string[] {
  const names = new Set<string>();
  const dashboardBody = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));
  // The body is JSON inside a CloudFormation Fn::Join: metrics appear as ["Closeloop","<name>",...].
  for (const match of dashboardBody.matchAll(new RegExp(`\\\\"${METRICS_NAMESPACE}\\\\",\\\\"(\\w+)\\\\"`, 'g'))) names.add(match[1] as string);
  for (const alarm of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[]) {
    const props = alarm.Properties;
    if (props.Namespace === METRICS_NAMESPACE) names.add(props.MetricName);
    for (const query of props.Metrics ?? []) {
      const metric = query.MetricStat?.Metric;
      if (metric?.Namespace === METRICS_NAMESPACE) names.add(metric.MetricName);
    }
  }
  return [...names].sort();
}

describe('the wiring contract', () => {
  it('builds each function as its manifest says: description, timeout, and its trigger with the declared settings', () => {
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
    const rules = Object.values(template.findResources('AWS::Events::Rule')) as Resource[];
    for (const [stage, fn] of functionsByStage()) {
      const manifest: StageManifest = WIRING[stage];
      expect(fn.Properties.Description, stage).toBe(manifest.description);
      expect(fn.Properties.Timeout, stage).toBe(manifest.timeoutSeconds ?? 30);
      const own = mappings.filter((mapping) => mapping.Properties.FunctionName?.Ref === fn.id);
      const scheduled = rules.filter((rule) => rule.Properties.ScheduleExpression && JSON.stringify(rule.Properties.Targets).includes(`"${fn.id}"`));
      const trigger = manifest.trigger;
      if (trigger?.kind === 'queue') {
        for (const mapping of own) {
          expect(mapping.Properties, stage).toMatchObject({ BatchSize: trigger.batchSize, FunctionResponseTypes: ['ReportBatchItemFailures'] });
          expect(mapping.Properties.MaximumBatchingWindowInSeconds, stage).toBe(trigger.maxBatchingWindowSeconds);
          expect(mapping.Properties.EventSourceArn['Fn::GetAtt'][1], stage).toBe('Arn');
        }
        expect(own, stage).toHaveLength(trigger.perIntegration ? INTEGRATIONS.length : 1);
      } else if (trigger?.kind === 'stream') {
        expect(own, stage).toHaveLength(1);
        expect(own[0]?.Properties, stage).toMatchObject({
          BatchSize: trigger.batchSize,
          MaximumBatchingWindowInSeconds: trigger.maxBatchingWindowSeconds,
          MaximumRetryAttempts: trigger.retryAttempts,
          MaximumRecordAgeInSeconds: trigger.maxRecordAgeHours * 3600,
          BisectBatchOnFunctionError: true,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify(trigger.filter) }] },
        });
      } else if (trigger?.kind === 'schedule') {
        expect(own, stage).toHaveLength(0);
        expect(
          scheduled.map((rule) => rule.Properties.ScheduleExpression),
          stage,
        ).toEqual([`rate(${trigger.rateMinutes} ${trigger.rateMinutes === 1 ? 'minute' : 'minutes'})`]);
        expect(fn.Properties.ReservedConcurrentExecutions, stage).toBe(trigger.reservedConcurrency);
        expect(fn.Properties.DeadLetterConfig, stage).toBeDefined();
      } else {
        expect(own, stage).toHaveLength(0);
      }
    }
  });

  it('declares no variable a handler does not read and no table action its bundle never sends', () => {
    const findings = STAGES.flatMap((stage) => [...unreadVariables(stage, WIRING[stage]), ...unsentTableActions(stage, WIRING[stage], bundle(stage))]);
    expect(findings).toEqual([]);
  });

  it('gives every function exactly the variables its stage declares, and nothing undeclared', () => {
    const byStage = functionsByStage();
    expect([...byStage.keys()].sort()).toEqual([...STAGES].sort());
    for (const stage of STAGES) {
      const variables = Object.keys(byStage.get(stage)?.Properties.Environment.Variables ?? {}).filter(
        (name) => !name.startsWith('POWERTOOLS_') && name !== ENV.RUNTIME_CATALOG && name !== ENV.METRICS_SERVICE,
      );
      const wiring: StageWiring = WIRING[stage];
      const declared = [...wiring.env, ...(wiring.optionalEnv ?? [])].map((key) => ENV[key]);
      expect(
        variables.every((name) => declared.includes(name as never)),
        `${stage}: ${variables.join(', ')}`,
      ).toBe(true);
      expect(
        wiring.env.map((key) => ENV[key]).every((name) => variables.includes(name)),
        `${stage} lacks a required variable`,
      ).toBe(true);
    }
  });

  it('grants each function exactly the table actions and index queries its stage declares', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
    const roleOf = (fn: Resource) => fn.Properties.Role['Fn::GetAtt'][0] as string;
    for (const [stage, fn] of functionsByStage()) {
      const statements = policies
        .filter((policy) => (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleOf(fn)))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]);
      const dynamo = statements.flatMap((statement) =>
        [statement.Action]
          .flat()
          .filter((action) => action.startsWith('dynamodb:'))
          .map((action) => ({ action, resource: JSON.stringify(statement.Resource) })),
      );
      // The stream actions come with the stream event source (follow-up, measure), not from the contract.
      const streamActions = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];
      const items = dynamo.filter((grant) => !streamActions.includes(grant.action));
      const onIndex = items.filter((grant) => grant.resource.includes('/index/'));
      const onTable = items.filter((grant) => !grant.resource.includes('/index/'));
      const wiring: StageWiring = WIRING[stage];
      expect(onTable.map((grant) => grant.action).sort(), stage).toEqual([...wiring.table].sort());
      expect(onIndex.map((grant) => grant.resource.match(/\/index\/([\w-]+)/)?.[1]).sort(), stage).toEqual([...(wiring.indexes ?? [])].sort());
      expect(
        onIndex.every((grant) => grant.action === 'dynamodb:Query'),
        stage,
      ).toBe(true);
    }
  });

  it('serves exactly the routes the stages declare, IAM- or JWT-authorised where declared', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route')) as Resource[];
    const declared = STAGES.flatMap((stage) =>
      ((WIRING[stage] as StageWiring).routes ?? []).flatMap((route) => routeKeys(route).map((key) => ({ key, auth: route.auth }))),
    );
    expect(routes.map((route) => route.Properties.RouteKey).sort()).toEqual(declared.map((route) => route.key).sort());
    for (const { key, auth } of declared) {
      const route = routes.find((candidate) => candidate.Properties.RouteKey === key);
      expect(route?.Properties.AuthorizationType ?? 'NONE', key).toBe({ iam: 'AWS_IAM', jwt: 'JWT', none: 'NONE' }[auth]);
    }
    // The tighter limits are on public routes (no IAM) that exist.
    const publicKeys = declared.filter((route) => route.auth === 'none').map((route) => route.key);
    for (const key of Object.keys(PUBLIC_ROUTE_THROTTLE)) expect(publicKeys, key).toContain(key);
  });

  it('reads only declared metrics on the dashboard and in alarms, each emitted by the stage that declares it', () => {
    const read = metricsRead();
    const owners = metricOwners();
    // The dashboard reads the core counters and the delivery health ones.
    expect(read).toEqual(
      expect.arrayContaining(['SurveySent', 'ResponseRecorded', 'DetractorRecorded', 'FollowUpEscalated', 'SendingPaused', 'SentMarkFailed']),
    );
    for (const name of read) {
      const stage = owners.get(name as MetricName);
      expect(stage, `${name} is read but no stage declares it`).toBeDefined();
      expect(hasLiteral(bundle(stage as Stage), name), `${name} is not in the ${stage} handler`).toBe(true);
    }
  });

  it("finds every declared metric in its stage's pre-built handler, and no stage's names in another's bundle", () => {
    for (const stage of STAGES) {
      const code = bundle(stage);
      for (const name of stageMetrics(stage)) expect(hasLiteral(code, name), `${stage} declares ${name} but never emits it`).toBe(true);
    }
    // The contract is not shipped whole to each function (else the check above proves nothing): a
    // handler bundles its own manifest, and no other stage's.
    expect(hasLiteral(bundle('dispatch'), 'ContactErased')).toBe(false);
    expect(hasLiteral(bundle('erase'), 'SurveySent')).toBe(false);
    for (const stage of STAGES) {
      const code = bundle(stage);
      const carried = STAGES.filter((other) => {
        const { description } = WIRING[other] as StageManifest;
        return code.includes(description) || code.includes(JSON.stringify(description).slice(1, -1));
      });
      expect(carried, stage).toEqual([stage]);
    }
  });
});
