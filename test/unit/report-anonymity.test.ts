import { describe, expect, it } from 'vitest';
import { ALL_SEGMENTS, responseCounters } from '../../functions/domain/aggregates.js';
import { anonymousPeriod, monthsOf, previousMonthsOf, shownCells } from '../../functions/domain/anonymity.js';
import type { Granularity, SegmentReport } from '../../functions/domain/report.js';
import { renderHtml } from '../../functions/report/html.js';
import { loadReports } from '../../functions/report/load.js';
import { renderCsv, renderText } from '../../functions/report/text.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryAggregates } from '../fixtures/in-memory-aggregates.js';

const FLOOR = 5;
const TODAY = '2026-11-20';

/** One response in the buckets, as the measure stage counts it: under its segment and under all. */
async function answer(store: InMemoryAggregates, programId: string, id: string, segment: string, day: string, score: number) {
  const counters = { ...responseCounters('enps', { score }, []), sent: 1 };
  await store.applyOnce(
    `response#${id}`,
    [segment, ALL_SEGMENTS].map((s) => ({ programId, segment: s, day, counters })),
    id,
    [segment, ALL_SEGMENTS],
  );
}

/**
 * October 2026: team-a answers 6 times on days 1–5 and once more on day 6 (the one person an
 * attacker wants: a 0); team-b has 2 people; in November team-a has 5.
 */
async function seeded(programId: string): Promise<InMemoryAggregates> {
  const store = new InMemoryAggregates();
  const teamA = [
    [1, 9],
    [1, 10],
    [2, 8],
    [3, 9],
    [4, 7],
    [5, 10],
  ] as const;
  for (const [i, [day, score]] of teamA.entries()) await answer(store, programId, `a${i}`, 'team-a', `2026-10-0${day}`, score);
  await answer(store, programId, 'target', 'team-a', '2026-10-06', 0);
  await answer(store, programId, 'b0', 'team-b', '2026-10-12', 3);
  await answer(store, programId, 'b1', 'team-b', '2026-10-20', 4);
  for (let i = 0; i < 5; i++) await answer(store, programId, `n${i}`, 'team-a', `2026-11-0${i + 2}`, 9);
  return store;
}

/** What one released figure covers: a segment, a set of days, how many responded, the per-score counts if given. */
interface Released {
  segment: string;
  days: Set<string>;
  responses: number;
  distribution?: Record<number, number>;
}

function daysBetween(from: string, to: string): Set<string> {
  const days = new Set<string>();
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) days.add(new Date(t).toISOString().slice(0, 10));
  return days;
}

const pointEnd = (start: string, granularity: Granularity, periodTo: string) => {
  const t = Date.parse(`${start}T00:00:00Z`);
  const end =
    granularity === 'day'
      ? start
      : granularity === 'week'
        ? new Date(t + 6 * 86_400_000).toISOString().slice(0, 10)
        : new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)), 0)).toISOString().slice(0, 10);
  return end < periodTo ? end : periodTo;
};

/** Everything a report prints about responses, as the attacker reads it from `--json`. */
function released(reports: readonly SegmentReport[], granularity: Granularity): Released[] {
  const out: Released[] = [];
  for (const r of JSON.parse(JSON.stringify(reports)) as SegmentReport[]) {
    if (!r.suppressed) out.push({ segment: r.segment, days: daysBetween(r.period.from, r.period.to), responses: r.responses, distribution: r.distribution });
    // An anonymous program's series is monthly whatever was asked for.
    const pointGranularity = r.kind === 'enps' ? 'month' : granularity;
    for (const p of r.series) {
      if (p.responses !== null)
        out.push({ segment: r.segment, days: daysBetween(p.period, pointEnd(p.period, pointGranularity, r.period.to)), responses: p.responses });
    }
  }
  return out;
}

const subset = (a: Set<string>, b: Set<string>) => [...a].every((d) => b.has(d));
const isolates = (n: number) => n > 0 && n < FLOOR;

/**
 * The differencing attack: any figure about fewer than FLOOR people, directly or as the difference
 * of two figures (a period inside another: days 1–5 vs 1–6; a segment vs all, or all vs the sum of
 * the segments shown for the same days). Returns what it found.
 */
function attack(figures: readonly Released[]): string[] {
  const found: string[] = [];
  const label = (f: Released) => `${f.segment} ${[...f.days][0]}…${[...f.days].at(-1)}`;
  for (const f of figures) {
    if (isolates(f.responses)) found.push(`${label(f)}: ${f.responses} responses`);
    if (f.distribution && f.responses < FLOOR && Object.values(f.distribution).some((n) => n > 0)) found.push(`${label(f)}: a distribution`);
  }
  for (const a of figures) {
    for (const b of figures) {
      if (a === b) continue;
      if (a.segment === b.segment && subset(a.days, b.days) && isolates(b.responses - a.responses)) found.push(`${label(b)} − ${label(a)}`);
      if (b.segment === ALL_SEGMENTS && a.segment !== ALL_SEGMENTS && a.days.size === b.days.size && subset(a.days, b.days)) {
        if (isolates(b.responses - a.responses)) found.push(`${label(b)} − ${label(a)}`);
      }
    }
  }
  const sameDays = new Map<string, Released[]>();
  for (const f of figures) sameDays.set([...f.days].join(), [...(sameDays.get([...f.days].join()) ?? []), f]);
  for (const group of sameDays.values()) {
    const all = group.find((f) => f.segment === ALL_SEGMENTS);
    const segments = new Map(group.filter((f) => f.segment !== ALL_SEGMENTS).map((f) => [f.segment, f.responses]));
    const rest = all ? all.responses - [...segments.values()].reduce((s, n) => s + n, 0) : 0;
    if (all && isolates(rest)) found.push(`${label(all)} − its segments: ${rest}`);
  }
  return found;
}

/** The attacker's queries: every prefix and suffix of October and around it, every granularity, all segments or one. */
async function everyQuery(store: InMemoryAggregates, programId: string): Promise<Released[]> {
  const figures: Released[] = [];
  const periods = [
    ...Array.from({ length: 31 }, (_, i) => ({ from: '2026-10-01', to: `2026-10-${String(i + 1).padStart(2, '0')}` })),
    ...Array.from({ length: 31 }, (_, i) => ({ from: `2026-10-${String(i + 1).padStart(2, '0')}`, to: '2026-10-31' })),
    { from: '2026-09-01', to: '2026-11-19' },
    { from: '2026-10-01', to: '2026-11-30' },
    { from: '2026-09-15', to: '2026-10-15' },
  ];
  for (const period of periods) {
    for (const granularity of ['day', 'week', 'month'] as const) {
      for (const segments of [undefined, ['team-a'], ['team-b'], [ALL_SEGMENTS]]) {
        const reports = await loadReports(store, testCatalog, { period, granularity, programIds: [programId], segments, minGroupSize: FLOOR, today: TODAY });
        figures.push(...released(reports, granularity));
      }
    }
  }
  return figures;
}

describe('eNPS anonymity: the differencing attack', () => {
  it('finds the day-6 respondent and the small team in a program that is not anonymous (the attack works)', async () => {
    const found = attack(await everyQuery(await seeded('order-delivered-nps'), 'order-delivered-nps'));
    expect(found).toContain('team-a 2026-10-01…2026-10-06 − team-a 2026-10-01…2026-10-05');
    expect(found.some((f) => f.startsWith('all ') && f.includes('− team-a'))).toBe(true);
  });

  it('finds nothing in an eNPS program, whatever the days, granularity and segments asked for', async () => {
    const store = await seeded('sampled-enps');
    const figures = await everyQuery(store, 'sampled-enps');
    expect(attack(figures)).toEqual([]);
    // Not because nothing is shown: October as a whole, for everyone, is.
    expect(figures).toContainEqual(expect.objectContaining({ segment: ALL_SEGMENTS, responses: 9 }));
  });

  it('gives days 1–5 and days 1–6 the same report: the whole, closed month', async () => {
    const store = await seeded('sampled-enps');
    const report = (to: string) =>
      loadReports(store, testCatalog, { period: { from: '2026-10-01', to }, granularity: 'day', programIds: ['sampled-enps'], today: TODAY });
    const [five, six] = [await report('2026-10-05'), await report('2026-10-06')];
    expect(JSON.stringify(six)).toBe(JSON.stringify(five));
    expect(five.map((r) => [r.segment, r.period, r.suppressed])).toEqual([
      [ALL_SEGMENTS, { from: '2026-10-01', to: '2026-10-31' }, false],
      ['team-a', { from: '2026-10-01', to: '2026-10-31' }, true],
      ['team-b', { from: '2026-10-01', to: '2026-10-31' }, true],
    ]);
  });

  it("hides team-a in October although it has 7 responses: all minus team-a would be team-b's 2", async () => {
    const store = await seeded('sampled-enps');
    const [all, teamA] = await loadReports(store, testCatalog, {
      period: { from: '2026-10-01', to: '2026-10-31' },
      granularity: 'month',
      programIds: ['sampled-enps'],
      segments: [ALL_SEGMENTS, 'team-a'],
      today: TODAY,
    });
    expect(all).toMatchObject({ suppressed: false, responses: 9 });
    expect(teamA).toMatchObject({ suppressed: true, responses: 0, score: null, distribution: {}, series: [] });
  });

  it('shows no month that has not closed, and no total over a hidden month', async () => {
    const store = await seeded('sampled-enps');
    const early = await loadReports(store, testCatalog, {
      period: { from: '2026-11-01', to: '2026-11-30' },
      granularity: 'week',
      programIds: ['sampled-enps'],
      today: '2026-12-01',
    });
    expect(early.every((r) => r.suppressed && r.series.length === 0)).toBe(true);
    const [, teamA] = await loadReports(store, testCatalog, {
      period: { from: '2026-10-01', to: '2026-11-30' },
      granularity: 'week',
      programIds: ['sampled-enps'],
      segments: [ALL_SEGMENTS, 'team-a'],
      today: '2026-12-05',
    });
    // November's team-a (5 of 5) is shown; October's is not, so neither is the two months' total.
    expect(teamA!.suppressed).toBe(true);
    expect(teamA!.series.map((p) => [p.period, p.responses])).toEqual([
      ['2026-10-01', null],
      ['2026-11-01', 5],
    ]);
  });

  it('prints hidden months as such in text, CSV and HTML', async () => {
    const store = await seeded('sampled-enps');
    const reports = await loadReports(store, testCatalog, {
      period: { from: '2026-10-01', to: '2026-11-30' },
      granularity: 'day',
      programIds: ['sampled-enps'],
      today: '2026-12-05',
    });
    const text = renderText(reports);
    expect(text).toContain('team-b · 2026-10-01 … 2026-11-30');
    expect(text).toContain('2026-10 not shown');
    expect(text).not.toMatch(/\b2 \(eNPS|responses +2\b/);
    const csv = renderCsv(reports).split('\n');
    expect(csv.filter((row) => row.includes('team-b'))).toEqual([]);
    expect(csv).toContain(`sampled-enps,team-a,enps,2026-11-01,5,5,100,${reports[1]!.series[1]!.score!.lower},${reports[1]!.series[1]!.score!.upper}`);
    const html = renderHtml(reports, new Date('2026-12-05T00:00:00Z'));
    expect(html).toContain('<li>2026-10: not shown</li>');
  });
});

describe('anonymity building blocks', () => {
  it('snaps a period to whole calendar months that have closed (answer window included)', () => {
    expect(anonymousPeriod({ from: '2026-10-03', to: '2026-10-05' }, '2026-11-20', 2)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(anonymousPeriod({ from: '2026-10-03', to: '2026-11-05' }, '2026-11-20', 2)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(anonymousPeriod({ from: '2026-10-03', to: '2026-10-05' }, '2026-11-02', 2)).toBeNull();
    expect(anonymousPeriod({ from: '2026-10-03', to: '2026-10-05' }, '2026-11-03', 2)).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(anonymousPeriod({ from: '2026-12-20', to: '2027-02-03' }, '2027-03-10', 2)).toEqual({ from: '2026-12-01', to: '2027-02-28' });
  });

  it('lists months and the baseline of as many whole months before', () => {
    expect(monthsOf({ from: '2026-11-01', to: '2027-02-28' })).toEqual(['2026-11', '2026-12', '2027-01', '2027-02']);
    expect(previousMonthsOf({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2026-10-01', to: '2026-10-31' });
    expect(previousMonthsOf({ from: '2026-01-01', to: '2026-02-28' })).toEqual({ from: '2025-11-01', to: '2025-12-31' });
  });

  it('hides small cells and then the smallest segments until the complement is nobody or a group', () => {
    const month = ['2026-10'];
    const cells = (counts: Record<string, number>) =>
      [...shownCells(Object.fromEntries(Object.entries(counts).map(([s, n]) => [s, { '2026-10': n }])), month, FLOOR)].map((c) => c.split('|')[0]).sort();
    expect(cells({ all: 12, a: 6, b: 6 })).toEqual(['a', 'all', 'b']);
    expect(cells({ all: 8, a: 6, b: 2 })).toEqual(['all']);
    expect(cells({ all: 13, a: 6, b: 2, c: 5 })).toEqual(['a', 'all']);
    expect(cells({ all: 15, a: 5, b: 5, c: 5 })).toEqual(['a', 'all', 'b', 'c']);
    // Responses with no segment count under all only: they are part of the complement.
    expect(cells({ all: 9, a: 6 })).toEqual(['all']);
    expect(cells({ all: 4, a: 4 })).toEqual([]);
    expect(cells({ all: 6, a: 6, b: 0 })).toEqual(['a', 'all', 'b']);
  });
});
