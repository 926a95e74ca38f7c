import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The packed tarball (`npm pack`, which builds first), shared by every adopter test file. */
    tarball: string;
  }
}

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');

/** Packs the package once for the adopter project: each adopter installs the same tarball. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-tarball-'));
  const { stdout } = await run('npm', ['pack', '--pack-destination', dir, '--silent'], {
    cwd: REPO,
    env: { ...process.env, npm_config_update_notifier: 'false' },
    timeout: 300_000,
    maxBuffer: 32 * 1024 * 1024,
  });
  project.provide('tarball', path.join(dir, stdout.trim().split('\n').pop() as string));
  return () => rmSync(dir, { recursive: true, force: true });
}
