import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SESEvent } from 'aws-lambda';
import { SMTPServer } from 'smtp-server';
import type { AnyHandler } from './stages.js';

/** The largest message SES receives (40 MB); the sandbox refuses more at the SMTP level, as SES does. */
const MAX_MESSAGE_BYTES = 40 * 1024 * 1024;

export interface SmtpOptions {
  readonly port: number;
  /** Only mail to addresses of this domain is accepted (the receipt rule's recipient condition). */
  readonly domain: string;
  readonly s3: S3Client;
  readonly bucket: string;
  /** Where the receipt rule's S3 action puts messages: `<prefix><messageId>`. */
  readonly prefix: string;
  /** The inbound stage's handler, invoked as the rule's Lambda action invokes it (asynchronously). */
  readonly handler: AnyHandler;
  readonly functionName: string;
  /** Lambda's retries of an asynchronous invocation that failed, then its on-failure destination. */
  readonly retryAttempts: number;
  readonly retryDelayMs: number;
  readonly sqs: SQSClient;
  readonly failureQueueUrl: string;
  readonly context: () => Parameters<AnyHandler>[1];
  readonly report: (source: string, error: unknown) => void;
}

export interface RunningSmtp {
  readonly endpoint: string;
  /** Invocations still running or waiting to retry (tests wait for none). */
  pending(): number;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SES email receiving, locally: an SMTP server on 127.0.0.1 (no TLS, no authentication, as SES's
 * inbound endpoint takes mail from anyone) that accepts mail for the inbound domain only, stores each
 * message raw in the bucket (fauxqs's S3), answers 250, then invokes the inbound stage with the event
 * SES's Lambda action sends (`Records[0].ses.mail` and `.receipt`), retried as Lambda retries an
 * asynchronous invocation and, failing still, sent to the stage's on-failure destination with the error.
 */
export async function startSmtp(options: SmtpOptions): Promise<RunningSmtp> {
  await options.s3.send(new CreateBucketCommand({ Bucket: options.bucket })).catch((error: Error) => {
    if (!/BucketAlready/.test(error.name)) throw error;
  });
  const running = new Set<Promise<void>>();
  const invoke = async (event: SESEvent) => {
    let lastError: unknown;
    for (let attempt = 0; attempt <= options.retryAttempts; attempt++) {
      if (attempt) await sleep(options.retryDelayMs);
      try {
        await options.handler(event as never, options.context());
        return;
      } catch (error) {
        lastError = error;
        options.report(`${options.functionName} (asynchronous invocation, attempt ${attempt + 1})`, error);
      }
    }
    // Lambda's on-failure destination record: the event, the attempts and the error.
    const error = lastError instanceof Error ? lastError : new Error(String(lastError));
    await options.sqs.send(
      new SendMessageCommand({
        QueueUrl: options.failureQueueUrl,
        MessageBody: JSON.stringify({
          version: '1.0',
          timestamp: new Date().toISOString(),
          requestContext: {
            requestId: randomBytes(16).toString('hex'),
            functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${options.functionName}:$LATEST`,
            condition: 'RetriesExhausted',
            approximateInvokeCount: options.retryAttempts + 1,
          },
          requestPayload: event,
          responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
          responsePayload: { errorType: error.name, errorMessage: error.message.slice(0, 1000) },
        }),
      }),
    );
  };
  const domain = options.domain.toLowerCase();
  const server = new SMTPServer({
    name: 'inbound-smtp.sandbox.closeloop',
    banner: 'Closeloop sandbox (SES email receiving)',
    secure: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onConnect(session, callback) {
      // Loopback only: the sandbox takes mail from this machine's mail clients and tests.
      const local = session.remoteAddress === '127.0.0.1' || session.remoteAddress === '::1' || session.remoteAddress === '::ffff:127.0.0.1';
      callback(local ? undefined : Object.assign(new Error('only this machine may connect'), { responseCode: 554 }));
    },
    onRcptTo(address, _session, callback) {
      const at = address.address.lastIndexOf('@');
      if (address.address.slice(at + 1).toLowerCase() !== domain) {
        return callback(Object.assign(new Error(`<${address.address}>: not a recipient of ${options.domain}`), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('message larger than 40 MB'), { responseCode: 552 }));
        }
        const raw = Buffer.concat(chunks);
        // SES's message ids are opaque, 20 lower-case characters and digits or more: one of the same shape.
        const messageId = randomBytes(20).toString('hex');
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const source = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        options.s3
          .send(new PutObjectCommand({ Bucket: options.bucket, Key: `${options.prefix}${messageId}`, Body: raw }))
          .then(() => {
            callback(null, `Ok ${messageId}`);
            const event = sesEvent({ messageId, source, recipients, functionName: options.functionName });
            const job = invoke(event).catch((error) => options.report(`${options.functionName} on-failure destination`, error));
            running.add(job);
            void job.finally(() => running.delete(job));
          })
          .catch((error: Error) => callback(Object.assign(new Error(`could not store the message: ${error.message}`), { responseCode: 451 })));
      });
    },
  });
  server.on('error', (error) => options.report('SMTP server', error));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    endpoint: `smtp://127.0.0.1:${port}`,
    pending: () => running.size,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.allSettled([...running]);
    },
  };
}

/** The event SES's receipt rule Lambda action sends, for a message its S3 action stored (the sandbox's and the tests'). */
export function sesEvent(mail: { messageId: string; source: string; recipients: string[]; functionName: string }): SESEvent {
  const timestamp = new Date().toISOString();
  const pass = { status: 'PASS' };
  return {
    Records: [
      {
        eventSource: 'aws:ses',
        eventVersion: '1.0',
        ses: {
          mail: {
            timestamp,
            source: mail.source,
            messageId: mail.messageId,
            destination: mail.recipients,
            headersTruncated: false,
            headers: [],
            commonHeaders: { returnPath: mail.source, date: timestamp, messageId: mail.messageId },
          },
          receipt: {
            timestamp,
            processingTimeMillis: 1,
            recipients: mail.recipients,
            spamVerdict: pass,
            virusVerdict: pass,
            spfVerdict: pass,
            dkimVerdict: pass,
            dmarcVerdict: pass,
            dmarcPolicy: 'none',
            action: { type: 'Lambda', functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${mail.functionName}`, invocationType: 'Event' },
          },
        },
      },
    ],
  } as unknown as SESEvent;
}
