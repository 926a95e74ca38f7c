import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand, TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from '../../sandbox/faults.js';

// Nothing listens here: an attempt that got past the injector would fail with a network error.
const config = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, endpoint: 'http://127.0.0.1:9' };

describe('FaultInjector (SDK middleware inside the retry loop)', () => {
  it('fails every attempt of a matching call: the SDK retries it maxAttempts times, then the caller gets the AWS error', async () => {
    const faults = new FaultInjector([{ service: 'DynamoDB', commands: ['GetItem'], rate: 1, fault: 'dynamodb-throughput' }]);
    const client = faults.attach(DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, maxAttempts: 3 })));

    const error = await client.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as ProvisionedThroughputExceededException).$metadata).toMatchObject({ httpStatusCode: 400, attempts: 3 });
    expect(faults.counts['DynamoDB.GetItem']).toEqual({ operations: 1, attempts: 3, injected: 3, surfaced: 1 });
  });

  it('lets a call through once the draw spares an attempt, and only on the targeted client', async () => {
    const faults = new FaultInjector([{ service: 'SESv2', commands: ['SendEmail'], rate: 1, fault: 'ses-throttling', clients: ['other'] }], 7);
    const ses = faults.attach(new SESv2Client({ ...config, maxAttempts: 1 }), 'ses');

    const error = await ses
      .send(
        new SendEmailCommand({
          Destination: { ToAddresses: ['a@example.com'] },
          Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } } },
        }),
      )
      .catch((e: unknown) => e);

    // Not injected (the rule targets another client): the attempt went out and met a closed port.
    expect(error).not.toBeInstanceOf(TooManyRequestsException);
    expect(faults.counts['SESv2.SendEmail']).toMatchObject({ attempts: 1, injected: 0 });
  });

  it('draws the same sequence for the same seed', async () => {
    const run = async (seed: number) => {
      const faults = new FaultInjector([{ service: 'DynamoDB', commands: ['GetItem'], rate: 0.5, fault: 'dynamodb-throttling' }], seed);
      const client = faults.attach(DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, maxAttempts: 1 })));
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++)
        outcomes.push(
          await client.send(new GetCommand({ TableName: 't', Key: { pk: 'a' } })).then(
            () => 'ok',
            (e: Error) => e.name,
          ),
        );
      return outcomes;
    };
    const [a, b] = [await run(42), await run(42)];
    expect(a).toEqual(b);
    expect(a).toContain('ThrottlingException');
  });
});
