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
    /** closeloop-sandbox's packed tarball (the workspace sandbox/, built by the same build). */
    sandboxTarball: string;
  }
}

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');

/** Packs both packages once for the adopter project: each adopter installs the same tarballs. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-tarball-'));
  const pack = async (...workspace: string[]) => {
    const { stdout } = await run('npm', ['pack', ...workspace, '--pack-destination', dir, '--silent'], {
      cwd: REPO,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeout: 300_000,
      maxBuffer: 32 * 1024 * 1024,
    });
    return path.join(dir, stdout.trim().split('\n').pop() as string);
  };
  // The root's prepack builds everything, the sandbox's bundle included: pack it first.
  project.provide('tarball', await pack());
  project.provide('sandboxTarball', await pack('--workspace', 'sandbox'));
  return () => rmSync(dir, { recursive: true, force: true });
}
