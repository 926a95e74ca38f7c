import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { announceFailureQueue, announceQueue } from '../../functions/config/resources.js';
import { acknowledgeQueueRedrive, deadLetterQueue, secureQueue } from './queues.js';
import { grantSendEmail, senderVariables } from './sender-identity.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface AnnouncementsProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** The POST /announcements route (IAM) is added to it. */
  readonly api: HttpApi;
  /** The From address (a verified SES identity, or an address of a verified domain). */
  readonly senderEmail: string;
  /** Reply-To of every announcement. */
  readonly supportEmail: string;
  /** Base of the unsubscribe links. */
  readonly publicBaseUrl: string;
  /** The survey emails' configuration set: bounces and complaints suppress the contact the same way. */
  readonly configurationSet: IConfigurationSet;
  /** The account's SES maximum send rate: the queue's consumer takes at most half of it. */
  readonly sesMaxSendRate: number;
}

/**
 * "You said, we did" (docs/announcements.md): POST /announcements (IAM) selects the respondents
 * through the answer index and queues one message each; the same function consumes the queue and
 * sends each email at most once per announcement and person, its concurrency capped to keep under
 * the SES send rate. A message that keeps failing goes to the announce dead-letter queue.
 */
export class Announcements extends Construct {
  readonly function: StageFunction<'announce'>;
  readonly queue: Queue;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: AnnouncementsProps) {
    super(scope, id);
    this.deadLetters = deadLetterQueue(this, 'DeadLetters', announceFailureQueue.retentionDays);
    this.queue = secureQueue(this, 'Queue', {
      visibilityTimeout: Duration.seconds(announceQueue.visibilityTimeoutSeconds),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: announceQueue.maxReceiveCount },
    });
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'announce',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        ...senderVariables(props.senderEmail, props.supportEmail, props.configurationSet),
        PUBLIC_BASE_URL: props.publicBaseUrl,
        ANNOUNCE_QUEUE_URL: this.queue.queueUrl,
      },
    });
    this.queue.grantSendMessages(this.function);
    grantSendEmail(this.function, props.senderEmail, props.configurationSet);
    this.function.consume(this.queue, { sesMaxSendRate: props.sesMaxSendRate });
    acknowledgeQueueRedrive(this.function, 'announce', announceQueue.maxReceiveCount);
    this.function.serveRoutes(props.api, 'Announce');
  }
}
