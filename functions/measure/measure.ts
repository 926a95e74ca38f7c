import { ALL_SEGMENTS, alertTransition, dayOf, resolveBucketOf, responseCounters, scoreEstimate, segmentsOf } from '../domain/aggregates.js';
import type { FollowUpCaseRecord } from '../domain/follow-up-case.js';
import type { IntegrationEvent } from '../domain/integration-events.js';
import type { Invitation } from '../domain/invitation.js';
import { type Catalog, findProgram } from '../domain/program.js';
import { REMINDER_COUNTERS, reminderResponseCounters, reminderSentCounters } from '../domain/reminder.js';
import { isValidScore, SURVEY_KINDS } from '../domain/survey-kinds.js';
import { topicsOf } from '../domain/topics.js';
import type { AggregateStore, BucketChange, CounterChange } from '../ports.js';

export interface MeasureDeps {
  readonly catalog: Catalog;
  readonly aggregates: AggregateStore;
  readonly now: () => Date;
}

/** One stream record, read: an invitation or a case, before and after. */
export type Change =
  | { type: 'invitation'; before?: Invitation; after?: Invitation }
  | { type: 'case'; before?: FollowUpCaseRecord; after?: FollowUpCaseRecord };

export interface Touched {
  readonly programId: string;
  readonly segment: string;
}

/** A stream record that can never be counted (a corrupted item): set aside with this reason, not retried. */
export class UnmeasurableChangeError extends Error {
  override readonly name = 'UnmeasurableChangeError';
}

const isDate = (value: unknown) => typeof value === 'string' && !Number.isNaN(Date.parse(value));

/** What would make counting throw on every retry, named: the record is set aside instead of blocking its shard. */
function assertMeasurable(invitation: Invitation): void {
  const reason = !(SURVEY_KINDS as readonly string[]).includes(invitation.kind)
    ? `kind "${String(invitation.kind)}" is not a survey kind`
    : typeof invitation.customer !== 'object' || invitation.customer === null
      ? 'the invitation has no customer'
      : !isDate(invitation.createdAt)
        ? `createdAt "${String(invitation.createdAt)}" is not a date`
        : invitation.response && !isValidScore(invitation.kind, invitation.response.score)
          ? `score ${String(invitation.response.score)} is outside the ${invitation.kind} scale`
          : invitation.response && !isDate(invitation.response.respondedAt)
            ? `respondedAt "${String(invitation.response.respondedAt)}" is not a date`
            : undefined;
  if (reason) throw new UnmeasurableChangeError(`invitation ${invitation.tokenHash}: ${reason}`);
}

const bucketsFor = (invitation: Invitation, day: string, counters: Record<string, number>): BucketChange[] =>
  segmentsOf(invitation).map((segment) => ({ programId: invitation.programId, segment, day, counters }));

/** What one stream record counts: its changes to the counters, and the program/segment pairs whose rolling score may move. */
export interface Counted {
  readonly counters: CounterChange[];
  readonly touched: Touched[];
}

/**
 * What one stream record changes in the day buckets, exactly once per change id (a re-delivered
 * record finds its change applied): surveys sent, responses by class and score, comment topics, a
 * changed answer taken out and put in again, cases opened and resolved with their root cause and
 * SLA. A corrupted invitation throws UnmeasurableChangeError; nothing is written here.
 */
export function countersOf(change: Change, deps: Pick<MeasureDeps, 'catalog'>): Counted {
  const counters: CounterChange[] = [];
  if (change.type === 'invitation') {
    const { before, after } = change;
    if (!after) return { counters, touched: [] };
    assertMeasurable(after);
    if (before?.response) assertMeasurable(before);
    const touched = segmentsOf(after).map((segment) => ({ programId: after.programId, segment }));
    if (!before) {
      counters.push({
        changeId: `sent#${after.tokenHash}`,
        buckets: bucketsFor(after, dayOf(after.createdAt), { sent: 1, ...reminderSentCounters(after) }),
        shardKey: after.tokenHash,
      });
    }
    const remindedAt = after.reminder?.sentAt;
    if (remindedAt && !before?.reminder?.sentAt) {
      counters.push({
        changeId: `reminder#${after.tokenHash}`,
        buckets: bucketsFor(after, dayOf(remindedAt), { [REMINDER_COUNTERS.remindersSent]: 1 }),
        shardKey: after.tokenHash,
      });
    }
    const response = after.response;
    if (!response || (before?.response && (before.response.revision ?? 1) >= (response.revision ?? 1))) return { counters, touched: [] };
    const previous = before?.response;
    const answered = responseCounters(after.kind, response, topicsOf(response.comment, deps.catalog.topics));
    // A first answer also counts in its reminder group (answered after a reminder, or held out): docs/operations.md.
    const buckets = bucketsFor(after, dayOf(response.respondedAt), previous ? answered : { ...answered, ...reminderResponseCounters(after) });
    if (previous) {
      buckets.push(
        ...bucketsFor(after, dayOf(previous.respondedAt), responseCounters(after.kind, previous, topicsOf(previous.comment, deps.catalog.topics), -1)),
      );
    }
    counters.push({ changeId: `response#${after.tokenHash}#${response.revision ?? 1}`, buckets, shardKey: after.tokenHash, segments: segmentsOf(after) });
    return { counters, touched };
  }

  const { before, after } = change;
  if (!after) return { counters, touched: [] };
  const { message } = after;
  const bucket = (day: string, values: Record<string, number>): BucketChange[] => [
    { programId: message.programId, segment: ALL_SEGMENTS, day, counters: values },
  ];
  if (!before) {
    counters.push({ changeId: `case#${message.caseId}#opened`, buckets: bucket(dayOf(message.respondedAt), { casesOpened: 1 }), shardKey: message.caseId });
  }
  if (after.status === 'resolved' && before?.status !== 'resolved' && after.resolvedAt) {
    const resolvedAt = Date.parse(after.resolvedAt);
    const acknowledgedAt = after.acknowledgedAt ? Date.parse(after.acknowledgedAt) : resolvedAt;
    const values: Record<string, number> = {
      casesResolved: 1,
      resolvedInTime: resolvedAt <= Date.parse(message.dueAt) ? 1 : 0,
      acknowledgedInTime: message.acknowledgeBy === null || acknowledgedAt <= Date.parse(message.acknowledgeBy) ? 1 : 0,
      resolveMinutesSum: Math.round((resolvedAt - Date.parse(message.respondedAt)) / 60_000),
      [`resolveHours_${resolveBucketOf((resolvedAt - Date.parse(message.respondedAt)) / 3_600_000)}`]: 1,
      [`rootCause_${after.rootCause ?? 'unknown'}`]: 1,
    };
    counters.push({ changeId: `case#${message.caseId}#resolved`, buckets: bucket(dayOf(after.resolvedAt), values), shardKey: message.caseId });
  }
  return { counters, touched: [] };
}

/**
 * Keeps the day buckets in step with one stream record, exactly once. Returns the program/segment
 * pairs whose rolling score may have moved. A corrupted invitation throws UnmeasurableChangeError
 * before anything is counted.
 */
export async function measureChange(change: Change, deps: MeasureDeps): Promise<Touched[]> {
  return (await measureChanges([change], deps)).touched;
}

/**
 * A stream batch's records, counted together: each change exactly once, in as few writes as the
 * store can make (the handler's path; the buckets a batch touches are updated once, not per record).
 */
export async function measureChanges(changes: readonly Change[], deps: MeasureDeps): Promise<Counted> {
  const counted = changes.map((change) => countersOf(change, deps));
  const counters = counted.flatMap((c) => c.counters);
  if (counters.length) await deps.aggregates.applyAll(counters);
  return { counters, touched: counted.flatMap((c) => c.touched) };
}

/** Checks the rolling score of each touched program and segment; one event per crossing, each way. */
export async function evaluateAlerts(touched: readonly Touched[], deps: MeasureDeps): Promise<IntegrationEvent[]> {
  const events: IntegrationEvent[] = [];
  const seen = new Set<string>();
  const now = deps.now();
  for (const { programId, segment } of touched) {
    const key = `${programId}\u0000${segment}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const program = findProgram(deps.catalog, programId);
    if (!program?.alert) continue;
    const from = new Date(now.getTime() - (program.alert.windowDays - 1) * 86_400_000);
    const estimate = scoreEstimate(program.kind, await deps.aggregates.totals(programId, segment, dayOf(from.toISOString()), dayOf(now.toISOString())));
    const detail = {
      version: 1,
      programId,
      segment,
      kind: program.kind,
      threshold: program.alert.threshold,
      windowDays: program.alert.windowDays,
      responses: estimate.n,
      score: round(estimate.value),
      lower: round(estimate.lower),
      upper: round(estimate.upper),
      at: now.toISOString(),
    };
    if (
      alertTransition(program.kind, program.alert, estimate, false) === 'breach' &&
      (await deps.aggregates.moveAlert(programId, segment, 'ok', 'breached', now))
    ) {
      events.push({ detailType: 'ThresholdBreached', detail });
    } else if (
      alertTransition(program.kind, program.alert, estimate, true) === 'recover' &&
      (await deps.aggregates.moveAlert(programId, segment, 'breached', 'ok', now))
    ) {
      events.push({ detailType: 'ThresholdRecovered', detail });
    }
  }
  return events;
}

const round = (value: number) => Math.round(value * 10) / 10;
