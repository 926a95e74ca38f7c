/**
 * Service health (issue 23, part 5): every stage's function has its own errors and throttles alarm
 * (StageFunction makes them, so a later stage gets them too), a stream stage its iterator-age alarm;
 * the HTTP API's 5xx and p99 latency and the table's throttled requests have theirs; every one of them
 * gets the construct's alarm actions; the dashboard shows them.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { deployedStages, WIRING } from '../../functions/config/wiring.js';
import { HEALTH } from '../../lib/constructs/stage-function.js';
import { cleanUpApps, testApp, testStack } from './app.js';

afterAll(cleanUpApps);

type Resource = { Properties: Record<string, any> };
const template = Template.fromStack(testStack(testApp({ context: { 'closeloop:alarmEmail': 'oncall@shop.example' } })));
const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as Resource[];
const functionIdOf = (stage: string) =>
  Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, fn]) => (fn as Resource).Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === `closeloop-${stage}`,
  )?.[0] as string;
const alarmsOn = (functionId: string, metricName: string) =>
  alarms.filter(
    (a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === metricName && JSON.stringify(a.Properties.Dimensions).includes(functionId),
  );

describe('service health', () => {
  it.each(deployedStages({ workspace: false }).map((stage) => [stage]))(
    '%s: an errors and a throttles alarm on its function, at the documented thresholds',
    (stage) => {
      const id = functionIdOf(stage);
      const [errors] = alarmsOn(id, 'Errors');
      const [throttles] = alarmsOn(id, 'Throttles');
      expect(errors?.Properties).toMatchObject({ Threshold: HEALTH.errors.threshold, Period: HEALTH.errors.minutes * 60, Statistic: 'Sum' });
      expect(throttles?.Properties).toMatchObject({ Threshold: HEALTH.throttles.threshold, Period: HEALTH.throttles.minutes * 60, Statistic: 'Sum' });
      const stream = (WIRING[stage] as { trigger?: { kind: string } }).trigger?.kind === 'stream';
      expect(alarmsOn(id, 'IteratorAge'), stage).toHaveLength(stream ? 1 : 0);
    },
  );

  it("alarms on the HTTP API's 5xx and p99 latency and on the table's throttled requests", () => {
    expect(alarms.filter((a) => a.Properties.Namespace === 'AWS/ApiGateway' && a.Properties.MetricName === '5xx')).toHaveLength(1);
    expect(
      alarms.filter((a) => a.Properties.Namespace === 'AWS/ApiGateway' && a.Properties.MetricName === 'Latency' && a.Properties.ExtendedStatistic === 'p99'),
    ).toHaveLength(1);
    const throttles = alarms.filter((a) => JSON.stringify(a.Properties.Metrics ?? []).includes('WriteThrottleEvents'));
    expect(throttles).toHaveLength(1);
    expect(JSON.stringify(throttles[0]!.Properties.Metrics)).toContain('ReadThrottleEvents');
  });

  it('routes every alarm, the health ones included, to the alarm topic', () => {
    expect(alarms.length).toBeGreaterThan(2 * deployedStages({ workspace: false }).length + 3);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions, alarm.Properties.AlarmDescription).toHaveLength(1);
  });

  it('shows function errors, throttles, iterator age, API 5xx and latency, and table throttles on the dashboard', () => {
    const body = JSON.stringify(Object.values(template.findResources('AWS::CloudWatch::Dashboard')));
    for (const title of [
      'Service health: function errors, by stage',
      'Function throttles, by stage',
      'Stream stages behind (iterator age, ms)',
      'HTTP API: 5xx answers',
      'HTTP API: p99 latency (ms)',
      'Survey table: throttled requests',
    ]) {
      expect(body).toContain(title);
    }
  });
});
