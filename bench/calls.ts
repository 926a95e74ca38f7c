/**
 * AWS calls per survey and per response (counted by an SDK middleware over 1,000 events), and
 * handler throughput against the raw SDK calls the work needs at minimum, same run, same
 * concurrency, against DynamoDB Local and the local SES.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DynamoDBDocumentClient, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoInvitationRepository } from '../functions/adapters/dynamo-invitation-repository.js';
import { SesSurveyMailer } from '../functions/adapters/ses-survey-mailer.js';
import { catalog } from '../functions/config/catalog.js';
import { dispatchEvent, type DispatchDeps } from '../functions/dispatch/dispatch.js';
import { hashToken, newToken } from '../functions/domain/tokens.js';
import { recordRating, type RespondDeps } from '../functions/respond/respond.js';
import { renderSurveyEmail } from '../functions/dispatch/survey-email.js';
import { findProgram } from '../functions/domain/program.js';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { freePort, LOCAL_CREDENTIALS, LOCAL_REGION, startSes } from '../lib/sandbox/emulators.js';
import { benchTable, median, ms } from './harness.js';

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

const event = (run: string, i: number) => JSON.stringify({
  source: 'shop.orders', 'detail-type': 'OrderDelivered',
  detail: { eventId: `${run}-${i}`, occurredAt: new Date().toISOString(), customer: { id: `c${i}`, email: `${run}-${i}@example.com`, locale: 'en', tier: 'silver' }, context: { orderId: String(i) } },
});

/** Runs `count` tasks, `concurrency` at a time; returns tasks per second. */
async function throughput(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++);
  }));
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
    const sample = renderSurveyEmail({
      tokenHash: 'x', programId: 'order-delivered-nps', kind: 'nps', eventId: 'e', contactKey: 'k', locale: 'en',
      customer: { id: 'c', email: 'raw@example.com', tier: 'silver' }, context: { orderId: '1' }, createdAt: new Date().toISOString(), expiresAt: 0,
    }, findProgram(catalog, 'order-delivered-nps')!, newToken(), { brand: catalog.brand, publicBaseUrl: 'https://feedback.example.com' });
    const raw = { dynamo: DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: dynamo.endpoint })), ses: new SESv2Client({ ...config, endpoint: ses.endpoint }) };
    const repositoryFor = (counts: Counter) => new DynamoInvitationRepository(tableName, DynamoDBDocumentClient.from(
      counted(new DynamoDBClient({ ...config, endpoint: dynamo.endpoint }), counts), { marshallOptions: { removeUndefinedValues: true } }));
    const sesSettings = { senderEmail: 'surveys@example.com', supportEmail: 'support@example.com', configurationSet: 'bench' };
    const tokens: string[] = [];
    const dispatchDeps = (counts: Counter): DispatchDeps => {
      const repository = repositoryFor(counts);
      return {
        catalog, invitations: repository, contacts: repository,
        mailer: new SesSurveyMailer(sesSettings, counted(new SESv2Client({ ...config, endpoint: ses.endpoint }), counts)),
        scheduler: { schedule: async () => { throw new Error('no delayed program in this benchmark'); } },
        deadLetters: { reject: async (_, reason) => { throw new Error(`rejected: ${reason}`); } },
        publicBaseUrl: 'https://feedback.example.com', now: () => new Date(),
        newToken: () => { const token = newToken(); tokens.push(token); return token; },
      };
    };

    // 1. Calls per survey and per response, over `events` of each.
    const deps = dispatchDeps(surveyCalls);
    await throughput(events, concurrency, (i) => dispatchEvent(event('calls', i), deps));
    const respondRepository = repositoryFor(responseCalls);
    const respondDeps: RespondDeps = { catalog, invitations: respondRepository, contacts: respondRepository, now: () => new Date() };
    const answer = (token: string, score: number) => recordRating({
      token, score: String(score), renderedAt: String(Date.now() - 4000), interaction: '1', userAgent: 'Mozilla/5.0 bench',
    }, respondDeps);
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
      results.dispatchRaw.push(await throughput(round, concurrency, async (i) => {
        const now = Math.floor(Date.now() / 1000);
        const hash = hashToken(newToken());
        await raw.dynamo.send(new TransactWriteCommand({ TransactItems: [
          { Put: { TableName: tableName, Item: { pk: `RAWCLAIM#${r}-${i}`, sk: 'CLAIM', tokenHash: hash }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Put: { TableName: tableName, Item: { pk: `RAWINV#${hash}`, sk: 'INVITATION', email: `raw-${r}-${i}@example.com`, expiresAt: now + 86_400 }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { Update: { TableName: tableName, Key: { pk: `RAWCONTACT#${r}-${i}`, sk: 'REST#all' }, UpdateExpression: 'SET #u = :u', ConditionExpression: 'attribute_not_exists(pk) OR #u <= :now', ExpressionAttributeNames: { '#u': 'until' }, ExpressionAttributeValues: { ':u': now + 86_400, ':now': now } } },
          { ConditionCheck: { TableName: tableName, Key: { pk: `RAWCONTACT#${r}-${i}`, sk: 'SUPPRESSED' }, ConditionExpression: 'attribute_not_exists(pk)' } },
          { ConditionCheck: { TableName: tableName, Key: { pk: `RAWCANCEL#${r}-${i}`, sk: 'CANCEL' }, ConditionExpression: 'attribute_not_exists(pk)' } },
        ] }));
        await raw.ses.send(new SendEmailCommand({
          FromEmailAddress: 'surveys@example.com', Destination: { ToAddresses: [`raw-${r}-${i}@example.com`] },
          ReplyToAddresses: ['support@example.com'], ConfigurationSetName: 'bench',
          Content: { Simple: { Subject: { Data: sample.subject }, Body: { Html: { Data: sample.html }, Text: { Data: sample.text } }, Headers: Object.entries(sample.headers).map(([Name, Value]) => ({ Name, Value })) } },
        }));
      }));
      const batch = tokens.splice(0);
      results.respond.push(await throughput(batch.length, concurrency, (i) => answer(batch[i]!, 7)));
      results.respondRaw.push(await throughput(round, concurrency, (i) => raw.dynamo.send(new UpdateCommand({
        TableName: tableName, Key: { pk: `RAWINV#x-${r}-${i}`, sk: 'INVITATION' },
        UpdateExpression: 'SET score = :s, respondedAt = :t, userAgent = :ua, evidence = :e, revision = :one, answerWindowEnds = :w',
        ConditionExpression: 'attribute_not_exists(respondedAt)',
        ExpressionAttributeValues: { ':s': 7, ':t': new Date().toISOString(), ':ua': 'Mozilla/5.0 bench', ':e': { interaction: true, dwellMs: 4000 }, ':one': 1, ':w': 0 },
        ReturnValues: 'ALL_NEW',
      }))));
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
      dispatch: { handler: median(results.dispatch), raw: median(results.dispatchRaw), ratio: ratio(results.dispatch, results.dispatchRaw), latencyMs: median(latency.dispatch) },
      respond: { handler: median(results.respond), raw: median(results.respondRaw), ratio: ratio(results.respond, results.respondRaw), latencyMs: median(latency.respond) },
    };
  } finally {
    await ses.stop();
    await dynamo.stop();
  }
}
