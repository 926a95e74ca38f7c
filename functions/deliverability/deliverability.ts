import { ALL_SEGMENTS, dayOf } from '../domain/aggregates.js';
import { contactKeyOf } from '../domain/policies.js';
import { type Catalog, findProgram } from '../domain/program.js';
import { type DeliverabilityFeedback, parseDeliverabilityFeedback } from '../domain/ses-feedback.js';
import type { AggregateStore, ContactRepository, DeadLetterSink } from '../ports.js';

export interface DeliverabilityDeps {
  readonly catalog: Catalog;
  readonly contacts: ContactRepository;
  readonly aggregates: AggregateStore;
  /** Where a message that is not an SES bounce or complaint event goes, with the reason. */
  readonly deadLetters: DeadLetterSink;
}

export type FeedbackOutcome = { status: 'recorded' | 'duplicate'; feedback: DeliverabilityFeedback } | { status: 'rejected'; reason: string };

/** The day-bucket counter of a notification: hard bounces, soft bounces, complaints. */
export function feedbackCounter(feedback: Pick<DeliverabilityFeedback, 'type' | 'permanent'>): 'bouncedHard' | 'bouncedSoft' | 'complained' {
  if (feedback.type === 'complaint') return 'complained';
  return feedback.permanent ? 'bouncedHard' : 'bouncedSoft';
}

/**
 * One SES bounce or complaint notification: a hard bounce or a complaint suppresses every recipient
 * at once (idempotent: the first reason is kept), then the program's day bucket counts it, once per
 * notification (a re-delivered one changes nothing). Nothing is ever re-sent from here, so a bounce
 * storm is a burst of idempotent writes and cannot loop.
 */
export async function recordFeedback(body: string, deps: DeliverabilityDeps): Promise<FeedbackOutcome> {
  const parsed = parseDeliverabilityFeedback(body);
  if (!parsed.ok) {
    await deps.deadLetters.reject(body, parsed.reason);
    return { status: 'rejected', reason: parsed.reason };
  }
  const feedback = parsed.value;
  if (feedback.permanent) {
    const reason = feedback.type === 'bounce' ? 'bounced' : 'complained';
    for (const recipient of feedback.recipients) await deps.contacts.suppress(contactKeyOf(recipient), reason, new Date(feedback.at));
  }
  // Mail without Closeloop's program tag (or of a program since removed) suppresses but is not counted.
  if (!feedback.programId || !findProgram(deps.catalog, feedback.programId)) return { status: 'recorded', feedback };
  const applied = await deps.aggregates.applyOnce(
    `feedback#${feedback.feedbackId}`,
    [{ programId: feedback.programId, segment: ALL_SEGMENTS, day: dayOf(feedback.at), counters: { [feedbackCounter(feedback)]: feedback.recipients.length } }],
    feedback.feedbackId,
  );
  return { status: applied === 'applied' ? 'recorded' : 'duplicate', feedback };
}
