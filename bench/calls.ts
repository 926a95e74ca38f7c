/**
 * AWS calls per survey and per response (counted by an SDK middleware over 1,000 events), and
 * handler throughput against the raw SDK calls the work needs at minimum, same run, same
 * concurrency, against DynamoDB Local and the local SES.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { BatchGetCommand, DynamoDBDocumentClient, ScanCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoInvitationRepository, keys, toItem } from '../functions/adapters/dynamo-invitation-repository.js';
import { SesSurveyMailer } from '../functions/adapters/ses-survey-mailer.js';
import { DISPATCH_LEASE_SECONDS } from '../functions/config/resources.js';
import { type DispatchDeps, dispatchEvent } from '../functions/dispatch/dispatch.js';
import { renderSurveyEmail } from '../functions/dispatch/survey-email.js';
import { pageStamps } from '../functions/domain/page-stamp.js';
import { contactKeyOf } from '../functions/domain/policies.js';
import { findProgram } from '../functions/domain/program.js';
import { hashToken, newToken } from '../functions/domain/tokens.js';
import { type RespondDeps, recordRating } from '../functions/respond/respond.js';
import { freePort, LOCAL_CREDENTIALS, LOCAL_REGION, startSes } from '../sandbox/emulators.js';
import { demoCatalog as catalog } from '../test/fixtures/catalog.js';
import { bareAnswer, benchTable, median, ms, refusingDispatchPorts } from './harness.js';

type Counter = Record<string, number>;

function counted<C extends { middlewareStack: { add: (...args: never[]) => void } }>(client: C, counts: Counter): C {
  (client.middlewareStack.add as (mw: unknown, options: unknown) => void)(
    (next: (args: unknown) => Promise<unknown>, context: { clientName?: string; commandName?: string }) => async (args: unknown) => {
      const key = `${context.clientName?.replace('Client', '')}.${context.commandName?.replace('Command', '')}`;
      counts[key] = (counts[key] ?? 0) + 1;
      return next(args);
    },
    { step: 'initialize', name: 'closeloopCallCounter' },
  );
  return client;
}

const event = (run: string, i: number) =>
  JSON.stringify({
    source: 'shop.orders',
    'detail-type': 'OrderDelivered',
    detail: {
      eventId: `${run}-${i}`,
      occurredAt: new Date().toISOString(),
      customer: { id: `c${i}`, email: `${run}-${i}@example.com`, locale: 'en', tier: 'silver' },
      context: { orderId: String(i) },
    },
  });

/** Runs `count` tasks, `concurrency` at a time; returns tasks per second. */
async function throughput(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / (ms(start) / 1000);
}

export interface CallsResult {
  readonly perSurvey: Counter;
  readonly perResponse: Counter;
  readonly surveys: number;
  readonly dispatch: { handler: number; raw: number; ratio: number; latencyMs: number };
  readonly respond: { handler: number; raw: number; ratio: number; latencyMs: number };
  /** Median stored sizes (bytes) after the answers: the invitation includes its response. */
  readonly itemBytes: { invitation: number; claim: number; rest: number };
}

export async function benchCalls(events = 1000, concurrency = 8): Promise<CallsResult> {
  const { dynamo, tableName } = await benchTable();
  const ses = await startSes(await freePort());
  try {
    const config = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const surveyCalls: Counter = {};
    const responseCalls: Counter = {};
    // The raw side sends what the handler sends, byte for byte in size: a rendered survey email.
    const sample = renderSurveyEmail(
      {
        tokenHash: 'x',
        programId: 'order-delivered-nps',
        kind: 'nps',
        eventId: 'e',
        contactKey: 'k',
        locale: 'en',
        customer: { id: 'c', email: 'raw@example.com', tier: 'silver' },
        context: { orderId: '1' },
        createdAt: new Date().toISOString(),
        expiresAt: 0,
      },
      findProgram(catalog, 'order-delivered-nps')!,
      newToken(),
      { brand: catalog.brand, locales: catalog.locales, publicBaseUrl: 'https://feedback.example.com' },
    );
    const raw = {
      dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: dynamo.endpoint })),
      ses: new SESv2Client({ ...config, endpoint: ses.endpoint }),
    };
    const repositoryFor = (counts: Counter) =>
      new DynamoInvitationRepository(
        tableName,
        DynamoDBDocumentClient.from(counted(new DynamoDBClient({ ...config, endpoint: dynamo.endpoint }), counts), {
          marshallOptions: { removeUndefinedValues: true },
        }),
      );
    const sesSettings = { senderEmail: 'surveys@example.com', supportEmail: 'support@example.com', configurationSet: 'bench' };
    const tokens: string[] = [];
    const dispatchDeps = (counts: Counter): DispatchDeps => {
      const repository = repositoryFor(counts);
      return {
        catalog,
        invitations: repository,
        contacts: repository,
        mailer: new SesSurveyMailer(sesSettings, counted(new SESv2Client({ ...config, endpoint: ses.endpoint }), counts)),
        ...refusingDispatchPorts,
        publicBaseUrl: 'https://feedback.example.com',
        now: () => new Date(),
        newToken: () => {
          const token = newToken();
          tokens.push(token);
          return token;
        },
        leaseSeconds: DISPATCH_LEASE_SECONDS,
      };
    };

    // 1. Calls per survey and per response, over `events` of each.
    const deps = dispatchDeps(surveyCalls);
    await throughput(events, concurrency, (i) => dispatchEvent(event('calls', i), deps));
    const respondRepository = repositoryFor(responseCalls);
    const stamps = pageStamps(randomBytes(32).toString('base64url'));
    const respondDeps: RespondDeps = { catalog, invitations: respondRepository, contacts: respondRepository, now: () => new Date(), stamps };
    const answer = (token: string, score: number) =>
      recordRating(
        {
          token,
          score: String(score),
          stamp: stamps.sign('rating', token, Date.now() - 4000),
          interaction: '1',
          script: '1',
          userAgent: 'Mozilla/5.0 bench',
        },
        respondDeps,
      );
    const answered = tokens.splice(0);
    await throughput(answered.length, concurrency, (i) => answer(answered[i]!, i % 11));
    const per = (counts: Counter) => Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / events]));
    const perSurvey = per(surveyCalls);
    const perResponse = per(responseCalls);
    // DynamoDB bills writes per started KB of item: measure what is stored (attribute names + values, as JSON ≈ DynamoDB's size).
    const { Items = [] } = await raw.dynamo.send(new ScanCommand({ TableName: tableName, Limit: 200 }));
    const sizeOf = (prefix: string) => median(Items.filter((it) => String(it.pk).startsWith(prefix)).map((it) => Buffer.byteLength(JSON.stringify(it))));
    const itemBytes = { invitation: sizeOf('INV#'), claim: sizeOf('DISPATCH#'), rest: sizeOf('CONTACT#') };

    // 2. Throughput: the handlers' use cases vs the bare SDK calls, interleaved rounds.
    const rounds = 3;
    const round = 200;
    const uncounted = dispatchDeps({});
    const results = { dispatch: [] as number[], dispatchRaw: [] as number[], respond: [] as number[], respondRaw: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      results.dispatch.push(await throughput(round, concurrency, (i) => dispatchEvent(event(`tp-${r}`, i), uncounted)));
      const rawAnswerable: string[] = [];
      results.dispatchRaw.push(
        await throughput(round, concurrency, async (i) => {
          // The same calls with the same items the adapter writes (the cancellation read, an invitation as stored,
          // the claim, the rest period, the suppression check), the same rendered email and the sent mark: only the handler's own work differs.
          const now = new Date();
          const nowSeconds = Math.floor(now.getTime() / 1000);
          const hash = hashToken(newToken());
          const email = `raw-${r}-${i}@example.com`;
          const contactKey = contactKeyOf(email);
          const invitation = toItem({
            tokenHash: hash,
            programId: 'order-delivered-nps',
            kind: 'nps',
            eventId: `raw-${r}-${i}`,
            contactKey,
            locale: 'en',
            customer: { id: `c${i}`, email, locale: 'en', tier: 'silver' },
            context: { orderId: String(i) },
            createdAt: now.toISOString(),
            expiresAt: nowSeconds + 30 * 86_400,
          });
          // The cancellation, read before the reservation (the handler reads a batch's in one BatchGetItem).
          await raw.dynamo.send(
            new BatchGetCommand({ RequestItems: { [tableName]: { Keys: [keys.cancel(`order-delivered-nps#${i}-${r}-raw`)], ConsistentRead: true } } }),
          );
          await raw.dynamo.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: tableName,
                    Item: {
                      ...keys.claim('order-delivered-nps', `raw-${r}-${i}`),
                      type: 'dispatch-claim',
                      status: 'sending',
                      programId: 'order-delivered-nps',
                      eventId: `raw-${r}-${i}`,
                      tokenHash: hash,
                      at: now.toISOString(),
                      expiresAt: invitation.expiresAt,
                      token: 'A'.repeat(22),
                      leaseUntil: nowSeconds + 90,
                    },
                    ConditionExpression: 'attribute_not_exists(pk)',
                  },
                },
                { Put: { TableName: tableName, Item: invitation, ConditionExpression: 'attribute_not_exists(pk)' } },
                {
                  Update: {
                    TableName: tableName,
                    Key: keys.rest(contactKey, 'all'),
                    UpdateExpression: 'SET #type = :rest, #u = :u, heldBy = :h, expiresAt = :u',
                    ConditionExpression: 'attribute_not_exists(pk) OR #u <= :now',
                    ExpressionAttributeNames: { '#type': 'type', '#u': 'until' },
                    ExpressionAttributeValues: { ':rest': 'rest', ':u': nowSeconds + 30 * 86_400, ':h': hash, ':now': nowSeconds },
                  },
                },
                { ConditionCheck: { TableName: tableName, Key: keys.suppression(contactKey), ConditionExpression: 'attribute_not_exists(pk)' } },
              ],
            }),
          );
          await raw.ses.send(
            new SendEmailCommand({
              FromEmailAddress: 'surveys@example.com',
              Destination: { ToAddresses: [email] },
              ReplyToAddresses: ['support@example.com'],
              ConfigurationSetName: 'bench',
              Content: {
                Simple: {
                  Subject: { Data: sample.subject },
                  Body: { Html: { Data: sample.html }, Text: { Data: sample.text } },
                  Headers: Object.entries(sample.headers).map(([Name, Value]) => ({ Name, Value })),
                },
              },
              EmailTags: Object.entries(sample.tags).map(([Name, Value]) => ({ Name, Value: Value.replace(/[^\w-]/g, '_') })),
            }),
          );
          await raw.dynamo.send(
            new UpdateCommand({
              TableName: tableName,
              Key: keys.claim('order-delivered-nps', `raw-${r}-${i}`),
              UpdateExpression: 'SET #status = :sent, sentAt = :at REMOVE #token, leaseUntil',
              ConditionExpression: 'tokenHash = :h',
              ExpressionAttributeNames: { '#status': 'status', '#token': 'token' },
              ExpressionAttributeValues: { ':sent': 'sent', ':at': now.toISOString(), ':h': hash },
            }),
          );
          rawAnswerable.push(hash);
        }),
      );
      const batch = tokens.splice(0);
      results.respond.push(await throughput(batch.length, concurrency, (i) => answer(batch[i]!, 7)));
      // The same conditional UpdateItem on an invitation of the same size, with the same answer and evidence.
      results.respondRaw.push(await throughput(rawAnswerable.length, concurrency, (i) => raw.dynamo.send(bareAnswer(tableName, rawAnswerable[i]!))));
    }
    // 3. Latency of one survey and one response (for the cost model's Lambda durations).
    const latency = { dispatch: [] as number[], respond: [] as number[] };
    for (let i = 0; i < 40; i++) {
      let start = process.hrtime.bigint();
      await dispatchEvent(event('latency', i), uncounted);
      latency.dispatch.push(ms(start));
      const token = tokens.pop()!;
      start = process.hrtime.bigint();
      await answer(token, 3);
      latency.respond.push(ms(start));
    }
    const ratio = (a: number[], b: number[]) => median(a) / median(b);
    return {
      surveys: events,
      itemBytes,
      perSurvey,
      perResponse,
      dispatch: {
        handler: median(results.dispatch),
        raw: median(results.dispatchRaw),
        ratio: ratio(results.dispatch, results.dispatchRaw),
        latencyMs: median(latency.dispatch),
      },
      respond: {
        handler: median(results.respond),
        raw: median(results.respondRaw),
        ratio: ratio(results.respond, results.respondRaw),
        latencyMs: median(latency.respond),
      },
    };
  } finally {
    await ses.stop();
    await dynamo.stop();
  }
}
