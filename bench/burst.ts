/**
 * A burst of 5,000 events put at once on the sandbox, with SES's send rate emulated at 50/s: all
 * sent, none twice, nothing dead-lettered, and the send rate achieved as a share of the allowed one.
 */

import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { demoCatalog } from '../test/fixtures/catalog.js';
import { benchSandbox } from './harness.js';
import { type BurstProfile, startProfile } from './profile.js';

export interface BurstResult {
  readonly events: number;
  readonly sent: number;
  readonly duplicates: number;
  readonly deadLettered: number;
  readonly throttledCalls: number;
  readonly seconds: number;
  readonly achievedRate: number;
  readonly allowedRate: number;
  /** Emails accepted in each second from the first. */
  readonly perSecond: number[];
  /** With `profile`: what was busy in the seconds below 0.9 of the allowed rate (./profile.ts). */
  readonly profile?: BurstProfile;
}

export async function benchBurst(events = 5000, rate = 50, timeoutMs = 300_000, options: { profile?: boolean } = {}): Promise<BurstResult> {
  const sandbox = await benchSandbox('burst', {
    catalog: demoCatalog,
    sesMaxSendRate: rate,
    retryDelaySeconds: 1,
  });
  try {
    const { info } = sandbox;
    const config = { region: info.region, credentials: info.credentials };
    const bus = new EventBridgeClient({ ...config, endpoint: info.endpoints.eventbridge });
    const sqs = new SQSClient({ ...config, endpoint: info.endpoints.sqs });
    const run = Date.now().toString(36);
    const entries = Array.from({ length: events }, (_, i) => ({
      EventBusName: info.busName,
      Source: 'support.tickets',
      DetailType: 'TicketResolved',
      Detail: JSON.stringify({
        eventId: `burst-${run}-${i}`,
        occurredAt: new Date().toISOString(),
        customer: { id: `b${i}`, email: `burst-${run}-${i}@example.com` },
      }),
    }));
    const profiler = options.profile ? await startProfile() : undefined;
    let next = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        while (next < entries.length) {
          const batch = entries.slice(next, next + 10);
          next += 10;
          const result = await bus.send(new PutEventsCommand({ Entries: batch }));
          if (result.FailedEntryCount) throw new Error('the sandbox bus refused events');
        }
      }),
    );
    const accepted = sandbox.ses.accepted;
    const deadline = Date.now() + timeoutMs;
    while (accepted.length < events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    const profile = await profiler?.stop(accepted, rate);
    const seconds = ((accepted[accepted.length - 1] ?? 0) - (accepted[0] ?? 0)) / 1000;
    const store = (await (await fetch(info.sesStoreUrl)).json()) as { emails: { destination: { to: string[] } }[] };
    const perAddress = new Map<string, number>();
    // The local SES keeps one store per process: count only this burst's addresses.
    for (const email of store.emails) {
      for (const to of email.destination.to) if (to.startsWith(`burst-${run}-`)) perAddress.set(to, (perAddress.get(to) ?? 0) + 1);
    }
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: info.queues['dispatch-failures']!.url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return {
      events,
      sent: perAddress.size,
      duplicates: [...perAddress.values()].filter((n) => n > 1).length,
      deadLettered: Number(Attributes?.ApproximateNumberOfMessages ?? 0),
      throttledCalls: sandbox.ses.throttled,
      seconds,
      achievedRate: (accepted.length - 1) / seconds,
      allowedRate: rate,
      perSecond: accepted.reduce<number[]>((counts, at) => {
        const second = Math.floor((at - (accepted[0] ?? at)) / 1000);
        counts[second] = (counts[second] ?? 0) + 1;
        return counts;
      }, []),
      ...(profile ? { profile } : {}),
    };
  } finally {
    await sandbox.stop();
  }
}
