import { type AttemptResult, DELIVERY_RETRY, retryAfterSeconds } from '../domain/delivery-policy.js';
import type { HttpAnswer, HttpRequester, WebhookSender } from '../ports.js';

/** A helpdesk's answer is read up to this many bytes (a ticket lookup is a few kilobytes). */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * fetch() with a deadline. Redirects are not followed (a 3xx is the receiver's final answer: a
 * signed delivery is not re-sent to a host nobody configured). Errors are described by their code
 * only: a Slack URL is a credential and must not reach a log. A Retry-After header comes back with
 * the status, so the backoff honours it.
 */
export class HttpWebhookSender implements WebhookSender, HttpRequester {
  constructor(private readonly timeoutMs: number = DELIVERY_RETRY.requestTimeoutMs) {}

  async post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult> {
    const answer = await this.request('POST', url, headers, body);
    if ('error' in answer) return answer;
    const { body: _ignored, ...result } = answer;
    return result;
  }

  async request(method: 'GET' | 'POST' | 'PUT', url: string, headers: Readonly<Record<string, string>>, body?: string): Promise<HttpAnswer> {
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Read the answer (also so the connection is released); bounded: a helpdesk's answers are small.
      const bytes = Buffer.from(await response.arrayBuffer().catch(() => new ArrayBuffer(0)));
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'), new Date());
      return {
        status: response.status,
        body: bytes.subarray(0, MAX_ANSWER_BYTES).toString('utf8'),
        ...(retryAfter === undefined ? {} : { retryAfterSeconds: retryAfter }),
      };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { error: 'timeout', message: `no answer within ${this.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { error: 'network', message: cause?.code ?? name };
    }
  }
}
