import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgePublisher } from '../../functions/adapters/eventbridge.js';
import { InvalidCatalogError, parseCatalog } from '../../functions/config/catalog-schema.js';
import { DEFAULT_PUBLISHED_EVENTS, INTEGRATION_EVENT_TYPES, type IntegrationEvent, publishedEventTypes } from '../../functions/domain/integration-events.js';
import { declaredCatalog } from '../fixtures/catalog.js';

const withoutEvents = () => {
  const { events: _events, ...declared } = declaredCatalog();
  return declared;
};

const event = (detailType: IntegrationEvent['detailType']) => ({ detailType, detail: { version: 1 } }) as unknown as IntegrationEvent;

describe('which integration events go on the bus (events.publish)', () => {
  it('by default every type but the two put once per survey event, and FollowUpCustomerReplied (new: opt-in)', () => {
    const published = publishedEventTypes(parseCatalog(withoutEvents()));
    expect([...published].sort()).toEqual([...DEFAULT_PUBLISHED_EVENTS].sort());
    expect(published.has('SurveySent')).toBe(false);
    expect(published.has('SurveySkipped')).toBe(false);
    expect(published.has('FollowUpCustomerReplied')).toBe(false);
    expect(published.has('FollowUpOpened')).toBe(true);
    expect(DEFAULT_PUBLISHED_EVENTS).toHaveLength(INTEGRATION_EVENT_TYPES.length - 3);
  });

  it('a declared list replaces the default, and a type an integration names is published anyway', () => {
    const declared = {
      ...withoutEvents(),
      events: { publish: ['SurveySent'] },
      integrations: [{ id: 'ops-hook', kind: 'webhook', url: 'https://hooks.shop.example/x', secret: 'closeloop/x', on: ['FollowUpOpened', 'SurveySkipped'] }],
    };
    expect([...publishedEventTypes(parseCatalog(declared))].sort()).toEqual(['FollowUpOpened', 'SurveySent', 'SurveySkipped']);
    // An empty list: nothing beyond the integrations' types.
    expect([...publishedEventTypes(parseCatalog({ ...declared, events: { publish: [] } }))].sort()).toEqual(['FollowUpOpened', 'SurveySkipped']);
  });

  it('refuses an unknown type with the list of known ones', () => {
    expect(() => parseCatalog({ ...withoutEvents(), events: { publish: ['SurveySend'] } })).toThrow(InvalidCatalogError);
    expect(() => parseCatalog({ ...withoutEvents(), events: { publish: ['SurveySend'] } })).toThrow(/events\.publish\.0.*SurveySent/s);
    expect(() => parseCatalog({ ...withoutEvents(), events: { publsh: ['SurveySent'] } })).toThrow(/events/);
  });
});

describe('EventBridgePublisher with a published set', () => {
  const bus = mockClient(EventBridgeClient);
  beforeEach(() => {
    bus.reset();
    bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  });

  it('puts only the published types, and makes no call when none is left', async () => {
    const publisher = new EventBridgePublisher('bus', new Set(['FollowUpOpened']), new EventBridgeClient({}));
    await publisher.publish([event('SurveySent'), event('FollowUpOpened'), event('SurveySkipped')]);
    const calls = bus.commandCalls(PutEventsCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input.Entries?.map((e) => e.DetailType)).toEqual(['FollowUpOpened']);
    await publisher.publish([event('SurveySent')]);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(1);
  });

  it('without a set, puts every type', async () => {
    await new EventBridgePublisher('bus', undefined, new EventBridgeClient({})).publish([event('SurveySent'), event('SurveySkipped')]);
    expect(bus.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries).toHaveLength(2);
  });
});
