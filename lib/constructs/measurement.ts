import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { measureFailureQueue } from '../../functions/config/resources.js';
import { deadLetterQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface MeasurementProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly bus: IEventBus;
}

/**
 * The second reader of the table's stream: day buckets per program and segment (sharded), comment
 * topics, case outcomes and root causes, and rolling-score alerts (ThresholdBreached/Recovered).
 */
export class Measurement extends Construct {
  readonly function: StageFunction;
  /** measure-failures: stream batches that kept failing, and corrupted records set aside with their reason. */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: MeasurementProps) {
    super(scope, id);
    this.failures = deadLetterQueue(this, 'Failures', measureFailureQueue.retentionDays);
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'measure',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        MEASURE_FAILURE_QUEUE_URL: this.failures.queueUrl,
      },
    });
    // A corrupted record is set aside there with its reason (the on-failure record of the event source carries none).
    this.failures.grantSendMessages(this.function);
    // Markers and counters in one transaction, alert state, and reads of the day buckets.
    this.function.publishTo(props.bus);
    this.function.readStream(props.table, this.failures);
  }
}
