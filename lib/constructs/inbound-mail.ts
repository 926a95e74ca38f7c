import { Annotations, CfnOutput, Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type CfnBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { type IReceiptRuleSet, ReceiptRule, ReceiptRuleSet, TlsPolicy } from 'aws-cdk-lib/aws-ses';
import { Lambda as LambdaAction, LambdaInvocationType, S3 as S3Action } from 'aws-cdk-lib/aws-ses-actions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { inboundFailureQueue, inboundMail } from '../../functions/config/resources.js';
import { generatedKey } from './keys.js';
import { deadLetterQueue } from './queues.js';
import { type FunctionDefaults, StageFunction } from './stage-function.js';

export interface InboundMailProps {
  readonly defaults: FunctionDefaults;
  readonly table: ITableV2;
  /** The domain replies go to (`reply+<token>@<domain>`). */
  readonly domain: string;
  /** An existing receipt rule set to add the rule to. @default a new rule set */
  readonly ruleSet?: string;
  /** Closeloop's From address: a message from it coming back is its own, never a reply. */
  readonly senderEmail: string;
  /** Where FollowUpCustomerReplied goes (when the catalog publishes it). */
  readonly bus: IEventBus;
}

/**
 * Customers' replies by email (docs/inbound.md): an SES receipt rule for the inbound domain (TLS
 * required, spam and virus scanning on) stores each message in an encrypted bucket, then invokes the
 * inbound stage asynchronously, which appends the reply to its case and deletes the message; the
 * bucket deletes anything left after 7 days. The reply addresses' key is generated here, read by the
 * inbound stage and by the notify stage (which puts the addresses in Reply-To).
 */
export class InboundMail extends Construct {
  readonly bucket: Bucket;
  readonly function: StageFunction<'inbound'>;
  /** The key of the reply addresses' tokens (`reply+<token>@<domain>`). */
  readonly replyTokenKey: Secret;
  /** Invocations that kept failing (the function's on-failure destination), with the event and the error. */
  readonly failures: Queue;
  readonly ruleSet: IReceiptRuleSet;
  readonly rule: ReceiptRule;

  constructor(scope: Construct, id: string, props: InboundMailProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (Token.isUnresolved(region)) {
      Annotations.of(this).addWarningV2(
        'closeloop:inboundRegion',
        'inbound: the stack has no region at synth, so Closeloop cannot check that SES receives email there (docs/inbound.md lists the regions that do).',
      );
    }
    this.replyTokenKey = generatedKey(
      this,
      'ReplyTokenKey',
      "Closeloop: HMAC key of the reply addresses (reply+<token>@<inbound domain>) in case emails' Reply-To",
      'The reply-token key only proves that a reply address names its case; a leak lets someone who also knows a case id write into that case as its customer would, nothing more. Rotate it by hand: addresses in emails already sent stop working (their replies are dropped and counted). See docs/security.md.',
    );
    this.bucket = new Bucket(this, 'Mail', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The stage deletes each message once read; what is left (a failure not redriven) goes after 7 days.
      lifecycleRules: [
        {
          id: 'raw-mail',
          prefix: inboundMail.prefix,
          expiration: Duration.days(inboundMail.expireDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      // Kept if the stack is deleted while it holds mail; its lifecycle rule empties it within 7 days.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Raw received mail, written only by SES and read then deleted by the inbound stage within seconds; server access logs would keep a second record of personal data. CloudTrail data events are the audit trail for an adopter who wants one (docs/security.md).',
    });
    this.failures = deadLetterQueue(this, 'Failures', inboundFailureQueue.retentionDays);
    this.function = new StageFunction(this, 'Function', {
      defaults: props.defaults,
      table: props.table,
      stage: 'inbound',
      environment: {
        SURVEY_TABLE: props.table.tableName,
        SENDER_EMAIL: props.senderEmail,
        INBOUND_DOMAIN: props.domain,
        INBOUND_BUCKET: this.bucket.bucketName,
        REPLY_TOKEN_SECRET: this.replyTokenKey.secretArn,
        EVENT_BUS_NAME: props.bus.eventBusName,
      },
    });
    this.function.publishTo(props.bus);
    this.function.receiveMail(this.failures);
    this.replyTokenKey.grantRead(this.function);
    // Read and delete the raw messages, nothing else of the bucket (no listing, no writing).
    this.function.addToRolePolicy(
      new PolicyStatement({ actions: ['s3:GetObject', 's3:DeleteObject'], resources: [this.bucket.arnForObjects(`${inboundMail.prefix}*`)] }),
    );
    if (this.function.role) {
      Validations.of(this.function.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as CfnBucket)}.Arn>/${inboundMail.prefix}*]`,
        reason:
          "The objects' keys are SES's message ids, known only when a message arrives: the stage may read and delete any object under inbound/, nothing else.",
      });
    }

    this.ruleSet = props.ruleSet ? ReceiptRuleSet.fromReceiptRuleSetName(this, 'RuleSet', props.ruleSet) : new ReceiptRuleSet(this, 'RuleSet');
    this.rule = new ReceiptRule(this, 'Replies', {
      ruleSet: this.ruleSet,
      recipients: [props.domain],
      scanEnabled: true,
      tlsPolicy: TlsPolicy.REQUIRE,
      actions: [
        new S3Action({ bucket: this.bucket, objectKeyPrefix: inboundMail.prefix }),
        new LambdaAction({ function: this.function, invocationType: LambdaInvocationType.EVENT }),
      ],
    });
    new CfnOutput(this, 'ReceiptRuleSet', {
      value: props.ruleSet ?? (this.ruleSet as ReceiptRuleSet).receiptRuleSetName,
      description: props.ruleSet
        ? 'The receipt rule set Closeloop added its rule to (yours: keep it active)'
        : 'Activate it once: aws ses set-active-receipt-rule-set --rule-set-name <this> (docs/inbound.md)',
    });
    new CfnOutput(this, 'MxRecord', {
      value: `${props.domain} MX 10 inbound-smtp.${region}.amazonaws.com`,
      description: 'The MX record replies need (docs/inbound.md); verify the domain in SES too',
    });
  }
}
