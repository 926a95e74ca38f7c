/**
 * The case inbox (GET /cases, assign) through the SigV4 case API and the CLI, and the inbound hooks
 * (POST /hooks/{id}) with requests signed by the `standardwebhooks` library as a helpdesk signs
 * them, against a sandbox of this file's own: its table holds only this file's cases, and its
 * catalog declares the inbound integrations (the shared sandbox of global-setup has none).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { main } from '../../cli/closeloop.js';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { parseCatalog } from '../../functions/config/catalog-schema.js';
import { surveyTable } from '../../functions/config/resources.js';
import { acknowledge, assign, buildFollowUpCase, type CaseStatus, type FollowUpCaseRecord, openCase, resolve } from '../../functions/domain/follow-up-case.js';
import { findProgram } from '../../functions/domain/program.js';
import { DEFAULT_PORTS, type RunningSandbox, startSandbox } from '../../sandbox/sandbox.js';
import { secretVariable } from '../../sandbox/secrets.js';
import { declaredCatalog } from '../fixtures/catalog.js';

const SECRET = `whsec_${Buffer.from('inbox-integration-test-key-32-bytes!').toString('base64')}`;
const OTHER = `whsec_${Buffer.from('a-key-the-helpdesk-does-not-have-32b').toString('base64')}`;
/** The helpdesk's delivery secret: what its receiver verifies deliveries with, never good for moving cases. */
const DELIVERY = `whsec_${Buffer.from('the-delivery-receivers-key-32-bytes!').toString('base64')}`;
const HOUR = 3_600_000;
const catalog = parseCatalog({
  ...declaredCatalog(),
  integrations: [
    {
      id: 'helpdesk',
      kind: 'webhook',
      url: 'http://127.0.0.1:9/helpdesk',
      secret: 'closeloop/inbox-helpdesk',
      on: ['ThresholdBreached'],
      inbound: { secret: 'closeloop/inbox-helpdesk-hook', queues: ['support'], reply: true },
    },
    { id: 'outbound', kind: 'webhook', url: 'http://127.0.0.1:9/outbound', secret: 'closeloop/inbox-helpdesk', on: ['ThresholdBreached'], inbound: false },
    { id: 'team-slack', kind: 'slack', secret: 'closeloop/inbox-slack', on: ['ThresholdBreached'] },
  ],
});
const program = findProgram(catalog, 'order-delivered-nps')!;
const rule = program.rules.find((r) => (r.escalateTo ?? []).length > 0)!;

let running: RunningSandbox;
let api: CaseApi;
let documents: DynamoDBDocumentClient;
let cases: DynamoCaseRepository;
let sqs: SQSClient;
const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-inbox-'));
const sandboxLog: string[] = [];
let seq = 0;

beforeAll(async () => {
  process.env[secretVariable('closeloop/inbox-helpdesk')] = DELIVERY;
  process.env[secretVariable('closeloop/inbox-helpdesk-hook')] = SECRET;
  process.env[secretVariable('closeloop/inbox-slack')] = 'http://127.0.0.1:9/slack';
  running = await startSandbox({
    catalog,
    ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
    stateDir,
    retryDelaySeconds: 1,
    logLevel: 'SILENT',
    log: (message) => sandboxLog.push(message),
  });
  const { info } = running;
  api = { baseUrl: info.endpoints.publicApi, region: info.region, credentials: async () => info.credentials, description: 'the inbox test sandbox' };
  const config = { region: info.region, credentials: info.credentials };
  documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: info.endpoints.dynamodb }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  cases = new DynamoCaseRepository(info.tables.surveys, documents);
  sqs = new SQSClient({ ...config, endpoint: info.endpoints.sqs });
});

afterAll(async () => {
  await running?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/**
 * A case opened on the sandbox's table through the real repository: on `queue`, due `dueInMs` from
 * now, moved to `status` through the case API; its escalation deadline `deadlineInMs` away (none by default).
 */
async function seed(queue: string, dueInMs: number, status: CaseStatus = 'open', deadlineInMs?: number): Promise<string> {
  const now = Date.now();
  const respondedAt = new Date(now - HOUR).toISOString();
  const built = buildFollowUpCase(
    {
      tokenHash: `inbox-${process.pid}-${++seq}-${now}`,
      programId: program.id,
      kind: 'nps',
      eventId: `e-${seq}`,
      contactKey: 'k',
      locale: 'en',
      customer: { id: `c-${seq}`, email: `c-${seq}@example.com` },
      context: {},
      createdAt: respondedAt,
      expiresAt: 0,
      response: { score: 2, respondedAt },
    },
    program,
    rule,
    'detractor',
    [],
    { slaScale: 1, caseApiBaseUrl: running.info.endpoints.publicApi },
  );
  const message = { ...built, queue, acknowledgeBy: null, dueAt: new Date(now + dueInMs).toISOString() };
  const opened = openCase(message, rule, new Date(now));
  const { nextDeadline: _none, ...withoutDeadline } = opened;
  const record: FollowUpCaseRecord = deadlineInMs === undefined ? withoutDeadline : { ...opened, nextDeadline: now + deadlineInMs };
  expect(await cases.open(record)).toBe('opened');
  const path = `/cases/${message.caseId}`;
  if (status === 'acknowledged') await callCaseApi(api, 'POST', `${path}/acknowledge`, {});
  if (status === 'resolved') await callCaseApi(api, 'POST', `${path}/resolve`, { rootCause: catalog.rootCauses[0] });
  return message.caseId;
}

interface Page {
  items: { caseId: string; status: string; queue: string; overdue: boolean; assignee: string | null }[];
  cursor: string | null;
}
const list = (query: Record<string, string>) => callCaseApi(api, 'GET', `/cases?${new URLSearchParams(query)}`) as Promise<Page>;

/** Every page of a listing, following the cursor. */
async function listAll(query: Record<string, string>): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page = await list({ ...query, ...(cursor ? { cursor } : {}) });
    ids.push(...page.items.map((item) => item.caseId));
    cursor = page.cursor;
    pages++;
  } while (cursor && pages < 50);
  return { ids, pages };
}

describe('the case inbox (GET /cases, SigV4)', () => {
  let ids: Record<string, string>;

  beforeAll(async () => {
    ids = {
      supportOpenOverdue: await seed('support', -2 * HOUR),
      supportOpenLater: await seed('support', 20 * HOUR),
      supportAcknowledged: await seed('support', 10 * HOUR, 'acknowledged'),
      supportResolved: await seed('support', -HOUR, 'resolved'),
      advocacyOpen: await seed('advocacy', -3 * HOUR),
      advocacyAcknowledged: await seed('advocacy', 5 * HOUR, 'acknowledged'),
    };
  });

  it('lists one queue’s cases still to be closed by default, oldest due first across their statuses, with summaries', async () => {
    const page = await list({ queue: 'support' });
    // Merged by resolve-by time: the acknowledged case due in 10 h comes before the open one due in 20 h.
    expect(page.items.map((item) => item.caseId)).toEqual([ids.supportOpenOverdue, ids.supportAcknowledged, ids.supportOpenLater]);
    expect(page.items[0]).toMatchObject({ status: 'open', queue: 'support', overdue: true, assignee: null });
    expect(JSON.stringify(page)).not.toContain('@example.com');
    expect(page.cursor).toBeNull();
  });

  it('filters by status and by overdue, across queues', async () => {
    expect((await list({ status: 'resolved' })).items.map((item) => item.caseId)).toEqual([ids.supportResolved]);
    expect((await list({ queue: 'support', status: 'acknowledged' })).items.map((item) => item.caseId)).toEqual([ids.supportAcknowledged]);
    const overdue = await listAll({ overdue: 'true' });
    expect(overdue.ids.sort()).toEqual([ids.supportOpenOverdue, ids.advocacyOpen].sort());
  });

  it("counts each queue's cases still open past their due time, as the weekly digest does (one counting Query per open status)", async () => {
    const now = Date.now();
    expect(await cases.countOverdue('support', now)).toBe(1);
    expect(await cases.countOverdue('advocacy', now)).toBe(1);
    // Two hours from now the support case due in 20 h is not overdue yet; the acknowledged one due in 10 h is not either.
    expect(await cases.countOverdue('support', now + 2 * HOUR)).toBe(1);
    expect(await cases.countOverdue('support', now + 11 * HOUR)).toBe(2);
  });

  it('paginates with a cursor: every case once, and a changed cursor is refused naming it', async () => {
    const all = await listAll({ limit: '1' });
    const expected = [ids.supportOpenOverdue, ids.supportOpenLater, ids.supportAcknowledged, ids.advocacyOpen, ids.advocacyAcknowledged];
    expect(all.ids.sort()).toEqual(expected.sort());
    expect(all.pages).toBeGreaterThanOrEqual(expected.length);

    const first = await list({ limit: '1' });
    const tampered = `${first.cursor!.slice(0, 5)}${first.cursor![5] === 'A' ? 'B' : 'A'}${first.cursor!.slice(6)}`;
    await expect(list({ limit: '1', cursor: tampered })).rejects.toThrow(/^400: cursor: /);
    await expect(list({ queue: 'support', cursor: first.cursor! })).rejects.toThrow(/^400: cursor: /);
    await expect(list({ queue: 'nowhere' })).rejects.toThrow(/^400: queue: /);
    await expect(list({ colour: 'red' })).rejects.toThrow(/^400: colour: /);
  });

  it('is an index query: the table keeps the inbox attributes on case items only', async () => {
    const { Items = [] } = await documents.send(
      new QueryCommand({
        TableName: running.info.tables.surveys,
        IndexName: surveyTable.inboxIndex.name,
        KeyConditionExpression: 'inboxKey = :k',
        ExpressionAttributeValues: { ':k': 'advocacy#open' },
      }),
    );
    expect(Items.map((item) => item.pk)).toEqual([`CASE#${ids.advocacyOpen}`]);
  });

  it('`closeloop case list` prints the table, and --json the cases', async () => {
    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void out.push(String(line)));
    try {
      expect(await main(['case', 'list', '--queue', 'advocacy', '--api-url', running.info.endpoints.publicApi])).toBe(0);
      expect(await main(['case', 'list', '--status', 'resolved', '--json', '--api-url', running.info.endpoints.publicApi])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const [table, json] = out;
    expect(table?.split('\n')[0]).toMatch(/^CASE\s+STATUS\s+QUEUE\s+PROGRAM\s+SCORE\s+DUE\s+RUNG\s+ASSIGNEE$/);
    expect(table).toContain(ids.advocacyOpen);
    expect(table).toMatch(new RegExp(`${ids.advocacyOpen}\\s+open\\s+advocacy\\s+.*OVERDUE`));
    expect(JSON.parse(json!).map((item: { caseId: string }) => item.caseId)).toEqual([ids.supportResolved]);
  });
});

describe('the inbox index’s write units (DynamoDB Local, ReturnConsumedCapacity INDEXES)', () => {
  it('costs 1 to open a case, 2 per status change (the entry moves partition), 0 to assign', async () => {
    const { info } = running;
    const low = new DynamoDBClient({ region: info.region, credentials: info.credentials, endpoint: info.endpoints.dynamodb });
    const units: Record<string, number>[] = [];
    low.middlewareStack.add(
      (next, context) => async (args) => {
        if (!['PutItemCommand', 'UpdateItemCommand'].includes(String(context.commandName))) return next(args);
        (args.input as Record<string, unknown>).ReturnConsumedCapacity = 'INDEXES';
        const result = await next(args);
        const reported = (result.output as { ConsumedCapacity?: { GlobalSecondaryIndexes?: Record<string, { CapacityUnits?: number }> } }).ConsumedCapacity;
        units.push(Object.fromEntries(Object.entries(reported?.GlobalSecondaryIndexes ?? {}).map(([name, c]) => [name, c.CapacityUnits ?? 0])));
        return result;
      },
      { step: 'initialize', name: 'inboxCapacity' },
    );
    const repository = new DynamoCaseRepository(info.tables.surveys, DynamoDBDocumentClient.from(low, { marshallOptions: { removeUndefinedValues: true } }));
    const caseId = await seed('support', 10 * HOUR);
    const opened = (await repository.get(caseId))!;
    const now = new Date();
    const acknowledged = acknowledge(opened, 'a', now);
    const assigned = assign(acknowledged, 'a', now, 'maria');
    const resolved = resolve(assigned, 'a', now, catalog.rootCauses[0]!);
    // The opening again, on a fresh id, through the measured client.
    const fresh = { ...opened, message: { ...opened.message, caseId: `${caseId.slice(0, 20)}zz` } };
    expect(await repository.open(fresh)).toBe('opened');
    expect(await repository.update(opened, acknowledged)).toBe(true);
    expect(await repository.update(acknowledged, assigned)).toBe(true);
    expect(await repository.update(assigned, resolved)).toBe(true);

    const inbox = units.map((u) => u[surveyTable.inboxIndex.name] ?? 0);
    console.info(`inbox index write units: open ${inbox[0]}, acknowledge ${inbox[1]}, assign ${inbox[2]}, resolve ${inbox[3]}`);
    expect(inbox).toEqual([1, 2, 0, 2]);
  });
});

describe('assigning a case (POST /cases/{id}/assign)', () => {
  it('shows in the history, in the inbox and in the escalation message', async () => {
    // The deadline is a few seconds away: assigned before the sweep (every second) escalates it.
    const caseId = await seed('customer-success', HOUR, 'open', 4000);
    const assigned = (await callCaseApi(api, 'POST', `/cases/${caseId}/assign`, { assignee: 'maria' })) as FollowUpCaseRecord;
    expect(assigned.assignee).toBe('maria');
    expect(assigned.history.at(-1)).toMatchObject({
      action: 'assigned',
      assignee: 'maria',
      actor: expect.stringContaining(running.info.credentials.accessKeyId),
    });
    await expect(callCaseApi(api, 'POST', `/cases/${caseId}/assign`, { assignee: 'maria' })).rejects.toThrow(/^409: /);
    await expect(callCaseApi(api, 'POST', `/cases/${caseId}/assign`, {})).rejects.toThrow(/^400: assignee: /);
    await expect(callCaseApi(api, 'POST', '/cases/nope/assign', { assignee: 'maria' })).rejects.toThrow(/^404: /);
    expect((await list({ queue: 'customer-success' })).items.find((item) => item.caseId === caseId)?.assignee).toBe('maria');

    const queueUrl = running.info.followUpQueues[rule.escalateTo![0]!]!;
    let escalation: { caseId: string; escalation?: { rung: number; assignee?: string } } | undefined;
    for (const deadline = Date.now() + 60_000; !escalation && Date.now() < deadline; ) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }));
      escalation = Messages.map((m) => JSON.parse(m.Body!)).find((body) => body.caseId === caseId);
    }
    expect(escalation?.escalation).toMatchObject({ rung: 1, assignee: 'maria' });
  });
});

describe('inbound hooks (POST /hooks/{integrationId}, Standard Webhooks)', () => {
  let n = 0;
  /** A request signed as a helpdesk signs it, with the standardwebhooks library. */
  async function hook(integrationId: string, payload: unknown, { secret = SECRET, at = new Date(), id = `msg_inbox_${++n}_${Date.now()}` } = {}) {
    const body = JSON.stringify(payload);
    const signature = new Webhook(secret).sign(id, at, body);
    const headers = {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    };
    const response = await fetch(`${running.info.endpoints.publicApi}/hooks/${integrationId}`, { method: 'POST', headers, body });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, any>,
      send: () => fetch(`${running.info.endpoints.publicApi}/hooks/${integrationId}`, { method: 'POST', headers, body }),
    };
  }
  const stored = async (caseId: string) =>
    (await documents.send(new GetCommand({ TableName: running.info.tables.surveys, Key: { pk: `CASE#${caseId}`, sk: 'CASE' }, ConsistentRead: true }))).Item!;
  const withoutWho = (history: { at: string; actor: string }[]) => history.map(({ at: _at, actor: _actor, ...change }) => change);

  it('acknowledges and resolves a case with the same transitions and history as the case API (the CLI’s)', async () => {
    const [viaApi, viaHook] = [await seed('support', 10 * HOUR), await seed('support', 10 * HOUR)];
    await callCaseApi(api, 'POST', `/cases/${viaApi}/acknowledge`, { note: 'Ticket 4711' });
    await callCaseApi(api, 'POST', `/cases/${viaApi}/resolve`, { rootCause: catalog.rootCauses[0], note: 'Refunded', reply: 'Sorry, refunded.' });

    const acknowledged = await hook('helpdesk', { type: 'case.acknowledge', data: { caseId: viaHook, note: 'Ticket 4711' } });
    expect(acknowledged.status).toBe(200);
    expect(acknowledged.body).toMatchObject({ status: 'acknowledged' });
    const resolved = await hook('helpdesk', {
      type: 'case.resolve',
      timestamp: new Date().toISOString(),
      data: { caseId: viaHook, rootCause: catalog.rootCauses[0], note: 'Refunded', reply: 'Sorry, refunded.' },
    });
    expect(resolved.status).toBe(200);

    const [a, b] = [await stored(viaApi), await stored(viaHook)];
    expect(b.status).toBe('resolved');
    expect(withoutWho(b.history)).toEqual(withoutWho(a.history));
    expect(b.history.slice(1).map((change: { actor: string }) => change.actor)).toEqual(['integration:helpdesk', 'integration:helpdesk']);
    expect(b.inboxKey).toBe('support#resolved');
  });

  it('answers 404 for a case on a queue outside inbound.queues, as for an unknown id, and leaves it as it was', async () => {
    const caseId = await seed('customer-success', 10 * HOUR);
    const before = await stored(caseId);
    const answer = await hook('helpdesk', { type: 'case.acknowledge', data: { caseId } });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ message: `no case ${caseId}` });
    expect(await stored(caseId)).toEqual(before);
  });

  it('answers the case API’s 400, 404 and 409', async () => {
    const caseId = await seed('support', 10 * HOUR, 'resolved');
    expect((await hook('helpdesk', { type: 'case.resolve', data: { caseId } })).status).toBe(400);
    expect((await hook('helpdesk', { type: 'case.reopen', data: { caseId } })).status).toBe(400);
    expect((await hook('helpdesk', { type: 'case.acknowledge', data: { caseId: 'no-such-case' } })).status).toBe(404);
    const conflict = await hook('helpdesk', { type: 'case.acknowledge', data: { caseId } });
    expect(conflict.status).toBe(409);
  });

  it('answers 401 and changes nothing: unsigned, wrongly signed (the delivery secret too), expired, from the future, replayed, unknown, outbound-only or Slack', async () => {
    const caseId = await seed('support', 10 * HOUR);
    const ack = { type: 'case.acknowledge', data: { caseId } };
    const before = await stored(caseId);

    const unsigned = await fetch(`${running.info.endpoints.publicApi}/hooks/helpdesk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ack),
    });
    expect(unsigned.status).toBe(401);
    for (const refused of [
      await hook('helpdesk', ack, { secret: OTHER }),
      await hook('helpdesk', ack, { secret: DELIVERY }),
      await hook('helpdesk', ack, { at: new Date(Date.now() - 6 * 60_000) }),
      await hook('helpdesk', ack, { at: new Date(Date.now() + 6 * 60_000) }),
      await hook('nope', ack),
      await hook('outbound', ack),
      await hook('team-slack', ack),
    ]) {
      expect(refused.status).toBe(401);
    }
    expect(await stored(caseId)).toEqual(before);

    // Accepted once; the same request again (its webhook-id, timestamp and signature) is a replay.
    const accepted = await hook('helpdesk', ack);
    expect(accepted.status).toBe(200);
    const after = await stored(caseId);
    const replay = await accepted.send();
    expect(replay.status).toBe(401);
    expect(await stored(caseId)).toEqual(after);
  });
});
