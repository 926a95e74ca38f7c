import { dynamodb } from './dynamodb.js';
import { events } from './events.js';
import { http } from './http.js';
import { oidc } from './oidc.js';
import { resources } from './resources.js';
import { scheduler } from './scheduler.js';
import { secrets } from './secrets.js';
import type { SandboxRun, SandboxService } from './service.js';
import { ses } from './ses.js';
import { smtp } from './smtp.js';
import { sqs } from './sqs.js';
import { stages } from './stages.js';

/** The sandbox's services, one file each. A new local service adds its file and one entry here. */
export const SERVICES: readonly SandboxService[] = [dynamodb, sqs, ses, secrets, resources, stages, events, scheduler, oidc, http, smtp];

/**
 * Starts every service once those it starts `after` have, as many at once as can be (the emulators
 * together), and returns their stoppers, the last started first. If one fails, those started stop.
 */
export async function startServices(run: SandboxRun, services: readonly SandboxService[] = SERVICES): Promise<() => Promise<void>> {
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const stopOne of stoppers.splice(0).reverse()) await stopOne().catch(() => undefined);
  };
  const started = new Set<string>();
  let waiting = [...services];
  try {
    while (waiting.length) {
      const ready = waiting.filter((service) => (service.after ?? []).every((name) => started.has(name)));
      if (!ready.length) throw new Error(`sandbox: services waiting on one another or on none that exists: ${waiting.map((s) => s.name).join(', ')}`);
      const results = await Promise.allSettled(ready.map((service) => service.start(run)));
      for (const result of results) if (result.status === 'fulfilled') stoppers.push(result.value);
      const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failure) throw failure.reason;
      for (const service of ready) started.add(service.name);
      waiting = waiting.filter((service) => !ready.includes(service));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
