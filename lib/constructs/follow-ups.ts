import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { followUpQueueDefaults, rulesFailureQueue } from '../../functions/config/resources.js';
import { deadLetterQueue, secureQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface FollowUpsProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** Where SurveyResponded and FollowUpOpened are announced. */
  readonly bus: IEventBus;
  /** Base URL of the case API, linked from every follow-up message. */
  readonly caseApiUrl: string;
  /** The inbound domain when the stack receives customers' replies: rules may then pause cases while waiting for them. */
  readonly inboundDomain?: string;
}

/**
 * DynamoDB stream → rules function → one SQS queue per declared follow-up queue. Only the rules
 * function may send to them; teams consume them.
 */
export class FollowUps extends Construct {
  readonly queues: Record<string, Queue> = {};
  readonly failures: Queue;
  readonly function: StageFunction;

  constructor(scope: Construct, id: string, props: FollowUpsProps) {
    super(scope, id);
    for (const name of Object.keys(props.defaults.catalog.followUpQueues)) {
      const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
      const dlq = deadLetterQueue(this, `${pascal}DeadLetters`, followUpQueueDefaults.retentionDays);
      const queue = secureQueue(this, pascal, {
        visibilityTimeout: Duration.seconds(followUpQueueDefaults.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(followUpQueueDefaults.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: followUpQueueDefaults.maxReceiveCount },
      });
      this.queues[name] = queue;
      // A message a consumer gave up on, and a queue nobody works: both need a person.
      new Alarm(this, `${pascal}DeadLettersAlarm`, {
        alarmDescription: `Follow-up messages of "${name}" that consumers could not handle`,
        metric: dlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
      new Alarm(this, `${pascal}BacklogAlarm`, {
        alarmDescription: `The oldest follow-up of "${name}" has waited more than a day`,
        metric: queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(15), statistic: 'Maximum' }),
        threshold: 86_400,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    }
    this.failures = deadLetterQueue(this, 'RulesFailures', rulesFailureQueue.retentionDays);

    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'rules',
      environment: {
        FOLLOW_UP_QUEUE_URLS: JSON.stringify(Object.fromEntries(Object.entries(this.queues).map(([name, queue]) => [name, queue.queueUrl]))),
        SURVEY_TABLE: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        CASE_API_URL: props.caseApiUrl,
        RULES_FAILURE_QUEUE_URL: this.failures.queueUrl,
        ...(props.inboundDomain ? { INBOUND_DOMAIN: props.inboundDomain } : {}),
      },
    });
    this.failures.grantSendMessages(this.function);
    // Cases (opened with a check, in one transaction, that the respondent was not erased meanwhile), notified marks, rest periods.
    this.function.publishTo(props.bus);
    for (const queue of Object.values(this.queues)) queue.grantSendMessages(this.function);

    this.function.readStream(props.table, this.failures);
  }
}
