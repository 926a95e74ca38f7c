/** Error names the SDK's retry strategy treats as throttling (a subset: the services Closeloop calls). */
const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'Throttling',
  'LimitExceededException',
  'TransactionInProgressException',
]);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * An AWS call that failed for a moment, after the SDK's own retries: throttling, a service-side
 * fault (5xx), a timeout or a dropped connection. Trying again later can succeed; anything else
 * (a validation error, a missing table) is a bug or a misconfiguration and is not transient.
 */
export function isTransientAwsError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: string; code?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  return (
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    status === 429 ||
    (status !== undefined && status >= 500) ||
    THROTTLING.has(e.name ?? '') ||
    TIMEOUTS.has(e.name ?? '') ||
    NETWORK_CODES.has(e.code ?? '')
  );
}
