import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';

/** Built once per cold start. Log business keys (program, eventId, caseId), never personal data. */
export const logger = new Logger({ serviceName: 'closeloop' });
export const metrics = new Metrics({ namespace: 'Closeloop', serviceName: 'closeloop', logger });

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
