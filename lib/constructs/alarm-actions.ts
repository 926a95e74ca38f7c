import { Validations } from 'aws-cdk-lib';
import { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct, type IConstruct } from 'constructs';

/** Where alarms page: an address (a topic is created and subscribed), an existing topic, or both. */
export interface AlarmRouting {
  readonly email?: string;
  readonly topicArn?: string;
  readonly topic?: ITopic;
}

/**
 * Gives every CloudWatch alarm under `scope` an alarm action: an SNS topic of the construct's own
 * (encrypted with a customer managed key CloudWatch may use, TLS only) with an email subscription,
 * and/or an existing topic. Returns the topics.
 */
export function routeAlarms(scope: Construct, routing: AlarmRouting): ITopic[] {
  const topics: ITopic[] = [];
  const holder = new Construct(scope, 'AlarmActions');
  if (routing.email) {
    // CloudWatch cannot publish to a topic under the AWS managed SNS key: this key lets it.
    const key = new Key(holder, 'TopicKey', { enableKeyRotation: true, description: 'Closeloop alarm topic' });
    key.addToResourcePolicy(
      new PolicyStatement({
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    const topic = new Topic(holder, 'Topic', { displayName: 'Closeloop alarms', masterKey: key, enforceSSL: true });
    const subscription = topic.addSubscription(new EmailSubscription(routing.email));
    Validations.of(subscription).acknowledge({
      id: 'Serverless-SNSRedrivePolicy',
      reason:
        'An alarm notification is a signal, not data: an undeliverable email loses nothing, as the alarm stays in ALARM on the console and the dashboard until resolved.',
    });
    topics.push(topic);
  }
  if (routing.topicArn) topics.push(Topic.fromTopicArn(holder, 'GivenTopic', routing.topicArn));
  if (routing.topic) topics.push(routing.topic);
  const alarms = scope.node.findAll().filter((node: IConstruct): node is Alarm => node instanceof Alarm);
  for (const alarm of alarms) for (const topic of topics) alarm.addAlarmAction(new SnsAction(topic));
  return topics;
}
