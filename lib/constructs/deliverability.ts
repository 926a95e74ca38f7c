import { Duration } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { type ConfigurationSet, EmailSendingEvent, EventDestination } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deliverabilityFailureQueue, feedbackQueue, sesFeedbackEvents } from '../../functions/config/resources.js';
import { acknowledgeQueueRedrive, deadLetterQueue, secureQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface DeliverabilityProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** The configuration set every survey email is sent with. */
  readonly configurationSet: ConfigurationSet;
}

/**
 * Deliverability feedback: the configuration set publishes bounces and complaints to the default
 * event bus (the only bus SES publishes to); a rule forwards Closeloop's own to a queue, and a
 * function suppresses the contact at once and counts the event per program.
 */
export class Deliverability extends Construct {
  readonly function: StageFunction;
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: DeliverabilityProps) {
    super(scope, id);
    const defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    props.configurationSet.addEventDestination('BouncesAndComplaints', {
      destination: EventDestination.eventBus(defaultBus),
      events: [EmailSendingEvent.BOUNCE, EmailSendingEvent.COMPLAINT],
    });

    this.deadLetters = deadLetterQueue(this, 'DeadLetters', deliverabilityFailureQueue.retentionDays);
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(feedbackQueue.visibilityTimeoutSeconds),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: feedbackQueue.maxReceiveCount },
    });
    new Rule(this, 'Feedback', {
      eventBus: defaultBus,
      description: 'SES bounces and complaints of Closeloop survey emails',
      eventPattern: {
        source: [sesFeedbackEvents.source],
        detailType: [...sesFeedbackEvents.detailTypes],
        // Only this stack's configuration set: other senders in the account are not Closeloop's business.
        detail: { mail: { tags: { 'ses:configuration-set': [props.configurationSet.configurationSetName] } } },
      },
      targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });

    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'deliverability',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        DELIVERABILITY_FAILURE_QUEUE_URL: this.deadLetters.queueUrl,
      },
    });
    // Suppression records, and the counters with their once-only marker (one transaction).
    this.deadLetters.grantSendMessages(this.function);
    this.function.consume(this.queue);
    acknowledgeQueueRedrive(this.function, 'feedback', feedbackQueue.maxReceiveCount);
  }
}
