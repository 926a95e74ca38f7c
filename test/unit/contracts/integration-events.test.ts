import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { buildFollowUpCase, escalation, type FollowUpCaseRecord, openCase } from '../../../functions/domain/follow-up-case.js';
import { INTEGRATION_DETAIL_TYPES, INTEGRATION_EVENT_SCHEMAS } from '../../../functions/domain/integration-event-schemas.js';
import {
  eventRejected,
  followUpCustomerReplied,
  followUpEscalated,
  followUpOpened,
  followUpResolved,
  INTEGRATION_SOURCE,
  type IntegrationEvent,
  recoverySurveyRequested,
  surveyResponded,
  surveySent,
  surveySkipped,
} from '../../../functions/domain/integration-events.js';
import type { Invitation } from '../../../functions/domain/invitation.js';
import { findProgram } from '../../../functions/domain/program.js';
import { demoCatalog as catalog } from '../../fixtures/catalog.js';

const ajv = new Ajv2020({ allErrors: true, strict: true });
const addFormats = (addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule;
addFormats(ajv);
const validators = Object.fromEntries(
  INTEGRATION_DETAIL_TYPES.map((detailType) => [
    detailType,
    ajv.compile(JSON.parse(readFileSync(`schema/integration-events/${detailType}.schema.json`, 'utf8'))),
  ]),
);

const program = findProgram(catalog, 'order-delivered-nps')!;
const rule = program.rules.find((r) => r.id === 'detractor')!;
const invitation: Invitation = {
  tokenHash: 'h4sh',
  programId: program.id,
  kind: 'nps',
  eventId: 'ord-1042-delivered',
  contactKey: 'k',
  locale: 'hr',
  customer: { id: 'c-77', email: 'ana@example.com', name: 'Ana', locale: 'hr', segment: 'smb', tier: 'gold' },
  context: { orderId: '1042' },
  createdAt: '2026-11-22T10:00:00.000Z',
  expiresAt: 0,
};
const answered = { ...invitation, response: { score: 3, comment: 'Kasni.', respondedAt: '2026-11-22T12:00:00.000Z' } };
const message = buildFollowUpCase(answered, program, rule, 'detractor', ['delivery'], { slaScale: 1, caseApiBaseUrl: 'https://api.example.com' });
const opened = openCase(message, rule, new Date('2026-11-22T12:00:00Z'));
const escalated = escalation(opened, new Date('2026-11-22T17:00:00Z'))!;
const resolved: FollowUpCaseRecord = { ...opened, status: 'resolved', rootCause: 'carrier-delay', resolvedAt: '2026-11-23T09:00:00.000Z' };

const threshold = {
  version: 1,
  programId: program.id,
  segment: 'smb',
  kind: 'nps',
  threshold: 20,
  windowDays: 30,
  responses: 40,
  score: 5.2,
  lower: -10.1,
  upper: 18.7,
  at: '2026-11-22T12:00:00.000Z',
};

/** Every integration event, as Closeloop's own code builds it. */
const built: IntegrationEvent[] = [
  surveySent(invitation),
  surveySkipped({ programId: program.id, eventId: 'e-1', customerId: 'c-77', reason: 'throttled', at: '2026-11-22T10:00:00.000Z' }),
  surveyResponded(answered, 'detractor', ['delivery'], false),
  surveyResponded({ ...answered, kind: 'enps' }, 'detractor', [], true),
  followUpOpened(message),
  followUpEscalated(escalated.message),
  followUpResolved(resolved),
  followUpCustomerReplied(resolved, { at: '2026-11-23T09:00:00.000Z', messageId: 'mid-hash' }),
  recoverySurveyRequested(resolved),
  { detailType: 'ThresholdBreached', detail: threshold },
  { detailType: 'ThresholdRecovered', detail: threshold },
  eventRejected(
    JSON.stringify({ source: 'shop.orders', 'detail-type': 'OrderDelivered', detail: { eventId: 'e-1' } }),
    'event contract v1: x',
    '2026-11-22T10:00:00.000Z',
  ),
];

describe('the integration events (schema/integration-events/, generated from the zod schemas)', () => {
  it('has a zod schema and a generated JSON Schema for every detail-type, and the builders cover them all', () => {
    expect(new Set(built.map((e) => e.detailType))).toEqual(new Set(INTEGRATION_DETAIL_TYPES));
    expect(INTEGRATION_DETAIL_TYPES).toHaveLength(11);
  });

  it.each(built.map((event, i) => [`${event.detailType} #${i}`, event] as const))('describes %s as Closeloop builds it', (_name, event) => {
    const zodResult = z.safeParse(INTEGRATION_EVENT_SCHEMAS[event.detailType], event.detail);
    expect(zodResult.success, JSON.stringify(zodResult.error?.issues)).toBe(true);
    const validate = validators[event.detailType]!;
    const envelope = { source: INTEGRATION_SOURCE, 'detail-type': event.detailType, detail: event.detail };
    expect(validate(envelope), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects an event that breaks its schema (the schemas are not a formality)', () => {
    const envelope = (detailType: string, detail: unknown) => ({ source: INTEGRATION_SOURCE, 'detail-type': detailType, detail });
    expect(validators.SurveySent!(envelope('SurveySent', { ...surveySent(invitation).detail, sentAt: 'yesterday' }))).toBe(false);
    expect(validators.SurveySent!(envelope('SurveySkipped', surveySent(invitation).detail))).toBe(false);
    expect(validators.EventRejected!(envelope('EventRejected', { version: 1, rejectedAt: '2026-11-22T10:00:00Z' }))).toBe(false);
    expect(
      validators.SurveySkipped!(
        envelope('SurveySkipped', { ...surveySkipped({ programId: 'p', eventId: 'e', customerId: 'c', reason: 'lost', at: threshold.at }).detail }),
      ),
    ).toBe(false);
  });
});
