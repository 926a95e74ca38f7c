import { DELIVERY_RETRY, type AttemptResult } from '../domain/delivery-policy.js';
import type { WebhookSender } from '../ports.js';

/**
 * fetch() with a deadline. Redirects are not followed (a 3xx is the receiver's final answer: a
 * signed delivery is not re-sent to a host nobody configured). Errors are described by their code
 * only: a Slack URL is a credential and must not reach a log.
 */
export class HttpWebhookSender implements WebhookSender {
  constructor(private readonly timeoutMs: number = DELIVERY_RETRY.requestTimeoutMs) {}

  async post(url: string, headers: Readonly<Record<string, string>>, body: string): Promise<AttemptResult> {
    try {
      const response = await fetch(url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      // Read (and drop) the answer so the connection is released.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') return { error: 'timeout', message: `no answer within ${this.timeoutMs} ms` };
      const cause = (error as { cause?: { code?: string } }).cause;
      return { error: 'network', message: cause?.code ?? name };
    }
  }
}
