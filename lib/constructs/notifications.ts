import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { notifyFailureQueue } from '../../functions/config/resources.js';
import { deadLetterQueue } from './queues.js';
import { grantSendEmail, senderVariables } from './sender-identity.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

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
  /** With `inbound`: each email's Reply-To is its case's reply address, made with this key. */
  readonly inbound?: { readonly domain: string; readonly replyTokenKey: ISecret };
  /** The workspace's inbox URL, when the stack has it: an assignee's email links to the case page. */
  readonly workspaceUrl?: string;
}

/**
 * Respondent notifications (docs/notifications.md): the outbox items the rules stage (case
 * opened) and the case API (case resolved with a reply) write in the transaction of the change that
 * owes them reach this function through the table's stream, filtered to new outbox items; it sends
 * each at most once through SES (claim with the suppression check, send, sent mark). Batches that
 * keep failing are described on the notify-failures queue.
 */
export class Notifications extends Construct {
  readonly function: StageFunction<'notify'>;
  /** The event source's on-failure destination. */
  readonly failures: Queue;

  constructor(scope: Construct, id: string, props: NotificationsProps) {
    super(scope, id);
    this.failures = deadLetterQueue(this, 'Failures', notifyFailureQueue.retentionDays);
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'notify',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        ...senderVariables(props.senderEmail, props.supportEmail, props.configurationSet),
        PUBLIC_BASE_URL: props.publicBaseUrl,
        ...(props.inbound ? { INBOUND_DOMAIN: props.inbound.domain, REPLY_TOKEN_SECRET: props.inbound.replyTokenKey.secretArn } : {}),
        ...(props.workspaceUrl ? { WORKSPACE_URL: props.workspaceUrl } : {}),
      },
    });
    props.inbound?.replyTokenKey.grantRead(this.function);
    grantSendEmail(this.function, props.senderEmail, props.configurationSet);
    this.function.readStream(props.table, this.failures);
  }
}
