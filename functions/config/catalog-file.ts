import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { Catalog } from '../domain/program.js';
import { InvalidCatalogError, parseCatalog } from './catalog-schema.js';

/**
 * Finding and reading the adopter's catalog file. Used by the construct (at synth), the sandbox and
 * the CLI; never by a Lambda handler (they read the validated JSON the construct placed beside them).
 */

/** Looked for, in this order, in the current directory and then each parent. */
export const CATALOG_FILE_NAMES = ['closeloop.yaml', 'closeloop.yml', 'closeloop.json'] as const;

/** Selects the catalog for every command; an empty value counts as unset. */
export const CATALOG_VARIABLE = 'CLOSELOOP_CATALOG';

export class CatalogNotFoundError extends Error {
  override readonly name = 'CatalogNotFoundError';
}

/** A catalog file that cannot be read or parsed (not a schema problem: see InvalidCatalogError). */
export class CatalogFileError extends Error {
  override readonly name = 'CatalogFileError';
}

/** The nearest closeloop.yaml (.yml, .json) from `startDir` upward, or undefined. */
export function findCatalogFile(startDir: string): string | undefined {
  let dir = path.resolve(startDir);
  for (;;) {
    for (const name of CATALOG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Which catalog file a command uses: `--catalog`, else CLOSELOOP_CATALOG, else the nearest
 * closeloop.yaml from `cwd` upward.
 */
export function resolveCatalogPath(options: { flag?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const chosen = options.flag || (options.env ?? process.env)[CATALOG_VARIABLE] || undefined;
  if (chosen) {
    const file = path.resolve(cwd, chosen);
    if (!existsSync(file)) throw new CatalogNotFoundError(`catalog file ${file} does not exist`);
    return file;
  }
  const found = findCatalogFile(cwd);
  if (!found) {
    throw new CatalogNotFoundError(
      `no ${CATALOG_FILE_NAMES.join(', ')} in ${cwd} or any parent folder; ` +
        `write one (see docs/catalog.md), or name it with --catalog <file> or ${CATALOG_VARIABLE}=<file>`,
    );
  }
  return found;
}

/** The file's data, before validation: YAML (.yaml, .yml) or JSON (.json), errors with line and column. */
export function readCatalogData(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CatalogFileError(`${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (file.endsWith('.json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new CatalogFileError(`${file}: not valid JSON: ${(error as Error).message}`);
    }
  }
  try {
    return parseYaml(text, { prettyErrors: true, uniqueKeys: true }) as unknown;
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const at = error.linePos?.[0];
      throw new CatalogFileError(`${file}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
    throw error;
  }
}

/** Reads and validates a catalog file; an invalid one throws InvalidCatalogError naming the file and each field. */
export function loadCatalogFile(file: string, options: { warn?: (message: string) => void } = {}): Catalog {
  const warn = options.warn;
  try {
    return parseCatalog(readCatalogData(file), {
      baseDir: path.dirname(path.resolve(file)),
      ...(warn ? { warn: (message: string) => warn(`${path.basename(file)}: ${message}`) } : {}),
    });
  } catch (error) {
    if (error instanceof InvalidCatalogError) throw new InvalidCatalogError(error.problems.map((problem) => `${path.basename(file)}: ${problem}`));
    throw error;
  }
}
