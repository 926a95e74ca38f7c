import { caseDefect, escalation, type FollowUpCase, type FollowUpCaseRecord } from '../domain/follow-up-case.js';
import { followUpEscalated, type IntegrationEvent } from '../domain/integration-events.js';
import type { CaseRepository, DeadLetterSink, DueCase, FollowUpPublisher, IntegrationEventPublisher } from '../ports.js';

export interface EscalateDeps {
  readonly cases: CaseRepository;
  readonly publisher: FollowUpPublisher;
  readonly events: IntegrationEventPublisher;
  /** Where a case that cannot be escalated is described, with the reason. */
  readonly deadLetters: DeadLetterSink;
  /** The declared follow-up queues: a rung naming another one cannot be climbed. */
  readonly queues: readonly string[];
  readonly now: () => Date;
}

/** An escalation names who the case is assigned to, so the next rung knows whom to ask. */
function withAssignee(message: FollowUpCase, assignee: string | undefined): FollowUpCase {
  return assignee && message.escalation ? { ...message, escalation: { ...message.escalation, assignee } } : message;
}

/** Cases handled per sweep; the rest wait for the next one (a minute later in AWS). */
export const SWEEP_LIMIT = 200;

/**
 * One sweep over the sparse deadline index: each case past its deadline climbs one rung of its
 * ladder. The message goes to the rung's queue first, then the case records the rung under an
 * optimistic lock: the state climbs each rung exactly once; a crash between the two sends the
 * message again on the next sweep (same caseId and rung, for consumers to de-duplicate). A case
 * that can never be escalated (caseDefect) is set aside with its reason and does not stop the sweep.
 */
/** A due case to escalate, or why it cannot be: its item is unreadable, or the case is defective (caseDefect). */
function escalatable(due: DueCase, queues: readonly string[]): { record: FollowUpCaseRecord } | { defect: { caseId: string; body: unknown; reason: string } } {
  if ('unreadable' in due) return { defect: { caseId: due.caseId, body: due.item, reason: due.unreadable } };
  const reason = caseDefect(due, queues);
  return reason ? { defect: { caseId: due.message.caseId, body: due, reason } } : { record: due };
}

export async function sweep(deps: EscalateDeps): Promise<FollowUpCase[]> {
  const now = deps.now();
  const escalated: FollowUpCase[] = [];
  const events: IntegrationEvent[] = [];
  for (const due of await deps.cases.due(now, SWEEP_LIMIT)) {
    const read = escalatable(due, deps.queues);
    if ('defect' in read) {
      // Set aside, alone: described with its reason, then out of the index so the next sweep does not meet it again.
      const { caseId, body, reason } = read.defect;
      await deps.deadLetters.reject(JSON.stringify(body), `case ${caseId}: ${reason}`);
      await deps.cases.setAside(caseId, reason, now);
      continue;
    }
    const { record } = read;
    const next = escalation(record, now);
    if (!next) continue;
    const message = withAssignee(next.message, record.assignee);
    await deps.publisher.publish(message);
    if (!(await deps.cases.update(record, next.record))) continue; // acknowledged or resolved meanwhile
    escalated.push(message);
    events.push(followUpEscalated(message));
  }
  await deps.events.publish(events);
  return escalated;
}
