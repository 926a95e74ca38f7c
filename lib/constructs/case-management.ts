import { Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { inboundAccess } from '../../functions/config/inbound.js';
import { escalateFailureQueue, surveyTable } from '../../functions/config/resources.js';
import { generatedKey } from './keys.js';
import { deadLetterQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface CaseManagementProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly api: HttpApi;
  readonly bus: IEventBus;
  /** Follow-up queues by declared name: escalations climb into them. */
  readonly queues: Readonly<Record<string, Queue>>;
}

/**
 * Closing the loop: the case API (IAM-authorised routes: teams list, read, assign, acknowledge and
 * resolve cases, every change recorded with the caller), the inbound hooks (a public route whose
 * Standard Webhooks signature is the authorisation: helpdesks acknowledge and resolve) and the escalation sweep (every minute, one
 * instance, over the sparse deadline index).
 */
export class CaseManagement extends Construct {
  /** The key of the inbox's cursors: the case API's own (it never reads the pages' signing key). */
  readonly cursorKey: Secret;
  readonly api: StageFunction;
  readonly sweep: StageFunction;
  /** `POST /hooks/{integrationId}`: helpdesks move cases with Standard Webhooks signed requests. */
  readonly hooks: StageFunction;
  /** escalate-failures: sweep runs that kept failing (its DLQ), and the cases it cannot escalate, with the reason. */
  readonly sweepFailures: Queue;

  constructor(scope: Construct, id: string, props: CaseManagementProps) {
    super(scope, id);
    this.cursorKey = generatedKey(
      this,
      'InboxCursorKey',
      "Closeloop: HMAC key of the case inbox's cursors (a listing cannot be steered by a forged cursor)",
      'The cursor key only tamper-checks paging positions of the case inbox, which the caller may read anyway (IAM): a leak lets a caller forge a position in a listing it can make, nothing more. Rotate it by hand; open cursors then restart. See docs/security.md.',
    );
    this.api = new StageFunction(this, 'ApiFunction', {
      defaults: props.defaults,
      table: props.table,
      stage: 'cases',
      environment: { SURVEY_TABLE: props.table.tableName, EVENT_BUS_NAME: props.bus.eventBusName, INBOX_CURSOR_SECRET: this.cursorKey.secretArn },
    });
    this.cursorKey.grantRead(this.api);
    Validations.of(this.api).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by the HTTP API only: the caller gets the error; there is no asynchronous event to keep.',
    });
    this.api.publishTo(props.bus);
    this.api.serveRoutes(props.api, 'Cases');

    this.hooks = new StageFunction(this, 'HooksFunction', {
      defaults: props.defaults,
      table: props.table,
      stage: 'hooks',
      environment: { SURVEY_TABLE: props.table.tableName, EVENT_BUS_NAME: props.bus.eventBusName },
    });
    Validations.of(this.hooks).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by the HTTP API only: the caller gets the error (and retries); there is no asynchronous event to keep.',
    });
    this.hooks.publishTo(props.bus);
    // Exactly the inbound hooks' own secrets, by name (Secrets Manager suffixes the ARN): never a delivery secret.
    const inboundSecrets = [...new Set((props.defaults.catalog.integrations ?? []).flatMap((integration) => inboundAccess(integration)?.secret ?? []))];
    inboundSecrets.forEach((name, index) => {
      Secret.fromSecretNameV2(this, `InboundSecret${index}`, name).grantRead(this.hooks);
    });
    this.hooks.serveRoutes(props.api, 'Hooks');

    this.sweepFailures = deadLetterQueue(this, 'SweepFailures', escalateFailureQueue.retentionDays);
    this.sweep = new StageFunction(this, 'SweepFunction', {
      defaults: props.defaults,
      table: props.table,
      stage: 'escalate',
      // Invoked asynchronously by the schedule: a run that still fails after Lambda's two retries is kept (and alarmed on).
      deadLetterQueue: this.sweepFailures,
      environment: {
        SURVEY_TABLE: props.table.tableName,
        EVENT_BUS_NAME: props.bus.eventBusName,
        FOLLOW_UP_QUEUE_URLS: JSON.stringify(Object.fromEntries(Object.entries(props.queues).map(([name, q]) => [name, q.queueUrl]))),
        ESCALATE_FAILURE_QUEUE_URL: this.sweepFailures.queueUrl,
      },
    });
    // A case that cannot be escalated is described there with its reason, and the sweep goes on.
    this.sweepFailures.grantSendMessages(this.sweep);
    for (const queue of Object.values(props.queues)) queue.grantSendMessages(this.sweep);
    this.sweep.publishTo(props.bus);
    this.sweep.runOnSchedule(this, 'EveryMinute', `Escalation sweep over the ${surveyTable.slaIndex.name} index`);
  }
}
