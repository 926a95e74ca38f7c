import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  SingleValueWidget,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../../functions/config/metrics.js';
import type { StageFunction } from './stage-function.js';

export interface ObservabilityProps {
  /** Follow-up queues by declared name (backlog). */
  readonly followUpQueues: Readonly<Record<string, Queue>>;
  /** Every dead-letter-like queue: any message in one needs a person. */
  readonly deadLetterQueues: Readonly<Record<string, Queue>>;
  /** The `service` dimension the instance's functions publish their metrics under. @default 'closeloop' */
  readonly metricsService?: string;
  /** Service health: the HTTP API (5xx, p99 latency), the table (throttled requests) and every stage's function (errors, throttles, iterator age on the dashboard; their alarms are the functions' own). */
  readonly api: HttpApi;
  readonly table: ITableV2;
  readonly functions: readonly StageFunction[];
}

/** The service's own alarms (beside each stage's, HEALTH in stage-function.ts): docs/operations.md, "Alarms". */
export const SERVICE_HEALTH = {
  /** HTTP API answers 5xx (a function failed or timed out behind a route). */
  api5xx: { threshold: 5, minutes: 5 },
  /** The HTTP API's p99 latency, three five-minute periods in a row. */
  apiP99Ms: 3_000,
  /** DynamoDB requests throttled (reads and writes) in five minutes: on demand, a sudden spike past twice the previous peak. */
  tableThrottles: 1,
} as const;

/** SES reviews an account at a 5 % bounce rate and a 0.1 % complaint rate; alarm well before. */
export const SES_BOUNCE_ALARM = 0.04;
export const SES_COMPLAINT_ALARM = 0.0008;

/** A Closeloop metric, by a name some stage's manifest declares (functions/config/stages/): a renamed metric fails the type check, not the alarm. */
const closeloopMetric = (service: string) => (metricName: MetricName) =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, statistic: 'Sum', period: Duration.hours(1), dimensionsMap: { service } });

/**
 * The CloudWatch dashboard (responses, detractor rate, follow-up backlog and SLA breaches, DLQ
 * depth, SES reputation) and the alarms that need a person.
 */
export class Observability extends Construct {
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];
  /** The dashboard's figures, for the adopter's own dashboards and alarms (Closeloop's metric* methods). */
  readonly figures: { readonly surveysSent: Metric; readonly responses: Metric; readonly detractorRate: MathExpression; readonly followUpsEscalated: Metric };

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const closeloop = closeloopMetric(props.metricsService ?? METRICS_SERVICE);
    const responses = closeloop('ResponseRecorded');
    const detractorRate = new MathExpression({
      expression: '100 * detractors / IF(responses > 0, responses, 1)',
      usingMetrics: { detractors: closeloop('DetractorRecorded'), responses },
      label: 'Detractor rate (%)',
      period: Duration.hours(1),
    });
    const bounceRate = new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.BounceRate', statistic: 'Maximum', period: Duration.hours(1) });
    const complaintRate = new Metric({ namespace: 'AWS/SES', metricName: 'Reputation.ComplaintRate', statistic: 'Maximum', period: Duration.hours(1) });
    const escalations = closeloop('FollowUpEscalated');
    this.figures = { surveysSent: closeloop('SurveySent'), responses, detractorRate, followUpsEscalated: escalations };

    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' } as const;
    const tableThrottles = new MathExpression({
      expression: 'reads + writes',
      label: 'Throttled requests',
      period: Duration.minutes(5),
      usingMetrics: { reads: props.table.metric('ReadThrottleEvents', fiveMinutes), writes: props.table.metric('WriteThrottleEvents', fiveMinutes) },
    });
    this.dashboard = new Dashboard(this, 'Dashboard', { defaultInterval: Duration.days(7) });
    this.dashboard.addWidgets(
      new TextWidget({ markdown: '# Closeloop\nSurveys, responses, follow-ups and deliverability. Reports: `closeloop report`.', width: 24, height: 2 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Surveys and responses', left: [closeloop('SurveySent'), responses, closeloop('SurveySkipped')], width: 8 }),
      new GraphWidget({ title: 'Detractor rate (%)', left: [detractorRate], width: 8 }),
      new GraphWidget({ title: 'Follow-ups opened, escalated (SLA missed)', left: [closeloop('FollowUpOpened'), escalations], width: 8 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Follow-up backlog (messages waiting)',
        width: 12,
        left: Object.entries(props.followUpQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: name, period: Duration.minutes(5), statistic: 'Maximum' }),
        ),
      }),
      new GraphWidget({
        title: 'Dead-letter queues (should be 0)',
        width: 12,
        left: Object.entries(props.deadLetterQueues).map(([name, queue]) =>
          queue.metricApproximateNumberOfMessagesVisible({ label: name, period: Duration.minutes(5), statistic: 'Maximum' }),
        ),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Delivery health (should stay near 0)',
        width: 24,
        left: [
          closeloop('SendDeferred'),
          closeloop('SurveyResent'),
          closeloop('SentMarkFailed'),
          closeloop('DispatchFailed'),
          closeloop('SendingPaused'),
          closeloop('EventRejected'),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Integration deliveries (webhooks, Slack): attempts and outcomes',
        width: 24,
        left: [
          closeloop('IntegrationAttempted'),
          closeloop('IntegrationDelivered'),
          closeloop('IntegrationRetryScheduled'),
          closeloop('IntegrationRejected'),
          closeloop('IntegrationDeadLettered'),
          closeloop('IntegrationReplayed'),
        ],
      }),
    );
    this.dashboard.addWidgets(
      new SingleValueWidget({ title: 'SES bounce rate (review at 5 %)', metrics: [bounceRate], width: 12 }),
      new SingleValueWidget({ title: 'SES complaint rate (review at 0.1 %)', metrics: [complaintRate], width: 12 }),
    );
    const byStage = (metric: (fn: StageFunction) => Metric) => props.functions.map((fn) => metric(fn).with({ label: fn.stage }));
    const streamStages = props.functions.filter((fn) => fn.manifest.trigger?.kind === 'stream');
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'Service health: function errors, by stage', width: 8, left: byStage((fn) => fn.metricErrors(fiveMinutes)) }),
      new GraphWidget({ title: 'Function throttles, by stage', width: 8, left: byStage((fn) => fn.metricThrottles(fiveMinutes)) }),
      new GraphWidget({
        title: 'Stream stages behind (iterator age, ms)',
        width: 8,
        left: streamStages.map((fn) => fn.metric('IteratorAge', { period: Duration.minutes(5), statistic: 'Maximum', label: fn.stage })),
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({ title: 'HTTP API: 5xx answers', width: 8, left: [props.api.metricServerError(fiveMinutes)] }),
      new GraphWidget({ title: 'HTTP API: p99 latency (ms)', width: 8, left: [props.api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' })] }),
      new GraphWidget({ title: 'Survey table: throttled requests', width: 8, left: [tableThrottles] }),
    );

    const alarm = (alarmId: string, description: string, metric: Metric | MathExpression, threshold: number, evaluationPeriods = 1) => {
      this.alarms.push(
        new Alarm(this, alarmId, {
          alarmDescription: description,
          metric,
          threshold,
          evaluationPeriods,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
      );
    };
    alarm('SesBounceRate', `SES bounce rate at ${SES_BOUNCE_ALARM * 100} % (SES reviews the account at 5 %)`, bounceRate, SES_BOUNCE_ALARM);
    alarm('SesComplaintRate', `SES complaint rate at ${SES_COMPLAINT_ALARM * 100} % (SES reviews the account at 0.1 %)`, complaintRate, SES_COMPLAINT_ALARM);
    alarm(
      'SendingPaused',
      'SES refused a send because sending is paused for the account or the configuration set: no survey goes out',
      closeloop('SendingPaused'),
      1,
    );
    alarm(
      'EventIdReused',
      'An event id came back for another person while its survey was unsent: nothing was sent to them; the producer reuses event ids',
      closeloop('EventIdReused'),
      1,
    );
    alarm('SlaBreaches', 'Follow-up cases escalated because a deadline passed', escalations, 5);
    alarm('DetractorRate', "More than half of the last three hours' responses were detractors", detractorRate, 50, 3);
    alarm(
      'Api5xx',
      `The HTTP API answered ${SERVICE_HEALTH.api5xx.threshold} or more 5xx in ${SERVICE_HEALTH.api5xx.minutes} minutes (rating pages, hooks, the case API)`,
      props.api.metricServerError({ period: Duration.minutes(SERVICE_HEALTH.api5xx.minutes), statistic: 'Sum' }),
      SERVICE_HEALTH.api5xx.threshold,
    );
    alarm(
      'ApiLatencyP99',
      `The HTTP API's p99 latency at ${SERVICE_HEALTH.apiP99Ms} ms or more for 15 minutes`,
      props.api.metricLatency({ period: Duration.minutes(5), statistic: 'p99' }),
      SERVICE_HEALTH.apiP99Ms,
      3,
    );
    alarm('TableThrottles', 'DynamoDB throttled requests to the survey table (reads or writes)', tableThrottles, SERVICE_HEALTH.tableThrottles);
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `DeadLetters${name.replace(/[^A-Za-z0-9]/g, '')}`,
        `A message waits in "${name}"`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        1,
      );
    }
  }
}
