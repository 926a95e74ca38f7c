import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoInvitationRepository, keys } from '../../functions/adapters/dynamo-invitation-repository.js';
import { SesSurveyMailer } from '../../functions/adapters/ses-survey-mailer.js';
import { DISPATCH_LEASE_SECONDS } from '../../functions/config/resources.js';
import { type DispatchDeps, type DispatchOutcome, dispatchEvent, SendInProgressError } from '../../functions/dispatch/dispatch.js';
import { contactKeyOf } from '../../functions/domain/policies.js';
import { newToken } from '../../functions/domain/tokens.js';
import { demoCatalog } from '../fixtures/catalog.js';
import { Crash, type CrashPoint, crashingAt } from '../fixtures/crash-points.js';
import { orderDelivered } from '../fixtures/events.js';
import { emailsTo, sandbox } from './sandbox-clients.js';

/** Write units per operation, as DynamoDB reports them (`ReturnConsumedCapacity`), not estimated. */
const consumed: { command: string; units: number; ms: number }[] = [];
type Args = { input: Record<string, unknown> };
type Output = { output: { ConsumedCapacity?: { CapacityUnits?: number } | { CapacityUnits?: number }[] } };
const client = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
  { marshallOptions: { removeUndefinedValues: true } },
);
type Stack = { add: (middleware: unknown, options: unknown) => void };
(client.middlewareStack as unknown as Stack).add(
  (next: (args: Args) => Promise<Output>, context: { commandName?: string }) => async (args: Args) => {
    args.input.ReturnConsumedCapacity = 'TOTAL';
    const command = (context.commandName ?? '').replace(/Command$/, '');
    let result: Output;
    const started = performance.now();
    try {
      result = await next(args);
    } catch (error) {
      consumed.push({ command: `${command} (failed: ${(error as Error).name})`, units: 0, ms: performance.now() - started });
      throw error;
    }
    const capacity = result.output.ConsumedCapacity;
    const units = (Array.isArray(capacity) ? capacity : capacity ? [capacity] : []).reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
    consumed.push({ command, units, ms: performance.now() - started });
    return result;
  },
  { step: 'initialize', priority: 'high', name: 'consumedCapacity' },
);

const repository = new DynamoInvitationRepository(sandbox.tables.surveys, client);
const mailer = new SesSurveyMailer(
  { senderEmail: sandbox.senderEmail, supportEmail: sandbox.supportEmail, configurationSet: 'closeloop-test' },
  new SESv2Client({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.sesv2 }),
);
const LEASE_MS = DISPATCH_LEASE_SECONDS * 1000;

function depsAt(now: Date, ports: Partial<DispatchDeps> = {}): DispatchDeps {
  return {
    catalog: demoCatalog,
    invitations: repository,
    contacts: repository,
    mailer,
    scheduler: {
      schedule: async () => {
        throw new Error('nothing is delayed here');
      },
    },
    deadLetters: {
      reject: async (_, reason) => {
        throw new Error(`rejected: ${reason}`);
      },
    },
    publicBaseUrl: sandbox.publicBaseUrl,
    now: () => now,
    newToken,
    leaseSeconds: DISPATCH_LEASE_SECONDS,
    ...ports,
  };
}

// Each event has its own order id: other tests cancel surveys of order 1042 (the program cancels by order id).
const statuses = (outcomes: DispatchOutcome[]) => outcomes.map((o) => (o.status === 'skipped' ? `skipped:${o.reason}` : o.status));
/** The tests' own reads, not counted. */
const reader = DynamoDBDocumentClient.from(
  new DynamoDBClient({ region: sandbox.region, credentials: sandbox.credentials, endpoint: sandbox.endpoints.dynamodb }),
);
const claimOf = async (eventId: string) =>
  (await reader.send(new GetCommand({ TableName: sandbox.tables.surveys, Key: keys.claim('order-delivered-nps', eventId), ConsistentRead: true }))).Item;

/**
 * Through the real adapter on DynamoDB Local and SES local: the first delivery of an event dies at
 * `point`, a redelivery inside the lease must not send, one after it sends what is owed, and one
 * more finds the survey sent.
 */
async function crashThenRedeliver(point: CrashPoint) {
  const email = `crash-${point}-${randomUUID()}@example.com`;
  const eventId = `crash-${randomUUID()}`;
  const body = JSON.stringify(orderDelivered({ eventId, customer: { email, tier: 'silver', locale: 'en' }, context: { orderId: randomUUID() } }));
  const start = new Date();
  const dying = crashingAt(point, repository, mailer);
  consumed.length = 0;

  await dispatchEvent(body, depsAt(start, { invitations: dying.store, contacts: dying.store, mailer: dying.mailer })).catch((error: unknown) => {
    if (!(error instanceof Crash)) throw error;
  });
  const afterCrash = { emails: (await emailsTo(email)).length, claim: await claimOf(eventId) };
  const early = await dispatchEvent(body, depsAt(new Date(start.getTime() + LEASE_MS - 5_000))).catch((error: unknown) => error);
  const redelivered = await dispatchEvent(body, depsAt(new Date(start.getTime() + LEASE_MS + 1_000)));
  const later = await dispatchEvent(body, depsAt(new Date(start.getTime() + LEASE_MS + 2_000)));
  const calls = consumed.map((c) => c.command);
  return { email, eventId, afterCrash, early, redelivered, later, calls, emails: await emailsTo(email), claim: await claimOf(eventId) };
}

const linksOf = (text: string | undefined) => text?.match(/\/r\/[\w-]{22}\?s=\d+/g) ?? [];

describe('effectively-once delivery against DynamoDB Local and SES local, the process stopped at each point', () => {
  it('(a) dies after the transaction, before the SES call: nothing sent; sent exactly once after the lease, same token', async () => {
    const run = await crashThenRedeliver('after-reserve');

    expect(run.afterCrash.emails).toBe(0);
    // The redeliveries learn the claim's state from the failed transaction itself (ALL_OLD): no read of it.
    // The reservation; the early redelivery's reservation (fails, sends nothing); after the lease, the
    // reservation (fails), the takeover, the mark; the last one's reservation (fails: a duplicate).
    // Each reservation of this cancellable program first reads its cancellation (docs/reliability.md).
    const refused = 'TransactWriteItems (failed: TransactionCanceledException)';
    const read = 'BatchGetItem';
    // (And once per repository instance, the read of whether suppression flags are migrated: docs/upgrading.md.)
    expect(run.calls.filter((call) => call !== 'GetItem')).toEqual([
      read,
      'TransactWriteItems',
      read,
      refused,
      read,
      refused,
      'TransactWriteItems',
      'UpdateItem',
      read,
      refused,
    ]);
    expect(run.calls.filter((call) => call === 'GetItem').length).toBeLessThanOrEqual(1);
    expect(run.afterCrash.claim).toMatchObject({ status: 'sending', token: expect.stringMatching(/^[\w-]{22}$/) });
    expect(run.early).toBeInstanceOf(SendInProgressError);
    expect(statuses(run.redelivered)).toEqual(['sent']);
    expect(run.redelivered[0]).toMatchObject({ resent: true, marked: true });
    expect(statuses(run.later)).toEqual(['skipped:duplicate']);
    expect(run.emails).toHaveLength(1);
    expect(linksOf(run.emails[0]!.body.text)[0]).toBe(`/r/${run.afterCrash.claim!.token}?s=0`);
    // Marked sent, and the token is gone from the table.
    expect(run.claim).toMatchObject({ status: 'sent', tokenHash: run.afterCrash.claim!.tokenHash, sentAt: expect.any(String) });
    expect(run.claim).not.toHaveProperty('token');
    expect(run.claim).not.toHaveProperty('leaseUntil');
  });

  it('(b) dies after SES accepted, before the mark: the same email twice — the documented window', async () => {
    const run = await crashThenRedeliver('after-ses-accepted');

    expect(run.afterCrash.emails).toBe(1);
    expect(run.early).toBeInstanceOf(SendInProgressError);
    expect(statuses(run.redelivered)).toEqual(['sent']);
    expect(statuses(run.later)).toEqual(['skipped:duplicate']);
    expect(run.emails).toHaveLength(2);
    expect(linksOf(run.emails[1]!.body.text)).toEqual(linksOf(run.emails[0]!.body.text));
    expect(run.claim).toMatchObject({ status: 'sent' });
  });

  it('(c) dies after the mark: never sent again', async () => {
    const run = await crashThenRedeliver('after-mark');

    expect(run.afterCrash.claim).toMatchObject({ status: 'sent' });
    expect(statuses([...(run.early as DispatchOutcome[]), ...run.redelivered, ...run.later])).toEqual([
      'skipped:duplicate',
      'skipped:duplicate',
      'skipped:duplicate',
    ]);
    expect(run.emails).toHaveLength(1);
  });

  it('lets exactly one of five concurrent redeliveries after the lease send', async () => {
    const email = `concurrent-${randomUUID()}@example.com`;
    const body = JSON.stringify(
      orderDelivered({ eventId: `crash-${randomUUID()}`, customer: { email, tier: 'silver', locale: 'en' }, context: { orderId: randomUUID() } }),
    );
    const start = new Date();
    const dying = crashingAt('after-reserve', repository, mailer);
    await expect(dispatchEvent(body, depsAt(start, { invitations: dying.store, contacts: dying.store, mailer: dying.mailer }))).rejects.toThrow(Crash);

    const after = depsAt(new Date(start.getTime() + LEASE_MS + 1_000));
    const results = await Promise.all(Array.from({ length: 5 }, () => dispatchEvent(body, after).then(statuses, (error: Error) => [error.name])));

    expect(results.flat().filter((r) => r === 'sent')).toHaveLength(1);
    // The others met the new lease, the mark or a conflicting transaction: each comes back later, none sends.
    expect(results.flat().every((r) => ['sent', 'skipped:duplicate', 'SendInProgressError', 'TransactionCanceledException'].includes(r))).toBe(true);
    expect(await emailsTo(email)).toHaveLength(1);
  });

  it('sends nothing to a person erased meanwhile (suppressed, rests and invitation deleted), and frees the claim', async () => {
    const email = `erased-${randomUUID()}@example.com`;
    const eventId = `crash-${randomUUID()}`;
    const body = JSON.stringify(orderDelivered({ eventId, customer: { email, tier: 'silver', locale: 'en' }, context: { orderId: randomUUID() } }));
    const start = new Date();
    const dying = crashingAt('after-reserve', repository, mailer);
    await expect(dispatchEvent(body, depsAt(start, { invitations: dying.store, contacts: dying.store, mailer: dying.mailer }))).rejects.toThrow(Crash);
    const { tokenHash } = (await claimOf(eventId)) as { tokenHash: string };
    // What an erasure does to it: suppress first, then delete the contact's items.
    await repository.suppress(contactKeyOf(email), 'erased', start);
    for (const key of [keys.rest(contactKeyOf(email), 'all'), keys.invitation(tokenHash)])
      await reader.send(new DeleteCommand({ TableName: sandbox.tables.surveys, Key: key }));

    const redelivered = await dispatchEvent(body, depsAt(new Date(start.getTime() + LEASE_MS + 1_000)));

    expect(statuses(redelivered)).toEqual(['skipped:suppressed']);
    expect(await emailsTo(email)).toHaveLength(0);
    expect(await claimOf(eventId)).toMatchObject({ status: 'skipped', reason: 'suppressed' });
    expect(await claimOf(eventId)).not.toHaveProperty('token');
  });

  it("dies after the reservation, then the same eventId comes for another address: that person gets no email with the first one's link", async () => {
    const [first, second] = [`reused-a-${randomUUID()}@example.com`, `reused-b-${randomUUID()}@example.com`];
    const eventId = `reused-${randomUUID()}`;
    const event = (email: string) =>
      JSON.stringify(orderDelivered({ eventId, customer: { email, tier: 'silver', locale: 'en' }, context: { orderId: randomUUID() } }));
    const start = new Date();
    const dying = crashingAt('after-reserve', repository, mailer);
    await dispatchEvent(event(first), depsAt(start, { invitations: dying.store, contacts: dying.store, mailer: dying.mailer })).catch((error: unknown) => {
      if (!(error instanceof Crash)) throw error;
    });
    const claim = await claimOf(eventId);

    const outcomes = await dispatchEvent(event(second), depsAt(new Date(start.getTime() + LEASE_MS + 1_000)));

    expect(statuses(outcomes)).toEqual(['skipped:event-id-reused']);
    expect(outcomes[0]!.events.map((e) => [e.detailType, e.detail.reason])).toEqual([['SurveySkipped', 'event-id-reused']]);
    expect(await emailsTo(second)).toEqual([]);
    expect(await emailsTo(first)).toEqual([]);
    // The claim is left as it was: the first person's survey is still owed, and resumes for them.
    expect(await claimOf(eventId)).toEqual(claim);
    const resumed = await dispatchEvent(event(first), depsAt(new Date(start.getTime() + LEASE_MS + 2_000)));
    expect(statuses(resumed)).toEqual(['sent']);
    expect(await emailsTo(first)).toHaveLength(1);
  });

  it('costs one write unit more per survey: the sent mark, an UpdateItem of the small claim item', async () => {
    const email = `wru-${randomUUID()}@example.com`;
    const body = JSON.stringify(
      orderDelivered({ eventId: `wru-${randomUUID()}`, customer: { email, tier: 'silver', locale: 'en' }, context: { orderId: randomUUID() } }),
    );
    consumed.length = 0;

    expect(statuses(await dispatchEvent(body, depsAt(new Date())))).toEqual(['sent']);

    // The cancellation read, the reservation, the mark.
    expect(consumed.map((c) => c.command)).toEqual(['BatchGetItem', 'TransactWriteItems', 'UpdateItem']);
    const [, reserve, mark] = consumed;
    expect(mark!.units).toBe(1);
    // The duplicate window is this call's duration (plus SES's answer on its way back).
    console.info(`per survey sent: reservation ${reserve!.units} WRU as DynamoDB Local counts it, sent mark ${mark!.units} WRU in ${mark!.ms.toFixed(1)} ms`);
  });
});
