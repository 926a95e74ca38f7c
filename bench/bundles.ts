/**
 * Bundle size of each Lambda (built the way the stack builds it: esbuild, minified, AWS SDK left to
 * the runtime) and its cold import time against a floor bundle that imports only the same AWS SDK
 * packages, in fresh Node processes, alternating, medians.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { catalog, catalogDefine } from '../functions/config/catalog.js';
import { HANDLER_ENV } from '../test/fixtures/handler-env.js';
import { median } from './harness.js';

const FUNCTIONS = path.resolve('functions');
const common = { bundle: true, minify: true, platform: 'node' as const, format: 'cjs' as const, mainFields: ['module', 'main'], external: ['@aws-sdk/*'], logLevel: 'silent' as const };

export interface BundleResult {
  readonly stage: string;
  readonly bytes: number;
  readonly sdkPackages: string[];
  readonly importMs: number;
  readonly floorMs: number;
  readonly ratio: number;
}

function importTime(file: string, env: NodeJS.ProcessEnv): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;
  const result = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', cwd: process.cwd() });
  if (result.status !== 0) throw new Error(`importing ${file} failed: ${result.stderr}`);
  return Number(result.stdout);
}

export async function benchBundles(starts = 21): Promise<BundleResult[]> {
  const stages = readdirSync(FUNCTIONS).filter((d) => { try { return statSync(path.join(FUNCTIONS, d, 'handler.ts')).isFile(); } catch { return false; } });
  // Bundles live under the project so that require() finds the SDK in node_modules, as the runtime would.
  mkdirSync('.bench', { recursive: true });
  const dir = mkdtempSync(path.join(path.resolve('.bench'), 'bundles-'));
  const env = { ...process.env, ...HANDLER_ENV, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'SILENT' };
  const results: BundleResult[] = [];
  for (const stage of stages) {
    const outfile = path.join(dir, `${stage}.js`);
    const built = await build({ ...common, entryPoints: [path.join(FUNCTIONS, stage, 'handler.ts')], outfile, target: 'node20', metafile: true, define: catalogDefine(catalog) });
    const sdkPackages = [...new Set(Object.values(built.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external && i.path.startsWith('@aws-sdk/')).map((i) => i.path)))].sort();
    const floorSource = path.join(dir, `${stage}-floor.ts`);
    writeFileSync(floorSource, sdkPackages.map((p) => `import ${JSON.stringify(p)};`).join('\n'));
    const floorFile = path.join(dir, `${stage}-floor.js`);
    await build({ ...common, entryPoints: [floorSource], outfile: floorFile, target: 'node20' });
    const own: number[] = [];
    const floor: number[] = [];
    for (let i = 0; i < starts; i++) {
      // Alternate, so a busy moment of the machine hits both sides alike.
      if (i % 2) { own.push(importTime(outfile, env)); floor.push(importTime(floorFile, env)); }
      else { floor.push(importTime(floorFile, env)); own.push(importTime(outfile, env)); }
    }
    const importMs = median(own);
    const floorMs = median(floor);
    results.push({ stage, bytes: statSync(outfile).size, sdkPackages, importMs, floorMs, ratio: importMs / floorMs });
  }
  return results;
}
