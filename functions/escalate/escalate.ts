import { caseDefect, escalation, type FollowUpCase } from '../domain/follow-up-case.js';
import { followUpEscalated, type IntegrationEvent } from '../domain/integration-events.js';
import type { CaseRepository, DeadLetterSink, FollowUpPublisher, IntegrationEventPublisher } from '../ports.js';

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
export async function sweep(deps: EscalateDeps): Promise<FollowUpCase[]> {
  const now = deps.now();
  const escalated: FollowUpCase[] = [];
  const events: IntegrationEvent[] = [];
  for (const record of await deps.cases.due(now, SWEEP_LIMIT)) {
    const defect = caseDefect(record, deps.queues);
    if (defect) {
      // Set aside, alone: described with its reason, then out of the index so the next sweep does not meet it again.
      const caseId = (record.message as FollowUpCase | undefined)?.caseId;
      await deps.deadLetters.reject(JSON.stringify(record), `case ${caseId ?? '(no id)'}: ${defect}`);
      if (caseId) await deps.cases.setAside(caseId, defect, now);
      continue;
    }
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
