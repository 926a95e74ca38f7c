import { ALL_SEGMENTS, addCounters, type Counters } from './aggregates.js';
import type { SurveyProgram } from './program.js';
import { buildSegmentReport, type Period, type SegmentReport } from './report.js';

/**
 * Anonymous programs (eNPS) are reported over one fixed grid of cells: calendar months (UTC) per
 * segment. A figure is published only for a cell, or for a sum of cells that are all published,
 * so two reports can never be subtracted to isolate fewer people than the minimum group: not
 * days 1–5 from days 1–6 (both are the whole month), not a month from a quarter, not a segment
 * from all (the complement rule below). One grid only: weeks and months do not nest, and a month
 * minus its whole weeks would isolate its first and last days.
 */
export const ANONYMOUS_GRANULARITY = 'month' as const;

/** A calendar month, `yyyy-mm`. */
export const monthOf = (day: string) => day.slice(0, 7);

const DAY_MS = 86_400_000;
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const monthEnd = (month: string) => {
  const [year, m] = month.split('-').map(Number) as [number, number];
  return toDay(Date.UTC(year, m, 1) - DAY_MS);
};

/**
 * The whole calendar months a period touches that are closed by `today`: a month closes
 * `closesAfterDays` after its last day, once no answer in it can still change (the answer window)
 * — otherwise running the same report on two days would show one person's change. Null when no
 * such month remains.
 */
export function anonymousPeriod(period: Period, today: string, closesAfterDays: number): Period | null {
  const from = `${monthOf(period.from)}-01`;
  let to = monthEnd(monthOf(period.to));
  while (to >= from && Date.parse(`${to}T00:00:00Z`) + closesAfterDays * DAY_MS >= Date.parse(`${today}T00:00:00Z`)) {
    to = toDay(Date.parse(`${to.slice(0, 7)}-01T00:00:00Z`) - DAY_MS);
  }
  return to >= from ? { from, to } : null;
}

/** The months of a period (whole months), oldest first. */
export function monthsOf(period: Period): string[] {
  const months: string[] = [];
  for (let month = monthOf(period.from); month <= monthOf(period.to); ) {
    months.push(month);
    const [year, m] = month.split('-').map(Number) as [number, number];
    month = new Date(Date.UTC(year, m, 1)).toISOString().slice(0, 7);
  }
  return months;
}

/** The baseline of a whole-month period: the same number of whole months just before it. */
export function previousMonthsOf(period: Period): Period {
  const count = monthsOf(period).length;
  const [year, m] = monthOf(period.from).split('-').map(Number) as [number, number];
  return { from: toDay(Date.UTC(year, m - 1 - count, 1)), to: toDay(Date.UTC(year, m - 1, 1) - DAY_MS) };
}

/** Responses per segment (ALL_SEGMENTS included) and month. */
export type CellCounts = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Sums day buckets into months: responses per month. */
export function monthlyResponses(days: Readonly<Record<string, Counters>>): Record<string, number> {
  const months: Record<string, number> = {};
  for (const [day, counters] of Object.entries(days)) months[monthOf(day)] = (months[monthOf(day)] ?? 0) + (counters.responses ?? 0);
  return months;
}

/**
 * Which cells (`segment|month`) may be shown. Per month:
 * - nothing, when the whole group (ALL_SEGMENTS) has fewer responses than `minGroupSize`;
 * - a segment when it has none or at least `minGroupSize`, and
 * - the complement: all minus the shown segments (the people in hidden segments and in none)
 *   must be nobody or at least `minGroupSize`; while it is not, the smallest shown segment is
 *   hidden too. Segments partition the whole (a response counts under its one segment and all).
 * The decision depends on every segment, never on the ones a report asks for, so asking for one
 * segment at a time shows the same cells.
 */
export function shownCells(counts: CellCounts, months: readonly string[], minGroupSize: number): Set<string> {
  const shown = new Set<string>();
  const small = (n: number) => n > 0 && n < minGroupSize;
  const segments = Object.keys(counts)
    .filter((s) => s !== ALL_SEGMENTS)
    .sort();
  for (const month of months) {
    const all = counts[ALL_SEGMENTS]?.[month] ?? 0;
    if (small(all)) continue;
    const sizeOf = (segment: string) => counts[segment]?.[month] ?? 0;
    const kept = segments.filter((s) => !small(sizeOf(s)));
    let rest = all - kept.reduce((sum, s) => sum + sizeOf(s), 0);
    while (small(rest)) {
      const smallest = kept.filter((s) => sizeOf(s) > 0).sort((a, b) => sizeOf(a) - sizeOf(b) || a.localeCompare(b))[0];
      if (smallest === undefined) break;
      kept.splice(kept.indexOf(smallest), 1);
      rest += sizeOf(smallest);
    }
    shown.add(`${ALL_SEGMENTS}|${month}`);
    for (const segment of kept) shown.add(`${segment}|${month}`);
  }
  return shown;
}

export interface AnonymousReportInput {
  readonly program: Pick<SurveyProgram, 'id' | 'kind'>;
  /** Already whole closed months (anonymousPeriod). */
  readonly period: Period;
  /** Day buckets of the period and of the previous period, for every segment the program has (and ALL_SEGMENTS). */
  readonly days: Readonly<Record<string, Readonly<Record<string, Counters>>>>;
  readonly previousDays: Readonly<Record<string, Readonly<Record<string, Counters>>>>;
  /** The segments to report on (a subset of the keys of `days`). */
  readonly segments: readonly string[];
  readonly minGroupSize: number;
}

/**
 * The reports of an anonymous program: by month, each figure from shown cells only; the period's
 * totals (and the baseline's) only when every month in them is shown for that segment, so that
 * a total is a sum of shown cells and tells nothing a cell does not.
 */
export function anonymousReports(input: AnonymousReportInput): SegmentReport[] {
  const previous = previousMonthsOf(input.period);
  const cellCounts = (days: AnonymousReportInput['days']) => Object.fromEntries(Object.entries(days).map(([segment, d]) => [segment, monthlyResponses(d)]));
  const months = monthsOf(input.period);
  const previousMonths = monthsOf(previous);
  const shown = shownCells(cellCounts(input.days), months, input.minGroupSize);
  const shownBefore = shownCells(cellCounts(input.previousDays), previousMonths, input.minGroupSize);
  return input.segments.map((segment) => {
    const previousTotals: Counters = {};
    for (const counters of Object.values(input.previousDays[segment] ?? {})) addCounters(previousTotals, counters);
    const report = buildSegmentReport(input.program, segment, input.period, input.days[segment] ?? {}, previousTotals, {
      granularity: ANONYMOUS_GRANULARITY,
      minGroupSize: input.minGroupSize,
      cells: {
        shown: (start) => shown.has(`${segment}|${monthOf(start)}`),
        previousShown: previousMonths.every((month) => shownBefore.has(`${segment}|${month}`)),
      },
    });
    return { ...report, previousPeriod: previous };
  });
}
