import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { assignCase, type CaseDeps, CaseNotFoundError, CaseTransitionError, InvalidCaseRequestError, resolveCase } from '../../functions/cases/cases.js';
import { type CaseApiDeps, handleCaseRequest } from '../../functions/cases/http.js';
import { InboxCursors, listCases, parseInboxFilter, partitionsOf } from '../../functions/cases/inbox.js';
import { followUpQueueNames } from '../../functions/config/resources.js';
import { type FollowUpCaseRecord, openCase } from '../../functions/domain/follow-up-case.js';
import { followUpMessageSchema } from '../../functions/domain/follow-up-message.js';
import { sweep } from '../../functions/escalate/escalate.js';
import type { CaseInbox, InboxQuery } from '../../functions/ports.js';
import { detractorCase, npsProgram } from '../fixtures/cases.js';
import { testCatalog } from '../fixtures/catalog.js';
import { InMemoryCases, RecordingPublisher } from '../fixtures/in-memory-cases.js';

const QUEUES = followUpQueueNames(testCatalog);
const program = npsProgram;
const OPENED = new Date('2026-11-22T12:00:00.000Z');
const at = (hours: number) => new Date(OPENED.getTime() + hours * 3_600_000);

const newCase = (tokenHash = 'h'): FollowUpCaseRecord => detractorCase(OPENED, tokenHash);

describe('the inbox filter (GET /cases query string)', () => {
  it('defaults to every queue and the statuses still to be closed, 25 a page', () => {
    expect(parseInboxFilter(undefined, QUEUES)).toEqual({ queues: QUEUES, statuses: ['open', 'acknowledged', 'escalated'], overdue: false, limit: 25 });
  });

  it('takes one queue, several statuses, overdue, a limit and a cursor', () => {
    expect(parseInboxFilter({ queue: 'support', status: 'open,resolved', overdue: 'false', limit: '2', cursor: 'abc' }, QUEUES)).toEqual({
      queues: ['support'],
      statuses: ['open', 'resolved'],
      overdue: false,
      limit: 2,
      cursor: 'abc',
    });
  });

  it('drops resolved from an overdue listing: a resolved case is never overdue', () => {
    expect(parseInboxFilter({ status: 'open,resolved', overdue: 'true' }, QUEUES).statuses).toEqual(['open']);
  });

  it.each([
    [{ queue: 'nope' }, /^queue: "nope" is not a declared follow-up queue/],
    [{ status: 'open,closed' }, /^status: "closed" is not a case status/],
    [{ overdue: 'yes' }, /^overdue: true or false/],
    [{ overdue: 'true', status: 'resolved' }, /^overdue: a resolved case is never overdue/],
    [{ limit: '0' }, /^limit: /],
    [{ limit: '101' }, /^limit: /],
    [{ limit: '2.5' }, /^limit: /],
    [{ cursor: '' }, /^cursor: /],
    [{ sort: 'due' }, /^sort: not a parameter of GET \/cases/],
  ])('refuses %j with a message naming the parameter', (parameters, message) => {
    expect(() => parseInboxFilter(parameters, QUEUES)).toThrow(InvalidCaseRequestError);
    expect(() => parseInboxFilter(parameters, QUEUES)).toThrow(message);
  });

  it('reads the partitions queue by queue, status by status', () => {
    expect(partitionsOf(parseInboxFilter({ queue: 'support', status: 'open,escalated' }, QUEUES))).toEqual([
      { queue: 'support', status: 'open' },
      { queue: 'support', status: 'escalated' },
    ]);
  });
});

describe('inbox cursors', () => {
  const cursors = new InboxCursors('the-stack-signing-secret');
  const filter = parseInboxFilter({ queue: 'support' }, QUEUES);
  // One place per partition (support: open, acknowledged, escalated).
  const position = { after: [{ pk: 'CASE#abc', due: 1 }, 'start', 'end'] as const };

  it('give back the position they were made for', () => {
    const cursor = cursors.encode(filter, position);
    expect(cursor).not.toContain('CASE#abc');
    expect(cursors.decode(filter, cursor)).toEqual(position);
  });

  it('refuse a changed cursor, one of another listing, one signed with another secret, and a truncated one', () => {
    const cursor = cursors.encode(filter, position);
    const [payload, tag] = cursor.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), a: ['end', 'end', 'end'] })).toString('base64url');
    const refused = /^cursor: not a cursor of this listing/;
    expect(() => cursors.decode(filter, `${forged}.${tag}`)).toThrow(refused);
    expect(() => cursors.decode(parseInboxFilter({ queue: 'advocacy' }, QUEUES), cursor)).toThrow(refused);
    expect(() => new InboxCursors('another-secret').decode(filter, cursor)).toThrow(refused);
    expect(() => cursors.decode(filter, cursor.slice(0, -3))).toThrow(refused);
    expect(() => cursors.decode(filter, 'garbage')).toThrow(refused);
    // A position for another number of partitions is refused even when signed.
    expect(() => cursors.decode(filter, cursors.encode(filter, { after: ['start'] }))).toThrow(refused);
  });
});

describe('the inbox index (DynamoCaseRepository)', () => {
  const documents = mockClient(DynamoDBDocumentClient);
  const repository = new DynamoCaseRepository('surveys', documents as unknown as DynamoDBDocumentClient);
  const stored = (record: FollowUpCaseRecord) => ({
    pk: `CASE#${record.message.caseId}`,
    sk: 'CASE',
    type: 'case',
    caseId: record.message.caseId,
    version: record.history.length,
    inboxKey: `${record.message.queue}#${record.status}`,
    inboxDue: Date.parse(record.message.dueAt),
    ...record,
  });
  const keyOf = (record: FollowUpCaseRecord) => ({
    pk: `CASE#${record.message.caseId}`,
    sk: 'CASE',
    inboxKey: `${record.message.queue}#${record.status}`,
    inboxDue: Date.parse(record.message.dueAt),
  });

  beforeEach(() => documents.reset());

  it('writes every case with its inbox key and resolve-by time (the index is sparse: only cases have them)', async () => {
    const record = newCase();
    documents.on(PutCommand).resolves({});
    documents.on(UpdateCommand).resolves({});
    await repository.open(record);
    await repository.update(record, { ...record, status: 'acknowledged', history: [...record.history, { at: 'x', actor: 'a', action: 'acknowledged' }] });

    expect(documents).toReceiveCommandWith(PutCommand, {
      Item: expect.objectContaining({ inboxKey: `${record.message.queue}#open`, inboxDue: Date.parse(record.message.dueAt) }),
    });
    expect(documents).toReceiveCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':inboxKey': `${record.message.queue}#acknowledged` }),
    });
  });

  it('reads a case without the index attributes', async () => {
    const record = newCase();
    documents.on(GetCommand).resolves({ Item: stored(record) });
    const read = await repository.get(record.message.caseId);
    expect(read).toEqual(record);
  });

  it('merges the partitions oldest due first (overdue: a key condition on the due time), never scans, each partition going on from its own place', async () => {
    const [a, b] = ['h1', 'h2'].map((h) => newCase(h)) as [FollowUpCaseRecord, FollowUpCaseRecord];
    // b is escalated and due before a: it comes first although its partition comes second.
    const escalated: FollowUpCaseRecord = {
      ...b,
      status: 'escalated',
      message: { ...b.message, dueAt: new Date(Date.parse(a.message.dueAt) - 3_600_000).toISOString() },
    };
    documents
      .on(QueryCommand, { ExpressionAttributeValues: { ':key': 'customer-success#open', ':before': 5 } })
      .resolvesOnce({ Items: [keyOf(a)], LastEvaluatedKey: keyOf(a) })
      .resolvesOnce({ Items: [keyOf(a)], LastEvaluatedKey: keyOf(a) })
      .resolvesOnce({ Items: [] });
    documents.on(QueryCommand, { ExpressionAttributeValues: { ':key': 'customer-success#escalated', ':before': 5 } }).resolves({ Items: [keyOf(escalated)] });
    documents.on(GetCommand, { Key: { pk: `CASE#${a.message.caseId}`, sk: 'CASE' } }).resolves({ Item: stored(a) });
    documents.on(GetCommand, { Key: { pk: `CASE#${b.message.caseId}`, sk: 'CASE' } }).resolves({ Item: stored(escalated) });
    const query: InboxQuery = {
      partitions: [
        { queue: 'customer-success', status: 'open' },
        { queue: 'customer-success', status: 'escalated' },
      ],
      dueBefore: 5,
      limit: 1,
    };

    const first = await repository.list(query);
    expect(first.records.map((r) => r.message.caseId)).toEqual([b.message.caseId]);
    expect(first.next).toEqual({ after: ['start', 'end'] });
    expect(documents).toReceiveCommandWith(QueryCommand, {
      IndexName: 'inbox',
      KeyConditionExpression: '#key = :key AND #due < :before',
      ExpressionAttributeNames: { '#key': 'inboxKey', '#due': 'inboxDue' },
      Limit: 1,
    });

    // The next page reads only the partition that has cases left, and takes a.
    const second = await repository.list({ ...query, start: first.next! });
    expect(second.records.map((r) => r.message.caseId)).toEqual([a.message.caseId]);
    expect(second.next).toEqual({ after: [{ pk: `CASE#${a.message.caseId}`, due: Date.parse(a.message.dueAt) }, 'end'] });
    const third = await repository.list({ ...query, start: second.next! });
    expect(third).toEqual({ records: [] });
    expect(documents).toReceiveCommandWith(QueryCommand, { ExclusiveStartKey: keyOf(a) });
    expect(documents).not.toReceiveCommand(ScanCommand);
  });

  it('leaves out a case whose status changed after the index was read (the index lags a moment)', async () => {
    const record = newCase();
    documents.on(QueryCommand).resolves({ Items: [keyOf(record)] });
    documents.on(GetCommand).resolves({ Item: stored({ ...record, status: 'resolved' }) });
    const page = await repository.list({ partitions: [{ queue: record.message.queue, status: 'open' }], limit: 10 });
    expect(page).toEqual({ records: [] });
  });
});

describe('listing the inbox', () => {
  it('answers { items, cursor } with summaries without personal data, overdue marked', async () => {
    const record = newCase();
    const seen: InboxQuery[] = [];
    const filter = parseInboxFilter({ overdue: 'true', limit: '1' }, QUEUES);
    const places = partitionsOf(filter).map((_, i) => (i === 0 ? { pk: 'CASE#x', due: 1 } : ('start' as const)));
    const inbox: CaseInbox = {
      list: async (query) => {
        seen.push(query);
        return { records: [record], next: { after: places } };
      },
    };
    const cursors = new InboxCursors('secret');
    const page = await listCases(filter, { inbox, cursors: async () => cursors, now: () => at(30) });

    expect(page.items).toEqual([
      expect.objectContaining({ caseId: record.message.caseId, status: 'open', queue: record.message.queue, overdue: true, assignee: null, rung: 0 }),
    ]);
    expect(JSON.stringify(page.items)).not.toContain('c@example.com');
    expect(seen[0]).toMatchObject({ dueBefore: at(30).getTime(), limit: 1 });
    expect(cursors.decode(filter, page.cursor!)).toEqual({ after: places });

    await listCases({ ...filter, cursor: page.cursor! }, { inbox, cursors: async () => cursors, now: () => at(30) });
    expect(seen[1]?.start).toEqual({ after: places });
  });
});

describe('assigning a case', () => {
  let cases: InMemoryCases;
  let deps: CaseDeps;
  let record: FollowUpCaseRecord;
  const api = (routeKey: string, body: unknown, query?: Record<string, string>): APIGatewayProxyEventV2 =>
    ({
      routeKey,
      pathParameters: { caseId: record.message.caseId },
      queryStringParameters: query,
      body: JSON.stringify(body),
      requestContext: { authorizer: { iam: { userArn: 'arn:aws:iam::1:user/lead' } } },
    }) as unknown as APIGatewayProxyEventV2;

  beforeEach(async () => {
    cases = new InMemoryCases();
    deps = { catalog: testCatalog, cases, events: { publish: async () => undefined }, now: () => at(1) };
    record = newCase();
    await cases.open(record);
  });

  it('records who gave the case to whom, and keeps its status', async () => {
    const assigned = await assignCase(record.message.caseId, 'arn:aws:iam::1:user/lead', 'maria', 'She knows the customer', deps);
    expect(assigned).toMatchObject({ status: 'open', assignee: 'maria' });
    expect(assigned.history.at(-1)).toEqual({
      at: at(1).toISOString(),
      actor: 'arn:aws:iam::1:user/lead',
      action: 'assigned',
      assignee: 'maria',
      note: 'She knows the customer',
    });
  });

  it('refuses a resolved case and the same assignee again (409), and an unknown case (404)', async () => {
    await assignCase(record.message.caseId, 'lead', 'maria', undefined, deps);
    await expect(assignCase(record.message.caseId, 'lead', 'maria', undefined, deps)).rejects.toThrow(CaseTransitionError);
    await resolveCase(record.message.caseId, 'maria', 'delivery-delay', undefined, deps);
    await expect(assignCase(record.message.caseId, 'lead', 'ivan', undefined, deps)).rejects.toThrow('a resolved case cannot be assigned');
    await expect(assignCase('nope', 'lead', 'ivan', undefined, deps)).rejects.toThrow(CaseNotFoundError);
  });

  it('answers the assign route with the case API codes: 200, 400 naming the field, 409', async () => {
    const apiDeps: CaseApiDeps = {
      ...deps,
      inbox: { list: async () => ({ records: [] }) },
      cursors: async () => new InboxCursors('s'),
      queues: QUEUES,
    };
    const ok = await handleCaseRequest(api('POST /cases/{caseId}/assign', { assignee: ' maria ' }), apiDeps);
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body!)).toMatchObject({ assignee: 'maria' });
    const blank = await handleCaseRequest(api('POST /cases/{caseId}/assign', { assignee: '  ' }), apiDeps);
    expect(blank.statusCode).toBe(400);
    expect(JSON.parse(blank.body!).message).toMatch(/^assignee: /);
    expect((await handleCaseRequest(api('POST /cases/{caseId}/assign', { assignee: 'maria' }), apiDeps)).statusCode).toBe(409);

    const list = await handleCaseRequest(api('GET /cases', undefined, { status: 'done' }), apiDeps);
    expect(list.statusCode).toBe(400);
    expect(JSON.parse(list.body!).message).toMatch(/^status: /);
    const empty = await handleCaseRequest(api('GET /cases', undefined), apiDeps);
    expect(JSON.parse(empty.body!)).toEqual({ items: [], cursor: null });
  });

  it('names the assignee in the escalation message (and its FollowUpEscalated event), which stays a valid follow-up message', async () => {
    const goldRule = program.rules.find((r) => (r.escalateTo ?? []).length > 0)!;
    const escalating = openCase(newCase('h9').message, goldRule, OPENED);
    await cases.open(escalating);
    await assignCase(escalating.message.caseId, 'lead', 'maria', undefined, deps);
    const publisher = new RecordingPublisher();
    const events: unknown[] = [];
    const escalated = await sweep({
      cases,
      publisher,
      events: { publish: async (e) => void events.push(...e) },
      deadLetters: { reject: async () => undefined },
      queues: QUEUES,
      now: () => at(200),
    });
    const message = escalated.find((m) => m.caseId === escalating.message.caseId)!;
    expect(message.escalation).toMatchObject({ rung: 1, assignee: 'maria' });
    expect(publisher.published.find((m) => m.caseId === escalating.message.caseId)?.escalation?.assignee).toBe('maria');
    expect(JSON.stringify(events)).toContain('"assignee":"maria"');
    expect(z.safeParse(followUpMessageSchema, message).success).toBe(true);
  });
});
