/**
 * A record a stage can never process ends in that stage's failure destination with its reason, at
 * once and alone: the next good record flows. (Dispatch: loop.test.ts, a contract violation on the
 * dead-letter queue; the rules stage with a retired program: cases.test.ts.)
 */

import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { DynamoCaseRepository } from '../../functions/adapters/dynamo-case-repository.js';
import { toItem } from '../../functions/adapters/dynamo-invitation-repository.js';
import { escalateFailureQueue, measureFailureQueue, rulesFailureQueue } from '../../functions/config/resources.js';
import { buildFollowUpCase, openCase } from '../../functions/domain/follow-up-case.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { findProgram } from '../../functions/domain/program.js';
import { demoCatalog as catalog } from '../fixtures/catalog.js';
import { collectMessages, dynamodb, sandbox, sleep } from './sandbox-clients.js';

const unique = () => randomUUID().slice(0, 8);

function answeredItem(run: string, name: string, score: unknown) {
  const now = new Date().toISOString();
  const invitation: Invitation = {
    tokenHash: `poison-${run}-${name}`,
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId: `poison-${run}-${name}`,
    contactKey: `k-${run}-${name}`,
    locale: 'en',
    customer: { id: `poison-${run}-${name}`, email: `${name}-${run}@example.com`, segment: `poison-${run}`, tier: 'silver' },
    context: { orderId: name },
    createdAt: now,
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
  };
  return { ...toItem(invitation), score, comment: '', respondedAt: now, revision: 1 };
}

const about = (tokenHash: string) => (message: Message) => message.Body?.includes(tokenHash) ?? false;

describe('poison records at the stream stages (shared sandbox)', () => {
  it('sets a corrupted answer aside at once in both stream stages, each with its reason, and keeps counting and routing the next one', async () => {
    const run = unique();
    const poison = answeredItem(run, 'corrupted', 42);
    const good = answeredItem(run, 'good', 2);

    await dynamodb.send(new PutCommand({ TableName: sandbox.tables.surveys, Item: poison }));
    await dynamodb.send(new PutCommand({ TableName: sandbox.tables.surveys, Item: good }));

    // Each stage on its own failure queue (rules-failures, measure-failures).
    const setAside = [
      ...(await collectMessages(sandbox.queues[rulesFailureQueue.name]!.url, about(poison.tokenHash), { settleMs: 3000 })),
      ...(await collectMessages(sandbox.queues[measureFailureQueue.name]!.url, about(poison.tokenHash), { settleMs: 3000 })),
    ];
    const byStage = Object.fromEntries(setAside.map((m) => [m.MessageAttributes?.stage?.StringValue, m.MessageAttributes?.reason?.StringValue]));
    expect(setAside).toHaveLength(2);
    expect(byStage).toEqual({
      measure: `invitation ${poison.tokenHash}: score 42 is outside the nps scale`,
      rules: `invitation ${poison.tokenHash}: score 42 is outside the nps scale`,
    });
    // The record itself travels with the reason, for a person to repair and replay.
    expect(JSON.parse(setAside[0]!.Body!).dynamodb.NewImage.score).toEqual({ N: '42' });

    const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
    const day = new Date().toISOString().slice(0, 10);
    let totals: Record<string, number> = {};
    for (const until = Date.now() + 30_000; Date.now() < until && totals.responses !== 1; await sleep(200)) {
      totals = await store.totals('order-delivered-nps', `poison-${run}`, day, day);
    }
    expect(totals).toMatchObject({ sent: 1, responses: 1, score_2: 1, class_detractor: 1 });
    expect(totals).not.toHaveProperty('score_42');
    const cases = await collectMessages(sandbox.followUpQueues['customer-success']!, about(good.customer.id!), { settleMs: 500 });
    expect(cases.map((m) => JSON.parse(m.Body!).customer.id)).toEqual([good.customer.id]);
  });

  it('sets a case the escalation sweep cannot escalate aside with its reason, out of the deadline index, and escalates the next one', async () => {
    const run = unique();
    const program = findProgram(catalog, 'order-delivered-nps')!;
    const rule = program.rules.find((r) => r.id === 'detractor')!;
    const opened = new Date(Date.now() - 3_600_000);
    const caseOf = (name: string) =>
      openCase(
        buildFollowUpCase(
          {
            tokenHash: `sweep-${run}-${name}`,
            programId: program.id,
            kind: 'nps',
            eventId: `sweep-${run}-${name}`,
            contactKey: 'k',
            locale: 'en',
            customer: { id: `sweep-${run}-${name}`, email: `${name}-${run}@example.com`, tier: 'silver' },
            context: {},
            createdAt: opened.toISOString(),
            expiresAt: 0,
            response: { score: 2, respondedAt: opened.toISOString() },
          },
          program,
          rule,
          'detractor',
          [],
          { slaScale: 1, caseApiBaseUrl: sandbox.publicBaseUrl },
        ),
        rule,
        opened,
      );
    const good = { ...caseOf('good'), nextDeadline: Date.now() - 1000 };
    const corrupted = caseOf('corrupted');
    const corruptedId = corrupted.message.caseId;
    // Written by hand, as a bad migration might: first in the index (shard 0, due at 0), with a rung queue nobody declared.
    await dynamodb.send(
      new PutCommand({
        TableName: sandbox.tables.surveys,
        Item: {
          ...corrupted,
          pk: `CASE#${corruptedId}`,
          sk: 'CASE',
          type: 'case',
          caseId: corruptedId,
          version: 1,
          escalateTo: ['sales'],
          nextDeadline: 0,
          slaShard: 'SLA#0',
          slaDueAt: 0,
          notifiedAt: opened.toISOString(),
        },
      }),
    );
    const cases = new DynamoCaseRepository(sandbox.tables.surveys, dynamodb);
    await cases.open(good);
    await cases.markNotified(good.message.caseId, opened);

    const setAside = await collectMessages(sandbox.queues[escalateFailureQueue.name]!.url, about(corruptedId), { settleMs: 3000 });
    const escalated = await collectMessages(sandbox.followUpQueues.escalation!, about(good.message.caseId), { settleMs: 500 });

    expect(setAside.map((m) => [m.MessageAttributes?.stage?.StringValue, m.MessageAttributes?.reason?.StringValue])).toEqual([
      ['escalate', `case ${corruptedId}: escalation queue "sales" is not declared`],
    ]);
    expect(escalated.map((m) => JSON.parse(m.Body!).escalation?.rung)).toEqual([1]);
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: sandbox.tables.surveys, Key: { pk: `CASE#${corruptedId}`, sk: 'CASE' }, ConsistentRead: true }),
    );
    expect(Item).toMatchObject({ setAsideReason: 'escalation queue "sales" is not declared', status: 'open' });
    expect(Item).not.toHaveProperty('slaShard');
  });
});
