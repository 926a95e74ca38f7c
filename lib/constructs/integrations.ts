import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { deliverFailureQueue, integrationQueueDefaults, integrationQueueName } from '../../functions/config/resources.js';
import { INTEGRATION_SOURCE } from '../../functions/domain/integration-events.js';
import { acknowledgeQueueRedrive, deadLetterQueue, secureQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface IntegrationsProps {
  /** What every function gets alike; the catalog's `integrations` are delivered. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** Closeloop's bus: one rule per integration on its `on:` detail-types (source `closeloop`). */
  readonly bus: IEventBus;
  /** The replay route (IAM) is added to it. */
  readonly api: HttpApi;
}

/** Catalog settings the stack cannot deploy; the message names the catalog path. */
export class InvalidIntegrationError extends Error {
  override readonly name = 'InvalidIntegrationError';
}

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/**
 * Delivery of Closeloop's own events where teams work: per catalog integration a bus rule → an SQS
 * queue (its redrive policy a backstop into one dead-letter queue) → the deliver function (Standard
 * Webhooks, Slack or Zendesk tickets), which sets each failed message's backoff itself, dead-letters it with the
 * reason after the retry window, and logs every delivery for `closeloop integrations replay`.
 */
export class Integrations extends Construct {
  readonly queues: Record<string, Queue> = {};
  readonly deadLetters: Queue;
  readonly function: StageFunction;

  constructor(scope: Construct, id: string, props: IntegrationsProps) {
    super(scope, id);
    const integrations = props.defaults.catalog.integrations ?? [];
    integrations.forEach((integration, index) => {
      if (integration.url?.startsWith('http://')) {
        throw new InvalidIntegrationError(
          `integrations.${index}.url: "${integration.url}" is plain http on loopback, which only the sandbox can deliver to; use https in a deployed stack`,
        );
      }
    });
    this.deadLetters = deadLetterQueue(this, 'DeadLetters', deliverFailureQueue.retentionDays);
    for (const integration of integrations) {
      const queue = secureQueue(this, `${pascal(integration.id)}Queue`, {
        visibilityTimeout: Duration.seconds(integrationQueueDefaults.visibilityTimeoutSeconds),
        retentionPeriod: Duration.days(integrationQueueDefaults.retentionDays),
        deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: integrationQueueDefaults.maxReceiveCount },
      });
      this.queues[integration.id] = queue;
      new Rule(this, `${pascal(integration.id)}Rule`, {
        eventBus: props.bus,
        description: `Closeloop events delivered to the integration "${integration.id}" (${integrationQueueName(integration.id)})`,
        eventPattern: { source: [INTEGRATION_SOURCE], detailType: [...integration.on] },
        targets: [new SqsQueue(queue, { deadLetterQueue: this.deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
      });
    }

    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'deliver',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        INTEGRATION_QUEUE_URLS: JSON.stringify(Object.fromEntries(Object.entries(this.queues).map(([name, queue]) => [name, queue.queueUrl]))),
        DELIVER_FAILURE_QUEUE_URL: this.deadLetters.queueUrl,
      },
    });
    this.deadLetters.grantSendMessages(this.function);
    for (const queue of Object.values(this.queues)) {
      // Receive, delete and ChangeMessageVisibility (the backoff); send for replays.
      queue.grantConsumeMessages(this.function);
      queue.grantSendMessages(this.function);
      this.function.consume(queue);
    }
    // Exactly the integrations' secrets, by name (Secrets Manager adds a random 6-character suffix to the ARN).
    const secretNames = [...new Set(integrations.map((integration) => integration.secret))];
    secretNames.forEach((name, index) => {
      Secret.fromSecretNameV2(this, `Secret${index}`, name).grantRead(this.function);
    });
    acknowledgeQueueRedrive(this.function, 'integration', integrationQueueDefaults.maxReceiveCount);
    this.function.serveRoutes(props.api, 'Deliver');
  }
}
