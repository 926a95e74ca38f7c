import { ALL_SEGMENTS, addCounters, type Counters, RESOLVE_HOUR_EDGES, scoreEstimate } from './aggregates.js';
import type { SurveyProgram } from './program.js';
import { REMINDER_COUNTERS } from './reminder.js';
import { type SurveyKind, scoresOf, surveyKind } from './survey-kinds.js';

export type Granularity = 'day' | 'week' | 'month';

export interface Period {
  /** yyyy-mm-dd, inclusive. */
  readonly from: string;
  readonly to: string;
}

export interface ScoreLine {
  readonly value: number;
  /** Half the 95 % interval: "NPS 32 ± 7". */
  readonly marginOfError: number;
  readonly lower: number;
  readonly upper: number;
}

export interface SeriesPoint {
  /** The first day of the day, week (Monday) or month. */
  readonly period: string;
  readonly sent: number;
  /** Null when the point is hidden (an anonymous program's group below the minimum, see anonymity.ts). */
  readonly responses: number | null;
  readonly score: ScoreLine | null;
}

export interface Ranked {
  readonly name: string;
  readonly count: number;
  /** Share of all, and running total in rank order (Pareto), 0–100. */
  readonly share: number;
  readonly cumulativeShare: number;
}

export interface SegmentReport {
  readonly programId: string;
  readonly kind: SurveyKind;
  readonly segment: string;
  readonly period: Period;
  readonly previousPeriod: Period;
  /**
   * eNPS: the period's figures are hidden (a group below the minimum size in it, or a complement
   * that would isolate one); the series still shows each month that may be shown.
   */
  readonly suppressed: boolean;
  readonly sent: number;
  readonly responses: number;
  /** Answered ÷ sent, 0–100, or null without sends. */
  readonly responseRate: number | null;
  /** SES feedback on this program's emails, in % of sent; counted per program, so null for a single segment. */
  readonly deliverability: {
    readonly bouncedHard: number;
    readonly bouncedSoft: number;
    readonly complained: number;
    readonly bounceRate: number | null;
    readonly complaintRate: number | null;
  } | null;
  /** NPS (−100…100), CSAT top-2-box % or CES mean. */
  readonly score: ScoreLine | null;
  readonly previousScore: ScoreLine | null;
  /** score − previousScore: the baseline comparison. */
  readonly change: number | null;
  /** NPS/eNPS: promoters, passives, detractors in %. */
  readonly split: { promoters: number; passives: number; detractors: number } | null;
  readonly distribution: Readonly<Record<number, number>>;
  readonly series: readonly SeriesPoint[];
  readonly followUp: {
    readonly opened: number;
    readonly resolved: number;
    readonly acknowledgedInTime: number | null;
    readonly resolvedInTime: number | null;
    /** The histogram bucket that holds the median, e.g. "≤ 24 h". */
    readonly medianTimeToResolve: string | null;
  };
  readonly rootCauses: readonly Ranked[];
  readonly topics: readonly Ranked[];
  /** The program's reminder: the response rate with it and in the held-out control group. Absent without reminder data in the period. */
  readonly reminders?: ReminderComparison;
}

/** Surveys sent and answered in one group of a reminder program. */
export interface ReminderGroup {
  readonly sent: number;
  readonly responses: number;
  /** responses ÷ sent, 0–100, or null without sends. */
  readonly responseRate: number | null;
}

export interface ReminderComparison {
  /** Contacts planned for a reminder (whether or not they answered before it was due). */
  readonly withReminder: ReminderGroup;
  /** The control group (`reminder.holdout`): never reminded. */
  readonly heldOut: ReminderGroup;
  /** Reminder emails sent. */
  readonly remindersSent: number;
  /** Answers given after the reminder went out. */
  readonly respondedAfterReminder: number;
  /** withReminder.responseRate − heldOut.responseRate, in percentage points; null unless both are known. */
  readonly uplift: number | null;
}

const reminderPart = (totals: Counters) => {
  const reminders = reminderComparison(totals);
  return reminders ? { reminders } : {};
};

/** The reminder comparison from a period's counters (domain/reminder.ts), or null when the period has none. */
export function reminderComparison(counters: Counters): ReminderComparison | null {
  const get = (key: string) => counters[key] ?? 0;
  const group = (sent: string, responses: string): ReminderGroup => {
    const rate = percent(get(responses), get(sent));
    return { sent: get(sent), responses: get(responses), responseRate: rate === null ? null : round1(rate) };
  };
  const withReminder = group(REMINDER_COUNTERS.reminderGroupSent, REMINDER_COUNTERS.reminderGroupResponses);
  const heldOut = group(REMINDER_COUNTERS.holdoutGroupSent, REMINDER_COUNTERS.holdoutGroupResponses);
  const remindersSent = get(REMINDER_COUNTERS.remindersSent);
  if (!withReminder.sent && !heldOut.sent && !remindersSent) return null;
  return {
    withReminder,
    heldOut,
    remindersSent,
    respondedAfterReminder: get(REMINDER_COUNTERS.respondedAfterReminder),
    uplift: withReminder.responseRate !== null && heldOut.responseRate !== null ? round1(withReminder.responseRate - heldOut.responseRate) : null,
  };
}

const DAY_MS = 86_400_000;
const toDate = (day: string) => new Date(`${day}T00:00:00Z`);
const toDay = (date: Date) => date.toISOString().slice(0, 10);

/** The period of the same length just before: the baseline. */
export function previousPeriodOf(period: Period): Period {
  const length = toDate(period.to).getTime() - toDate(period.from).getTime() + DAY_MS;
  return { from: toDay(new Date(toDate(period.from).getTime() - length)), to: toDay(new Date(toDate(period.from).getTime() - DAY_MS)) };
}

export function periodStart(day: string, granularity: Granularity): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return `${day.slice(0, 7)}-01`;
  const date = toDate(day);
  const sinceMonday = (date.getUTCDay() + 6) % 7;
  return toDay(new Date(date.getTime() - sinceMonday * DAY_MS));
}

const percent = (part: number, whole: number) => (whole ? (part / whole) * 100 : null);
const round1 = (value: number) => Math.round(value * 10) / 10;

function scoreLine(kind: SurveyKind, counters: Counters): ScoreLine | null {
  if (!counters.responses) return null;
  const estimate = scoreEstimate(kind, counters);
  const digits = 10 ** surveyKind(kind).figure.decimals;
  const r = (value: number) => Math.round(value * digits) / digits;
  return { value: r(estimate.value), marginOfError: r((estimate.upper - estimate.lower) / 2), lower: r(estimate.lower), upper: r(estimate.upper) };
}

/** Ranks `prefix_*` counters, largest first, with each one's share and the running share (Pareto). */
export function pareto(counters: Counters, prefix: string): Ranked[] {
  const entries = Object.entries(counters)
    .filter(([key, count]) => key.startsWith(prefix) && count > 0)
    .map(([key, count]) => ({ name: key.slice(prefix.length), count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  const total = entries.reduce((sum, e) => sum + e.count, 0);
  let running = 0;
  return entries.map((e) => {
    running += e.count;
    return { ...e, share: round1((e.count / total) * 100), cumulativeShare: round1((running / total) * 100) };
  });
}

function medianResolveBucket(counters: Counters): string | null {
  const buckets = [
    ...RESOLVE_HOUR_EDGES.map((edge) => ({ key: `resolveHours_le${edge}`, label: `≤ ${edge} h` })),
    { key: `resolveHours_gt${RESOLVE_HOUR_EDGES[RESOLVE_HOUR_EDGES.length - 1]}`, label: `> ${RESOLVE_HOUR_EDGES[RESOLVE_HOUR_EDGES.length - 1]} h` },
  ];
  const total = buckets.reduce((sum, b) => sum + (counters[b.key] ?? 0), 0);
  if (!total) return null;
  let running = 0;
  for (const bucket of buckets) {
    running += counters[bucket.key] ?? 0;
    if (running >= total / 2) return bucket.label;
  }
  return null;
}

/**
 * The report of one program and segment over a period, from its day buckets and the previous
 * period's totals. Its cost depends on the days in the period, never on the number of responses.
 */
export function buildSegmentReport(
  program: Pick<SurveyProgram, 'id' | 'kind'>,
  segment: string,
  period: Period,
  days: Readonly<Record<string, Counters>>,
  previous: Counters,
  options: {
    granularity: Granularity;
    minGroupSize: number;
    /** Anonymous programs: which series periods may be shown, and whether the whole previous period may (anonymity.ts). */
    cells?: { shown: (periodStart: string) => boolean; previousShown: boolean };
  },
): SegmentReport {
  const totals: Counters = {};
  const grouped = new Map<string, Counters>();
  for (const [day, counters] of Object.entries(days).sort(([a], [b]) => a.localeCompare(b))) {
    if (day < period.from || day > period.to) continue;
    addCounters(totals, counters);
    const key = periodStart(day, options.granularity);
    grouped.set(key, addCounters(grouped.get(key) ?? {}, counters));
  }
  const get = (key: string, from: Counters = totals) => from[key] ?? 0;
  const responses = get('responses');
  const { anonymous } = surveyKind(program.kind);
  if (anonymous && (!options.cells || options.granularity !== 'month')) {
    throw new Error(`${program.id}: an anonymous program is reported by whole months with its shown cells (anonymousReports), never on its own`);
  }
  const cells = options.cells ?? { shown: () => true, previousShown: true };
  const pointShown = (start: string, counters: Counters) =>
    !anonymous || (cells.shown(start) && !(get('responses', counters) > 0 && get('responses', counters) < options.minGroupSize));
  const series: SeriesPoint[] = [...grouped.entries()].map(([start, counters]) =>
    pointShown(start, counters)
      ? { period: start, sent: get('sent', counters), responses: get('responses', counters), score: scoreLine(program.kind, counters) }
      : { period: start, sent: get('sent', counters), responses: null, score: null },
  );
  const suppressed = anonymous && (responses < options.minGroupSize || series.some((p) => p.responses === null));
  const rateOf = (count: number) => {
    const rate = percent(count, get('sent'));
    return rate === null ? null : Math.round(rate * 100) / 100;
  };
  const deliverability =
    segment !== ALL_SEGMENTS
      ? null
      : {
          bouncedHard: get('bouncedHard'),
          bouncedSoft: get('bouncedSoft'),
          complained: get('complained'),
          bounceRate: rateOf(get('bouncedHard')),
          complaintRate: rateOf(get('complained')),
        };
  const base = { programId: program.id, kind: program.kind, segment, period, previousPeriod: previousPeriodOf(period), deliverability };
  if (suppressed) {
    return {
      ...base,
      suppressed,
      sent: get('sent'),
      responses: 0,
      responseRate: null,
      score: null,
      previousScore: null,
      change: null,
      split: null,
      distribution: {},
      series: series.some((p) => p.responses !== null) ? series : [],
      followUp: { opened: 0, resolved: 0, acknowledgedInTime: null, resolvedInTime: null, medianTimeToResolve: null },
      rootCauses: [],
      topics: [],
    };
  }
  const score = scoreLine(program.kind, totals);
  const previousSuppressed = anonymous && (!cells.previousShown || get('responses', previous) < options.minGroupSize);
  const previousScore = previousSuppressed ? null : scoreLine(program.kind, previous);
  const rate = percent(responses, get('sent'));
  return {
    ...base,
    suppressed,
    sent: get('sent'),
    responses,
    responseRate: rate === null ? null : round1(rate),
    score,
    previousScore,
    change: score && previousScore ? round1(score.value - previousScore.value) : null,
    split:
      surveyKind(program.kind).figure.promoterSplit && responses
        ? {
            promoters: round1((get('class_promoter') / responses) * 100),
            passives: round1((get('class_passive') / responses) * 100),
            detractors: round1((get('class_detractor') / responses) * 100),
          }
        : null,
    distribution: Object.fromEntries(scoresOf(program.kind).map((s) => [s, get(`score_${s}`)])),
    series,
    followUp: {
      opened: get('casesOpened'),
      resolved: get('casesResolved'),
      acknowledgedInTime: get('casesResolved') ? round1((get('acknowledgedInTime') / get('casesResolved')) * 100) : null,
      resolvedInTime: get('casesResolved') ? round1((get('resolvedInTime') / get('casesResolved')) * 100) : null,
      medianTimeToResolve: medianResolveBucket(totals),
    },
    rootCauses: pareto(totals, 'rootCause_'),
    topics: pareto(totals, 'topic_'),
    // eNPS: no group counts beside the anonymous figures (a small control group could single out who answered).
    ...(anonymous ? {} : reminderPart(totals)),
  };
}
