import { Arn, Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { ConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/config/env.js';
import { DISPATCH_TIMEOUT_SECONDS } from '../../functions/config/resources.js';
import { ServiceFunction } from './service-function.js';

export interface DispatchProps {
  readonly table: ITableV2;
  readonly buffer: Queue;
  readonly deadLetters: Queue;
  readonly senderEmail: string;
  readonly supportEmail: string;
  readonly publicBaseUrl: string;
  /** Upper bound of concurrent dispatch instances, derived from the SES send rate. */
  readonly maxConcurrency: number;
}

/** Buffer queue → dispatch function → invitation in DynamoDB + survey email through SES. */
export class Dispatch extends Construct {
  readonly function: ServiceFunction;
  readonly configurationSet: ConfigurationSet;

  constructor(scope: Construct, id: string, props: DispatchProps) {
    super(scope, id);
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', { reputationMetrics: true });

    this.function = new ServiceFunction(this, 'Function', {
      stage: 'dispatch',
      description: 'Sends one survey email per program and event (idempotent by eventId).',
      timeout: Duration.seconds(DISPATCH_TIMEOUT_SECONDS),
      environment: {
        [ENV.SURVEY_TABLE]: props.table.tableName,
        [ENV.SENDER_EMAIL]: props.senderEmail,
        [ENV.SUPPORT_EMAIL]: props.supportEmail,
        [ENV.PUBLIC_BASE_URL]: props.publicBaseUrl,
        [ENV.CONFIGURATION_SET]: this.configurationSet.configurationSetName,
        [ENV.DEAD_LETTER_QUEUE_URL]: props.deadLetters.queueUrl,
      },
    });
    props.table.grant(this.function, 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem');
    props.deadLetters.grantSendMessages(this.function);

    const stack = Stack.of(this);
    const identity = (name: string) => Arn.format({ service: 'ses', resource: 'identity', resourceName: name }, stack);
    const senderDomain = props.senderEmail.split('@')[1] as string;
    this.function.addToRolePolicy(new PolicyStatement({
      actions: ['ses:SendEmail'],
      // SES authorises against the verified identity it uses (the address or its domain) and the configuration set.
      resources: [
        identity(props.senderEmail),
        identity(senderDomain),
        Arn.format({ service: 'ses', resource: 'configuration-set', resourceName: this.configurationSet.configurationSetName }, stack),
      ],
    }));

    this.function.addEventSource(new SqsEventSource(props.buffer, {
      batchSize: 10,
      maxBatchingWindow: Duration.seconds(1),
      reportBatchItemFailures: true,
      maxConcurrency: props.maxConcurrency,
    }));
  }
}
