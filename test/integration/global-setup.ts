import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startSandbox, type SandboxInfo } from '../../lib/sandbox/sandbox.js';

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxInfo;
  }
}

/** One sandbox for the integration run, on free ports, next to (not on top of) a developer's `npm start`. */
export default async function setup(project: TestProject) {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-sandbox-'));
  const sandbox = await startSandbox({
    ports: { dynamodb: 0, ses: 0, sqs: 0, events: 0, http: 0 },
    stateDir,
    retryDelaySeconds: 1,
    // Two hours become 3.6 s: delayed surveys are tested in real (compressed) time.
    delayScale: 0.0005,
    logLevel: process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT',
    log: () => undefined,
  });
  project.provide('sandbox', sandbox.info);
  return async () => {
    await sandbox.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}
