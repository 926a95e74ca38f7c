import { Duration } from 'aws-cdk-lib';
import { EventBus, type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bufferQueue, dispatchFailureQueue } from '../../functions/config/resources.js';
import { type Catalog, triggersOf } from '../../functions/domain/program.js';
import { deadLetterQueue, secureQueue } from './queues.js';

export interface IngestProps {
  /** The declared programs: one bus rule per distinct (source, detail-type) trigger. */
  readonly catalog: Catalog;
  /** An existing bus to put the rules on. @default a new bus */
  readonly eventBus?: IEventBus;
}

/**
 * The custom event bus and the buffer in front of dispatch: a burst of events waits in SQS and is
 * drained at the pace SES allows. Events that cannot be delivered or processed end in `deadLetters`.
 */
export class Ingest extends Construct {
  readonly bus: IEventBus;
  readonly buffer: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: IngestProps) {
    super(scope, id);
    this.bus = props.eventBus ?? new EventBus(this, 'Bus');
    this.deadLetters = deadLetterQueue(this, 'DeadLetters', dispatchFailureQueue.retentionDays);
    this.buffer = secureQueue(this, 'Buffer', {
      visibilityTimeout: Duration.seconds(bufferQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: bufferQueue.maxReceiveCount },
    });
    // Named by the trigger, not by its position: a program added before another does not move every rule after it.
    for (const trigger of triggersOf(props.catalog)) {
      new Rule(this, `Trigger ${trigger.source} ${trigger.detailType}`, {
        eventBus: this.bus,
        description: `Survey programs triggered by ${trigger.source} / ${trigger.detailType}`,
        eventPattern: { source: [trigger.source], detailType: [trigger.detailType] },
        targets: [new SqsQueue(this.buffer, { deadLetterQueue: this.deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
      });
    }
  }
}
