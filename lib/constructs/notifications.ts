import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { NOTIFY_RETRY_ATTEMPTS, NOTIFY_TIMEOUT_SECONDS, notifyFailureQueue } from '../../functions/config/resources.js';
import { deadLetterQueue } from './queues.js';
import { grantSendEmail } from './sender-identity.js';
import { type FunctionDefaults, ServiceFunction } from './service-function.js';

export interface NotificationsProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** The From address (a verified SES identity, or an address of a verified domain). */
  readonly senderEmail: string;
  /** Reply-To of every notification: where the respondent's answer goes. */
  readonly supportEmail: string;
  /** Base of the unsubscribe links. */
  readonly publicBaseUrl: string;
  /** The survey emails' configuration set: bounces and complaints of notifications suppress the contact the same way. */
  readonly configurationSet: IConfigurationSet;
}

/**
 * Respondent notifications (docs/notifications.md): the outbox items the follow-up stage (case
 * opened) and the case API (case resolved with a reply) write in the transaction of the change that
 * owes them reach this function through the table's stream, filtered to new outbox items; it sends
 * each at most once through SES (claim with the suppression check, send, sent mark). Batches that
 * keep failing are described on the notify-failures queue.
 */
export class Notifications extends Construct {
  readonly function: ServiceFunction<'notify'>;
  /** The event source's on-failure destination. */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.failures = deadLetterQueue(this, 'Failures', notifyFailureQueue.retentionDays);
    this.function = new ServiceFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'notify',
      description: 'Sends respondent notifications (acknowledgement, resolution reply) from their outbox items, each at most once.',
      timeout: Duration.seconds(NOTIFY_TIMEOUT_SECONDS),
      environment: {
        SURVEY_TABLE: props.table.tableName,
        SENDER_EMAIL: props.senderEmail,
        SUPPORT_EMAIL: props.supportEmail,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        CONFIGURATION_SET: props.configurationSet.configurationSetName,
        NOTIFY_FAILURE_QUEUE_URL: this.failures.queueUrl,
      },
    });
    this.failures.grantSendMessages(this.function);
    grantSendEmail(this.function, props.senderEmail, props.configurationSet);
    this.function.addEventSource(
      new DynamoEventSource(props.table, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: 10,
        maxBatchingWindow: Duration.seconds(1),
        bisectBatchOnError: true,
        retryAttempts: NOTIFY_RETRY_ATTEMPTS,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.failures),
        // New outbox items only: the function is not invoked for anything else on the stream.
        filters: [
          FilterCriteria.filter({ eventName: FilterRule.isEqual('INSERT'), dynamodb: { NewImage: { type: { S: FilterRule.isEqual('notification') } } } }),
        ],
      }),
    );
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked only by the DynamoDB stream event source: a batch that keeps failing is described on its on-failure queue (notify-failures); a function DLQ would never receive anything.',
    });
  }
}
