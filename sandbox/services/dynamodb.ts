import { startDynamoDb } from '../emulators.js';
import type { SandboxService } from './service.js';

/** DynamoDB Local (the official jar, on Java), its streams included. */
export const dynamodb: SandboxService = {
  name: 'dynamodb',
  async start(run) {
    const emulator = await startDynamoDb(run.ports.dynamodb);
    run.endpoints.dynamodb = emulator.endpoint;
    run.endpoints.dynamodbStreams = emulator.endpoint;
    return () => emulator.stop();
  },
};
