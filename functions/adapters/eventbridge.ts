import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { INTEGRATION_SOURCE, type IntegrationEvent } from '../domain/integration-events.js';
import type { IntegrationEventPublisher } from '../ports.js';

export const eventBridgeClient = new EventBridgeClient({});

/** PutEvents takes at most 10 entries per call. */
const BATCH = 10;

export class EventBridgePublisher implements IntegrationEventPublisher {
  /**
   * `published`: the detail-types put on the bus (`publishedEventTypes` of the catalog); the others are
   * left out, unbilled. Absent: every type.
   */
  constructor(
    private readonly busName: string,
    private readonly published?: ReadonlySet<string>,
    private readonly client: EventBridgeClient = eventBridgeClient,
  ) {}

  async publish(all: readonly IntegrationEvent[]): Promise<void> {
    const published = this.published;
    const events = published ? all.filter((event) => published.has(event.detailType)) : all;
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
