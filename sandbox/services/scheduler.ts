import { startScheduler } from '../scheduler.js';
import { required, type SandboxService } from './service.js';

/** EventBridge Scheduler's one-time schedules (delayed surveys, reminders), time compressed by `delayScale`. */
export const scheduler: SandboxService = {
  name: 'scheduler',
  after: ['resources'],
  async start(run) {
    const { queues } = required(run.resources, 'the queues', 'scheduler');
    const running = await startScheduler({
      port: run.ports.scheduler,
      sqs: required(run.clients, 'an SQS client', 'scheduler').sqs,
      delayScale: run.options.delayScale ?? 1,
      report: (message) => run.log(`[sandbox] ${message}`),
      queueUrls: Object.fromEntries(Object.values(queues).map((queue) => [queue.arn, queue.url])),
    });
    run.endpoints.scheduler = running.endpoint;
    return () => running.stop();
  },
};
