/**
 * Writes the JSON Schemas generated from the zod schemas (one source of truth); a test fails when a
 * committed file is stale.  tsx scripts/schemas.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalogJsonSchema } from '../functions/config/catalog-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Each generated file, by its path in the repo (and the package). */
export function generatedSchemas(): Record<string, string> {
  return {
    'schema/closeloop.schema.json': `${JSON.stringify(catalogJsonSchema(), null, 2)}\n`,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const [file, text] of Object.entries(generatedSchemas())) {
    writeFileSync(path.join(root, file), text);
    console.log(`wrote ${file}`);
  }
}
