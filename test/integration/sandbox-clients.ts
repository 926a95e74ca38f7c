import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, type Message, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ParsedMail, simpleParser } from 'mailparser';
import { inject } from 'vitest';
import { DynamoAggregateStore } from '../../functions/adapters/dynamo-aggregate-store.js';
import { browserPost, PERSON_AGENT, pageStamp } from '../fixtures/person.js';

export const sandbox = inject('sandbox');
const config = { region: sandbox.region, credentials: sandbox.credentials };

/** Real SDK clients pointed at the sandbox, as any application would configure them. */
export const events = new EventBridgeClient({ ...config, endpoint: sandbox.endpoints.eventbridge });
export const sqs = new SQSClient({ ...config, endpoint: sandbox.endpoints.sqs });
export const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ ...config, endpoint: sandbox.endpoints.dynamodb }));

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function putEvent(source: string, detailType: string, detail: unknown) {
  return events.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail), EventBusName: sandbox.busName }],
    }),
  );
}

interface StoredEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  replyTo: string[];
  body: { html?: string; text?: string };
}

export async function emailsTo(address: string): Promise<StoredEmail[]> {
  const store = (await (await fetch(sandbox.sesStoreUrl)).json()) as { emails: StoredEmail[] };
  return store.emails.filter((email) => email.destination.to.includes(address));
}

/** Waits until `address` has at least `count` emails; returns all of them. */
export async function waitForEmails(address: string, count = 1, timeoutMs = 60_000): Promise<StoredEmail[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const emails = await emailsTo(address);
    if (emails.length >= count || Date.now() > deadline) return emails;
    await sleep(150);
  }
}

/** The stored email rendered as MIME by the SES emulator (of the shared sandbox, or of a test's own), parsed by a real MIME parser. */
export async function mimeOf(messageId: string, sesEndpoint: string = sandbox.endpoints.sesv2): Promise<ParsedMail> {
  const response = await fetch(`${sesEndpoint}/get-emlContent?messageId=${encodeURIComponent(messageId)}`);
  const { body } = (await response.json()) as { body: { data: number[] } };
  return simpleParser(Buffer.from(body.data));
}

/** Until the queue has nothing waiting and nothing in flight (the pollers have caught up). */
export async function waitUntilDrained(queueUrl: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
      }),
    );
    if (Object.values(Attributes).every((v) => v === '0')) return;
    if (Date.now() > deadline) throw new Error(`queue ${queueUrl} did not drain: ${JSON.stringify(Attributes)}`);
    await sleep(150);
  }
}

/**
 * Matches a message whose JSON body holds `id` as a whole string value: `"rep-1"` is not found in `"norep-1"`
 * (a plain substring test let one test's collector take another's message).
 */
export const mentioning =
  (id: string) =>
  (message: Message): boolean =>
    message.Body?.includes(JSON.stringify(id)) ?? false;

/** Messages a collector of this test file has already taken: each is found once, as if it had been deleted. */
const collected = new Set<string>();

interface InspectedMessage {
  messageId: string;
  body: string;
  messageAttributes?: Message['MessageAttributes'];
}

/**
 * The messages on a queue of the shared sandbox, ready or in flight, read through fauxqs's
 * non-destructive inspection (`GET /_fauxqs/queues/<name>`). Collectors do not receive: several test
 * files look at the same follow-up queue at once, and each receive of another file's message would
 * count towards that message's maxReceiveCount (5) and send it to the dead-letter queue.
 */
async function queueMessages(queueUrl: string): Promise<Message[]> {
  const name = queueUrl.split('/').pop() as string;
  const response = await fetch(`${sandbox.endpoints.sqs}/_fauxqs/queues/${encodeURIComponent(name)}`);
  if (!response.ok) throw new Error(`inspecting ${name}: ${response.status} ${await response.text()}`);
  const { messages } = (await response.json()) as { messages: { ready: InspectedMessage[]; inflight: { message: InspectedMessage }[] } };
  return [...messages.ready, ...messages.inflight.map((entry) => entry.message)].map((message) => ({
    MessageId: message.messageId,
    Body: message.body,
    MessageAttributes: message.messageAttributes ?? {},
  }));
}

/**
 * The messages matching `match` that this test file has not collected yet: waits until `atLeast` have
 * arrived (or `timeoutMs` passed), then `settleMs` more, long enough to see a second, unwanted message too.
 */
export async function collectMessages(
  queueUrl: string,
  match: (message: Message) => boolean,
  options: { atLeast?: number; settleMs?: number; timeoutMs?: number } = {},
): Promise<Message[]> {
  const { atLeast = 1, settleMs = 2000, timeoutMs = 60_000 } = options;
  const found: Message[] = [];
  const started = Date.now();
  let settleUntil = atLeast === 0 ? started + settleMs : Number.POSITIVE_INFINITY;
  while (Date.now() < Math.min(settleUntil, started + timeoutMs)) {
    for (const message of await queueMessages(queueUrl)) {
      if (collected.has(message.MessageId as string) || !match(message)) continue;
      collected.add(message.MessageId as string);
      found.push(message);
    }
    if (found.length >= atLeast && settleUntil === Number.POSITIVE_INFINITY) settleUntil = Date.now() + settleMs;
    await sleep(100);
  }
  return found;
}

interface BusEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
}

/** What was put on the sandbox bus (the sandbox's PutEvents endpoint keeps the last 1,000). */
export async function busEvents(detailType?: string): Promise<BusEvent[]> {
  const all = (await (await fetch(`${sandbox.endpoints.eventbridge}/events`)).json()) as BusEvent[];
  return detailType ? all.filter((e) => e['detail-type'] === detailType) : all;
}

/** Waits for a bus event matching `match`. */
export async function waitForBusEvent(
  detailType: string,
  match: (detail: Record<string, unknown>) => boolean,
  timeoutMs = 60_000,
): Promise<BusEvent | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await busEvents(detailType)).find((e) => match(e.detail));
    if (found || Date.now() > deadline) return found;
    await sleep(150);
  }
}

export { browserPost, pageStamp };

/**
 * Answers as a person's browser would: opens the rating page (for its signed render stamp) unless
 * `stamp` is given, takes the 0.5 s a person takes at least, then POSTs with the marks of the page's
 * script and of a real input event, from a click. Without them the page asks to confirm instead.
 */
export async function answer(link: string, fields: Record<string, string>, userAgent = PERSON_AGENT, stamp?: string): Promise<Response> {
  let t = stamp;
  if (t === undefined) {
    t = await pageStamp(link, userAgent);
    await sleep(600);
  }
  return browserPost(link, new URLSearchParams({ ...(t ? { t } : {}), h: '1', j: '1', ...fields }).toString(), userAgent);
}

/** Surveys a fresh segment through the real pipeline and answers with `scores`. */
export async function seedSegment(segment: string, scores: number[]) {
  await Promise.all(
    scores.map(async (score, i) => {
      const customer = { id: `${segment}-${i}`, email: `${segment}-${i}@example.com`, locale: 'en', segment, tier: 'silver' };
      await putEvent('shop.orders', 'OrderDelivered', {
        eventId: `${segment}-${i}`,
        occurredAt: new Date().toISOString(),
        customer,
        context: { orderId: String(i) },
      });
      const [email] = await waitForEmails(customer.email);
      const link = /^0: (\S+)$/m.exec(email!.body.text ?? '')![1]!;
      await answer(link, { score: String(score), comment: score <= 6 ? 'The parcel was late.' : '' });
    }),
  );
  const store = new DynamoAggregateStore(sandbox.tables.surveys, dynamodb);
  const today = new Date().toISOString().slice(0, 10);
  for (const until = Date.now() + 60_000; Date.now() < until; await sleep(300)) {
    if ((await store.totals('order-delivered-nps', segment, today, today)).responses === scores.length) return;
  }
  throw new Error(
    `the measure stage did not count ${scores.length} responses of ${segment}: ${JSON.stringify(await store.totals('order-delivered-nps', segment, today, today))}`,
  );
}
