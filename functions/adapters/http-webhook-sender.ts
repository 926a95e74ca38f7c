import { type AttemptResult, DELIVERY_RETRY, retryAfterSeconds } from '../domain/delivery-policy.js';
import type { HttpAnswer, HttpRequester, WebhookSender } from '../ports.js';

/** How much of an answer is read: a webhook or Slack receiver's answer is only looked at for its status; a helpdesk's API answer (a ticket lookup) is a few kilobytes. */
export const MAX_ANSWER_BYTES = { webhook: 64 * 1024, api: 1024 * 1024 } as const;

/**
 * The answer's body, read as it streams in and no further than `limit` bytes: the rest is never
 * received (the stream is cancelled), so a receiver answering gigabytes costs nothing but the bound.
 */
async function boundedBody(response: Response, limit: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A receiver that breaks off mid-answer: what arrived is the answer.
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

/**
 * fetch() with a deadline. Redirects are not followed (a 3xx is the receiver's final answer: a
 * signed delivery is not re-sent to a host nobody configured). Errors are described by their code
 * only: a Slack URL is a credential and must not reach a log. A Retry-After header comes back with
 * the status, so the backoff honours it.
 */
export class HttpWebhookSender implements WebhookSender, HttpRequester {
  constructor(private readonly timeoutMs: number = DELIVERY_RETRY.requestTimeoutMs) {}

  async post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult> {
    const answer = await this.request('POST', url, headers, body, MAX_ANSWER_BYTES.webhook);
    if ('error' in answer) return answer;
    const { body: _ignored, ...result } = answer;
    return result;
  }

  async request(
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    headers: Readonly<Record<string, string>>,
    body?: string,
    maxBytes: number = MAX_ANSWER_BYTES.api,
  ): Promise<HttpAnswer> {
    try {
      const response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      // Read the answer (also so the connection is released), streamed and bounded.
      const bytes = await boundedBody(response, maxBytes);
      const retryAfter = retryAfterSeconds(response.headers.get('retry-after'), new Date());
      return {
        status: response.status,
        body: bytes.toString('utf8'),
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
