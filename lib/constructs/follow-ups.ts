import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/config/env.js';
import { followUpQueueDefaults, RULES_TIMEOUT_SECONDS, rulesFailureQueue } from '../../functions/config/resources.js';
import type { Catalog } from '../../functions/domain/program.js';
import { deadLetterQueue, secureQueue } from './queues.js';
import { ServiceFunction } from './service-function.js';

export interface FollowUpsProps {
  readonly table: ITableV2;
  /** The declared follow-up queues and the rules that route to them. */
  readonly catalog: Catalog;
}

/**
 * DynamoDB stream → rules function → one SQS queue per declared follow-up queue. Only the rules
 * function may send to them; teams consume them.
 */
export class FollowUps extends Construct {
  readonly queues: Record<string, Queue> = {};
  readonly failures: Queue;
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: FollowUpsProps) {
    super(scope, id);
    for (const name of Object.keys(props.catalog.followUpQueues)) {
      const pascal = name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
      const dlq = deadLetterQueue(this, `${pascal}DeadLetters`, followUpQueueDefaults.retentionDays);
      this.queues[name] = secureQueue(this, pascal, {
        visibilityTimeout: Duration.seconds(followUpQueueDefaults.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(followUpQueueDefaults.retentionDays),
        deadLetterQueue: { queue: dlq, maxReceiveCount: followUpQueueDefaults.maxReceiveCount },
      });
    }
    this.failures = deadLetterQueue(this, 'RulesFailures', rulesFailureQueue.retentionDays);

    this.function = new ServiceFunction(this, 'Function', {
      stage: 'follow-up',
      description: 'Applies the follow-up rules to new responses and opens cases on the follow-up queues.',
      timeout: Duration.seconds(RULES_TIMEOUT_SECONDS),
      environment: {
        [ENV.FOLLOW_UP_QUEUE_URLS]: JSON.stringify(Object.fromEntries(Object.entries(this.queues).map(([name, queue]) => [name, queue.queueUrl]))),
        [ENV.SURVEY_TABLE]: props.table.tableName,
      },
    });
    // Extends a respondent's rest period (catalog.throttle.afterResponseDays).
    props.table.grant(this.function, 'dynamodb:UpdateItem');
    for (const queue of Object.values(this.queues)) queue.grantSendMessages(this.function);

    this.function.addEventSource(new DynamoEventSource(props.table, {
      startingPosition: StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      maxBatchingWindow: Duration.seconds(1),
      bisectBatchOnError: true,
      retryAttempts: 5,
      maxRecordAge: Duration.hours(24),
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.failures),
      // Only modifications that carry a response reach the function; the handler re-checks that it is the first.
      filters: [FilterCriteria.filter({ eventName: FilterRule.isEqual('MODIFY'), dynamodb: { NewImage: { respondedAt: { S: FilterRule.exists() } } } })],
    }));
  }
}
