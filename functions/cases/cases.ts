import { acknowledge, assign, CaseTransitionError, type FollowUpCaseRecord, resolve } from '../domain/follow-up-case.js';
import { followUpResolved, recoverySurveyRequested } from '../domain/integration-events.js';
import type { Notification } from '../domain/notification.js';
import { resolutionFor } from '../domain/notification.js';
import type { Catalog } from '../domain/program.js';
import type { CaseRepository, IntegrationEventPublisher } from '../ports.js';

export interface CaseDeps {
  readonly catalog: Catalog;
  readonly cases: CaseRepository;
  readonly events: IntegrationEventPublisher;
  readonly now: () => Date;
}

export class CaseNotFoundError extends Error {
  override readonly name = 'CaseNotFoundError';
}
export class InvalidCaseRequestError extends Error {
  override readonly name = 'InvalidCaseRequestError';
}
/** Someone else changed the case between our read and our write: read again and retry. */
export class CaseConflictError extends Error {
  override readonly name = 'CaseConflictError';
}

async function load(caseId: string, deps: CaseDeps): Promise<FollowUpCaseRecord> {
  const record = await deps.cases.get(caseId);
  if (!record) throw new CaseNotFoundError(`no case ${caseId}`);
  return record;
}

async function save(before: FollowUpCaseRecord, after: FollowUpCaseRecord, deps: CaseDeps, notification?: Notification): Promise<FollowUpCaseRecord> {
  if (!(await deps.cases.update(before, after, notification))) throw new CaseConflictError('the case changed meanwhile; read it again');
  return after;
}

export const showCase = (caseId: string, deps: CaseDeps) => load(caseId, deps);

/** open/escalated → acknowledged; recorded with who and when. */
export async function acknowledgeCase(caseId: string, actor: string, note: string | undefined, deps: CaseDeps): Promise<FollowUpCaseRecord> {
  const record = await load(caseId, deps);
  return save(record, acknowledge(record, actor, deps.now(), note), deps);
}

/** Gives the case to `assignee` (a person or a team, as your helpdesk names them); recorded with who and when. */
export async function assignCase(caseId: string, actor: string, assignee: string, note: string | undefined, deps: CaseDeps): Promise<FollowUpCaseRecord> {
  const record = await load(caseId, deps);
  return save(record, assign(record, actor, deps.now(), assignee, note), deps);
}

/**
 * → resolved, with a root-cause tag from the catalog, an internal note and a public reply. When the
 * rule notifies the respondent on resolution, the reply is emailed to them (its outbox item is
 * written in the same transaction as the resolution); the note never leaves the case. Announces
 * FollowUpResolved and, when the rule asks for it, RecoverySurveyRequested (a program on it surveys
 * the customer again, through dispatch, within its throttles).
 */
export async function resolveCase(
  caseId: string,
  actor: string,
  rootCause: string,
  note: string | undefined,
  deps: CaseDeps,
  reply?: string,
): Promise<FollowUpCaseRecord> {
  if (!deps.catalog.rootCauses.includes(rootCause)) {
    throw new InvalidCaseRequestError(`rootCause must be one of: ${deps.catalog.rootCauses.join(', ')}`);
  }
  const record = await load(caseId, deps);
  const now = deps.now();
  const after = resolve(record, actor, now, rootCause, note, reply?.trim() || undefined);
  const resolved = await save(record, after, deps, resolutionFor(after, now));
  await deps.events.publish([followUpResolved(resolved), ...(resolved.recoverySurvey ? [recoverySurveyRequested(resolved)] : [])]);
  return resolved;
}

export { CaseTransitionError };
