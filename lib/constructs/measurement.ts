import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type FunctionDefaults, ServiceFunction } from './service-function.js';

export interface MeasurementProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly bus: IEventBus;
  /** Where stream batches that kept failing are described, and corrupted records set aside with their reason. */
  readonly failures: Queue;
}

/**
 * The second reader of the table's stream: day buckets per program and segment (sharded), comment
 * topics, case outcomes and root causes, and rolling-score alerts (ThresholdBreached/Recovered).
 */
export class Measurement extends Construct {
  readonly function: ServiceFunction;

  constructor(scope: Construct, id: string, props: MeasurementProps) {
    super(scope, id);
    this.function = new ServiceFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'measure',
      description: 'Keeps response, topic and case counters per day and raises rolling-score alerts.',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        RULES_FAILURE_QUEUE_URL: props.failures.queueUrl,
      },
    });
    // A corrupted record is set aside there with its reason (the on-failure record of the event source carries none).
    props.failures.grantSendMessages(this.function);
    // Markers and counters in one transaction, alert state, and reads of the day buckets.
    props.bus.grantPutEventsTo(this.function);
    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(5),
        bisectBatchOnError: true,
        retryAttempts: 5,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(props.failures),
        filters: [FilterCriteria.filter({ dynamodb: { NewImage: { type: { S: FilterRule.or('invitation', 'case') } } } })],
      }),
    );
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only by the DynamoDB stream event source: a batch that keeps failing is described on its on-failure queue (rules-failures); a function DLQ would never receive anything.',
    });
  }
}
