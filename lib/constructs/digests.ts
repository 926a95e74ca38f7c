import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { CfnSchedule } from 'aws-cdk-lib/aws-scheduler';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IConfigurationSet } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { digestFailureQueue } from '../../functions/config/resources.js';
import { isEmailRecipient } from '../../functions/domain/digest.js';
import { deadLetterQueue } from './queues.js';
import { grantSendEmail, senderVariables } from './sender-identity.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface DigestsProps {
  /** What every function gets alike; the catalog's `digests` get a schedule each. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** The send route (IAM) is added to it. */
  readonly api: HttpApi;
  /** The From address of digest emails (a verified SES identity, or an address of a verified domain). */
  readonly senderEmail: string;
  /** Reply-To of digest emails, and where a recipient asks to be taken off. */
  readonly supportEmail: string;
  /** The survey emails' configuration set. */
  readonly configurationSet: IConfigurationSet;
}

/** Attempts of EventBridge Scheduler to invoke the function before the dead-letter queue. */
export const DIGEST_SCHEDULE_RETRIES = 10;
/** A digest that could not be invoked for this long is stale: the dead-letter queue gets it. */
export const DIGEST_SCHEDULE_MAX_AGE_SECONDS = 6 * 3600;
/** Lambda's own retries of a failed asynchronous invocation (1 and 2 minutes later), then the dead-letter queue. */
export const DIGEST_ASYNC_RETRIES = 2;

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/**
 * Weekly digests (docs/digests.md): per catalog digest an EventBridge Scheduler recurring schedule
 * in the digest's time zone (no flexible window) invokes the digest function with `{ digestId }`
 * through a role that may invoke that function and nothing else; failed invocations are retried
 * (Scheduler's retry policy, then Lambda's asynchronous retries) and end on the digest dead-letter
 * queue with the reason. The function also serves POST /digests/{digestId}/send (IAM).
 */
export class Digests extends Construct {
  readonly function: StageFunction<'digest'>;
  readonly deadLetters: Queue;
  /** By digest id. */
  readonly schedules: Readonly<Record<string, CfnSchedule>>;

  constructor(scope: Construct, id: string, props: DigestsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const digests = props.defaults.catalog.digests ?? [];
    this.deadLetters = deadLetterQueue(this, 'DeadLetters', digestFailureQueue.retentionDays);
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'digest',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        ...senderVariables(props.senderEmail, props.supportEmail, props.configurationSet),
      },
    });
    this.function.configureAsyncInvoke({
      retryAttempts: DIGEST_ASYNC_RETRIES,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(this.deadLetters),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Asynchronous invocations (the schedules) have an on-failure destination, the digest dead-letter queue, which keeps the reason a DLQ would not; the send route is synchronous (the caller gets the error).',
    });
    grantSendEmail(this.function, props.senderEmail, props.configurationSet);
    // Exactly the Slack integrations some digest sends to: their secret holds the incoming-webhook URL.
    const slackSecrets = new Set(
      digests
        .flatMap((digest) => digest.to.filter((to) => !isEmailRecipient(to)))
        .map((to) => props.defaults.catalog.integrations?.find((integration) => integration.id === to)?.secret)
        .filter((secret): secret is string => secret !== undefined),
    );
    [...slackSecrets].forEach((name, index) => {
      Secret.fromSecretNameV2(this, `SlackSecret${index}`, name).grantRead(this.function);
    });
    this.function.serveRoutes(props.api, 'Digest');

    const schedules: Record<string, CfnSchedule> = {};
    if (digests.length) {
      const role = new Role(this, 'SchedulerRole', {
        assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: 'Lets EventBridge Scheduler invoke the digest function (and put what it could not deliver on the digest dead-letter queue)',
      });
      // The function itself, not its versions or aliases: the schedules target $LATEST.
      role.addToPolicy(new PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.function.functionArn] }));
      this.deadLetters.grantSendMessages(role);
      for (const digest of digests) {
        schedules[digest.id] = new CfnSchedule(this, `${pascal(digest.id)}Schedule`, {
          description: `Closeloop digest "${digest.id}" (${digest.schedule}, ${digest.timeZone})`,
          scheduleExpression: digest.schedule,
          scheduleExpressionTimezone: digest.timeZone,
          flexibleTimeWindow: { mode: 'OFF' },
          state: 'ENABLED',
          target: {
            arn: this.function.functionArn,
            roleArn: role.roleArn,
            input: JSON.stringify({ digestId: digest.id }),
            retryPolicy: { maximumRetryAttempts: DIGEST_SCHEDULE_RETRIES, maximumEventAgeInSeconds: DIGEST_SCHEDULE_MAX_AGE_SECONDS },
            deadLetterConfig: { arn: this.deadLetters.queueArn },
          },
        });
      }
    }
    this.schedules = schedules;
  }
}
