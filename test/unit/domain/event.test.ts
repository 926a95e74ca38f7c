import { describe, expect, it } from 'vitest';
import { parseSurveyEvent } from '../../../functions/domain/event.js';
import { orderDelivered } from '../../fixtures/events.js';

describe('event contract v1', () => {
  it('accepts the documented example and keeps the context', () => {
    const result = parseSurveyEvent(JSON.stringify(orderDelivered()));
    expect(result).toEqual({
      ok: true,
      value: expect.objectContaining({ source: 'shop.orders', detailType: 'OrderDelivered', eventId: 'ord-1042-delivered', context: { orderId: '1042' } }),
    });
  });

  it('accepts an event with only the required fields', () => {
    const event = orderDelivered();
    const result = parseSurveyEvent({ ...event, detail: { eventId: 'e1', occurredAt: '2026-11-22T10:00:00+02:00', customer: { id: 'c', email: 'a@b.co' } } });
    expect(result.ok && result.value.context).toEqual({});
  });

  it('accepts hostile text as before, and cleans the name and context strings after validating', () => {
    const event = orderDelivered();
    const detail = {
      ...event.detail,
      customer: { ...event.detail.customer, name: '  Ana\r\nhttps://evil.example \u202E' },
      context: { orderId: '10\n42', lines: ['a\tb'], n: 1 },
    };
    const result = parseSurveyEvent({ ...event, detail });
    expect(result.ok && result.value.customer.name).toBe('Ana https://evil.example');
    expect(result.ok && result.value.context).toEqual({ orderId: '10 42', lines: ['a b'], n: 1 });
    const nothingLeft = parseSurveyEvent({ ...event, detail: { ...detail, customer: { ...detail.customer, name: '\u200F\r\n' } } });
    expect(nothingLeft.ok && 'name' in nothingLeft.value.customer).toBe(false);
  });

  it.each([
    [
      'a missing eventId',
      (d: Record<string, unknown>) => {
        delete d.eventId;
      },
      'detail.eventId',
    ],
    [
      'an empty eventId',
      (d: Record<string, unknown>) => {
        d.eventId = '';
      },
      'detail.eventId',
    ],
    [
      'a date that is not ISO 8601',
      (d: Record<string, unknown>) => {
        d.occurredAt = 'yesterday';
      },
      'detail.occurredAt',
    ],
    [
      'an invalid email',
      (d: Record<string, unknown>) => {
        (d.customer as Record<string, unknown>).email = 'not-an-email';
      },
      'detail.customer.email',
    ],
    [
      'a missing customer id',
      (d: Record<string, unknown>) => {
        delete (d.customer as Record<string, unknown>).id;
      },
      'detail.customer.id',
    ],
    [
      'a malformed locale',
      (d: Record<string, unknown>) => {
        (d.customer as Record<string, unknown>).locale = 'croatian please';
      },
      'detail.customer.locale',
    ],
  ])('rejects %s and names the field', (_, mutate, field) => {
    const event = orderDelivered();
    mutate(event.detail as unknown as Record<string, unknown>);
    const result = parseSurveyEvent(JSON.stringify(event));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toContain(field);
  });

  it('rejects text that is not JSON, without throwing', () => {
    expect(parseSurveyEvent('{"source": ')).toEqual({ ok: false, reason: '(root): the message body is not JSON' });
  });

  it('rejects an event without the EventBridge envelope', () => {
    const result = parseSurveyEvent(orderDelivered().detail);
    expect(!result.ok && result.reason).toMatch(/source/);
  });
});
