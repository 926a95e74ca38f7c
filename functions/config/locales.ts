import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from './package-info.js';

/**
 * Locale bundles as data: the built-in ones (en, et, hr, th, fa) are YAML files in the package's
 * locales/ folder; an adopter adds one in the catalog (`locales: { de: ./locales/de.yaml }`) or inline.
 * Read at synth, by the sandbox and the CLI; the functions get the bundles inside their catalog.json.
 */

/** Lower-case BCP 47: a language, then optional subtags ("de", "pt-br", "sr-latn"). */
export const LOCALE_TAG = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/;

/** The built-in bundles as their files declare them, by tag. */
export function builtInLocaleData(dir = path.join(packageRoot(), 'locales')): Record<string, unknown> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((name) => name.endsWith('.yaml'))
      .sort()
      .map((name) => [name.replace(/\.yaml$/, ''), parseYaml(readFileSync(path.join(dir, name), 'utf8')) as unknown]),
  );
}

/** A bundle file an adopter's catalog names (YAML or JSON), relative to the catalog's folder. */
export function readLocaleFile(file: string, baseDir: string): unknown {
  const resolved = path.resolve(baseDir, file);
  let text: string;
  try {
    text = readFileSync(resolved, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${resolved} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new Error(`${resolved} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}
