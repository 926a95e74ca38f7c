import { startSes } from '../emulators.js';
import { startSesFront } from '../ses-front.js';
import type { SandboxService } from './service.js';

/**
 * SES: the local SES with its inbox, behind a front that throttles as SES does (with
 * `sesMaxSendRate`) and simulates bounces and complaints, which go where `run.feedback` says.
 */
export const ses: SandboxService = {
  name: 'ses',
  async start(run) {
    const emulator = await startSes(run.ports.ses);
    try {
      const front = await startSesFront(emulator.endpoint, {
        ...(run.options.sesMaxSendRate ? { maxSendRate: run.options.sesMaxSendRate } : {}),
        onFeedback: async (event) => run.feedback?.(event),
        report: (message) => run.log(`[sandbox] ${message}`),
      });
      run.ses = front;
      run.endpoints.sesv2 = front.endpoint;
      run.endpoints.sesEmulator = emulator.endpoint;
      return async () => {
        await front.stop();
        await emulator.stop();
      };
    } catch (error) {
      await emulator.stop();
      throw error;
    }
  },
};
