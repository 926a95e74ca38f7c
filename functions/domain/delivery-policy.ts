/**
 * When a delivery is retried, and for how long. The retry window is at least a day: a receiver may
 * be down over a night or a weekend deploy, and nothing is lost meanwhile.
 */
export const DELIVERY_RETRY = {
  /** The wait after the first failed attempt; it doubles after each further one … */
  firstDelaySeconds: 30,
  /** … up to this (SQS allows a message's visibility timeout up to 12 hours). */
  maxDelaySeconds: 12 * 3600,
  /** Attempts keep coming for at least this long after the first. */
  windowSeconds: 24 * 3600,
  /** One attempt's HTTP request is abandoned (and retried) after this. */
  requestTimeoutMs: 10_000,
} as const;

/** The wait after failed attempt `attempt` (1-based), before `scale` (the sandbox compresses time). */
export function retryDelaySeconds(attempt: number): number {
  return Math.min(DELIVERY_RETRY.firstDelaySeconds * 2 ** Math.max(0, attempt - 1), DELIVERY_RETRY.maxDelaySeconds);
}

/** The number of attempts whose waits add up to the retry window: 13 (12 waits, about 29 hours). */
export const MAX_DELIVERY_ATTEMPTS = (() => {
  let waited = 0;
  let attempts = 1;
  while (waited < DELIVERY_RETRY.windowSeconds) waited += retryDelaySeconds(attempts++);
  return attempts;
})();

/** Seconds from the first attempt to the last, unscaled. */
export const RETRY_WINDOW_SECONDS = Array.from({ length: MAX_DELIVERY_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1)).reduce((a, b) => a + b, 0);

/** What one attempt came to. */
export type AttemptResult =
  | { readonly status: number /** The receiver's Retry-After (429, 503), in seconds. */; readonly retryAfterSeconds?: number }
  | { readonly error: 'timeout' | 'network'; readonly message: string };

/** A Retry-After header (delay-seconds or an HTTP date) in whole seconds from `now`, or undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null | undefined, now: Date): number | undefined {
  if (!header) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

export type AttemptVerdict = 'delivered' | 'retry' | 'rejected';

/** 2xx delivered; 408, 429, 5xx, timeouts and network errors are worth a retry; any other answer is final. */
export function verdictOf(result: AttemptResult): AttemptVerdict {
  if ('error' in result) return 'retry';
  if (result.status >= 200 && result.status < 300) return 'delivered';
  if (result.status === 408 || result.status === 429 || result.status >= 500) return 'retry';
  return 'rejected';
}

export function describeAttempt(result: AttemptResult): string {
  return 'error' in result ? `${result.error}: ${result.message}` : `HTTP ${result.status}`;
}

/** One attempt's outcome, however many requests it took: the verdict, what the log says, and the receiver's Retry-After. */
export interface AttemptOutcome {
  readonly verdict: AttemptVerdict;
  readonly described: string;
  readonly retryAfterSeconds?: number;
}

/** The outcome of an attempt that came to one answer; `step` names the request when an attempt makes several. */
export function outcomeOf(result: AttemptResult, step?: string): AttemptOutcome {
  const verdict = verdictOf(result);
  const described = `${describeAttempt(result)}${step ? ` (${step})` : ''}`;
  const retryAfter = 'status' in result ? result.retryAfterSeconds : undefined;
  return { verdict, described, ...(verdict === 'retry' && retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) };
}

/** The wait before the next attempt: the backoff (scaled), or longer if the receiver asked (Retry-After), at most the longest wait. */
export function nextAttemptInSeconds(attempt: number, scale: number, retryAfter?: number): number {
  return Math.min(DELIVERY_RETRY.maxDelaySeconds, Math.max(Math.round(retryDelaySeconds(attempt) * scale), retryAfter ?? 0));
}
