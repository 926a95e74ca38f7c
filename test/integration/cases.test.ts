import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { type CaseApi, callCaseApi } from '../../cli/case-api.js';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { DynamoInvitationRepository, fromItem, keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { SqsFollowUpPublisher } from '../../functions/adapters/sqs-queues.js';
import { buildFollowUpCase, openCase } from '../../functions/domain/follow-up-case.js';
import { hashToken } from '../../functions/domain/tokens.js';
import { type AnsweredInvitation, routeResponse } from '../../functions/rules/rules.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { answer, busEvents, collectMessages, dynamodb, mentioning, putEvent, sandbox, sleep, waitForBusEvent, waitForEmails } from './sandbox-clients.js';

const unique = () => randomUUID().slice(0, 8);
const caseApi: CaseApi = {
  baseUrl: sandbox.endpoints.publicApi,
  region: sandbox.region,
  credentials: async () => sandbox.credentials,
  description: 'the test sandbox',
};
const config = { region: sandbox.region, credentials: sandbox.credentials };
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: sandbox.endpoints.dynamodb }), {
  marshallOptions: { removeUndefinedValues: true },
});

/** A delivered order answered with `score`; returns the run id, the token and the customer. */
async function answered(score: number, tier = 'silver', comment = 'Paket je kasnio tri dana.') {
  const run = unique();
  const customer = { id: `c-${run}`, email: `k-${run}@example.com`, name: 'Ana', locale: 'hr', tier };
  await putEvent('shop.orders', 'OrderDelivered', { eventId: `ord-${run}`, occurredAt: new Date().toISOString(), customer, context: { orderId: run } });
  const [email] = await waitForEmails(customer.email);
  const link = /^0: (\S+)$/m.exec(email!.body.text ?? '')![1]!;
  await answer(link, { score: String(score), comment });
  return { run, customer, token: new URL(link).pathname.split('/').pop()! };
}

const forCustomer = mentioning;

describe('follow-up cases in the sandbox', () => {
  it('opens exactly one case for a detractor, even when its stream record is delivered again', async () => {
    const { customer, token } = await answered(2);
    const [message] = await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id));
    const followUp = JSON.parse(message!.Body!);
    expect(followUp).toMatchObject({ rule: 'detractor', topics: ['delivery'], links: { case: `${sandbox.endpoints.publicApi}/cases/${followUp.caseId}` } });

    // The same record once more, through the real adapters against the emulators.
    const { Item } = await dynamodb.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.invitation(hashToken(token)), ConsistentRead: true }));
    const again = await routeResponse(fromItem(Item) as AnsweredInvitation, {
      catalog,
      cases: new DynamoCaseRepository(sandbox.tables.surveys, documents),
      publisher: new SqsFollowUpPublisher(sandbox.followUpQueues, new SQSClient({ ...config, endpoint: sandbox.endpoints.sqs })),
      contacts: new DynamoInvitationRepository(sandbox.tables.surveys, documents),
      timing: { slaScale: 1, caseApiBaseUrl: sandbox.endpoints.publicApi },
      now: () => new Date(),
    });

    expect(again.cases).toEqual([]);
    expect(await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id), { atLeast: 0 })).toEqual([]);
    expect((await busEvents('FollowUpOpened')).filter((e) => e.detail.customerId === customer.id)).toHaveLength(1);
  });

  it('sends a gold-tier detractor to the escalation queue', async () => {
    const { customer } = await answered(1, 'gold');
    const messages = await collectMessages(sandbox.queues.escalation!.url, forCustomer(customer.id), { settleMs: 2500 });
    expect(messages.map((m) => JSON.parse(m.Body!).rule)).toEqual(['gold-detractor']);
    expect(await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id), { atLeast: 0, settleMs: 1000 })).toEqual([]);
  });

  it('escalates an unacknowledged case once after its deadline (compressed: 4 h → 7.2 s)', async () => {
    const { customer } = await answered(3);
    const [opened] = await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id));
    const caseId = JSON.parse(opened!.Body!).caseId as string;

    const escalated = await waitForBusEvent('FollowUpEscalated', (d) => d.caseId === caseId, 90_000);
    expect(escalated?.detail).toMatchObject({ queue: 'escalation', escalation: { rung: 1, reason: 'not-acknowledged' } });
    await sleep(3000);
    const onLadder = await collectMessages(sandbox.queues.escalation!.url, forCustomer(customer.id), { settleMs: 1500 });
    expect(onLadder).toHaveLength(1);
    expect(JSON.parse(onLadder[0]!.Body!).escalation).toMatchObject({ rung: 1 });
    expect(await callCaseApi(caseApi, 'GET', `/cases/${caseId}`)).toMatchObject({ status: 'escalated', rung: 1 });
  });

  it('lets a team acknowledge and resolve a case through the IAM-signed API, recording who; unsigned calls are refused', async () => {
    const { customer } = await answered(4);
    const [opened] = await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id));
    const caseId = JSON.parse(opened!.Body!).caseId as string;

    expect((await fetch(`${sandbox.endpoints.publicApi}/cases/${caseId}`)).status).toBe(403);
    await callCaseApi(caseApi, 'POST', `/cases/${caseId}/acknowledge`, { note: 'Zovem kupca.' });
    await expect(callCaseApi(caseApi, 'POST', `/cases/${caseId}/resolve`, { rootCause: 'bad-luck' })).rejects.toThrow(/^400: rootCause must be one of/);
    const resolved = (await callCaseApi(caseApi, 'POST', `/cases/${caseId}/resolve`, { rootCause: 'delivery-delay', note: 'Vraćena poštarina.' })) as Record<
      string,
      any
    >;

    expect(resolved).toMatchObject({ status: 'resolved', rootCause: 'delivery-delay', note: 'Vraćena poštarina.' });
    expect(resolved.history.map((h: { action: string; actor: string }) => [h.action, h.actor])).toEqual([
      ['opened', 'closeloop'],
      ['acknowledged', `arn:aws:iam::000000000000:user/${sandbox.credentials.accessKeyId}`],
      ['resolved', `arn:aws:iam::000000000000:user/${sandbox.credentials.accessKeyId}`],
    ]);
    await expect(callCaseApi(caseApi, 'POST', `/cases/${caseId}/acknowledge`, {})).rejects.toThrow(/^409/);
    expect(await waitForBusEvent('FollowUpResolved', (d) => d.caseId === caseId)).toBeDefined();
    const recovery = await waitForBusEvent('RecoverySurveyRequested', (d) => (d.context as Record<string, unknown>)?.caseId === caseId);
    expect(recovery?.detail).toMatchObject({ eventId: `recovery-${caseId}`, customer: { id: customer.id } });
    // The recovery program picks it up through dispatch: a delayed survey, waiting in the scheduler.
    await sleep(500);
    const pending = (await (await fetch(`${sandbox.endpoints.scheduler}/schedules`)).json()) as { Schedules: unknown[] };
    expect(pending.Schedules.length).toBeGreaterThan(0);
  });

  it('sets a poison stream record aside, alone, with its reason', async () => {
    const tokenHash = `poison-${unique()}`;
    const base = {
      ...keys.invitation(tokenHash),
      type: 'invitation',
      tokenHash,
      programId: 'retired-program',
      kind: 'nps',
      eventId: 'p',
      contactKey: 'k',
      locale: 'en',
      customer: { id: 'poison', email: 'p@example.com' },
      context: {},
      createdAt: new Date().toISOString(),
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      scaleMin: 0,
      scaleMax: 10,
    };
    await dynamodb.send(new PutCommand({ TableName: sandbox.tables.surveys, Item: base }));
    await dynamodb.send(new PutCommand({ TableName: sandbox.tables.surveys, Item: { ...base, score: 1, respondedAt: new Date().toISOString(), revision: 1 } }));

    const setAside = await collectMessages(sandbox.queues['rules-failures']!.url, (m) => m.Body?.includes(tokenHash) ?? false, { settleMs: 3000 });

    expect(setAside).toHaveLength(1);
    expect(setAside[0]!.MessageAttributes?.reason?.StringValue).toBe('program "retired-program" is not in the catalog');
    // The next response still flows.
    const { customer } = await answered(0);
    expect(await collectMessages(sandbox.followUpQueues['customer-success']!, forCustomer(customer.id))).toHaveLength(1);
  });

  it('reads a hand-edited case of the wrong shape as unreadable, naming the member, so the sweep can set it aside', async () => {
    const repository = new DynamoCaseRepository(sandbox.tables.surveys, documents);
    const program = catalog.programs.find((p) => p.id === 'order-delivered-nps')!;
    const rule = program.rules.find((r) => r.id === 'detractor')!;
    const longAgo = new Date(Date.now() - 48 * 3_600_000);
    const invitation = {
      tokenHash: `h-${unique()}`,
      programId: program.id,
      kind: 'nps' as const,
      eventId: `ord-${unique()}`,
      contactKey: 'k',
      locale: 'hr',
      customer: { id: 'c', email: 'c@example.com' },
      context: {},
      createdAt: longAgo.toISOString(),
      expiresAt: 0,
      response: { score: 1, respondedAt: longAgo.toISOString() },
    };
    const record = openCase(buildFollowUpCase(invitation, program, rule, 'detractor', [], { slaScale: 1, caseApiBaseUrl: 'https://api' }), rule, longAgo);
    await repository.open(record);
    const { caseId } = record.message;
    await documents.send(
      new UpdateCommand({
        TableName: sandbox.tables.surveys,
        Key: keys.case(caseId),
        UpdateExpression: 'SET rung = :r',
        ExpressionAttributeValues: { ':r': 'one' },
      }),
    );

    const due = await repository.due(new Date(), 1000);
    expect(due.find((entry) => 'unreadable' in entry && entry.caseId === caseId)).toMatchObject({ unreadable: 'rung: expected number', item: { rung: 'one' } });
    await expect(repository.get(caseId)).rejects.toThrow('a stored case is unreadable: rung: expected number');
  });

  it('keeps a case for its retention period only: past it, reads and the escalation sweep no longer see it', async () => {
    const repository = new DynamoCaseRepository(sandbox.tables.surveys, documents);
    const program = catalog.programs.find((p) => p.id === 'order-delivered-nps')!;
    const rule = program.rules.find((r) => r.id === 'detractor')!;
    const longAgo = new Date(Date.now() - 48 * 3_600_000);
    const record = (run: string, expiresAt: number) =>
      openCase(
        buildFollowUpCase(
          {
            tokenHash: `retention-${run}`,
            programId: program.id,
            kind: 'nps',
            eventId: run,
            contactKey: 'k',
            locale: 'en',
            customer: { id: run, email: `${run}@example.com` },
            context: {},
            createdAt: longAgo.toISOString(),
            expiresAt: 0,
            response: { score: 1, respondedAt: longAgo.toISOString() },
          },
          program,
          rule,
          'detractor',
          [],
          { slaScale: 1, caseApiBaseUrl: 'https://api' },
        ),
        rule,
        longAgo,
        { contactKey: 'k', expiresAt },
      );
    const expired = record(unique(), Math.floor(Date.now() / 1000) - 1);
    const kept = record(unique(), Math.floor(Date.now() / 1000) + 3600);
    await repository.open(expired);
    await repository.open(kept);

    expect(await repository.get(expired.message.caseId)).toBeUndefined();
    expect(await repository.get(kept.message.caseId)).toMatchObject({ status: 'open', contactKey: 'k' });
    const due = (await repository.due(new Date(), 1000)).map((r) => ('unreadable' in r ? r.caseId : r.message.caseId));
    expect(due).not.toContain(expired.message.caseId);
  });
});
