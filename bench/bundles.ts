/**
 * Bundle size of each Lambda (esbuild, minified, with the stack's options but the AWS SDK left out)
 * and its cold import time against two floors, in fresh Node processes, interleaved,
 * medians: a bundle that only imports the same AWS SDK packages, and one that also creates one
 * client of each (what any function using those clients does at cold start, before its own code).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { functionBuildOptions } from '../scripts/build.js';
import { HANDLER_ENV } from '../test/fixtures/handler-env.js';
import { median } from './harness.js';

const FUNCTIONS = path.resolve('functions');
// The stack's own build options (scripts/build.ts); Node 20 syntax, so the bench also runs without tools/node24.
// The SDK stays external here (as before 2026-11-30): this section weighs the functions' own code
// against importing the SDK packages they use; bench/sdk.ts compares external and bundled SDKs.
const common = { ...functionBuildOptions, external: ['@aws-sdk/*'], logLevel: 'silent' as const };

export interface BundleResult {
  readonly stage: string;
  readonly bytes: number;
  readonly sdkPackages: string[];
  readonly importMs: number;
  /** Importing the same SDK packages, nothing else. */
  readonly floorMs: number;
  readonly ratio: number;
  /** Importing them and creating one client of each. */
  readonly clientsFloorMs: number;
  readonly clientsRatio: number;
}

/** Source of a floor bundle that imports the packages and creates one client of each (the DocumentClient over a DynamoDBClient). */
function clientsFloorSource(packages: readonly string[]): string {
  const lines = packages.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`);
  lines.push('const clients = [];');
  packages.forEach((p, i) => {
    if (p === '@aws-sdk/lib-dynamodb') {
      lines.push(`clients.push(m${i}.DynamoDBDocumentClient.from(new (require('@aws-sdk/client-dynamodb').DynamoDBClient)({})));`);
    } else if (p.startsWith('@aws-sdk/client-')) {
      lines.push(
        `{ const [, C] = Object.entries(m${i}).find(([name, value]) => /Client$/.test(name) && typeof value === 'function' && typeof value.prototype?.send === 'function'); clients.push(new C({})); }`,
      );
    }
  });
  lines.push('export { clients };');
  return lines.join('\n');
}

function importTime(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', cwd: process.cwd() });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

/** `only`: these stages alone (a new stage's figures between complete runs); every stage by default. */
export async function benchBundles(starts = 21, only?: readonly string[]): Promise<BundleResult[]> {
  const stages = readdirSync(FUNCTIONS).filter((d) => {
    if (only && !only.includes(d)) return false;
    try {
      return statSync(path.join(FUNCTIONS, d, 'handler.ts')).isFile();
    } catch {
      return false;
    }
  });
  // Bundles live under the project so that require() finds the SDK in node_modules, as the runtime would.
  mkdirSync('.bench', { recursive: true });
  const dir = mkdtempSync(path.join(path.resolve('.bench'), 'bundles-'));
  // Inside this "type": "module" package; a Lambda asset has no package.json: its index.js is CommonJS (Node 24 would load it as ESM).
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "commonjs" }\n');
  const env = { ...process.env, ...HANDLER_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const results: BundleResult[] = [];
  for (const stage of stages) {
    const outfile = path.join(dir, `${stage}.js`);
    const built = await build({ ...common, entryPoints: [path.join(FUNCTIONS, stage, 'handler.ts')], outfile, target: 'node20', metafile: true });
    const sdkPackages = [
      ...new Set(
        Object.values(built.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)),
      ),
    ].sort();
    const floorSource = path.join(dir, `${stage}-floor.ts`);
    writeFileSync(floorSource, sdkPackages.map((p) => `import ${JSON.stringify(p)};`).join('\n'));
    const floorFile = path.join(dir, `${stage}-floor.js`);
    await build({ ...common, entryPoints: [floorSource], outfile: floorFile, target: 'node20' });
    const clientsSource = path.join(dir, `${stage}-clients.ts`);
    writeFileSync(clientsSource, clientsFloorSource(sdkPackages));
    const clientsFile = path.join(dir, `${stage}-clients.js`);
    await build({ ...common, entryPoints: [clientsSource], outfile: clientsFile, target: 'node20' });
    const samples = { own: [] as number[], floor: [] as number[], clients: [] as number[] };
    const sides = [
      ['own', outfile],
      ['floor', floorFile],
      ['clients', clientsFile],
    ] as const;
    for (let i = 0; i < starts; i++) {
      // Rotate the order, so a busy moment of the machine hits every side alike.
      for (let k = 0; k < sides.length; k++) {
        const [side, file] = sides[(i + k) % sides.length]!;
        samples[side].push(importTime(file, env));
      }
    }
    const importMs = median(samples.own);
    const floorMs = median(samples.floor);
    const clientsFloorMs = median(samples.clients);
    results.push({
      stage,
      bytes: statSync(outfile).size,
      sdkPackages,
      importMs,
      floorMs,
      ratio: importMs / floorMs,
      clientsFloorMs,
      clientsRatio: importMs / clientsFloorMs,
    });
  }
  return results;
}
