import { randomUUID } from 'node:crypto';
import { InternalServerError, ProvisionedThroughputExceededException, ThrottlingException } from '@aws-sdk/client-dynamodb';
import { TooManyRequestsException } from '@aws-sdk/client-sesv2';
import { RequestThrottled } from '@aws-sdk/client-sqs';

/**
 * The AWS errors the injector can raise, built as the SDK's deserialisers build them (the client
 * packages' own ServiceException subclasses, with status code and request id), so the SDK's retry
 * strategy and Closeloop's code cannot tell them from real ones.
 */
export const FAULTS = {
  /** SES v2 at its maximum send rate: HTTP 429. */
  'ses-throttling': () => new TooManyRequestsException({ message: 'Maximum sending rate exceeded.', $metadata: metadata(429) }),
  /** DynamoDB over a table's or partition's throughput: HTTP 400, a throttling error by name. */
  'dynamodb-throughput': () =>
    new ProvisionedThroughputExceededException({
      message:
        'The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.',
      $metadata: metadata(400),
    }),
  /** DynamoDB's on-demand throttling: HTTP 400. */
  'dynamodb-throttling': () =>
    new ThrottlingException({ message: 'Throughput exceeds the current capacity of your table or index.', $metadata: metadata(400) }),
  /** DynamoDB's own failure: HTTP 500; the request may or may not have been applied. */
  'dynamodb-internal': () => new InternalServerError({ message: 'Internal server error', $metadata: metadata(500) }),
  /** SQS throttling an API call: HTTP 400 `RequestThrottled`. */
  'sqs-throttling': () => new RequestThrottled({ message: 'Request is throttled.', $metadata: metadata(400) }),
} as const;

export type FaultKind = keyof typeof FAULTS;

function metadata(httpStatusCode: number) {
  return { httpStatusCode, requestId: randomUUID(), attempts: 1, totalRetryDelay: 0 };
}

export interface FaultRule {
  /** The SDK client's name without "Client": 'DynamoDB', 'SESv2', 'SQS', 'EventBridge', 'Scheduler'. */
  readonly service: string;
  /** Command names without "Command", e.g. ['UpdateItem', 'GetItem']. */
  readonly commands: readonly string[];
  /** Only on the clients attached under these labels (see `handlerClients`). @default every attached client */
  readonly clients?: readonly string[];
  /** Share of attempts that fail, 0 to 1. */
  readonly rate: number;
  readonly fault: FaultKind;
  /**
   * 'request': the attempt fails before it is sent (nothing reaches the service, as with throttling).
   * 'response': the attempt reaches the service, then its answer is lost behind the error (a write may
   * be applied), as a 500 or a timeout after the fact.
   * @default 'request'
   */
  readonly phase?: 'request' | 'response';
}

/** Per "Service.Command": calls the code made, attempts the SDK made, failures injected, failures the code saw. */
export interface FaultCounts {
  operations: number;
  attempts: number;
  injected: number;
  /** Calls that failed after the SDK's last attempt: the caller saw the injected error. */
  surfaced: number;
}

type Handler = (args: unknown) => Promise<unknown>;
type Context = { clientName?: string; commandName?: string };
type Stack = { add: (middleware: unknown, options: unknown) => void };

/** mulberry32: a small seeded PRNG, so a run can be repeated with the same sequence of draws. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Fails a share of the SDK calls of chosen service/command pairs with realistic, retryable AWS
 * errors. Its middleware sits inside the SDK's retry loop (finalizeRequest, low priority: after the
 * retry middleware and signing), so each injected failure is one attempt the SDK's own retry
 * strategy sees and retries with its backoff, exactly like a throttled response from AWS.
 * Draws come from a seeded PRNG; with concurrent calls the order of draws follows their timing.
 */
export class FaultInjector {
  private random: () => number;
  private readonly attached = new WeakSet<object>();
  private readonly injectedErrors = new WeakSet<object>();
  readonly counts: Record<string, FaultCounts> = {};

  constructor(
    private rules: readonly FaultRule[],
    readonly seed = 1,
  ) {
    this.random = prng(seed);
  }

  /** Replaces the rules (an empty list turns injection off); counts are kept. */
  setRules(rules: readonly FaultRule[]): void {
    this.rules = rules;
  }

  /** Sums the counts of the keys matching `prefix` ("DynamoDB." or "SESv2.SendEmail"). */
  total(prefix = ''): FaultCounts {
    const sum: FaultCounts = { operations: 0, attempts: 0, injected: 0, surfaced: 0 };
    for (const [key, counts] of Object.entries(this.counts)) {
      if (!key.startsWith(prefix)) continue;
      for (const name of Object.keys(sum) as (keyof FaultCounts)[]) sum[name] += counts[name];
    }
    return sum;
  }

  /**
   * Adds the injector to a client (an SDK client or a DynamoDBDocumentClient, which shares its
   * client's stack); `label` names it for rules that target one client (`FaultRule.clients`).
   */
  attach<C extends { middlewareStack: unknown }>(client: C, label = ''): C {
    if (this.attached.has(client.middlewareStack as object)) return client;
    this.attached.add(client.middlewareStack as object);
    const stack = client.middlewareStack as Stack;
    const key = (context: Context) => `${context.clientName?.replace(/Client$/, '')}.${context.commandName?.replace(/Command$/, '')}`;
    const countsOf = (context: Context) => (this.counts[key(context)] ??= { operations: 0, attempts: 0, injected: 0, surfaced: 0 });
    // Outside the retry loop: one per call of our code.
    stack.add(
      (next: Handler, context: Context) => async (args: unknown) => {
        countsOf(context).operations++;
        try {
          return await next(args);
        } catch (error) {
          if (typeof error === 'object' && error && this.injectedErrors.has(error)) countsOf(context).surfaced++;
          throw error;
        }
      },
      { step: 'initialize', priority: 'high', name: 'closeloopFaultCounter' },
    );
    // Inside the retry loop: once per attempt.
    stack.add(
      (next: Handler, context: Context) => async (args: unknown) => {
        const counts = countsOf(context);
        counts.attempts++;
        const [service, command] = key(context).split('.');
        // One draw per matching rule, in order: the first that hits decides the attempt's fault.
        const rule = this.rules.find(
          (r) => r.service === service && r.commands.includes(command as string) && (!r.clients || r.clients.includes(label)) && this.random() < r.rate,
        );
        if (!rule) return next(args);
        const error = FAULTS[rule.fault]();
        this.injectedErrors.add(error);
        if (rule.phase === 'response') await next(args);
        counts.injected++;
        throw error;
      },
      { step: 'finalizeRequest', priority: 'low', name: 'closeloopFaultInjector' },
    );
    return client;
  }

  /** One line per service/command, for test output and docs. */
  summary(): string {
    return Object.entries(this.counts)
      .filter(([, c]) => c.injected > 0)
      .map(
        ([key, c]) =>
          `${key}: ${c.operations} calls, ${c.attempts} attempts, ${c.injected} injected failures, ${c.attempts - c.operations} SDK retries, ${c.surfaced} surfaced to the caller`,
      )
      .join('\n');
  }
}

/**
 * The SDK clients the handlers create at module scope, by label: 'dynamodb' (one, shared by every
 * DynamoDB adapter), 'ses', 'sqs', 'eventbridge', 'scheduler'.
 */
export async function handlerClients(): Promise<Record<string, { middlewareStack: unknown }>> {
  const [dynamodb, ses, sqs, eventbridge, scheduler, secrets] = await Promise.all([
    import('../functions/adapters/dynamo-client.js'),
    import('../functions/adapters/ses-survey-mailer.js'),
    import('../functions/adapters/sqs-queues.js'),
    import('../functions/adapters/eventbridge.js'),
    import('../functions/adapters/eventbridge-scheduler.js'),
    import('../functions/adapters/secrets-manager-secret-store.js'),
  ]);
  return {
    dynamodb: dynamodb.documentClient,
    ses: ses.sesClient,
    sqs: sqs.sqsClient,
    eventbridge: eventbridge.eventBridgeClient,
    scheduler: scheduler.schedulerClient,
    secretsmanager: secrets.secretsClient,
  };
}
