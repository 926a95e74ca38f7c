import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { INTEGRATION_SOURCE } from '../functions/domain/integration-events.js';
import { type Catalog, triggersOf } from '../functions/domain/program.js';
import { LOCAL_REGION } from './emulators.js';
import { BodyTooLargeError, guard, listenOnLoopback, readBody } from './guard.js';

/** The EventBridge event as rules and targets see it. */
export interface BusEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: unknown;
}

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: string | number;
  Resources?: string[];
}

/**
 * A rule with an SQS target, as a subscriber would create on Closeloop's bus in AWS: events whose
 * source (and detail-type, when listed) match go to the queue, as EventBridge delivers them.
 */
export interface BusSubscription {
  readonly pattern: { readonly source: readonly string[]; readonly detailType?: readonly string[] };
  readonly queueUrl: string;
}

export interface EventBusOptions {
  readonly port: number;
  readonly busName: string;
  readonly catalog: Catalog;
  readonly sqs: SQSClient;
  /** The dispatch buffer: target of every rule built from the catalog's triggers. */
  readonly bufferQueueUrl: string;
  /** Subscribers' rules (e.g. the sandbox's integration-events queue). @default none */
  readonly subscriptions?: readonly BusSubscription[];
  /** Integration id → its delivery queue: target of the integration's rule (Closeloop's own events of its `on:` types). @default none */
  readonly integrationQueueUrls?: Readonly<Record<string, string>>;
  readonly warn: (message: string) => void;
}

export interface RunningEventBus {
  readonly endpoint: string;
  /** Events accepted on the Closeloop bus, newest last (the last 1,000). */
  readonly events: readonly BusEvent[];
  stop(): Promise<void>;
}

const ACCOUNT = '000000000000';
const MAX_ENTRIES = 10;
const MAX_REQUEST_BYTES = 256 * 1024;

/** AWS JSON 1.1 errors, as the SDK reads them: 421 and 500 from the guard too. */
const awsJsonError = (status: number, message: string) => ({
  headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
  body: JSON.stringify({ __type: status === 421 ? 'MisdirectedRequestException' : 'InternalException', message }),
});

class ClientError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** EventBridge accepts Time as an RFC 3339 string or epoch seconds. */
function eventTime(time: PutEventsEntry['Time']): string {
  if (time === undefined) return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const date = typeof time === 'number' ? new Date(time * 1000) : new Date(time);
  return Number.isNaN(date.getTime()) ? new Date().toISOString() : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * A PutEvents endpoint speaking EventBridge's AWS JSON 1.1 protocol, so `@aws-sdk/client-eventbridge`
 * and `aws events put-events --endpoint-url` work unchanged. It applies the same rules the stack
 * builds from the catalog: an event whose (source, detail-type) starts a program goes to the buffer.
 */
export async function startEventBus(options: EventBusOptions): Promise<RunningEventBus> {
  const events: BusEvent[] = [];
  const busArn = `arn:aws:events:${LOCAL_REGION}:${ACCOUNT}:event-bus/${options.busName}`;
  // The same rules the stack builds: one per trigger that starts or cancels a program.
  const triggers = triggersOf(options.catalog);

  async function putEntry(entry: PutEventsEntry) {
    if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
      return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameters Source, DetailType and Detail are required.' };
    }
    let detail: unknown;
    try {
      detail = JSON.parse(entry.Detail);
    } catch {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail must be a JSON object.' };
    }
    const busName = entry.EventBusName ?? 'default';
    const event: BusEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: ACCOUNT,
      time: eventTime(entry.Time),
      region: LOCAL_REGION,
      resources: entry.Resources ?? [],
      detail,
    };
    if (busName !== options.busName && busName !== busArn) {
      if (busName === 'default') {
        options.warn(`event ${entry.Source}/${entry.DetailType} was put on the default bus; Closeloop listens on "${options.busName}" (set EventBusName)`);
        return { EventId: event.id };
      }
      return { ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Event bus ${busName} does not exist.` };
    }
    events.push(event);
    if (events.length > 1000) events.shift();
    if (triggers.some((t) => t.source === event.source && t.detailType === event['detail-type'])) {
      await options.sqs.send(new SendMessageCommand({ QueueUrl: options.bufferQueueUrl, MessageBody: JSON.stringify(event) }));
    }
    for (const { pattern, queueUrl } of options.subscriptions ?? []) {
      if (pattern.source.includes(event.source) && (!pattern.detailType || pattern.detailType.includes(event['detail-type']))) {
        await options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
      }
    }
    // The integrations' rules, as the stack builds them: source "closeloop", one of the integration's detail-types.
    if (event.source === INTEGRATION_SOURCE) {
      for (const integration of options.catalog.integrations ?? []) {
        const queueUrl = options.integrationQueueUrls?.[integration.id];
        if (!queueUrl || !integration.on.some((type) => type === event['detail-type'])) continue;
        await options.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(event) }));
      }
    }
    return { EventId: event.id };
  }

  async function handle(request: IncomingMessage, body: string) {
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || typeof target !== 'string' || !target.startsWith('AWSEvents.')) {
      throw new ClientError('UnknownOperationException', 'Only POST with X-Amz-Target: AWSEvents.PutEvents is served here.');
    }
    if (target !== 'AWSEvents.PutEvents') throw new ClientError('UnknownOperationException', `${target.slice(10)} is not supported by the sandbox bus.`);
    let input: { Entries?: PutEventsEntry[] };
    try {
      input = JSON.parse(body) as { Entries?: PutEventsEntry[] };
    } catch {
      throw new ClientError('SerializationException', 'The request body is not JSON.');
    }
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length < 1 || entries.length > MAX_ENTRIES) {
      throw new ClientError('ValidationException', `Entries must hold 1 to ${MAX_ENTRIES} events.`);
    }
    const results = [];
    for (const entry of entries) results.push(await putEntry(entry));
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  const reply = (response: ServerResponse, status: number, payload: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() });
    response.end(JSON.stringify(payload));
  };

  const server = http.createServer(
    guard(
      'PutEvents endpoint',
      async (request, response) => {
        if (request.method === 'GET' && request.url === '/events') {
          request.resume();
          return reply(response, 200, events);
        }
        let body: Buffer;
        try {
          body = await readBody(request, MAX_REQUEST_BYTES);
        } catch (error) {
          if (error instanceof BodyTooLargeError)
            return reply(response, 413, { __type: 'ValidationException', message: 'Total size of the entries in the request is over the limit.' });
          throw error;
        }
        try {
          reply(response, 200, await handle(request, body.toString('utf8')));
        } catch (error) {
          if (!(error instanceof ClientError)) throw error;
          reply(response, 400, { __type: error.type, message: error.message });
        }
      },
      { errorBody: awsJsonError, report: options.warn },
    ),
  );
  const listening = await listenOnLoopback(server, options.port);
  return {
    endpoint: `http://127.0.0.1:${listening.port}`,
    events,
    stop: listening.stop,
  };
}
