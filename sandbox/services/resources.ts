import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { feedbackQueue } from '../../functions/config/resources.js';
import { LOCAL_REGION } from '../emulators.js';
import { createResources } from '../resources.js';
import { required, type SandboxService } from './service.js';

/** The stack's table and queues on the emulators (sandbox/resources.ts), and the sandbox's own clients of them. */
export const resources: SandboxService = {
  name: 'resources',
  after: ['dynamodb', 'sqs'],
  async start(run) {
    const config = { region: LOCAL_REGION, credentials: run.credentials };
    const dynamodbEndpoint = required(run.endpoints.dynamodb, 'DynamoDB', 'resources');
    const clients = {
      dynamodb: new DynamoDBClient({ ...config, endpoint: dynamodbEndpoint }),
      sqs: new SQSClient({ ...config, endpoint: required(run.endpoints.sqs, 'SQS', 'resources') }),
      streams: new DynamoDBStreamsClient({ ...config, endpoint: dynamodbEndpoint }),
    };
    run.clients = clients;
    const created = await createResources(clients.dynamodb, clients.sqs, run.catalog);
    run.resources = created;
    // SES publishes bounces and complaints to the default bus, whose rule targets the feedback queue.
    const feedbackUrl = created.queues[feedbackQueue.name]?.url as string;
    run.feedback = async (event) => {
      await clients.sqs.send(new SendMessageCommand({ QueueUrl: feedbackUrl, MessageBody: JSON.stringify(event) }));
    };
    return async () => {
      for (const client of Object.values(clients)) client.destroy();
    };
  },
};
