import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { deployedStages } from '../../functions/config/wiring.js';

// cdk-nag in any setup (docs/security.md): the built construct (dist/lib/index.cjs, as a CommonJS app loads
// it) synthesized under the newest aws-cdk-lib and the peer floor, with cdk-nag 3 and cdk-nag 2, from
// tools/cdk-matrix (npm aliases; `npm ci --prefix tools/cdk-matrix`, .ci/run does it). One process per cell,
// so each sees exactly one aws-cdk-lib (nag-matrix/synth.cjs).
const root = path.resolve(import.meta.dirname, '../..');
const matrix = path.join(root, 'tools', 'cdk-matrix');
const installed = existsSync(path.join(matrix, 'node_modules', 'aws-cdk-lib-newest')) && existsSync(path.join(matrix, 'node_modules', 'cdk-nag-v2'));
const pinned = JSON.parse(readFileSync(path.join(matrix, 'package.json'), 'utf8')).dependencies as Record<string, string>;
const peerFloor = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).peerDependencies as Record<string, string>)['aws-cdk-lib'];

type Library = 'newest' | 'floor';
type Nag = 'v3' | 'v2';
interface Cell {
  readonly version: string;
  readonly runtime: string;
  readonly findings: string[];
}

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

async function synth(library: Library, nag: Nag, runtime: string, props: 'plain' | 'everything'): Promise<Cell> {
  const outdir = mkdtempSync(path.join(os.tmpdir(), 'closeloop-nag-'));
  outdirs.push(outdir);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(import.meta.dirname, 'nag-matrix', 'synth.cjs'), library, nag, runtime, props, outdir],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as Cell;
}

// Without the tool folder the matrix cannot run: skipped on a contributor's machine, a failure on CI.
describe.skipIf(!installed && process.env.CI !== 'true')('cdk-nag matrix: newest aws-cdk-lib and the peer floor × cdk-nag 3 and 2', () => {
  it('pins the peer floor the package declares', () => {
    expect(installed, 'tools/cdk-matrix is not installed: npm ci --prefix tools/cdk-matrix').toBe(true);
    expect(peerFloor).toBe(`^${pinned['aws-cdk-lib-floor']?.replace('npm:aws-cdk-lib@', '')}`);
  });

  for (const library of ['newest', 'floor'] as const) {
    for (const nag of ['v3', 'v2'] as const) {
      it(`${library} aws-cdk-lib, cdk-nag ${nag}: no finding with the default runtime, nor with the newest runtime and every option on`, async () => {
        const [plain, everything] = await Promise.all([synth(library, nag, 'default', 'plain'), synth(library, nag, 'newest', 'everything')]);
        expect(`npm:aws-cdk-lib@${plain.version}`).toBe(pinned[`aws-cdk-lib-${library}`]);
        expect(plain.runtime).toBe('nodejs24.x');
        expect(plain.findings).toEqual([]);
        if (library === 'newest') expect(everything.runtime).not.toBe('nodejs24.x'); // this library knows a newer Node.js
        expect(everything.findings).toEqual([]);
      });
    }
  }

  for (const nag of ['v3', 'v2'] as const) {
    it(`cdk-nag ${nag} is live: a runtime the adopter sets is not acknowledged (nodejs24.x on the newest library: both rules, every function)`, async () => {
      const cell = await synth('newest', nag, 'nodejs24.x', 'plain');
      const rules = cell.findings.map((finding) => /^error: (\S+) at /.exec(finding)?.[1]);
      expect(new Set(rules)).toEqual(new Set(['AwsSolutions-L1', 'Serverless-LambdaLatestVersion']));
      expect(rules).toHaveLength(2 * deployedStages({ workspace: false }).length);
    });
  }
});
