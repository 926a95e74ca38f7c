import { startSqs } from '../emulators.js';
import type { SandboxService } from './service.js';

/** SQS (fauxqs). */
export const sqs: SandboxService = {
  name: 'sqs',
  async start(run) {
    const emulator = await startSqs(run.ports.sqs);
    run.endpoints.sqs = emulator.endpoint;
    return () => emulator.stop();
  },
};
