import { bufferQueue, integrationQueueName } from '../../functions/config/resources.js';
import { INTEGRATION_SOURCE } from '../../functions/domain/integration-events.js';
import { startEventBus } from '../event-bus.js';
import { SANDBOX_BUS_NAME, SANDBOX_INTEGRATION_EVENTS_QUEUE } from '../resources.js';
import { required, type SandboxService } from './service.js';

/** EventBridge's PutEvents: the catalog's trigger rules to the buffer, each integration's rule to its queue, Closeloop's events to a queue to watch. */
export const events: SandboxService = {
  name: 'events',
  after: ['resources'],
  async start(run) {
    const { queues } = required(run.resources, 'the queues', 'events');
    const url = (name: string) => required(queues[name], `the queue ${name}`, 'events').url;
    const bus = await startEventBus({
      port: run.ports.events,
      busName: SANDBOX_BUS_NAME,
      catalog: run.catalog,
      sqs: required(run.clients, 'an SQS client', 'events').sqs,
      bufferQueueUrl: url(bufferQueue.name),
      subscriptions: [{ pattern: { source: [INTEGRATION_SOURCE] }, queueUrl: url(SANDBOX_INTEGRATION_EVENTS_QUEUE) }],
      integrationQueueUrls: Object.fromEntries((run.catalog.integrations ?? []).map(({ id }) => [id, url(integrationQueueName(id))])),
      warn: (message) => run.log(`[sandbox] ${message}`),
    });
    run.endpoints.eventbridge = bus.endpoint;
    return () => bus.stop();
  },
};
