import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { INTEGRATION_SOURCE, type IntegrationEvent } from '../domain/integration-events.js';
import type { IntegrationEventPublisher } from '../ports.js';

export const eventBridgeClient = new EventBridgeClient({});

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

export class EventBridgePublisher implements IntegrationEventPublisher {
  constructor(
    private readonly busName: string,
    private readonly client: EventBridgeClient = eventBridgeClient,
  ) {}

  async publish(events: readonly IntegrationEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += BATCH) {
      const entries = events.slice(i, i + BATCH).map((event) => ({
        EventBusName: this.busName,
        Source: INTEGRATION_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
      }));
      const result = await this.client.send(new PutEventsCommand({ Entries: entries }));
      if (result.FailedEntryCount) {
        const codes = (result.Entries ?? []).flatMap((e) => (e.ErrorCode ? [e.ErrorCode] : []));
        throw new Error(`EventBridge refused ${result.FailedEntryCount} of ${entries.length} events: ${[...new Set(codes)].join(', ')}`);
      }
    }
  }
}
