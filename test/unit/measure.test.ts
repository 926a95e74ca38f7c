import { beforeEach, describe, expect, it } from 'vitest';
import type { Invitation } from '../../functions/domain/invitation.js';
import { countersOf, evaluateAlerts, type MeasureDeps, measureChange, measureChanges, UnmeasurableChangeError } from '../../functions/measure/measure.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';

const NOW = new Date('2026-11-22T12:00:00Z');
let n = 0;
function invitation(score?: number, overrides: Partial<Invitation> = {}): Invitation {
  n++;
  return {
    tokenHash: `t${n}`,
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: `e${n}`,
    contactKey: `k${n}`,
    locale: 'et',
    customer: { id: `c${n}`, email: `c${n}@example.com`, segment: 'smb' },
    context: {},
    createdAt: '2026-11-22T10:00:00Z',
    expiresAt: 0,
    ...(score !== undefined ? { response: { score, comment: 'Pakk jõudis hilinenult', respondedAt: '2026-11-22T11:00:00Z', revision: 1 } } : {}),
    ...overrides,
  };
}

describe('measuring from the stream', () => {
  let aggregates: InMemoryAggregates;
  let deps: MeasureDeps;
  beforeEach(() => {
    aggregates = new InMemoryAggregates();
    deps = { catalog, aggregates, now: () => NOW };
  });

  it.each([
    ['a score outside the scale', { response: { score: 42, respondedAt: '2026-11-22T11:00:00Z', revision: 1 } }, 'score 42 is outside the nps scale'],
    ['an unknown kind', { kind: 'stars' as never }, 'kind "stars" is not a survey kind'],
    ['a response time that is no date', { response: { score: 3, respondedAt: 'yesterday', revision: 1 } }, 'respondedAt "yesterday" is not a date'],
  ])('names a corrupted invitation (%s) and counts nothing', async (_, overrides, reason) => {
    const corrupted = invitation(undefined, overrides);

    await expect(measureChange({ type: 'invitation', after: corrupted }, deps)).rejects.toThrow(
      new UnmeasurableChangeError(`invitation ${corrupted.tokenHash}: ${reason}`),
    );
    expect(await aggregates.totals('order-delivered-nps', 'all', '2026-11-01', '2026-11-30')).toEqual({});
  });

  it('counts sends and responses per segment and in total, topics included, once per record', async () => {
    const sent = invitation();
    const answered = { ...sent, response: { score: 2, comment: 'Pakk jõudis hilinenult', respondedAt: '2026-11-22T11:00:00Z', revision: 1 } };
    await measureChange({ type: 'invitation', after: sent }, deps);
    await measureChange({ type: 'invitation', before: sent, after: answered }, deps);
    await measureChange({ type: 'invitation', before: sent, after: answered }, deps); // re-delivered

    for (const segment of ['smb', 'all']) {
      expect(await aggregates.totals('order-delivered-nps', segment, '2026-11-22', '2026-11-22')).toEqual({
        sent: 1,
        responses: 1,
        scoreSum: 2,
        scoreSumSq: 4,
        score_2: 1,
        class_detractor: 1,
        topic_delivery: 1,
      });
    }
  });

  it('counts a stream batch together, each record once, a record delivered twice in it included', async () => {
    const sent = invitation();
    const answered = { ...sent, response: { score: 9, respondedAt: '2026-11-22T11:00:00Z', revision: 1 } };
    const other = invitation(10);

    const { touched, counters } = await measureChanges(
      [
        { type: 'invitation', after: sent },
        { type: 'invitation', before: sent, after: answered },
        { type: 'invitation', before: sent, after: answered },
        { type: 'invitation', after: other },
      ],
      deps,
    );

    expect(counters.map((c) => c.changeId)).toEqual([
      `sent#${sent.tokenHash}`,
      `response#${sent.tokenHash}#1`,
      `response#${sent.tokenHash}#1`,
      `sent#${other.tokenHash}`,
      `response#${other.tokenHash}#1`,
    ]);
    expect(touched).toContainEqual({ programId: 'order-delivered-nps', segment: 'smb' });
    expect(await aggregates.totals('order-delivered-nps', 'all', '2026-11-22', '2026-11-22')).toMatchObject({ sent: 2, responses: 2, class_promoter: 2 });
  });

  it('plans without writing: a corrupted record throws before the batch is counted', () => {
    expect(() => countersOf({ type: 'invitation', after: invitation(undefined, { kind: 'stars' as never }) }, deps)).toThrow(UnmeasurableChangeError);
    expect(aggregates.applied.size).toBe(0);
  });

  it('moves a changed answer from one class to the other without counting it twice', async () => {
    const first = invitation(2);
    const changed = { ...first, response: { ...first.response!, score: 9, comment: undefined, revision: 2 } };
    await measureChange({ type: 'invitation', after: first }, deps);
    await measureChange({ type: 'invitation', before: first, after: changed }, deps);
    const totals = await aggregates.totals('order-delivered-nps', 'all', '2026-11-22', '2026-11-22');
    expect(totals).toMatchObject({ responses: 1, class_detractor: 0, class_promoter: 1, topic_delivery: 0 });
  });

  it('raises one ThresholdBreached per crossing, and one ThresholdRecovered after recovery', async () => {
    const touched = [{ programId: 'order-delivered-nps', segment: 'smb' }];
    for (let i = 0; i < 40; i++) await measureChange({ type: 'invitation', after: invitation(i % 4 === 0 ? 9 : 3) }, deps);
    const first = await evaluateAlerts(touched, deps);
    const again = await evaluateAlerts(touched, deps);
    for (let i = 0; i < 60; i++) await measureChange({ type: 'invitation', after: invitation(10) }, deps);
    const recovered = await evaluateAlerts(touched, deps);

    expect(first.map((e) => e.detailType)).toEqual(['ThresholdBreached']);
    expect(first[0]!.detail).toMatchObject({ programId: 'order-delivered-nps', segment: 'smb', responses: 40, score: -50, threshold: 0 });
    expect(again).toEqual([]);
    expect(recovered.map((e) => e.detailType)).toEqual(['ThresholdRecovered']);
  });

  it('counts resolved cases with their root cause and whether they met their deadlines', async () => {
    const message = {
      caseId: 'case-1',
      programId: 'order-delivered-nps',
      respondedAt: '2026-11-22T10:00:00.000Z',
      acknowledgeBy: '2026-11-22T14:00:00.000Z',
      dueAt: '2026-11-23T10:00:00.000Z',
    };
    const open = { message, status: 'open', rung: 0, escalateTo: [], recoverySurvey: false, history: [] } as never;
    const resolved = {
      ...(open as object),
      status: 'resolved',
      rootCause: 'delivery-delay',
      acknowledgedAt: '2026-11-22T15:00:00.000Z',
      resolvedAt: '2026-11-22T20:00:00.000Z',
    } as never;
    await measureChange({ type: 'case', after: open }, deps);
    await measureChange({ type: 'case', before: open, after: resolved }, deps);
    await measureChange({ type: 'case', before: open, after: resolved }, deps);
    expect(await aggregates.totals('order-delivered-nps', 'all', '2026-11-22', '2026-11-22')).toEqual({
      casesOpened: 1,
      casesResolved: 1,
      resolvedInTime: 1,
      acknowledgedInTime: 0,
      resolveMinutesSum: 600,
      resolveHours_le24: 1,
      'rootCause_delivery-delay': 1,
    });
  });
});
