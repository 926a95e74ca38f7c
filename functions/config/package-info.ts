import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The closeloop package's own folder (the repository, or node_modules/closeloop once installed):
 * the nearest folder above `from` whose package.json is named "closeloop". Never used in Lambda.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'closeloop') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return installedBeside(from);
    dir = parent;
  }
}

/** From another package (closeloop-sandbox's bundle): the closeloop that Node resolves from there. */
function installedBeside(from: string): string {
  try {
    return path.dirname(createRequire(from).resolve('closeloop/package.json'));
  } catch {
    throw new Error(`cannot find the closeloop package's folder (a package.json named "closeloop") above ${from}, nor an installed closeloop`);
  }
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}
