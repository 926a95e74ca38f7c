import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { DEFAULT_PORTS, type RunningSandbox, type SandboxInfo, startSandbox } from '../../sandbox/sandbox.js';
import { sandboxCatalog } from '../fixtures/catalog.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxInfo;
  }
}

/**
 * One sandbox for the whole test run, on free ports, next to (not on top of) a developer's
 * `npm start`. The integration and browser projects both list this setup; the sandbox configures
 * the process (handlers read AWS_ENDPOINT_URL_* once), so they share one and the last stops it.
 */
interface Shared {
  sandbox: Promise<RunningSandbox>;
  stateDir: string;
  users: number;
}
// On globalThis: each project may load this module afresh, but they run in one process.
const holder = globalThis as { closeloopSandbox?: Shared };

export default async function setup(project: TestProject) {
  let shared = holder.closeloopSandbox;
  if (!shared) {
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-sandbox-'));
    shared = {
      stateDir,
      users: 0,
      sandbox: startSandbox({
        catalog: sandboxCatalog,
        ports: Object.fromEntries(Object.keys(DEFAULT_PORTS).map((key) => [key, 0])),
        stateDir,
        retryDelaySeconds: 1,
        // Two hours become 3.6 s: delayed surveys are tested in real (compressed) time.
        delayScale: 0.0005,
        logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
        log: (message: string) => {
          if (process.env.CLOSELOOP_TEST_LOG) appendFileSync(process.env.CLOSELOOP_TEST_LOG, `${message}\n`);
        },
      }),
    };
    holder.closeloopSandbox = shared;
  }
  const current = shared;
  current.users++;
  project.provide('sandbox', (await current.sandbox).info);
  return async () => {
    if (--current.users > 0) return;
    holder.closeloopSandbox = undefined;
    await (await current.sandbox).stop();
    rmSync(current.stateDir, { recursive: true, force: true });
  };
}
