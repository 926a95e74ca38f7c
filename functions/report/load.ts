import { ALL_SEGMENTS } from '../domain/aggregates.js';
import { anonymousPeriod, anonymousReports, previousMonthsOf } from '../domain/anonymity.js';
import type { Catalog } from '../domain/program.js';
import { buildSegmentReport, type Granularity, type Period, previousPeriodOf, type SegmentReport } from '../domain/report.js';
import { surveyKind } from '../domain/survey-kinds.js';
import type { AggregateStore } from '../ports.js';

export interface ReportRequest {
  readonly period: Period;
  readonly granularity: Granularity;
  /** Only these programs (default: all in the catalog). */
  readonly programIds?: readonly string[];
  /** Only these segments (default: every segment seen, and "all"). */
  readonly segments?: readonly string[];
  /** eNPS groups smaller than this show nothing (anonymity). @default 5 */
  readonly minGroupSize?: number;
  /** yyyy-mm-dd: eNPS months are reported once closed by this day. @default today (UTC) */
  readonly today?: string;
}

export class ReportRequestError extends Error {
  override readonly name = 'ReportRequestError';
}

/** Reads the day buckets of the period and of the one before, and builds one report per program and segment. */
export async function loadReports(store: AggregateStore, catalog: Catalog, request: ReportRequest): Promise<SegmentReport[]> {
  const unknown = (request.programIds ?? []).filter((id) => !catalog.programs.some((p) => p.id === id));
  if (unknown.length) throw new ReportRequestError(`unknown program: ${unknown.join(', ')} (known: ${catalog.programs.map((p) => p.id).join(', ')})`);
  const programs = catalog.programs.filter((p) => !request.programIds?.length || request.programIds.includes(p.id));
  const previous = previousPeriodOf(request.period);
  const reports: SegmentReport[] = [];
  const minGroupSize = request.minGroupSize ?? 5;
  for (const program of programs) {
    const known = await store.segments(program.id);
    const everySegment = [ALL_SEGMENTS, ...known.filter((s) => s !== ALL_SEGMENTS)];
    const segments = request.segments?.length ? request.segments : everySegment;
    if (surveyKind(program.kind).anonymous) {
      reports.push(...(await loadAnonymous(store, program, request, segments, everySegment, catalog.answerWindowHours, minGroupSize)));
      continue;
    }
    for (const segment of segments) {
      const [days, before] = await Promise.all([
        store.daily(program.id, segment, request.period.from, request.period.to),
        store.totals(program.id, segment, previous.from, previous.to),
      ]);
      reports.push(buildSegmentReport(program, segment, request.period, days, before, { granularity: request.granularity, minGroupSize }));
    }
  }
  return reports;
}

/**
 * An anonymous (eNPS) program: whole calendar months that have closed, whatever the request's
 * days and granularity, and every segment read (the complement rule needs them all), so that no
 * two requests differ by fewer people than the minimum group (functions/domain/anonymity.ts).
 */
async function loadAnonymous(
  store: AggregateStore,
  program: Catalog['programs'][number],
  request: ReportRequest,
  segments: readonly string[],
  everySegment: readonly string[],
  answerWindowHours: number,
  minGroupSize: number,
): Promise<SegmentReport[]> {
  const today = request.today ?? new Date().toISOString().slice(0, 10);
  // A month's answers can still change during the answer window after its last day (and reach the buckets a moment later).
  const period = anonymousPeriod(request.period, today, Math.ceil(answerWindowHours / 24) + 1);
  if (!period) return segments.map((segment) => notYetClosed(program, segment, request.period));
  const previous = previousMonthsOf(period);
  const read = async (p: Period) =>
    Object.fromEntries(await Promise.all(everySegment.map(async (segment) => [segment, await store.daily(program.id, segment, p.from, p.to)] as const)));
  const [days, previousDays] = await Promise.all([read(period), read(previous)]);
  return anonymousReports({ program, period, days, previousDays, segments, minGroupSize });
}

function notYetClosed(program: Catalog['programs'][number], segment: string, period: Period): SegmentReport {
  return {
    programId: program.id,
    kind: program.kind,
    segment,
    period,
    previousPeriod: previousPeriodOf(period),
    suppressed: true,
    sent: 0,
    responses: 0,
    responseRate: null,
    deliverability: null,
    score: null,
    previousScore: null,
    change: null,
    split: null,
    distribution: {},
    series: [],
    followUp: { opened: 0, resolved: 0, acknowledgedInTime: null, resolvedInTime: null, medianTimeToResolve: null },
    rootCauses: [],
    topics: [],
  };
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The period asked for, or the last 90 days up to today. */
export function periodOf(options: { from?: string; to?: string }, today = new Date()): Period {
  const to = options.to ?? today.toISOString().slice(0, 10);
  const from = options.from ?? new Date(Date.parse(`${to}T00:00:00Z`) - 89 * 86_400_000).toISOString().slice(0, 10);
  for (const [name, value] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!DAY.test(value) || Number.isNaN(Date.parse(value))) throw new ReportRequestError(`${name} must be a date like 2026-11-01, not "${value}"`);
  }
  if (from > to) throw new ReportRequestError(`--from ${from} is after --to ${to}`);
  return { from, to };
}
