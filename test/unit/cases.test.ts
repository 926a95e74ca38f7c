import { beforeEach, describe, expect, it } from 'vitest';
import {
  acknowledgeCase,
  CaseConflictError,
  type CaseDeps,
  CaseNotFoundError,
  CaseTransitionError,
  InvalidCaseRequestError,
  resolveCase,
} from '../../functions/cases/cases.js';
import { escalation, type FollowUpCaseRecord } from '../../functions/domain/follow-up-case.js';
import type { IntegrationEvent } from '../../functions/domain/integration-events.js';
import { sweep } from '../../functions/escalate/escalate.js';
import { detractorCase } from '../fixtures/cases.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryCases, RecordingPublisher } from '../fixtures/in-memory-cases.js';

const OPENED = new Date('2026-11-22T12:00:00.000Z');
const at = (hours: number) => new Date(OPENED.getTime() + hours * 3_600_000);

const newCase = (): FollowUpCaseRecord => detractorCase(OPENED);

describe('the case lifecycle', () => {
  let cases: InMemoryCases;
  let events: IntegrationEvent[];
  let now: Date;
  let deps: CaseDeps;
  let record: FollowUpCaseRecord;

  beforeEach(async () => {
    cases = new InMemoryCases();
    events = [];
    now = at(1);
    deps = {
      catalog: testCatalog,
      cases,
      events: {
        publish: async (e) => {
          events.push(...e);
        },
      },
      now: () => now,
    };
    record = newCase();
    await cases.open(record);
  });

  it('goes open → acknowledged → resolved, recording who and when', async () => {
    await acknowledgeCase(record.message.caseId, 'arn:aws:iam::1:user/maria', 'Calling her now', deps);
    now = at(3);
    const resolved = await resolveCase(record.message.caseId, 'arn:aws:iam::1:user/maria', 'delivery-delay', 'Refunded shipping', deps);

    expect(resolved).toMatchObject({
      status: 'resolved',
      rootCause: 'delivery-delay',
      note: 'Refunded shipping',
      acknowledgedAt: at(1).toISOString(),
      resolvedAt: at(3).toISOString(),
    });
    expect(resolved.nextDeadline).toBeUndefined();
    expect(resolved.history.map((h) => [h.action, h.actor])).toEqual([
      ['opened', 'closeloop'],
      ['acknowledged', 'arn:aws:iam::1:user/maria'],
      ['resolved', 'arn:aws:iam::1:user/maria'],
    ]);
    expect(events.map((e) => e.detailType)).toEqual(['FollowUpResolved', 'RecoverySurveyRequested']);
    expect(events[1]!.detail).toMatchObject({ eventId: `recovery-${record.message.caseId}`, customer: { id: 'c' } });
  });

  it('refuses an unknown root cause, an unknown case, a second resolution and a stale write', async () => {
    await expect(resolveCase(record.message.caseId, 'a', 'bad-luck', undefined, deps)).rejects.toThrow(InvalidCaseRequestError);
    await expect(acknowledgeCase('nope', 'a', undefined, deps)).rejects.toThrow(CaseNotFoundError);
    await resolveCase(record.message.caseId, 'a', 'other', undefined, deps);
    await expect(resolveCase(record.message.caseId, 'a', 'other', undefined, deps)).rejects.toThrow(CaseTransitionError);
    // A reader that still sees the open case: its write must not overwrite the resolution.
    const stale = Object.assign(Object.create(cases) as InMemoryCases, { get: async () => record });
    await expect(acknowledgeCase(record.message.caseId, 'a', undefined, { ...deps, cases: stale })).rejects.toThrow(CaseConflictError);
  });
});

describe('escalation', () => {
  it('climbs one rung when the acknowledgement is late, then waits for the resolve-by time', () => {
    const record = newCase();
    expect(escalation(record, at(3.9))).toBeUndefined();
    const first = escalation(record, at(4))!;
    expect(first.queue).toBe('escalation');
    expect(first.message.escalation).toEqual({ rung: 1, reason: 'not-acknowledged', at: at(4).toISOString() });
    expect(first.record).toMatchObject({ status: 'escalated', rung: 1 });
    // The ladder has one rung: nothing more to climb.
    expect(first.record.nextDeadline).toBeUndefined();
    expect(escalation(first.record, at(100))).toBeUndefined();
  });

  it('escalates an acknowledged case that is not resolved in time', () => {
    const record = { ...newCase(), status: 'acknowledged' as const, acknowledgedAt: at(1).toISOString(), nextDeadline: at(24).getTime() };
    expect(escalation(record, at(23))).toBeUndefined();
    expect(escalation(record, at(24))?.message.escalation?.reason).toBe('not-resolved');
  });

  it('sweeps each rung exactly once, and never an acknowledged or resolved case', async () => {
    const cases = new InMemoryCases();
    const publisher = new RecordingPublisher();
    const events: IntegrationEvent[] = [];
    let now = at(5);
    const deps = {
      cases,
      publisher,
      events: {
        publish: async (e: readonly IntegrationEvent[]) => {
          events.push(...e);
        },
      },
      now: () => now,
      deadLetters: {
        reject: async () => {
          throw new Error('nothing to set aside');
        },
      },
      queues: ['customer-success', 'escalation'],
    };
    const late = newCase();
    const acknowledged = {
      ...newCase(),
      message: { ...newCase().message, caseId: 'acked' },
      status: 'acknowledged' as const,
      acknowledgedAt: at(1).toISOString(),
      nextDeadline: at(24).getTime(),
    };
    await cases.open(late);
    await cases.open(acknowledged);

    const first = await sweep(deps);
    const second = await sweep(deps);
    now = at(30);
    const third = await sweep(deps);

    expect(first.map((m) => [m.caseId, m.queue, m.escalation?.rung])).toEqual([[late.message.caseId, 'escalation', 1]]);
    expect(second).toEqual([]);
    expect(third.map((m) => m.caseId)).toEqual(['acked']);
    expect(publisher.published).toHaveLength(2);
    expect(events.map((e) => e.detailType)).toEqual(['FollowUpEscalated', 'FollowUpEscalated']);
  });
  it('sets a case it cannot escalate aside with the reason, once, and escalates the cases behind it', async () => {
    const cases = new InMemoryCases();
    const publisher = new RecordingPublisher();
    const rejected: [string, string][] = [];
    const deps = {
      cases,
      publisher,
      events: { publish: async () => undefined },
      now: () => at(5),
      deadLetters: {
        reject: async (body: string, reason: string) => {
          rejected.push([body, reason]);
        },
      },
      queues: ['customer-success', 'escalation'],
    };
    const corrupted = { ...newCase(), message: { ...newCase().message, caseId: 'corrupted' }, escalateTo: ['nowhere'], nextDeadline: 0 };
    const late = newCase();
    await cases.open(corrupted);
    await cases.open(late);

    const first = await sweep(deps);
    const second = await sweep(deps);

    expect(rejected.map(([, reason]) => reason)).toEqual(['case corrupted: escalation queue "nowhere" is not declared']);
    expect(JSON.parse(rejected[0]![0])).toMatchObject({ escalateTo: ['nowhere'] });
    expect(cases.setAsideReasons.get('corrupted')).toBe('escalation queue "nowhere" is not declared');
    expect(first.map((m) => m.caseId)).toEqual([late.message.caseId]);
    expect(second).toEqual([]);
  });

  it('sets an unreadable case item aside with the member at fault, and escalates the cases behind it', async () => {
    const cases = new InMemoryCases();
    const rejected: [string, string][] = [];
    const unreadable = { unreadable: 'rung: expected number', caseId: 'hand-edited', item: { caseId: 'hand-edited', rung: 'one' } };
    const due = cases.due.bind(cases);
    cases.due = async (now: Date, limit: number) => [unreadable, ...(await due(now, limit))];
    const late = newCase();
    await cases.open(late);

    const escalated = await sweep({
      cases,
      publisher: new RecordingPublisher(),
      events: { publish: async () => undefined },
      now: () => at(5),
      deadLetters: { reject: async (body: string, reason: string) => void rejected.push([body, reason]) },
      queues: ['customer-success', 'escalation'],
    });

    expect(rejected).toEqual([[JSON.stringify(unreadable.item), 'case hand-edited: rung: expected number']]);
    expect(cases.setAsideReasons.get('hand-edited')).toBe('rung: expected number');
    expect(escalated.map((m) => m.caseId)).toEqual([late.message.caseId]);
  });
});
