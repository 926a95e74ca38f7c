/**
 * Builds what the package ships: each Lambda handler pre-bundled (dist/functions/<stage>/index.js),
 * so adopters need neither esbuild nor Docker; the construct adds the catalog beside each at synth.
 *   tsx scripts/build.ts
 */
import { build, type BuildOptions } from 'esbuild';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FUNCTIONS_SOURCE = path.join(root, 'functions');
export const FUNCTIONS_OUT = path.join(root, 'dist', 'functions');

/** How every handler is bundled: minified CommonJS for Node.js 24, the AWS SDK v3 left to the runtime. */
export const functionBuildOptions: BuildOptions = {
  bundle: true,
  minify: true,
  sourcemap: false,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: ['@aws-sdk/*'],
  legalComments: 'none',
  logLevel: 'warning',
};

/** The stages: every folder of functions/ with a handler.ts. */
export function stages(): string[] {
  return readdirSync(FUNCTIONS_SOURCE)
    .filter((name) => { try { return statSync(path.join(FUNCTIONS_SOURCE, name, 'handler.ts')).isFile(); } catch { return false; } })
    .sort();
}

export async function buildFunctions(outDir = FUNCTIONS_OUT): Promise<Record<string, number>> {
  rmSync(outDir, { recursive: true, force: true });
  const sizes: Record<string, number> = {};
  await Promise.all(stages().map(async (stage) => {
    const outfile = path.join(outDir, stage, 'index.js');
    mkdirSync(path.dirname(outfile), { recursive: true });
    await build({ ...functionBuildOptions, entryPoints: [path.join(FUNCTIONS_SOURCE, stage, 'handler.ts')], outfile });
    sizes[stage] = statSync(outfile).size;
  }));
  return sizes;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const sizes = await buildFunctions();
  const total = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(`built ${Object.keys(sizes).length} handlers into ${path.relative(process.cwd(), FUNCTIONS_OUT) || FUNCTIONS_OUT} (${(total / 1024).toFixed(1)} KiB)`);
}
