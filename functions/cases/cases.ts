import { acknowledge, addNote, addReply, assign, CaseTransitionError, type FollowUpCaseRecord, resolve } from '../domain/follow-up-case.js';
import { followUpResolved, recoverySurveyRequested } from '../domain/integration-events.js';
import type { Notification } from '../domain/notification.js';
import { replyFor, replyRefusal, resolutionFor } from '../domain/notification.js';
import type { Catalog } from '../domain/program.js';
import { cleanMultilineText } from '../domain/text.js';
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
/** The case is outside the caller's scope and the caller may know it exists (a workspace member): 403, nothing changed. */
export class CaseForbiddenError extends Error {
  override readonly name = 'CaseForbiddenError';
}

/**
 * What a caller may touch, when it is not the whole case API: the queues whose cases it sees (where
 * a case opened, or a rung it has reached) and whether it may write to the respondent. An inbound
 * hook has one (its catalog `inbound`); the workspace's teams will.
 */
export interface CaseScope {
  readonly queues: readonly string[];
  /** May resolve with a public reply (emailed to the respondent). */
  readonly reply: boolean;
  /** Who holds the scope, for messages ("integration \"crm\""). */
  readonly holder: string;
  /**
   * A case outside the scope is `hidden` (404, as an unknown one: an inbound hook learns nothing) or
   * `forbidden` (403: a workspace member, who may have the case's link). @default 'hidden'
   */
  readonly outside?: 'hidden' | 'forbidden';
  /** The case's version (its history's length) the caller last saw: a case changed since is a conflict naming who changed it. */
  readonly expectedVersion?: number;
}

/** The queues a case has been on: the one it opened on, and each rung of its ladder it has climbed. */
export const queuesOf = (record: FollowUpCaseRecord): readonly string[] => [record.message.queue, ...record.escalateTo.slice(0, record.rung)];

/** The case, if it exists and is within `scope`: one outside is not found, as an unknown one (no other answer tells them apart). */
async function load(caseId: string, deps: CaseDeps, scope?: CaseScope): Promise<FollowUpCaseRecord> {
  const record = await deps.cases.get(caseId);
  if (!record) throw new CaseNotFoundError(`no case ${caseId}`);
  if (scope && !inScope(record, scope)) {
    if (scope.outside === 'forbidden') throw new CaseForbiddenError(`case ${caseId} is not on a queue of ${scope.holder}`);
    throw new CaseNotFoundError(`no case ${caseId}`);
  }
  if (scope?.expectedVersion !== undefined && scope.expectedVersion !== record.history.length) {
    const last = record.history.at(-1);
    throw new CaseConflictError(`changed by ${last?.actor ?? 'someone'} at ${last?.at ?? 'an unknown time'}: reload`);
  }
  return record;
}

/** The case has been on a queue of the scope. */
export const inScope = (record: FollowUpCaseRecord, scope: Pick<CaseScope, 'queues'>): boolean =>
  queuesOf(record).some((queue) => scope.queues.includes(queue));

/** Free text as the case keeps it (cleanMultilineText): undefined when nothing is left. */
const cleaned = (text: string | undefined) => (text === undefined ? undefined : cleanMultilineText(text) || undefined);

async function save(before: FollowUpCaseRecord, after: FollowUpCaseRecord, deps: CaseDeps, notification?: Notification): Promise<FollowUpCaseRecord> {
  if (!(await deps.cases.update(before, after, notification))) throw new CaseConflictError('the case changed meanwhile; read it again');
  return after;
}

export const showCase = (caseId: string, deps: CaseDeps, scope?: CaseScope) => load(caseId, deps, scope);

/** Adds an internal note (any status): it never leaves the case. */
export async function noteCase(caseId: string, actor: string, note: string, deps: CaseDeps, scope?: CaseScope): Promise<FollowUpCaseRecord> {
  const text = cleaned(note);
  if (!text) throw new InvalidCaseRequestError('note: empty once control characters are removed');
  const record = await load(caseId, deps, scope);
  return save(record, addNote(record, actor, deps.now(), text), deps);
}

/** open/escalated → acknowledged; recorded with who and when. */
export async function acknowledgeCase(caseId: string, actor: string, note: string | undefined, deps: CaseDeps, scope?: CaseScope): Promise<FollowUpCaseRecord> {
  const record = await load(caseId, deps, scope);
  return save(record, acknowledge(record, actor, deps.now(), cleaned(note)), deps);
}

/** Gives the case to `assignee` (a person or a team, as your helpdesk names them); recorded with who and when. */
export async function assignCase(
  caseId: string,
  actor: string,
  assignee: string,
  note: string | undefined,
  deps: CaseDeps,
  scope?: CaseScope,
): Promise<FollowUpCaseRecord> {
  const who = cleaned(assignee);
  if (!who) throw new InvalidCaseRequestError('assignee: empty once control characters are removed');
  const record = await load(caseId, deps, scope);
  return save(record, assign(record, actor, deps.now(), who, cleaned(note)), deps);
}

/**
 * Writes to the respondent (any number of times before the case is resolved): the reply joins the
 * history (`replied`) and its outbox item is written in the same transaction, only while the contact
 * is not suppressed; the notify stage sends it once, in their language and the brand's frame. eNPS
 * respondents, erased ones and suppressed ones get nothing, and the caller is told why.
 */
export async function replyCase(caseId: string, actor: string, reply: string, deps: CaseDeps, scope?: CaseScope): Promise<FollowUpCaseRecord> {
  const text = cleaned(reply);
  if (!text) throw new InvalidCaseRequestError('reply: empty once control characters are removed');
  if (scope && !scope.reply) throw new InvalidCaseRequestError(`reply: ${scope.holder} may not write to respondents`);
  const record = await load(caseId, deps, scope);
  const refused = replyRefusal(record);
  if (refused) throw new CaseTransitionError(`reply: ${refused}; nothing was sent`);
  const now = deps.now();
  const after = addReply(record, actor, now, text);
  const outcome = await deps.cases.reply(record, after, replyFor(record, String(after.history.length), text, now));
  if (outcome === 'suppressed') throw new CaseTransitionError('reply: the customer unsubscribed, or their address bounced or complained; nothing was sent');
  if (outcome === 'changed') throw new CaseConflictError('the case changed meanwhile; read it again');
  return after;
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
  scope?: CaseScope,
): Promise<FollowUpCaseRecord> {
  if (!deps.catalog.rootCauses.includes(rootCause)) {
    throw new InvalidCaseRequestError(`rootCause must be one of: ${deps.catalog.rootCauses.join(', ')}`);
  }
  if (scope && !scope.reply && reply !== undefined) {
    throw new InvalidCaseRequestError(`reply: ${scope.holder} may not write to respondents (inbound.reply is not true)`);
  }
  const record = await load(caseId, deps, scope);
  const now = deps.now();
  const after = resolve(record, actor, now, rootCause, cleaned(note), cleaned(reply));
  const resolved = await save(record, after, deps, resolutionFor(after, now));
  await deps.events.publish([followUpResolved(resolved), ...(resolved.recoverySurvey ? [recoverySurveyRequested(resolved)] : [])]);
  return resolved;
}

export { CaseTransitionError };
