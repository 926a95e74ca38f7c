import { describe, expect, it } from 'vitest';
import { responseCounters } from '../../functions/domain/aggregates.js';
import { anonymousReports } from '../../functions/domain/anonymity.js';
import { buildSegmentReport, pareto, periodStart, previousPeriodOf } from '../../functions/domain/report.js';
import { renderHtml } from '../../functions/report/html.js';
import { csvCell, renderCsv, renderText, sparkline } from '../../functions/report/text.js';

const period = { from: '2026-11-02', to: '2026-11-15' };
const add = (into: Record<string, number>, extra: Record<string, number>) => {
  for (const [k, v] of Object.entries(extra)) into[k] = (into[k] ?? 0) + v;
  return into;
};
/** A day's bucket from scores. */
const day = (scores: number[], sent = scores.length * 4, extra: Record<string, number> = {}) =>
  scores.reduce((acc, score) => add(acc, responseCounters('nps', { score }, [])), { sent, ...extra } as Record<string, number>);

describe('report maths', () => {
  const days = {
    '2026-11-02': day([10, 10, 9, 8, 3], 20, { topic_delivery: 3, topic_price: 1, casesOpened: 1, bouncedHard: 1, bouncedSoft: 2 }),
    '2026-11-09': day([10, 9, 7, 6, 2, 0], 30, {
      topic_delivery: 2,
      casesResolved: 2,
      acknowledgedInTime: 2,
      resolvedInTime: 1,
      resolveHours_le4: 1,
      resolveHours_le24: 1,
      'rootCause_delivery-delay': 2,
    }),
    '2026-10-20': day([0, 0, 0]), // outside the period
  };
  const previous = day([10, 9, 9, 2]);
  const report = buildSegmentReport({ id: 'p', kind: 'nps' }, 'all', period, days, previous, { granularity: 'week', minGroupSize: 5 });

  it('computes NPS, its margin, the split, response rate and the change against the previous period', () => {
    // 11 responses: promoters 10,10,9,10,9 = 5; passives 8,7 = 2; detractors 3,6,2,0 = 4 → NPS = (5 − 4)/11 = 9.1
    expect(report.responses).toBe(11);
    expect(report.sent).toBe(50);
    expect(report.responseRate).toBe(22);
    expect(report.score?.value).toBe(9.1);
    expect(report.split).toEqual({ promoters: 45.5, passives: 18.2, detractors: 36.4 });
    // previous: 3 promoters, 1 detractor of 4 → 50
    expect(report.previousScore?.value).toBe(50);
    expect(report.change).toBe(-40.9);
    expect(report.score!.marginOfError).toBeGreaterThan(30);
    // The adjusted-Wald interval is centred on the adjusted estimate, not on the raw NPS.
    expect(report.score!.lower).toBeLessThan(report.score!.value);
    expect(report.score!.upper).toBeGreaterThan(report.score!.value);
  });

  it('reports bounces and complaints per program, as a share of sent, and not per segment', () => {
    expect(report.deliverability).toEqual({ bouncedHard: 1, bouncedSoft: 2, complained: 0, bounceRate: 2, complaintRate: 0 });
    expect(renderText([report])).toContain('deliverability hard bounces 1 (2 %), soft bounces 2, complaints 0 (0 %)');
    expect(buildSegmentReport({ id: 'p', kind: 'nps' }, 'smb', period, days, previous, { granularity: 'week', minGroupSize: 5 }).deliverability).toBeNull();
  });

  it('groups the series by ISO week and keeps the distribution', () => {
    expect(report.series.map((p) => [p.period, p.responses])).toEqual([
      ['2026-11-02', 5],
      ['2026-11-09', 6],
    ]);
    expect(report.distribution[10]).toBe(3);
    expect(report.distribution[0]).toBe(1);
  });

  it('ranks root causes and topics with shares and cumulative shares (Pareto)', () => {
    expect(report.topics).toEqual([
      { name: 'delivery', count: 5, share: 83.3, cumulativeShare: 83.3 },
      { name: 'price', count: 1, share: 16.7, cumulativeShare: 100 },
    ]);
    expect(pareto({ rootCause_a: 1, rootCause_b: 3, rootCause_c: 1, other: 9 }, 'rootCause_').map((r) => [r.name, r.cumulativeShare])).toEqual([
      ['b', 60],
      ['a', 80],
      ['c', 100],
    ]);
  });

  it('reports follow-up SLA compliance and the median time-to-resolve bucket', () => {
    expect(report.followUp).toEqual({ opened: 1, resolved: 2, acknowledgedInTime: 100, resolvedInTime: 50, medianTimeToResolve: '≤ 4 h' });
  });

  it('hides an eNPS group smaller than the minimum size, and reports eNPS only through its shown cells', () => {
    const november = { from: '2026-11-01', to: '2026-11-30' };
    const [small] = anonymousReports({
      program: { id: 'e', kind: 'enps' },
      period: november,
      days: { 'team-a': { '2026-11-03': day([10, 2, 3, 9]) }, all: { '2026-11-03': day([10, 2, 3, 9]) } },
      previousDays: {},
      segments: ['team-a'],
      minGroupSize: 5,
    });
    expect(small).toMatchObject({ suppressed: true, responses: 0, score: null, series: [], distribution: {} });
    expect(() => buildSegmentReport({ id: 'e', kind: 'enps' }, 'team-a', period, {}, {}, { granularity: 'week', minGroupSize: 5 })).toThrow(/whole months/);
    expect(renderText([small!])).toContain('not shown (eNPS is anonymous)');
    expect(renderCsv([small!]).trim().split('\n')).toHaveLength(1);
  });

  it('knows periods: the previous one of equal length, and week and month starts', () => {
    expect(previousPeriodOf(period)).toEqual({ from: '2026-10-19', to: '2026-11-01' });
    expect(periodStart('2026-11-15', 'week')).toBe('2026-11-09');
    expect(periodStart('2026-11-15', 'month')).toBe('2026-11-01');
  });

  it('renders text with sparklines, CSV and self-contained HTML', () => {
    expect(sparkline([1, 5, null, 9])).toBe('▁▅ █');
    const text = renderText([report]);
    expect(text).toContain('NPS            9.1 ±');
    expect(text).toContain('vs 50 before (-40.9)');
    expect(renderCsv([report]).split('\n')[1]).toBe(`p,all,nps,2026-11-02,20,5,40,${report.series[0]!.score!.lower},${report.series[0]!.score!.upper}`);
    const html = renderHtml([report], new Date('2026-11-16T00:00:00Z'));
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html.match(/<svg /g)).toHaveLength(6);
    expect(html).not.toMatch(/<script|src=|href=/);
  });
});

describe('report output from producer-supplied labels', () => {
  const hostile = (segment: string) =>
    buildSegmentReport({ id: 'p', kind: 'nps' }, segment, period, { '2026-11-02': day([10, 9, 0]) }, {}, { granularity: 'week', minGroupSize: 5 });

  it.each([
    ['=HYPERLINK("https://evil.example","x")', `"'=HYPERLINK(""https://evil.example"",""x"")"`],
    ['+1+cmd|calc', `"'+1+cmd|calc"`],
    ['-2+3', `"'-2+3"`],
    ['@SUM(A1)', `"'@SUM(A1)"`],
    ['\t=1+1', `"'=1+1"`],
    ['\r=1+1', `"'=1+1"`],
    ['smb', 'smb'],
    ['a,b', '"a,b"'],
  ])('neutralises the CSV cell %j (OWASP CSV injection)', (segment, cell) => {
    const row = renderCsv([hostile(segment)]).split('\n')[1]!;
    expect(row.startsWith(`p,${cell},nps,2026-11-02,`)).toBe(true);
    expect(csvCell(segment)).toBe(cell);
  });

  it('keeps numbers as numbers: a negative NPS is not a formula', () => {
    expect(csvCell(-40)).toBe('-40');
    expect(renderCsv([hostile('smb')]).split('\n')[1]).toMatch(/^p,smb,nps,2026-11-02,12,3,33\.3,-?\d/);
  });

  it('prints no control sequence or bidi control in the text report', () => {
    const text = renderText([hostile('\u001B[2J\u001B]0;pwned\u0007team\u202E\r\nfake line')]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
    expect(text).not.toMatch(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]/);
    expect(text.split('\n')[0]).toBe('p · [2J]0;pwnedteam fake line · 2026-11-02 … 2026-11-15');
  });
});
