import { Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { ConfigurationSet, ConfigurationSetTlsPolicy } from 'aws-cdk-lib/aws-ses';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { bufferQueue } from '../../functions/config/resources.js';
import { acknowledgeQueueRedrive } from './queues.js';
import { grantSendEmail, senderVariables } from './sender-identity.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface DispatchProps {
  /** What every function gets alike: the catalog it runs with, tracing. */
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  readonly buffer: Queue;
  readonly deadLetters: Queue;
  /** Where SurveySent and SurveySkipped are announced. */
  readonly bus: IEventBus;
  readonly senderEmail: string;
  readonly supportEmail: string;
  readonly publicBaseUrl: string;
  /** SES's send rate (emails per second): the manifest derives the upper bound of concurrent instances from it. */
  readonly sesMaxSendRate: number;
  /** Emails per second each instance may send (`dispatchSendRateFor`): together within SES's rate. */
  readonly sendRatePerInstance: number;
}

/**
 * Buffer queue → dispatch function → invitation in DynamoDB + survey email through SES. Delayed
 * surveys (and those held back by quiet hours) become one-time EventBridge Scheduler schedules
 * that put the event back on the buffer when due.
 */
export class Dispatch extends Construct {
  readonly function: StageFunction;
  readonly configurationSet: ConfigurationSet;
  readonly schedules: ScheduleGroup;

  constructor(scope: Construct, id: string, props: DispatchProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      reputationMetrics: true,
      // Surveys carry personal links: SES delivers them only over TLS, or not at all.
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.schedules = new ScheduleGroup(this, 'Schedules');
    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Lets EventBridge Scheduler put due surveys on the dispatch buffer (and failures on its DLQ)',
    });
    props.buffer.grantSendMessages(schedulerRole);
    props.deadLetters.grantSendMessages(schedulerRole);

    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'dispatch',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        ...senderVariables(props.senderEmail, props.supportEmail, this.configurationSet),
        PUBLIC_BASE_URL: props.publicBaseUrl,
        SES_SEND_RATE: String(props.sendRatePerInstance),
        DISPATCH_FAILURE_QUEUE_URL: props.deadLetters.queueUrl,
        EVENT_BUS_NAME: props.bus.eventBusName,
        SCHEDULE_GROUP: this.schedules.scheduleGroupName,
        SCHEDULE_TARGET_ARN: props.buffer.queueArn,
        SCHEDULE_ROLE_ARN: schedulerRole.roleArn,
        SCHEDULE_DEAD_LETTER_ARN: props.deadLetters.queueArn,
      },
    });
    props.deadLetters.grantSendMessages(this.function);
    this.function.publishTo(props.bus);
    this.schedules.grantWriteSchedules(this.function);
    schedulerRole.grantPassRole(this.function.grantPrincipal);
    // cdk-nag names the finding after the rendered ARN: literal region/account when the stack has an env.
    const rendered = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    const schedulesArn =
      `arn:<AWS::Partition>:scheduler:${rendered(stack.region, 'Region')}:${rendered(stack.account, 'AccountId')}` +
      `:schedule/${this.schedules.scheduleGroupName}/*`;
    Validations.of(this.function.role!).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${schedulesArn}]`,
      reason: "Dispatch creates one schedule per delayed survey, named per event; the grant is limited to Closeloop's own schedule group.",
    });

    grantSendEmail(this.function, props.senderEmail, this.configurationSet);

    this.function.consume(props.buffer, { sesMaxSendRate: props.sesMaxSendRate });
    acknowledgeQueueRedrive(this.function, 'buffer', bufferQueue.maxReceiveCount);
  }
}
