import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoInvitationRepository, keys, SUPPRESSION_FLAGS_MIGRATED } from '../../functions/adapters/dynamo-invitation-repository.js';
import type { Invitation } from '../../functions/domain/invitation.js';
import { hashToken, newToken } from '../../functions/domain/tokens.js';
import type { ReservationGuard } from '../../functions/ports.js';
import { sandbox } from './sandbox-clients.js';

const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
  { marshallOptions: { removeUndefinedValues: true } },
);
const repository = new DynamoInvitationRepository(sandbox.tables.surveys, client);
const NOW = new Date();
const NOW_S = Math.floor(NOW.getTime() / 1000);
const WINDOW = NOW_S + 600;

function invitation(eventId: string, overrides: Partial<Invitation> = {}): Invitation {
  return {
    tokenHash: hashToken(newToken()),
    programId: 'order-delivered-nps',
    kind: 'nps',
    eventId,
    contactKey: `contact-${randomUUID()}`,
    locale: 'et',
    customer: { id: 'c-1', email: 'a@example.com' },
    context: { orderId: '1' },
    createdAt: NOW.toISOString(),
    expiresAt: NOW_S + 3600,
    ...overrides,
  };
}

/** A lease these tests never resume (the crash-point tests below build their own). */
const LEASE = { token: newToken(), until: NOW_S + 90 };
const guardFor = (inv: Invitation, extra: Partial<ReservationGuard> = {}): ReservationGuard => ({
  contactKey: inv.contactKey,
  rests: [{ scope: 'all', until: NOW_S + 30 * 86_400 }],
  now: NOW_S,
  ...extra,
});
const get = async (key: { pk: string; sk: string }) =>
  (await client.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: key, ConsistentRead: true }))).Item;

describe('DynamoInvitationRepository against DynamoDB Local', () => {
  it('lets exactly one of ten concurrent reservations of one event win', async () => {
    const eventId = randomUUID();
    const contactKey = `contact-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 10 }, () => {
        const inv = invitation(eventId, { contactKey });
        return repository.reserve(inv, guardFor(inv), LEASE);
      }),
    );
    expect(results.filter((r) => r === 'reserved')).toHaveLength(1);
    // The losers see either the claim (still unsent: the winner holds its lease), the rest the winner took, or a conflicting transaction.
    expect(results.every((r) => ['reserved', 'unsent', 'duplicate', 'throttled'].includes(typeof r === 'object' ? 'unsent' : r))).toBe(true);
  });

  it('refuses a second survey to a resting contact, and allows it after the rest', async () => {
    const first = invitation(randomUUID());
    expect(await repository.reserve(first, guardFor(first), LEASE)).toBe('reserved');
    const second = invitation(randomUUID(), { contactKey: first.contactKey });

    expect(await repository.reserve(second, guardFor(second), LEASE)).toBe('throttled');
    expect(await get(keys.invitation(second.tokenHash))).toBeUndefined();
    const later = NOW_S + 31 * 86_400;
    expect(await repository.reserve(second, guardFor(second, { now: later, rests: [{ scope: 'all', until: later + 86_400 }] }), LEASE)).toBe('reserved');
  });

  it('never reserves for a suppressed contact or a cancelled survey', async () => {
    const suppressed = invitation(randomUUID());
    await repository.suppress(suppressed.contactKey, 'unsubscribed', NOW);
    await repository.suppress(suppressed.contactKey, 'bounced', NOW);
    expect(await repository.reserve(suppressed, guardFor(suppressed), LEASE)).toBe('suppressed');
    expect(await get(keys.suppression(suppressed.contactKey))).toMatchObject({ reason: 'unsubscribed' });

    const cancelled = invitation(randomUUID());
    await repository.cancelPending('order-delivered-nps#1042', NOW, NOW_S + 3600);
    expect(await repository.reserve(cancelled, guardFor(cancelled, { cancelKey: 'order-delivered-nps#1042' }), LEASE)).toBe('cancelled');
  });

  it('suppresses by a flag on REST#all: a reservation with the rest period meets it, also without the separate record', async () => {
    const migrated = new DynamoInvitationRepository(sandbox.tables.surveys, client);
    await migrated.migrateSuppressionFlags();
    const contact = invitation(randomUUID());
    await migrated.suppress(contact.contactKey, 'complained', NOW);
    expect(await get(keys.rest(contact.contactKey, 'all'))).toMatchObject({ suppressed: 'complained' });
    expect((await get(keys.rest(contact.contactKey, 'all')))?.expiresAt).toBeUndefined();
    // The flag alone refuses it (the record is what the notify stage reads).
    await client.send(new DeleteCommand({ TableName: sandbox.tables.surveys, Key: keys.suppression(contact.contactKey) }));
    expect(await migrated.reserve(contact, guardFor(contact), LEASE)).toBe('suppressed');
    // A contact resting for another reason is throttled, not suppressed.
    const resting = invitation(randomUUID());
    expect(await migrated.reserve(resting, guardFor(resting), LEASE)).toBe('reserved');
    const again = invitation(randomUUID(), { contactKey: resting.contactKey });
    expect(await migrated.reserve(again, guardFor(again), LEASE)).toBe('throttled');
    // Without a rest period across programs, the separate record is checked.
    const noRest = invitation(randomUUID());
    await migrated.suppress(noRest.contactKey, 'bounced', NOW);
    expect(await migrated.reserve(noRest, guardFor(noRest, { rests: [] }), LEASE)).toBe('suppressed');
  });

  it('honours a suppression an earlier version wrote (the record, no flag) until and after the migration flags it', async () => {
    await client.send(new DeleteCommand({ TableName: sandbox.tables.surveys, Key: SUPPRESSION_FLAGS_MIGRATED }));
    const legacy = invitation(randomUUID());
    await client.send(
      new PutCommand({
        TableName: sandbox.tables.surveys,
        Item: { ...keys.suppression(legacy.contactKey), type: 'suppression', reason: 'unsubscribed', at: NOW.toISOString() },
      }),
    );
    const before = new DynamoInvitationRepository(sandbox.tables.surveys, client);
    expect(await before.reserve(legacy, guardFor(legacy), LEASE)).toBe('suppressed');

    // The upgrade step as an operator runs it: `closeloop migrate --table <name>` (the built CLI, a child process).
    const { stdout } = await promisify(execFile)('node', ['dist/cli/closeloop.mjs', 'migrate', '--table', sandbox.tables.surveys], {
      env: {
        ...process.env,
        AWS_ENDPOINT_URL_DYNAMODB: sandbox.endpoints.dynamodb,
        AWS_REGION: sandbox.region,
        AWS_ACCESS_KEY_ID: sandbox.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sandbox.credentials.secretAccessKey,
      },
    });
    expect(stdout).toMatch(new RegExp(`Suppression flags: [1-9]\\d* suppressed contacts? flagged in table ${sandbox.tables.surveys}; the marker is written`));
    expect(await get(keys.rest(legacy.contactKey, 'all'))).toMatchObject({ suppressed: 'unsubscribed' });
    expect(await get(SUPPRESSION_FLAGS_MIGRATED)).toBeDefined();
    const retry = invitation(legacy.eventId, { contactKey: legacy.contactKey });
    expect(await new DynamoInvitationRepository(sandbox.tables.surveys, client).reserve(retry, guardFor(retry), LEASE)).toBe('suppressed');
  });

  it('keeps the flag of a contact suppressed while a reservation held its rest: release and rest extension leave it', async () => {
    const held = invitation(randomUUID());
    expect(await repository.reserve(held, guardFor(held), LEASE)).toBe('reserved');
    await repository.suppress(held.contactKey, 'bounced', NOW);
    await repository.release(held, guardFor(held));
    expect(await repository.findByTokenHash(held.tokenHash)).toBeUndefined();
    expect(await get(keys.claim(held.programId, held.eventId))).toBeUndefined();
    await repository.extendRest(held.contactKey, NOW_S + 90 * 86_400);
    const rest = await get(keys.rest(held.contactKey, 'all'));
    expect(rest).toMatchObject({ suppressed: 'bounced' });
    expect(rest?.expiresAt).toBeUndefined();
    const retry = invitation(held.eventId, { contactKey: held.contactKey });
    expect(await repository.reserve(retry, guardFor(retry), LEASE)).toBe('suppressed');
  });

  it('releases only what a reservation holds, so the event can be dispatched again', async () => {
    const eventId = randomUUID();
    const first = invitation(eventId);
    await repository.reserve(first, guardFor(first), LEASE);

    const impostor = invitation(eventId, { contactKey: first.contactKey });
    await expect(repository.release(impostor, guardFor(impostor))).rejects.toThrow();
    expect(await repository.findByTokenHash(first.tokenHash)).toBeDefined();
    await repository.release(first, guardFor(first));

    expect(await repository.findByTokenHash(first.tokenHash)).toBeUndefined();
    expect(await get(keys.rest(first.contactKey, 'all'))).toBeUndefined();
    const retry = invitation(eventId, { contactKey: first.contactKey });
    expect(await repository.reserve(retry, guardFor(retry), LEASE)).toBe('reserved');
  });

  it('turns a rejected recipient into a skip and a suppression', async () => {
    const inv = invitation(randomUUID());
    await repository.reserve(inv, guardFor(inv), LEASE);
    await repository.rejectRecipient(inv, NOW);
    expect(await get(keys.claim(inv.programId, inv.eventId))).toMatchObject({ status: 'skipped', reason: 'rejected' });
    expect(await get(keys.invitation(inv.tokenHash))).toBeUndefined();
    expect(await get(keys.suppression(inv.contactKey))).toMatchObject({ reason: 'rejected' });
  });

  it('records a skip once', async () => {
    const skip = { programId: 'p', eventId: randomUUID(), customerId: 'c', reason: 'throttled' as const, at: NOW.toISOString(), expiresAt: NOW_S + 60 };
    expect(await repository.recordSkip(skip)).toBe('recorded');
    expect(await repository.recordSkip({ ...skip, reason: 'sampled-out' })).toBe('duplicate');
  });

  it('keeps an answered invitation for the retention period; keeps no customer id on a skip', async () => {
    const inv = invitation(randomUUID());
    await repository.reserve(inv, guardFor(inv), LEASE);
    const retainUntil = NOW_S + 365 * 86_400;

    await repository.recordResponse(inv.tokenHash, { score: 9, respondedAt: NOW.toISOString() }, NOW, WINDOW, retainUntil);
    const skip = {
      programId: 'p',
      eventId: randomUUID(),
      customerId: 'customer-77',
      reason: 'throttled' as const,
      at: NOW.toISOString(),
      expiresAt: NOW_S + 60,
    };
    await repository.recordSkip(skip);

    expect((await get(keys.invitation(inv.tokenHash)))?.expiresAt).toBe(retainUntil);
    expect(JSON.stringify(await get(keys.claim('p', skip.eventId)))).not.toContain('customer-77');
  });

  it('lets an expired cancellation no longer block, whether or not TTL has deleted it yet', async () => {
    const cancelled = invitation(randomUUID());
    await repository.cancelPending(`order-delivered-nps#${cancelled.eventId}`, NOW, NOW_S - 1);

    expect(await repository.reserve(cancelled, guardFor(cancelled, { cancelKey: `order-delivered-nps#${cancelled.eventId}` }), LEASE)).toBe('reserved');
  });

  it("reads a batch's cancellations in one consistent BatchGetItem and checks in the transaction only a live one", async () => {
    const sent: { command: string; input: Record<string, any> }[] = [];
    const counted = DynamoDBDocumentClient.from(
      new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
    );
    counted.middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({ command: String(context.commandName), input: args.input as Record<string, any> });
        return next(args);
      },
      { step: 'initialize', name: 'commandLog' },
    );
    const counting = new DynamoInvitationRepository(sandbox.tables.surveys, counted);
    const run = randomUUID();
    const surveys = Array.from({ length: 8 }, (_, i) => invitation(`${run}-${i}`));
    // The fourth survey's order was cancelled (live), the sixth's cancellation has expired.
    await repository.cancelPending(`order-delivered-nps#${run}-3`, NOW, NOW_S + 3600);
    await repository.cancelPending(`order-delivered-nps#${run}-5`, NOW, NOW_S - 1);

    const results = await Promise.all(surveys.map((inv) => counting.reserve(inv, guardFor(inv, { cancelKey: `order-delivered-nps#${inv.eventId}` }), LEASE)));

    expect(results).toEqual(['reserved', 'reserved', 'reserved', 'cancelled', 'reserved', 'reserved', 'reserved', 'reserved']);
    const reads = sent.filter((c) => c.command === 'BatchGetItemCommand');
    expect(reads).toHaveLength(1);
    expect(reads[0]!.input.RequestItems[sandbox.tables.surveys]).toMatchObject({ ConsistentRead: true });
    expect(reads[0]!.input.RequestItems[sandbox.tables.surveys].Keys).toHaveLength(8);
    const cancelChecks = sent
      .filter((c) => c.command === 'TransactWriteItemsCommand')
      .map(
        (c) =>
          c.input.TransactItems.filter((item: any) => String(item.ConditionCheck?.Key?.pk?.S ?? item.ConditionCheck?.Key?.pk ?? '').startsWith('CANCEL#'))
            .length,
      );
    // One transaction per survey; only the cancelled one's carries the check.
    expect(cancelChecks).toHaveLength(8);
    expect(cancelChecks.filter((n) => n === 1)).toHaveLength(1);
    expect(cancelChecks.filter((n) => n === 0)).toHaveLength(7);
  });

  it('extends a rest period but never shortens it', async () => {
    const contactKey = `contact-${randomUUID()}`;
    await repository.extendRest(contactKey, NOW_S + 90 * 86_400);
    await repository.extendRest(contactKey, NOW_S + 10 * 86_400);
    expect(await get(keys.rest(contactKey, 'all'))).toMatchObject({ until: NOW_S + 90 * 86_400 });
  });

  it('keeps one response under concurrent POSTs: one first answer, each accepted change in the history', async () => {
    const stored = invitation(randomUUID());
    await repository.reserve(stored, guardFor(stored), LEASE);
    const answer = (score: number) => repository.recordResponse(stored.tokenHash, { score, respondedAt: new Date().toISOString() }, new Date(), WINDOW);

    const results = await Promise.all([answer(1), answer(2), answer(3), answer(4), answer(5), answer(1), answer(1)]);

    expect(results.filter((r) => r.status === 'recorded')).toHaveLength(1);
    const changes = results.filter((r) => r.status === 'changed').length;
    const final = (await repository.findByTokenHash(stored.tokenHash))?.response;
    expect(final?.revision).toBe(1 + changes);
    expect(final?.history ?? []).toHaveLength(changes);
    expect(results.every((r) => ['recorded', 'changed', 'already-answered'].includes(r.status))).toBe(true);
  });

  it('refuses a score outside the scale, an expired link and an unknown token without writing', async () => {
    const stored = invitation(randomUUID(), { kind: 'ces' });
    const expired = invitation(randomUUID(), { expiresAt: NOW_S - 1 });
    await repository.reserve(stored, guardFor(stored), LEASE);
    await repository.reserve(expired, guardFor(expired), LEASE);
    const at = (score: number) => ({ score, respondedAt: NOW.toISOString() });

    expect((await repository.recordResponse(stored.tokenHash, at(8), NOW, WINDOW)).status).toBe('invalid-score');
    expect((await repository.recordResponse(stored.tokenHash, at(0), NOW, WINDOW)).status).toBe('invalid-score');
    expect((await repository.recordResponse(expired.tokenHash, at(5), NOW, WINDOW)).status).toBe('unavailable');
    expect((await repository.recordResponse(hashToken(newToken()), at(5), NOW, WINDOW)).status).toBe('unavailable');
    expect((await repository.findByTokenHash(stored.tokenHash))?.response).toBeUndefined();
    expect((await repository.recordResponse(stored.tokenHash, at(7), NOW, WINDOW)).status).toBe('recorded');
  });

  it('round-trips Persian and Thai text and free-form context', async () => {
    const stored = invitation(randomUUID(), {
      locale: 'fa',
      customer: { id: 'c-2', email: 'sara@example.com', name: 'سارا' },
      context: { orderId: '2002', items: [1, 2], gift: true },
    });
    await repository.reserve(stored, guardFor(stored), LEASE);
    const recorded = await repository.recordResponse(stored.tokenHash, { score: 2, comment: 'การจัดส่งล่าช้า', respondedAt: NOW.toISOString() }, NOW, WINDOW);
    expect(recorded.status === 'recorded' && recorded.invitation).toMatchObject({
      customer: { name: 'سارا' },
      context: { items: [1, 2], gift: true },
      response: { comment: 'การจัดส่งล่าช้า' },
    });
  });

  it('replaces an answer within the window, keeping the first in the history, in two conditional writes', async () => {
    const stored = invitation(randomUUID());
    await repository.reserve(stored, guardFor(stored), LEASE);
    await repository.recordResponse(stored.tokenHash, { score: 3, comment: 'late', respondedAt: NOW.toISOString() }, NOW, WINDOW);

    const same = await repository.recordResponse(stored.tokenHash, { score: 3, comment: 'late', respondedAt: NOW.toISOString() }, NOW, WINDOW);
    const changed = await repository.recordResponse(stored.tokenHash, { score: 9, respondedAt: new Date(NOW.getTime() + 1000).toISOString() }, NOW, WINDOW);

    expect(same.status).toBe('already-answered');
    expect(changed.status === 'changed' && changed.invitation.response).toMatchObject({
      score: 9,
      revision: 2,
      history: [{ score: 3, comment: 'late', respondedAt: NOW.toISOString() }],
    });
    const late = new Date((WINDOW + 1) * 1000);
    expect((await repository.recordResponse(stored.tokenHash, { score: 1, respondedAt: late.toISOString() }, late, WINDOW)).status).toBe('already-answered');
    expect((await repository.findByTokenHash(stored.tokenHash))?.response?.score).toBe(9);
  });

  it("stops changes at revision 5: a later change stores nothing and keeps the item's size", async () => {
    const stored = invitation(randomUUID());
    await repository.reserve(stored, guardFor(stored), LEASE);
    const results = [];
    for (let score = 0; score <= 9; score++) {
      results.push(
        (await repository.recordResponse(stored.tokenHash, { score, respondedAt: new Date(NOW.getTime() + score * 1000).toISOString() }, NOW, WINDOW)).status,
      );
    }

    expect(results).toEqual(['recorded', 'changed', 'changed', 'changed', 'changed', ...Array(5).fill('already-answered')]);
    const item = await get(keys.invitation(stored.tokenHash));
    expect(item).toMatchObject({ score: 4, revision: 5 });
    expect(item?.history).toHaveLength(4);
  });

  it('keeps no address, name or customer id on an answered eNPS invitation (the segment stays); an NPS one keeps them', async () => {
    const enps = invitation(randomUUID(), {
      kind: 'enps',
      programId: 'sampled-enps',
      customer: { id: 'e-7', email: 'emp@example.com', name: 'Eve', segment: 'team-a' },
    });
    const nps = invitation(randomUUID(), { customer: { id: 'c-7', email: 'cus@example.com', name: 'Cy' } });
    for (const inv of [enps, nps]) await repository.reserve(inv, guardFor(inv), LEASE);
    expect((await get(keys.invitation(enps.tokenHash)))?.customer).toMatchObject({ email: 'emp@example.com', name: 'Eve' });

    const recorded = await repository.recordResponse(enps.tokenHash, { score: 2, respondedAt: NOW.toISOString() }, NOW, WINDOW);
    await repository.recordResponse(nps.tokenHash, { score: 2, respondedAt: NOW.toISOString() }, NOW, WINDOW);

    expect(recorded.status === 'recorded' && recorded.invitation.customer).toEqual({ segment: 'team-a' });
    const item = await get(keys.invitation(enps.tokenHash));
    expect(item).toMatchObject({ score: 2, revision: 1, customer: { segment: 'team-a' } });
    expect(JSON.stringify(item)).not.toMatch(/emp@example\.com|Eve|"id":"e-7"/);
    expect((await get(keys.invitation(nps.tokenHash)))?.customer).toMatchObject({ email: 'cus@example.com', name: 'Cy' });
    expect((await repository.recordResponse(enps.tokenHash, { score: 9, respondedAt: NOW.toISOString() }, NOW, WINDOW)).status).toBe('changed');
  });
});
