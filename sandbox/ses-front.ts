import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { sesFeedbackEvents } from '../functions/config/resources.js';
import { LOCAL_REGION } from './emulators.js';
import type { BusEvent } from './event-bus.js';
import { guard, listenOnLoopback, readBody } from './guard.js';

export interface SesFrontOptions {
  /** Emulates SES's maximum send rate (emails per second). @default no limit */
  readonly maxSendRate?: number;
  /** Receives the bounce and complaint events SES would publish to EventBridge. */
  readonly onFeedback?: (event: BusEvent) => Promise<void>;
  readonly report?: (message: string) => void;
}

export interface SesFront {
  readonly endpoint: string;
  /** Epoch ms of every SendEmail let through. */
  readonly accepted: number[];
  /** How many SendEmail calls were refused with TooManyRequestsException. */
  throttled: number;
  /** Bounce and complaint events published so far, oldest first. */
  readonly feedback: BusEvent[];
  stop(): Promise<void>;
}

const ACCOUNT = '000000000000';
/** SES v2 takes messages up to 40 MB; the sandbox's are a few KB. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

/**
 * SES's mailbox simulator: mail to these addresses is accepted, then bounces or is complained about
 * (`bounce+label@…` works too, as in SES). The sandbox makes the event SES would publish.
 */
const SIMULATOR = /^(bounce|complaint|suppressionlist)(\+[^@]*)?@simulator\.amazonses\.com$/i;

interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[] };
  ConfigurationSetName?: string;
  EmailTags?: { Name: string; Value: string }[];
}

/** The EventBridge event SES publishes for a simulated bounce or complaint (SES event publishing format). */
export function simulatedFeedback(recipient: string, request: SendEmailRequest, messageId: string, now = new Date()): BusEvent | undefined {
  const kind = SIMULATOR.exec(recipient)?.[1]?.toLowerCase();
  if (!kind || !request.ConfigurationSetName) return undefined;
  const time = now.toISOString();
  const tags: Record<string, string[]> = {
    'ses:configuration-set': [request.ConfigurationSetName],
    'ses:from-domain': [request.FromEmailAddress?.split('@')[1] ?? ''],
    ...Object.fromEntries((request.EmailTags ?? []).map((tag) => [tag.Name, [tag.Value]])),
  };
  const mail = {
    timestamp: time,
    source: request.FromEmailAddress,
    sendingAccountId: ACCOUNT,
    messageId,
    destination: request.Destination?.ToAddresses ?? [],
    tags,
  };
  const detail =
    kind === 'complaint'
      ? {
          eventType: 'Complaint',
          mail,
          complaint: {
            feedbackId: randomUUID(),
            timestamp: time,
            complainedRecipients: [{ emailAddress: recipient }],
            complaintFeedbackType: 'abuse',
            userAgent: 'Amazon SES Mailbox Simulator',
            complaintSubType: null,
          },
        }
      : {
          eventType: 'Bounce',
          mail,
          bounce: {
            feedbackId: randomUUID(),
            timestamp: time,
            bounceType: 'Permanent',
            bounceSubType: kind === 'suppressionlist' ? 'OnAccountSuppressionList' : 'General',
            bouncedRecipients: [{ emailAddress: recipient, action: 'failed', status: '5.1.1', diagnosticCode: 'smtp; 550 5.1.1 user unknown' }],
            reportingMTA: 'dns; simulator.amazonses.com',
          },
        };
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': kind === 'complaint' ? sesFeedbackEvents.detailTypes[1] : sesFeedbackEvents.detailTypes[0],
    source: sesFeedbackEvents.source,
    account: ACCOUNT,
    time: time.replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [`arn:aws:ses:${LOCAL_REGION}:${ACCOUNT}:configuration-set/${request.ConfigurationSetName}`],
    detail,
  };
}

/**
 * A proxy in front of the local SES that adds what it lacks: the mailbox simulator's bounce and
 * complaint events, and (optionally) SES's maximum send rate — a SendEmail beyond it (token bucket,
 * one second of burst) gets HTTP 429 TooManyRequestsException ("Maximum sending rate exceeded.").
 * Everything else passes through unchanged.
 */
export async function startSesFront(target: string, options: SesFrontOptions = {}): Promise<SesFront> {
  const perSecond = options.maxSendRate;
  let tokens = perSecond ?? 0;
  let refilled = Date.now();
  const upstream = new URL(target);
  const state: SesFront = { endpoint: '', accepted: [], throttled: 0, feedback: [], stop: async () => undefined };

  const publish = (body: string, reply: string) => {
    let request: SendEmailRequest;
    let messageId: string;
    try {
      request = JSON.parse(body) as SendEmailRequest;
      messageId = (JSON.parse(reply) as { MessageId?: string }).MessageId ?? randomUUID();
    } catch {
      return;
    }
    for (const recipient of request.Destination?.ToAddresses ?? []) {
      const event = simulatedFeedback(recipient, request, messageId);
      if (!event) continue;
      state.feedback.push(event);
      // As SES does: the event follows the accepted send, asynchronously.
      setTimeout(() => {
        options.onFeedback?.(event).catch((error: unknown) => options.report?.(`SES feedback event not delivered: ${String(error)}`));
      }, 50);
    }
  };

  const forward = (request: http.IncomingMessage, body: Buffer) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const outgoing = http.request(
        { hostname: upstream.hostname, port: upstream.port, path: request.url, method: request.method, headers: request.headers },
        (reply) => {
          const chunks: Buffer[] = [];
          reply.on('data', (chunk: Buffer) => chunks.push(chunk));
          reply.on('end', () => resolve({ status: reply.statusCode ?? 502, headers: reply.headers, body: Buffer.concat(chunks) }));
          reply.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = http.createServer(
    guard(
      'SES front',
      async (request, response) => {
        const sending = request.method === 'POST' && /\/v2\/email\/outbound-emails$/.test(request.url ?? '');
        if (sending && perSecond) {
          const now = Date.now();
          tokens = Math.min(perSecond, tokens + ((now - refilled) / 1000) * perSecond);
          refilled = now;
          if (tokens < 1) {
            state.throttled++;
            request.resume();
            response.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
            response.end(JSON.stringify({ message: 'Maximum sending rate exceeded.' }));
            return;
          }
          tokens -= 1;
        }
        const body = await readBody(request, MAX_REQUEST_BYTES);
        let reply;
        try {
          reply = await forward(request, body);
        } catch (error) {
          response.writeHead(502, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ message: `The local SES did not answer: ${error instanceof Error ? error.message : String(error)}` }));
          return;
        }
        // The body is whole here: the length is the upstream's, whatever its transfer encoding was.
        const { 'transfer-encoding': _chunked, 'content-length': _length, connection: _connection, ...headers } = reply.headers;
        const accepted = sending && reply.status < 300;
        if (accepted) state.accepted.push(Date.now());
        response.writeHead(reply.status, { ...headers, 'content-length': reply.body.length });
        response.end(reply.body);
        if (accepted) publish(body.toString('utf8'), reply.body.toString('utf8'));
      },
      { ...(options.report ? { report: options.report } : {}) },
    ),
  );
  const listening = await listenOnLoopback(server, 0);
  return Object.assign(state, {
    endpoint: `http://127.0.0.1:${listening.port}`,
    stop: listening.stop,
  });
}
