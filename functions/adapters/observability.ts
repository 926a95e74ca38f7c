import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { ENV } from '../config/env.js';
import { METRICS_NAMESPACE, METRICS_SERVICE, type MetricName } from '../config/metrics.js';
import type { StageManifest } from '../config/stages/manifest.js';
import { redact } from '../domain/redaction.js';

/**
 * Powertools' JSON layout, with every record passed through `redact`: even an error message that
 * quotes an address ("Illegal address: ana@…") reaches CloudWatch without it.
 */
export class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: redact(base) as LogAttributes }).addAttributes(redact(additional) as LogAttributes);
  }
}

/**
 * middy's options for every stage's handler. middy answers a `TimeoutError` 5 ms before the
 * function's deadline by default, and returns while the handler's calls are still in flight: they
 * carry on when the environment is next thawed, after the event source has retried the batch. For a
 * stage that holds a claim (a survey or a notification being sent), that retry could send again
 * while the first send is still running. Off: at its deadline Lambda ends the invocation and resets
 * the environment, so nothing of a failed invocation outlives it.
 */
const HANDLER_OPTIONS = { timeoutEarlyInMillis: 0 } as const;

/**
 * Every stage's handler: middy with the house options (above), the Lambda context in each log
 * record, and the invocation's metrics published after success and failure alike.
 */
export function stageHandler<TEvent, TResult>(handler: (event: TEvent, context: Context) => Promise<TResult>) {
  return middy(handler, HANDLER_OPTIONS).use(injectLambdaContext(logger)).use(publishMetrics());
}

/**
 * Built once per cold start. Log business keys (program, eventId, caseId), never personal data. The
 * `service` of each record is the stage's, `closeloop-<stage>`, from `POWERTOOLS_SERVICE_NAME` (set by
 * `StageFunction`; the sandbox, which runs every stage in one process, sets `closeloop`).
 */
export const logger = new Logger({ logFormatter: new RedactingLogFormatter() });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: process.env[ENV.METRICS_SERVICE] || METRICS_SERVICE, logger });

/** Counts by the names the stage's manifest declares (`metrics`), and no other. */
export function stageCounter<M extends StageManifest>(_manifest: M): (name: M['metrics'][number], value?: number) => void {
  return (name, value = 1) => metrics.addMetric(name, MetricUnit.Count, value);
}

/**
 * Flushes the invocation's metrics (EMF) after success and failure alike. Unlike Powertools'
 * logMetrics it stays silent when an invocation recorded none (a page view, a stream batch of claims).
 */
export function publishMetrics(): MiddlewareObj {
  const flush = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: flush, onError: flush };
}

/**
 * Wraps a batch record handler so a failing record is logged (with its id, never its content)
 * before the failure is reported back for retry: partial batch failures are otherwise silent.
 */
export function loggingFailures<R>(stage: string, failed: MetricName, idOf: (record: R) => string | undefined, handle: (record: R) => Promise<void>) {
  return async (record: R): Promise<void> => {
    try {
      await handle(record);
    } catch (error) {
      logger.error(`${stage}: record failed and will be retried`, { record: idOf(record), error });
      metrics.addMetric(failed, MetricUnit.Count, 1);
      throw error;
    }
  };
}
