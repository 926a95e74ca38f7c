import { createHmac, timingSafeEqual } from 'node:crypto';
import { type CaseStatus, type FollowUpCaseRecord, OPEN_CASE_STATUSES } from '../domain/follow-up-case.js';
import type { CaseInbox, InboxPosition } from '../ports.js';
import { InvalidCaseRequestError } from './cases.js';

export const CASE_STATUSES: readonly CaseStatus[] = ['open', 'acknowledged', 'escalated', 'resolved'];
/** What the inbox lists without `status=`: every case still to be closed. */
export const DEFAULT_INBOX_STATUSES: readonly CaseStatus[] = OPEN_CASE_STATUSES;
export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 100;
const PARAMETERS = ['queue', 'status', 'overdue', 'cursor', 'limit'] as const;

/** A listing of the inbox, as `GET /cases?queue=&status=&overdue=true&limit=&cursor=` asks for it. */
export interface InboxFilter {
  /** One declared follow-up queue, or every one of them (in the catalog's order). */
  readonly queues: readonly string[];
  readonly statuses: readonly CaseStatus[];
  /** Only cases past their resolve-by time (never resolved ones). */
  readonly overdue: boolean;
  readonly limit: number;
  readonly cursor?: string;
}

/**
 * The query string, checked: every parameter optional, an unknown or invalid one is an error naming
 * it. `status` may list several statuses (comma-separated or repeated).
 */
export function parseInboxFilter(parameters: Readonly<Record<string, string | undefined>> | undefined, declaredQueues: readonly string[]): InboxFilter {
  const given = parameters ?? {};
  const unknown = Object.keys(given).find((name) => !(PARAMETERS as readonly string[]).includes(name));
  if (unknown !== undefined) throw new InvalidCaseRequestError(`${unknown}: not a parameter of GET /cases (${PARAMETERS.join(', ')})`);
  const { queue, status, overdue, cursor, limit } = given;
  if (queue !== undefined && !declaredQueues.includes(queue)) {
    throw new InvalidCaseRequestError(`queue: "${queue}" is not a declared follow-up queue (${declaredQueues.join(', ')})`);
  }
  const statuses = status === undefined ? DEFAULT_INBOX_STATUSES : [...new Set(status.split(',').map((s) => s.trim()))];
  const wrong = statuses.find((s) => !CASE_STATUSES.includes(s as CaseStatus));
  if (wrong !== undefined) throw new InvalidCaseRequestError(`status: "${wrong}" is not a case status (${CASE_STATUSES.join(', ')})`);
  if (overdue !== undefined && overdue !== 'true' && overdue !== 'false') throw new InvalidCaseRequestError('overdue: true or false');
  const onlyOverdue = overdue === 'true';
  const listed = (onlyOverdue ? statuses.filter((s) => s !== 'resolved') : statuses) as CaseStatus[];
  if (!listed.length) throw new InvalidCaseRequestError('overdue: a resolved case is never overdue; ask for another status');
  const size = limit === undefined ? DEFAULT_PAGE_SIZE : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE || !/^\d+$/.test(limit ?? '1')) {
    throw new InvalidCaseRequestError(`limit: a whole number from 1 to ${MAX_PAGE_SIZE}`);
  }
  if (cursor !== undefined && !cursor) throw new InvalidCaseRequestError('cursor: empty');
  return { queues: queue === undefined ? declaredQueues : [queue], statuses: listed, overdue: onlyOverdue, limit: size, ...(cursor ? { cursor } : {}) };
}

/** The index partitions a filter reads, in the order pages walk them. */
export const partitionsOf = (filter: InboxFilter) => filter.queues.flatMap((queue) => filter.statuses.map((status) => ({ queue, status })));

/** What a listing shows of a case: no personal data (`GET /cases/{caseId}` has the rest). */
export interface CaseSummary {
  readonly caseId: string;
  readonly status: CaseStatus;
  readonly queue: string;
  readonly programId: string;
  readonly rule: string;
  readonly score: number;
  readonly classification: string;
  readonly topics: readonly string[];
  readonly respondedAt: string;
  readonly acknowledgeBy: string | null;
  readonly dueAt: string;
  /** Past its resolve-by time and not resolved (never while it waits for the customer). */
  readonly overdue: boolean;
  /** After a team reply, until the customer's answer (pauseWhileWaitingForCustomer). */
  readonly waitingForCustomer: boolean;
  /** The customer wrote back by email (inbound) and nobody has acted on the case since. */
  readonly customerReplied: boolean;
  /** Rungs of the escalation ladder climbed. */
  readonly rung: number;
  readonly assignee: string | null;
  readonly links: { readonly case: string };
}

export function summarise(record: FollowUpCaseRecord, now: Date): CaseSummary {
  const { message } = record;
  return {
    caseId: message.caseId,
    status: record.status,
    queue: message.queue,
    programId: message.programId,
    rule: message.rule,
    score: message.score,
    classification: message.classification,
    topics: message.topics,
    respondedAt: message.respondedAt,
    acknowledgeBy: message.acknowledgeBy,
    dueAt: message.dueAt,
    overdue: record.status !== 'resolved' && !record.waiting && Date.parse(message.dueAt) < now.getTime(),
    waitingForCustomer: record.waiting !== undefined,
    customerReplied: record.history.at(-1)?.action === 'customer-replied',
    rung: record.rung,
    assignee: record.assignee ?? null,
    links: message.links,
  };
}

/**
 * Cursors are opaque to callers and tamper-checked: the position (partition and index key) and the
 * filter it belongs to, with an HMAC-SHA256 tag keyed from the stack's signing secret. A changed,
 * truncated or another query's cursor is refused (400), never passed on to DynamoDB.
 */
export class InboxCursors {
  private readonly key: Buffer;

  constructor(secret: string) {
    // Its own key, derived from the shared secret, so a cursor's tag is never valid anywhere else.
    this.key = createHmac('sha256', secret).update('closeloop/case-inbox-cursor/v2').digest();
  }

  private tag(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, 16);
  }

  encode(filter: InboxFilter, position: InboxPosition): string {
    const payload = Buffer.from(JSON.stringify({ f: fingerprint(filter), a: position.after })).toString('base64url');
    return `${payload}.${this.tag(payload).toString('base64url')}`;
  }

  decode(filter: InboxFilter, cursor: string): InboxPosition {
    const refused = new InvalidCaseRequestError('cursor: not a cursor of this listing (changed, truncated, or from another query)');
    const [payload = '', tag = '', extra] = cursor.split('.');
    const given = Buffer.from(tag, 'base64url');
    const expected = this.tag(payload);
    if (extra !== undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { f?: unknown; a?: unknown };
    const after = decoded.a;
    if (decoded.f !== fingerprint(filter) || !Array.isArray(after) || after.length !== partitionsOf(filter).length) throw refused;
    if (!after.every((place) => place === 'start' || place === 'end' || (typeof place === 'object' && place !== null && !Array.isArray(place)))) throw refused;
    return { after: after as InboxPosition['after'] };
  }
}

const fingerprint = (filter: InboxFilter) => JSON.stringify([filter.queues, filter.statuses, filter.overdue]);

export interface InboxDeps {
  readonly inbox: CaseInbox;
  /** The cursors' signer: its secret is read on the first listing (once per cold start), not before a transition needs nothing of it. */
  readonly cursors: () => Promise<InboxCursors>;
  readonly now: () => Date;
}

/** One page of the inbox, oldest due first across its queues and statuses: `{ items, cursor }`, `cursor` null on the last page. */
export async function listCases(filter: InboxFilter, deps: InboxDeps): Promise<{ items: CaseSummary[]; cursor: string | null }> {
  const now = deps.now();
  const cursors = await deps.cursors();
  const page = await deps.inbox.list({
    partitions: partitionsOf(filter),
    limit: filter.limit,
    ...(filter.overdue ? { dueBefore: now.getTime() } : {}),
    ...(filter.cursor ? { start: cursors.decode(filter, filter.cursor) } : {}),
  });
  // A case waiting for the customer is never overdue: its deadlines move on when they answer (the index still holds its old due time).
  const records = filter.overdue ? page.records.filter((record) => !record.waiting) : page.records;
  return { items: records.map((record) => summarise(record, now)), cursor: page.next ? cursors.encode(filter, page.next) : null };
}
