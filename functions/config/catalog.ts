import type { Catalog } from '../domain/program.js';
import { parseCatalog } from './catalog-schema.js';
import { declaredCatalog } from './programs.js';

/**
 * Set by the Lambda bundler (esbuild `define`) to the catalog `cdk synth` validated: a function
 * then starts without shipping or running the validator. Everywhere else (sandbox, tests, CLI) the
 * declarations are validated here, at import.
 */
declare const __CLOSELOOP_CATALOG__: string | undefined;

/** The validated catalog. Importing this module fails fast if the declarations are invalid. */
export const catalog: Catalog = typeof __CLOSELOOP_CATALOG__ === 'string'
  ? (JSON.parse(__CLOSELOOP_CATALOG__) as Catalog)
  : parseCatalog(declaredCatalog);

/** The bundler's `define` for a function built from the already validated catalog. */
export function catalogDefine(validated: Catalog): Record<string, string> {
  return { __CLOSELOOP_CATALOG__: JSON.stringify(JSON.stringify(validated)) };
}
