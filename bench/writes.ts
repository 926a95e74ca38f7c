/**
 * Write units per survey, per response and per notification, counted by the consumed-capacity
 * middleware (capacity.ts) on the real adapters, driven through the real use cases of every stage
 * that writes: dispatch (reservation, sent mark), measure (the survey's "sent" counter), respond
 * (the answer), follow-up (rest extension, cases with their acknowledgement), measure again (the
 * answer's counters, the case's), notify (claim, unsubscribe link, sent mark). The stream stages
 * get each item's before and after images as a stream record would carry them, read back after
 * each write. A table with the stack's GSIs, on DynamoDB Local.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAggregateStore, itemsWrittenBy } from '../functions/adapters/dynamo-aggregate-store.js';
import { DynamoCaseRepository } from '../functions/adapters/dynamo-case-repository.js';
import { DynamoInvitationRepository, fromItem, keys } from '../functions/adapters/dynamo-invitation-repository.js';
import { DynamoNotificationOutbox } from '../functions/adapters/dynamo-notification-outbox.js';
import { DISPATCH_LEASE_SECONDS, NOTIFY_LEASE_SECONDS } from '../functions/config/resources.js';
import { type DispatchDeps, dispatchEvent } from '../functions/dispatch/dispatch.js';
import type { FollowUpCaseRecord } from '../functions/domain/follow-up-case.js';
import type { Invitation } from '../functions/domain/invitation.js';
import type { Notification } from '../functions/domain/notification.js';
import { pageStamps } from '../functions/domain/page-stamp.js';
import { hashToken, newToken } from '../functions/domain/tokens.js';
import { type Change, countersOf, type MeasureDeps, measureChanges } from '../functions/measure/measure.js';
import { type NotifyDeps, sendNotification } from '../functions/notify/notify.js';
import { type RespondDeps, recordRating } from '../functions/respond/respond.js';
import { type FollowUpDeps, responseChange, routeResponse } from '../functions/rules/rules.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../sandbox/emulators.js';
import { demoCatalog as catalog } from '../test/fixtures/catalog.js';
import { type KeyLoad, keyLoads, type Phase, WriteLedger } from './capacity.js';
import { benchTable, refusingDispatchPorts, scanTable, table } from './harness.js';

export interface Units {
  readonly measured: number;
  readonly calculated: number;
  readonly total: number;
}

export interface WritesResult {
  readonly surveys: number;
  readonly responses: number;
  readonly notifications: number;
  readonly perSurvey: Units;
  /** A response without a follow-up case (a passive, 7–8 on NPS) and one that opens a case, and their share in this run. */
  readonly perResponseWithoutCase: Units;
  readonly perResponseWithCase: Units;
  readonly caseShareInRun: number;
  readonly perNotification: Units;
  /** Write calls per command, and how many came back with ConsumedCapacity from DynamoDB Local. */
  readonly calls: Record<string, { count: number; reported: number }>;
  /** Per key family at the peak rates given. */
  readonly families: KeyLoad[];
  readonly rates: { survey: number; response: number };
}

/** Per response at a share of responses opening a case (the cost model's 30 %). */
export const perResponseAt = (w: WritesResult, caseShare: number) => w.perResponseWithoutCase.total * (1 - caseShare) + w.perResponseWithCase.total * caseShare;

/** The mean units of several actors' work. */
export const mean = (values: readonly { measured: number; calculated: number }[]): Units => {
  const n = values.length || 1;
  const measured = values.reduce((s, v) => s + v.measured, 0) / n;
  const calculated = values.reduce((s, v) => s + v.calculated, 0) / n;
  return { measured, calculated, total: measured + calculated };
};

const event = (i: number) =>
  JSON.stringify({
    source: 'shop.orders',
    'detail-type': 'OrderDelivered',
    detail: {
      eventId: `wru-${i}`,
      occurredAt: new Date().toISOString(),
      customer: { id: `c${i}`, email: `wru-${i}@example.com`, locale: 'en', tier: 'silver' },
      context: { orderId: String(i) },
    },
  });

async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/**
 * `surveys` surveys sent and each answered (scores 0–10 in turn: detractors and promoters open a
 * case in the demo catalog, passives do not), the notifications they owe sent; `rates` are the
 * peak surveys and responses per second the key loads are scaled to.
 */
export async function benchWrites(
  surveys = 330,
  concurrency = 8,
  rates = { survey: 1000, response: 150 },
  /** Stream records per measure invocation: the event source's batch size (100), reached at the peak rates. */
  streamBatch = 100,
): Promise<WritesResult> {
  const { dynamo, tableName, documents: plain } = await benchTable('closeloop-wru', true);
  try {
    const ledger = new WriteLedger();
    const documents = DynamoDBDocumentClient.from(
      ledger.attach(new DynamoDBClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: dynamo.endpoint })),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const invitations = new DynamoInvitationRepository(tableName, documents);
    // The upgrade step a table takes once (docs/upgrading.md): reservations then rely on the suppression flag. Not counted.
    await invitations.migrateSuppressionFlags();
    const now = () => new Date();
    const tokens = new Map<string, string>();
    const dispatchDeps: DispatchDeps = {
      catalog,
      invitations,
      contacts: invitations,
      mailer: { send: async () => ({ messageId: `m-${randomBytes(6).toString('hex')}` }) },
      ...refusingDispatchPorts,
      publicBaseUrl: 'https://feedback.example.com',
      now,
      newToken: () => {
        const token = newToken();
        tokens.set(ledger.actor.getStore()?.id ?? '', token);
        return token;
      },
      leaseSeconds: DISPATCH_LEASE_SECONDS,
    };
    const measureDeps: MeasureDeps = { catalog, aggregates: new DynamoAggregateStore(tableName, documents), now };
    const cases = new DynamoCaseRepository(tableName, documents);
    const followUpDeps: FollowUpDeps = {
      catalog,
      cases,
      publisher: { publish: async () => undefined },
      contacts: invitations,
      timing: { slaScale: 1, caseApiBaseUrl: 'https://cases.example.com' },
      now,
    };
    const stamps = pageStamps(randomBytes(32).toString('base64url'));
    const respondDeps: RespondDeps = { catalog, invitations, contacts: invitations, now, stamps };
    const notifyDeps: NotifyDeps = {
      brand: catalog.brand,
      locales: catalog.locales,
      outbox: new DynamoNotificationOutbox(tableName, documents),
      mailer: { send: async () => ({ messageId: `n-${randomBytes(6).toString('hex')}` }) },
      publicBaseUrl: 'https://feedback.example.com',
      now,
      leaseSeconds: NOTIFY_LEASE_SECONDS,
      linkDays: catalog.retention.caseDays,
    };
    // The stream's images: read back, uncounted, as the stream would carry them.
    const image = async (key: Record<string, string>) => (await plain.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

    // The measure stage counts a stream batch together: each write's units go to the surveys or
    // responses whose records it counts (a bucket shared by several: split evenly among them).
    const measureInBatches = async (phase: Phase, records: readonly { actor: string; change: Change }[]) => {
      for (let start = 0; start < records.length; start += streamBatch) {
        const batch = records.slice(start, start + streamBatch);
        const owners = new Map<string, string[]>();
        for (const { actor, change } of batch)
          for (const counter of countersOf(change, measureDeps).counters)
            for (const { pk, sk } of itemsWrittenBy(counter)) owners.set(`${pk}|${sk}`, [...(owners.get(`${pk}|${sk}`) ?? []), actor]);
        await ledger.as(
          phase,
          batch[0]!.actor,
          () =>
            measureChanges(
              batch.map((r) => r.change),
              measureDeps,
            ),
          (pk, sk) => owners.get(`${pk}|${sk}`) ?? [],
        );
      }
    };

    // Surveys: dispatch, then the measure stage on the invitations' INSERTs, in stream batches.
    const sent = new Map<string, Invitation>();
    await pool(surveys, concurrency, (i) =>
      ledger.as('survey', `${i}`, async () => {
        await dispatchEvent(event(i), dispatchDeps);
        const token = tokens.get(`${i}`);
        const after = token && fromItem(await image(keys.invitation(hashToken(token))));
        if (!after) throw new Error(`survey ${i} wrote no invitation`);
        sent.set(`${i}`, after);
      }),
    );
    await measureInBatches(
      'survey',
      [...sent].map(([actor, after]) => ({ actor, change: { type: 'invitation', after } })),
    );

    // Responses: the POST, then the rules stage on its MODIFY; the measure stage on the MODIFYs and the cases' INSERTs, in stream batches.
    const withCase = new Set<string>();
    const answered: { actor: string; change: Change }[] = [];
    await pool(surveys, concurrency, (i) =>
      ledger.as('response', `${i}`, async () => {
        const token = tokens.get(`${i}`)!;
        const before = sent.get(`${i}`)!;
        await recordRating(
          {
            token,
            score: String(i % 11),
            stamp: stamps.sign('rating', token, Date.now() - 4000),
            interaction: '1',
            script: '1',
            userAgent: 'Mozilla/5.0 bench',
          },
          respondDeps,
        );
        const after = fromItem(await image(keys.invitation(before.tokenHash)));
        const change = responseChange(before, after);
        if (!change) throw new Error(`response ${i} was not recorded`);
        const routed = await routeResponse(change.invitation, followUpDeps);
        answered.push({ actor: `${i}`, change: { type: 'invitation', before, after } });
        for (const opened of routed.cases) {
          withCase.add(`${i}`);
          const item = await image({ pk: `CASE#${opened.caseId}`, sk: 'CASE' });
          answered.push({ actor: `${i}`, change: { type: 'case', after: item as unknown as FollowUpCaseRecord } });
        }
      }),
    );
    await measureInBatches('response', answered);

    // Notifications the cases owe: the notify stage on each outbox item's INSERT.
    const { Items: outbox = [] } = await plain.send(
      new ScanCommand({
        TableName: tableName,
        FilterExpression: '#type = :n',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: { ':n': 'notification' },
      }),
    );
    await pool(outbox.length, concurrency, (i) => {
      const { pk: _pk, sk: _sk, type: _type, status: _status, ...notification } = outbox[i]!;
      return ledger.as('notification', `${i}`, () => sendNotification(notification as unknown as Notification, notifyDeps));
    });

    // Every item as the run leaves it: the sizes of what transactions updated, the index keys of rewritten entries.
    ledger.finalize(await scanTable(plain, tableName));
    const responses = ledger.perActor('response');
    const split = (opened: boolean) => mean([...responses].filter(([id]) => withCase.has(id) === opened).map(([, units]) => units));
    return {
      surveys,
      responses: responses.size,
      notifications: outbox.length,
      perSurvey: mean([...ledger.perActor('survey').values()]),
      perResponseWithoutCase: split(false),
      perResponseWithCase: split(true),
      caseShareInRun: withCase.size / surveys,
      perNotification: mean([...ledger.perActor('notification').values()]),
      calls: ledger.calls,
      families: keyLoads(ledger, { survey: surveys, response: surveys }, rates),
      rates,
    };
  } finally {
    await dynamo.stop();
  }
}

const goal = (met: boolean) => (met ? 'met' : 'NOT met');

/** Sections 2b and 2c of `npm run bench` (and of `npm run bench:writes`): write units per path and per key family at the peak. */
export function writesReport(writes: WritesResult): string {
  const lines: string[] = [];
  const wruSurvey = writes.perSurvey.total;
  const wruResponse = perResponseAt(writes, 0.3);
  const units = (u: Units) => `${u.total.toFixed(1)} (${u.measured.toFixed(1)} measured + ${u.calculated.toFixed(1)} calculated)`;
  lines.push(
    table([
      ['path', 'WRU', 'goal'],
      ['per survey (dispatch, sent mark, measure)', units(writes.perSurvey), `≤ 9: ${goal(wruSurvey <= 9)}`],
      ['per response without a case', units(writes.perResponseWithoutCase), ''],
      ['per response opening a case (and its acknowledgement)', units(writes.perResponseWithCase), ''],
      ['per response, 30 % opening a case', wruResponse.toFixed(1), `≤ 6: ${goal(wruResponse <= 6)}`],
      ['per notification (notify stage)', units(writes.perNotification), ''],
    ]),
    `${wruSurvey.toFixed(1)} WRU per survey (goal ≤ 9: ${goal(wruSurvey <= 9)}); ${wruResponse.toFixed(1)} WRU per response (goal ≤ 6: ${goal(wruResponse <= 6)}). ` +
      `Write calls that returned ConsumedCapacity: ${Object.entries(writes.calls)
        .map(([c, n]) => `${c.replace('Command', '')} ${n.reported}/${n.count}`)
        .join(', ')}. Calculated: transactions' items and failed conditions (DynamoDB Local under-reports them; see capacity.ts).\n`,
    `2c. Headroom for 10 million surveys a day: write units per key family, scaled to the peak (${writes.rates.survey} surveys/s, ${writes.rates.response} responses/s, one program); goal: no key above 100 WCU/s (10 % of a partition's 1,000)`,
  );
  const all = writes.families.reduce((sum, g) => sum + g.unitsPerSurvey * writes.rates.survey + g.unitsPerResponse * writes.rates.response, 0);
  lines.push(
    table([
      ['key family', 'WRU per survey', 'WRU per response', 'share of writes', 'keys', 'busiest key', 'its peak WCU/s', '≤ 100'],
      ...writes.families.map((f) => {
        const perSecond = f.unitsPerSurvey * writes.rates.survey + f.unitsPerResponse * writes.rates.response;
        return [
          f.family,
          f.unitsPerSurvey.toFixed(2),
          f.unitsPerResponse.toFixed(2),
          `${((100 * perSecond) / all).toFixed(1)} %`,
          f.distinctKeys,
          f.shared ? f.hottestKey.replace(/(#[^#]{12})[^#]+$/, '$1…') : '(one per survey or case)',
          f.shared ? f.peakWcuPerSecond.toFixed(0) : `${f.peakWcuPerSecond.toFixed(0)} once`,
          f.peakWcuPerSecond <= 100 ? 'yes' : 'NO',
        ];
      }),
    ]),
  );
  const hot = writes.families.filter((f) => f.shared && f.peakWcuPerSecond > 100);
  lines.push(
    `no key above 10 % of the per-partition limit at the peak: ${goal(hot.length === 0)}${hot.length ? ` (${hot.map((f) => f.hottestKey.split('#')[0]).join(', ')})` : ''}\n`,
  );
  return lines.join('\n');
}
