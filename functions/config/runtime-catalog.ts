import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Catalog } from '../domain/program.js';
import { readEnv } from './env.js';

/**
 * The catalog a function runs with: the JSON file the construct validated at synth and placed in
 * the function's asset (the sandbox writes the same file). Read once, at cold start; not validated
 * again, so the validator stays out of the bundle. A relative path is the asset's (LAMBDA_TASK_ROOT).
 */
export function loadRuntimeCatalog(env: NodeJS.ProcessEnv = process.env): Catalog {
  const file = path.resolve(env.LAMBDA_TASK_ROOT ?? process.cwd(), readEnv(['RUNTIME_CATALOG'], env).RUNTIME_CATALOG);
  return JSON.parse(readFileSync(file, 'utf8')) as Catalog;
}

/** The file name of the validated catalog inside each function's asset. */
export const RUNTIME_CATALOG_FILE = 'catalog.json';
