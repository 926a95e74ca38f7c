import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { integrationQueueName } from '../functions/config/resources.js';
import type { StageManifest } from '../functions/config/stages/manifest.js';
import { STAGES, type Stage, WIRING } from '../functions/config/wiring.js';
import type { Catalog } from '../functions/domain/program.js';
import type { HttpHandler, HttpRoute } from './http-api.js';
import { lambdaContext } from './lambda-context.js';
import { type ErrorReporter, every, type Poller, pollQueue, pollStream } from './pollers.js';
import type { SandboxQueue } from './resources.js';

/**
 * Every stage of functions/config/stages/, run locally as its manifest says: the same handler, the
 * same routes, and its trigger as a poller (a queue's event source, the stream's, or the schedule).
 * Nothing here names a stage: a new stage with a manifest runs in the sandbox as it is.
 */

/** A handler as the sandbox invokes it: whatever event its trigger or route delivers. */
export type AnyHandler = (event: never, context: Context) => Promise<unknown>;

/** Each stage's handler module, imported now (like a Lambda cold start: each reads its environment once, so set it first). */
export async function loadHandlers(): Promise<Record<Stage, AnyHandler>> {
  const loaded = await Promise.all(
    STAGES.map(async (stage) => {
      // One file per stage folder; esbuild bundles every functions/*/handler.ts for the compiled CLI.
      const module = (await import(`../functions/${stage}/handler.ts`)) as { handler: AnyHandler };
      return [stage, module.handler] as const;
    }),
  );
  return Object.fromEntries(loaded) as Record<Stage, AnyHandler>;
}

/** The routes of every stage that serves some, each by its own handler (functions named `closeloop-<stage>`). */
export function stageRoutes(handlers: Readonly<Record<Stage, AnyHandler>>): HttpRoute[] {
  return STAGES.flatMap(
    (stage) =>
      (WIRING[stage] as StageManifest).routes?.map((route) => ({
        methods: [...route.methods],
        path: route.path,
        handler: handlers[stage] as HttpHandler,
        functionName: `closeloop-${stage}`,
        ...(route.auth === 'none' ? {} : { auth: route.auth }),
      })) ?? [],
  );
}

export interface TriggerOptions {
  readonly catalog: Catalog;
  readonly sqs: SQSClient;
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly queue: (name: string) => SandboxQueue;
  /** How long a failed queue message waits before its retry. */
  readonly retryDelaySeconds: number;
  /** With a send rate, a queue trigger runs as many pollers as the stack's concurrency cap for it (else one). */
  readonly sesMaxSendRate?: number;
  /** How often a scheduled stage runs (the stack's rate is minutes; SLAs may be compressed here). */
  readonly scheduleIntervalMs: number;
  readonly report: ErrorReporter;
}

/** Every stage's trigger as the stack declares it: one poller per queue consumer, one reader of the stream per stage, one loop per schedule. */
export function startTriggers(handlers: Readonly<Record<Stage, AnyHandler>>, options: TriggerOptions): Poller[] {
  return STAGES.flatMap((stage): Poller[] => {
    const trigger = (WIRING[stage] as StageManifest).trigger;
    const functionName = `closeloop-${stage}`;
    const handler = handlers[stage];
    switch (trigger?.kind) {
      case 'queue': {
        const names = trigger.perIntegration ? (options.catalog.integrations ?? []).map(({ id }) => integrationQueueName(id)) : [trigger.queue];
        const consumers = trigger.maxConcurrency && options.sesMaxSendRate ? trigger.maxConcurrency(options.sesMaxSendRate) : 1;
        return names.flatMap((name) =>
          Array.from({ length: consumers }, () =>
            pollQueue({
              sqs: options.sqs,
              queue: options.queue(name),
              handler: handler as Parameters<typeof pollQueue>[0]['handler'],
              functionName,
              retryDelaySeconds: options.retryDelaySeconds,
              handlerSetsVisibility: trigger.handlerSetsVisibility ?? false,
              report: options.report,
            }),
          ),
        );
      }
      case 'stream':
        // Every reader gets every record (the handlers skip what the stack's filter would not pass).
        return [
          pollStream({
            streams: options.streams,
            streamArn: options.streamArn,
            handler: handler as Parameters<typeof pollStream>[0]['handler'],
            functionName,
            retryAttempts: trigger.retryAttempts,
            sqs: options.sqs,
            onFailureQueueUrl: options.queue(trigger.failureQueue).url,
            report: options.report,
          }),
        ];
      case 'schedule':
        return [every(options.scheduleIntervalMs, () => handler({} as never, lambdaContext(functionName)), options.report, functionName)];
      default:
        return [];
    }
  });
}
